from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Thresholds")


@_attrs_define
class Thresholds:
    """
    Attributes:
        phash (int | Unset):  Default: 8.
        blockmean (int | Unset):  Default: 8.
        pdq (int | Unset):  Default: 31.
    """

    phash: int | Unset = 8
    blockmean: int | Unset = 8
    pdq: int | Unset = 31
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

        thresholds = cls(
            phash=phash,
            blockmean=blockmean,
            pdq=pdq,
        )

        thresholds.additional_properties = d
        return thresholds

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
