from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_ref import ImageRef
    from ..models.pair_review import PairReview


T = TypeVar("T", bound="Pair")


@_attrs_define
class Pair:
    """
    Attributes:
        a (ImageRef):
        b (ImageRef):
        distance (int): This family's distance.
        other_distance (int): The other family's distance.
        similarity (float | Unset): Only with `verify=true`, for a pair whose pictures were compared: the verification's
            similarity (4 decimals), as `analyze` writes it.
        verified (bool | Unset): Only with `verify=true`, for a pair whose pictures were compared: whether verification
            confirmed it, as `analyze` writes it.
        review (PairReview | Unset): Only with `verify=true`, for a pair a curator reviewed (`PUT /v1/reviews`): the
            decision and note, as `analyze --store` writes them. A pair marked different leaves `verified_groups`, one
            marked same joins them.
    """

    a: ImageRef
    b: ImageRef
    distance: int
    other_distance: int
    similarity: float | Unset = UNSET
    verified: bool | Unset = UNSET
    review: PairReview | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        a = self.a.to_dict()

        b = self.b.to_dict()

        distance = self.distance

        other_distance = self.other_distance

        similarity = self.similarity

        verified = self.verified

        review: dict[str, Any] | Unset = UNSET
        if not isinstance(self.review, Unset):
            review = self.review.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "a": a,
                "b": b,
                "distance": distance,
                "other_distance": other_distance,
            }
        )
        if similarity is not UNSET:
            field_dict["similarity"] = similarity
        if verified is not UNSET:
            field_dict["verified"] = verified
        if review is not UNSET:
            field_dict["review"] = review

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_ref import ImageRef
        from ..models.pair_review import PairReview

        d = dict(src_dict)
        a = ImageRef.from_dict(d.pop("a"))

        b = ImageRef.from_dict(d.pop("b"))

        distance = d.pop("distance")

        other_distance = d.pop("other_distance")

        similarity = d.pop("similarity", UNSET)

        verified = d.pop("verified", UNSET)

        _review = d.pop("review", UNSET)
        review: PairReview | Unset
        if isinstance(_review, Unset):
            review = UNSET
        else:
            review = PairReview.from_dict(_review)

        pair = cls(
            a=a,
            b=b,
            distance=distance,
            other_distance=other_distance,
            similarity=similarity,
            verified=verified,
            review=review,
        )

        pair.additional_properties = d
        return pair

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
