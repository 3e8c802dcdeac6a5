from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="HashEntry")


@_attrs_define
class HashEntry:
    """The hashes of one image, or why it could not be hashed.

    Attributes:
        name (str):
        phash (str | Unset): phash: 16 hex digits (`str(imagehash.phash(img))`).
        blockmean (str | Unset): blockmean: 64 hex digits (OpenCV's `compute` bytes in order).
        error (str | Unset): The decoder's message (as in errors.json).
        warnings (list[str] | Unset):
    """

    name: str
    phash: str | Unset = UNSET
    blockmean: str | Unset = UNSET
    error: str | Unset = UNSET
    warnings: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        phash = self.phash

        blockmean = self.blockmean

        error = self.error

        warnings: list[str] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = self.warnings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if phash is not UNSET:
            field_dict["phash"] = phash
        if blockmean is not UNSET:
            field_dict["blockmean"] = blockmean
        if error is not UNSET:
            field_dict["error"] = error
        if warnings is not UNSET:
            field_dict["warnings"] = warnings

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        phash = d.pop("phash", UNSET)

        blockmean = d.pop("blockmean", UNSET)

        error = d.pop("error", UNSET)

        warnings = cast(list[str], d.pop("warnings", UNSET))

        hash_entry = cls(
            name=name,
            phash=phash,
            blockmean=blockmean,
            error=error,
            warnings=warnings,
        )

        hash_entry.additional_properties = d
        return hash_entry

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
