from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="StoredImage")


@_attrs_define
class StoredImage:
    """One stored image: the entry the hash and upload routes give (its hashes and warnings, or its error), with its
    content digest and size. A picture hashed with PDQ (or sent with it) also gives `pdq` and `pdq_quality`; a hash list
    entry (a PDQ alone) gives `pdq` (and `pdq_quality` when it was sent).

        Attributes:
            file (str): An image's key: its path relative to the dataset root. Invalid UTF-8 bytes are written as `\\udcXX`
                escapes.
            digest (None | str): SHA-256 of the file's content as last hashed (hex); null when the content was never read.
            size (int | None): The file's size in bytes when the scan saw it; null for uploads and unreadable entries.
            phash (str | Unset): phash: 16 hex digits (`str(imagehash.phash(img))`).
            blockmean (str | Unset): blockmean: 64 hex digits (OpenCV's `compute` bytes in order).
            pdq (str | Unset): pdq: 64 hex digits, as Meta writes a PDQ hash (the `pdqhash` binding's bits as one big-endian
                256-bit number).
            pdq_quality (int | Unset): PDQ's quality (0-100). Pictures under 50 (PDQ's quality floor) are not matched by
                their PDQ.
            error (str | Unset):
            warnings (list[str] | Unset):
    """

    file: str
    digest: None | str
    size: int | None
    phash: str | Unset = UNSET
    blockmean: str | Unset = UNSET
    pdq: str | Unset = UNSET
    pdq_quality: int | Unset = UNSET
    error: str | Unset = UNSET
    warnings: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file

        digest: None | str
        digest = self.digest

        size: int | None
        size = self.size

        phash = self.phash

        blockmean = self.blockmean

        pdq = self.pdq

        pdq_quality = self.pdq_quality

        error = self.error

        warnings: list[str] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = self.warnings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "digest": digest,
                "size": size,
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
        if error is not UNSET:
            field_dict["error"] = error
        if warnings is not UNSET:
            field_dict["warnings"] = warnings

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = d.pop("file")

        def _parse_digest(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        digest = _parse_digest(d.pop("digest"))

        def _parse_size(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        size = _parse_size(d.pop("size"))

        phash = d.pop("phash", UNSET)

        blockmean = d.pop("blockmean", UNSET)

        pdq = d.pop("pdq", UNSET)

        pdq_quality = d.pop("pdq_quality", UNSET)

        error = d.pop("error", UNSET)

        warnings = cast(list[str], d.pop("warnings", UNSET))

        stored_image = cls(
            file=file,
            digest=digest,
            size=size,
            phash=phash,
            blockmean=blockmean,
            pdq=pdq,
            pdq_quality=pdq_quality,
            error=error,
            warnings=warnings,
        )

        stored_image.additional_properties = d
        return stored_image

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
