from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.image_ref import ImageRef


T = TypeVar("T", bound="Pair")


@_attrs_define
class Pair:
    """
    Attributes:
        a (ImageRef):
        b (ImageRef):
        distance (int): This family's distance.
        other_distance (int): The other family's distance.
    """

    a: ImageRef
    b: ImageRef
    distance: int
    other_distance: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        a = self.a.to_dict()

        b = self.b.to_dict()

        distance = self.distance

        other_distance = self.other_distance

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

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_ref import ImageRef

        d = dict(src_dict)
        a = ImageRef.from_dict(d.pop("a"))

        b = ImageRef.from_dict(d.pop("b"))

        distance = d.pop("distance")

        other_distance = d.pop("other_distance")

        pair = cls(
            a=a,
            b=b,
            distance=distance,
            other_distance=other_distance,
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
