from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Distances")


@_attrs_define
class Distances:
    """The distance for every family the query gives and the stored image has (an imported PDQ list entry has only `pdq`).

    Attributes:
        phash (int | Unset):
        blockmean (int | Unset):
        pdq (int | Unset):
    """

    phash: int | Unset = UNSET
    blockmean: int | Unset = UNSET
    pdq: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        phash = self.phash

        blockmean = self.blockmean

        pdq = self.pdq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if phash is not UNSET:
            field_dict["phash"] = phash
        if blockmean is not UNSET:
            field_dict["blockmean"] = blockmean
        if pdq is not UNSET:
            field_dict["pdq"] = pdq

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        phash = d.pop("phash", UNSET)

        blockmean = d.pop("blockmean", UNSET)

        pdq = d.pop("pdq", UNSET)

        distances = cls(
            phash=phash,
            blockmean=blockmean,
            pdq=pdq,
        )

        distances.additional_properties = d
        return distances

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
