from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.review_decision import ReviewDecision

if TYPE_CHECKING:
    from ..models.image_ref import ImageRef


T = TypeVar("T", bound="Review")


@_attrs_define
class Review:
    """A review. Each side names where its picture lies now (the file it was last named by if it still holds that content,
    else the first file with that content), or, its picture gone from every dataset, where it was last named.

        Attributes:
            id (int):
            a (ImageRef):
            b (ImageRef):
            decision (ReviewDecision): `same`: the two are copies (the pair joins verified_cross_duplicates.json if it is a
                raw pair); `different`: it leaves that file; `unsure`: the measure's verdict stands.
            note (str):
            updated (datetime.datetime): When the decision was last set, UTC to the second (`2026-01-02T03:04:05Z`).
    """

    id: int
    a: ImageRef
    b: ImageRef
    decision: ReviewDecision
    note: str
    updated: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        a = self.a.to_dict()

        b = self.b.to_dict()

        decision = self.decision.value

        note = self.note

        updated = self.updated.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "a": a,
                "b": b,
                "decision": decision,
                "note": note,
                "updated": updated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_ref import ImageRef

        d = dict(src_dict)
        id = d.pop("id")

        a = ImageRef.from_dict(d.pop("a"))

        b = ImageRef.from_dict(d.pop("b"))

        decision = ReviewDecision(d.pop("decision"))

        note = d.pop("note")

        updated = datetime.datetime.fromisoformat(d.pop("updated"))

        review = cls(
            id=id,
            a=a,
            b=b,
            decision=decision,
            note=note,
            updated=updated,
        )

        review.additional_properties = d
        return review

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
