from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.query_options_families_item import QueryOptionsFamiliesItem
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.thresholds import Thresholds


T = TypeVar("T", bound="QueryOptions")


@_attrs_define
class QueryOptions:
    """
    Attributes:
        datasets (list[str] | Unset): Datasets to search (default: all); an unknown one is a 404.
        thresholds (Thresholds | Unset):
        limit (int | Unset): Matches per query. Queries x limit must be at most the server's `--max-query-matches`
            (default 1000000), else 413. Default: 100.
        families (list[QueryOptionsFamiliesItem] | Unset): Image queries: the hash families computed from each picture
            and matched (default the two default families, whose answers stay as they were). With `pdq`, each result gains
            `pdq` and `pdq_quality`; a picture under PDQ's quality floor (50) is not matched by its PDQ.
        dihedral (bool | Unset): Image queries: also search with the picture's 8 dihedral variants (mirrors and quarter
            turns, in the order identity, flip_h, flip_v, rot90, rot180, rot270, transpose, transverse) for the families
            queried; each match gains `transform`, the variant that matched (the first in that order at the smallest score),
            with that variant's distances. Each variant counts against `--max-query-matches` (queries x 8 x `limit`, else
            413). A JSON query by hash with `true` is a 422: the variants are hashed from the pixels. Default: False.
    """

    datasets: list[str] | Unset = UNSET
    thresholds: Thresholds | Unset = UNSET
    limit: int | Unset = 100
    families: list[QueryOptionsFamiliesItem] | Unset = UNSET
    dihedral: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        datasets: list[str] | Unset = UNSET
        if not isinstance(self.datasets, Unset):
            datasets = self.datasets

        thresholds: dict[str, Any] | Unset = UNSET
        if not isinstance(self.thresholds, Unset):
            thresholds = self.thresholds.to_dict()

        limit = self.limit

        families: list[str] | Unset = UNSET
        if not isinstance(self.families, Unset):
            families = []
            for families_item_data in self.families:
                families_item = families_item_data.value
                families.append(families_item)

        dihedral = self.dihedral

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if datasets is not UNSET:
            field_dict["datasets"] = datasets
        if thresholds is not UNSET:
            field_dict["thresholds"] = thresholds
        if limit is not UNSET:
            field_dict["limit"] = limit
        if families is not UNSET:
            field_dict["families"] = families
        if dihedral is not UNSET:
            field_dict["dihedral"] = dihedral

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.thresholds import Thresholds

        d = dict(src_dict)
        datasets = cast(list[str], d.pop("datasets", UNSET))

        _thresholds = d.pop("thresholds", UNSET)
        thresholds: Thresholds | Unset
        if isinstance(_thresholds, Unset):
            thresholds = UNSET
        else:
            thresholds = Thresholds.from_dict(_thresholds)

        limit = d.pop("limit", UNSET)

        _families = d.pop("families", UNSET)
        families: list[QueryOptionsFamiliesItem] | Unset = UNSET
        if _families is not UNSET:
            families = []
            for families_item_data in _families:
                families_item = QueryOptionsFamiliesItem(families_item_data)

                families.append(families_item)

        dihedral = d.pop("dihedral", UNSET)

        query_options = cls(
            datasets=datasets,
            thresholds=thresholds,
            limit=limit,
            families=families,
            dihedral=dihedral,
        )

        query_options.additional_properties = d
        return query_options

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
