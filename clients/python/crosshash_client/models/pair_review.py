from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.review_decision import ReviewDecision

T = TypeVar("T", bound="PairReview")


@_attrs_define
class PairReview:
    """Only with `verify=true`, for a pair a curator reviewed (`PUT /v1/reviews`): the decision and note, as `analyze
    --store` writes them. A pair marked different leaves `verified_groups`, one marked same joins them.

        Attributes:
            decision (ReviewDecision): `same`: the two are copies (the pair joins verified_cross_duplicates.json if it is a
                raw pair); `different`: it leaves that file; `unsure`: the measure's verdict stands.
            note (str):
    """

    decision: ReviewDecision
    note: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        decision = self.decision.value

        note = self.note

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "decision": decision,
                "note": note,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        decision = ReviewDecision(d.pop("decision"))

        note = d.pop("note")

        pair_review = cls(
            decision=decision,
            note=note,
        )

        pair_review.additional_properties = d
        return pair_review

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
