from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.match import Match


T = TypeVar("T", bound="QueryResult")


@_attrs_define
class QueryResult:
    """The matches of one query, or (image queries) why the image could not be hashed.

    Attributes:
        id (int | str | Unset): The query's id; for a JSON query without one, its index in `queries`.
        phash (None | str | Unset):
        blockmean (None | str | Unset):
        pdq (None | str | Unset):
        pdq_quality (int | None | Unset):
        matches (list[Match] | Unset): Sorted by the sum over families of distance/bits, then dataset, then file.
        truncated (bool | Unset): More matches than `limit`.
        error (str | Unset):
    """

    id: int | str | Unset = UNSET
    phash: None | str | Unset = UNSET
    blockmean: None | str | Unset = UNSET
    pdq: None | str | Unset = UNSET
    pdq_quality: int | None | Unset = UNSET
    matches: list[Match] | Unset = UNSET
    truncated: bool | Unset = UNSET
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id: int | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        phash: None | str | Unset
        if isinstance(self.phash, Unset):
            phash = UNSET
        else:
            phash = self.phash

        blockmean: None | str | Unset
        if isinstance(self.blockmean, Unset):
            blockmean = UNSET
        else:
            blockmean = self.blockmean

        pdq: None | str | Unset
        if isinstance(self.pdq, Unset):
            pdq = UNSET
        else:
            pdq = self.pdq

        pdq_quality: int | None | Unset
        if isinstance(self.pdq_quality, Unset):
            pdq_quality = UNSET
        else:
            pdq_quality = self.pdq_quality

        matches: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.matches, Unset):
            matches = []
            for matches_item_data in self.matches:
                matches_item = matches_item_data.to_dict()
                matches.append(matches_item)

        truncated = self.truncated

        error = self.error

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
        if pdq_quality is not UNSET:
            field_dict["pdq_quality"] = pdq_quality
        if matches is not UNSET:
            field_dict["matches"] = matches
        if truncated is not UNSET:
            field_dict["truncated"] = truncated
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.match import Match

        d = dict(src_dict)

        def _parse_id(data: object) -> int | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(int | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        def _parse_phash(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        phash = _parse_phash(d.pop("phash", UNSET))

        def _parse_blockmean(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        blockmean = _parse_blockmean(d.pop("blockmean", UNSET))

        def _parse_pdq(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pdq = _parse_pdq(d.pop("pdq", UNSET))

        def _parse_pdq_quality(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        pdq_quality = _parse_pdq_quality(d.pop("pdq_quality", UNSET))

        _matches = d.pop("matches", UNSET)
        matches: list[Match] | Unset = UNSET
        if _matches is not UNSET:
            matches = []
            for matches_item_data in _matches:
                matches_item = Match.from_dict(matches_item_data)

                matches.append(matches_item)

        truncated = d.pop("truncated", UNSET)

        error = d.pop("error", UNSET)

        query_result = cls(
            id=id,
            phash=phash,
            blockmean=blockmean,
            pdq=pdq,
            pdq_quality=pdq_quality,
            matches=matches,
            truncated=truncated,
            error=error,
        )

        query_result.additional_properties = d
        return query_result

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
