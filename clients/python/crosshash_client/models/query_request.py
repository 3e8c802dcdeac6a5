from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.query import Query
    from ..models.thresholds import Thresholds


T = TypeVar("T", bound="QueryRequest")


@_attrs_define
class QueryRequest:
    """
    Attributes:
        queries (list[Query]): At least one; at most `--max-images-per-request` (else 413).
        datasets (list[str] | Unset):
        thresholds (Thresholds | Unset):
        limit (int | Unset):  Default: 100.
        dihedral (bool | Unset): Only `false` here: variants need the picture (send it to `POST /v1/query/upload`);
            `true` is a 422. Default: False.
    """

    queries: list[Query]
    datasets: list[str] | Unset = UNSET
    thresholds: Thresholds | Unset = UNSET
    limit: int | Unset = 100
    dihedral: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        queries = []
        for queries_item_data in self.queries:
            queries_item = queries_item_data.to_dict()
            queries.append(queries_item)

        datasets: list[str] | Unset = UNSET
        if not isinstance(self.datasets, Unset):
            datasets = self.datasets

        thresholds: dict[str, Any] | Unset = UNSET
        if not isinstance(self.thresholds, Unset):
            thresholds = self.thresholds.to_dict()

        limit = self.limit

        dihedral = self.dihedral

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "queries": queries,
            }
        )
        if datasets is not UNSET:
            field_dict["datasets"] = datasets
        if thresholds is not UNSET:
            field_dict["thresholds"] = thresholds
        if limit is not UNSET:
            field_dict["limit"] = limit
        if dihedral is not UNSET:
            field_dict["dihedral"] = dihedral

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.query import Query
        from ..models.thresholds import Thresholds

        d = dict(src_dict)
        queries = []
        _queries = d.pop("queries")
        for queries_item_data in _queries:
            queries_item = Query.from_dict(queries_item_data)

            queries.append(queries_item)

        datasets = cast(list[str], d.pop("datasets", UNSET))

        _thresholds = d.pop("thresholds", UNSET)
        thresholds: Thresholds | Unset
        if isinstance(_thresholds, Unset):
            thresholds = UNSET
        else:
            thresholds = Thresholds.from_dict(_thresholds)

        limit = d.pop("limit", UNSET)

        dihedral = d.pop("dihedral", UNSET)

        query_request = cls(
            queries=queries,
            datasets=datasets,
            thresholds=thresholds,
            limit=limit,
            dihedral=dihedral,
        )

        query_request.additional_properties = d
        return query_request

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
