from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="HashItem")


@_attrs_define
class HashItem:
    """A picture's hashes (`phash` and `blockmean`, with `pdq` and its `pdq_quality` optional: a PDQ hasher gives both), or
    a `pdq` alone (a hash list entry, stored as `crosshash import` stores list lines; `pdq_quality` optional, unknown
    counts as matchable). Anything else is a 400 naming the item.

        Attributes:
            file (str): A relative path: not empty, no leading `/`, no empty, `.` or `..` segment, no NUL, at most 4096
                bytes (else 400).
            phash (str | Unset): phash: 16 hex digits (`str(imagehash.phash(img))`).
            blockmean (str | Unset): blockmean: 64 hex digits (OpenCV's `compute` bytes in order).
            pdq (str | Unset): pdq: 64 hex digits, as Meta writes a PDQ hash (the `pdqhash` binding's bits as one big-endian
                256-bit number).
            pdq_quality (int | Unset): PDQ's quality (0-100). Pictures under 50 (PDQ's quality floor) are not matched by
                their PDQ.
    """

    file: str
    phash: str | Unset = UNSET
    blockmean: str | Unset = UNSET
    pdq: str | Unset = UNSET
    pdq_quality: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file

        phash = self.phash

        blockmean = self.blockmean

        pdq = self.pdq

        pdq_quality = self.pdq_quality

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if phash is not UNSET:
            field_dict["phash"] = phash
        if blockmean is not UNSET:
            field_dict["blockmean"] = blockmean
        if pdq is not UNSET:
            field_dict["pdq"] = pdq
        if pdq_quality is not UNSET:
            field_dict["pdq_quality"] = pdq_quality

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = d.pop("file")

        phash = d.pop("phash", UNSET)

        blockmean = d.pop("blockmean", UNSET)

        pdq = d.pop("pdq", UNSET)

        pdq_quality = d.pop("pdq_quality", UNSET)

        hash_item = cls(
            file=file,
            phash=phash,
            blockmean=blockmean,
            pdq=pdq,
            pdq_quality=pdq_quality,
        )

        hash_item.additional_properties = d
        return hash_item

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
