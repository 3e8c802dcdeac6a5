from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.match_transform import MatchTransform
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.distances import Distances


T = TypeVar("T", bound="Match")


@_attrs_define
class Match:
    """
    Attributes:
        dataset (str):
        file (str): An image's key: its path relative to the dataset root. Invalid UTF-8 bytes are written as `\\udcXX`
            escapes.
        distances (Distances): The distance for every family the query gives and the stored image has (an imported PDQ
            list entry has only `pdq`).
        transform (MatchTransform | Unset): Dihedral queries only: the variant of the query picture that matched.
    """

    dataset: str
    file: str
    distances: Distances
    transform: MatchTransform | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dataset = self.dataset

        file = self.file

        distances = self.distances.to_dict()

        transform: str | Unset = UNSET
        if not isinstance(self.transform, Unset):
            transform = self.transform.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dataset": dataset,
                "file": file,
                "distances": distances,
            }
        )
        if transform is not UNSET:
            field_dict["transform"] = transform

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.distances import Distances

        d = dict(src_dict)
        dataset = d.pop("dataset")

        file = d.pop("file")

        distances = Distances.from_dict(d.pop("distances"))

        _transform = d.pop("transform", UNSET)
        transform: MatchTransform | Unset
        if isinstance(_transform, Unset):
            transform = UNSET
        else:
            transform = MatchTransform(_transform)

        match = cls(
            dataset=dataset,
            file=file,
            distances=distances,
            transform=transform,
        )

        match.additional_properties = d
        return match

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
