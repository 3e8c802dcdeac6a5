from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Query")


@_attrs_define
class Query:
    """At least one family's hash.

    Attributes:
        id (str | Unset):
        phash (str | Unset): phash: 16 hex digits (`str(imagehash.phash(img))`).
        blockmean (str | Unset): blockmean: 64 hex digits (OpenCV's `compute` bytes in order).
        pdq (str | Unset): pdq: 64 hex digits, as Meta writes a PDQ hash (the `pdqhash` binding's bits as one big-endian
            256-bit number).
    """

    id: str | Unset = UNSET
    phash: str | Unset = UNSET
    blockmean: str | Unset = UNSET
    pdq: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        phash = self.phash

        blockmean = self.blockmean

        pdq = self.pdq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
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
        id = d.pop("id", UNSET)

        phash = d.pop("phash", UNSET)

        blockmean = d.pop("blockmean", UNSET)

        pdq = d.pop("pdq", UNSET)

        query = cls(
            id=id,
            phash=phash,
            blockmean=blockmean,
            pdq=pdq,
        )

        query.additional_properties = d
        return query

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
