from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="HashItem")


@_attrs_define
class HashItem:
    """
    Attributes:
        file (str): A relative path: not empty, no leading `/`, no empty, `.` or `..` segment, no NUL, at most 4096
            bytes (else 400).
        phash (str): phash: 16 hex digits (`str(imagehash.phash(img))`).
        blockmean (str): blockmean: 64 hex digits (OpenCV's `compute` bytes in order).
    """

    file: str
    phash: str
    blockmean: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file

        phash = self.phash

        blockmean = self.blockmean

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "phash": phash,
                "blockmean": blockmean,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = d.pop("file")

        phash = d.pop("phash")

        blockmean = d.pop("blockmean")

        hash_item = cls(
            file=file,
            phash=phash,
            blockmean=blockmean,
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
