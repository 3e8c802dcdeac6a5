from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.review_decision import ReviewDecision
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_ref import ImageRef


T = TypeVar("T", bound="ReviewPut")


@_attrs_define
class ReviewPut:
    """A decision on two hashed images, each named by dataset and file key. The pair is unordered: (a, b) and (b, a) are
    one review. The body is at most 65536 bytes (else 413).

        Attributes:
            a (ImageRef):
            b (ImageRef):
            decision (ReviewDecision): `same`: the two are copies (the pair joins verified_cross_duplicates.json if it is a
                raw pair); `different`: it leaves that file; `unsure`: the measure's verdict stands.
            note (None | str | Unset): Free text, at most 4096 bytes of UTF-8 (else 400); missing or null: empty.
    """

    a: ImageRef
    b: ImageRef
    decision: ReviewDecision
    note: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        a = self.a.to_dict()

        b = self.b.to_dict()

        decision = self.decision.value

        note: None | str | Unset
        if isinstance(self.note, Unset):
            note = UNSET
        else:
            note = self.note

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "a": a,
                "b": b,
                "decision": decision,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_ref import ImageRef

        d = dict(src_dict)
        a = ImageRef.from_dict(d.pop("a"))

        b = ImageRef.from_dict(d.pop("b"))

        decision = ReviewDecision(d.pop("decision"))

        def _parse_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        note = _parse_note(d.pop("note", UNSET))

        review_put = cls(
            a=a,
            b=b,
            decision=decision,
            note=note,
        )

        review_put.additional_properties = d
        return review_put

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
