from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cross_duplicates_algorithm import CrossDuplicatesAlgorithm
from ..models.cross_duplicates_bits import CrossDuplicatesBits
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_ref import ImageRef
    from ..models.pair import Pair


T = TypeVar("T", bound="CrossDuplicates")


@_attrs_define
class CrossDuplicates:
    """
    Attributes:
        algorithm (CrossDuplicatesAlgorithm):
        bits (CrossDuplicatesBits):
        threshold (int):
        pairs (list[Pair]):
        groups (list[list[ImageRef]]): Connected groups of matched images.
        within (list[Pair] | Unset): Only with `within=true`.
        truncated (bool | Unset): Present (true) only when the lists were cut at the server's `--max-pairs` (default
            1,000,000 per list); `pairs_found` then says how many pairs there were.
        pairs_found (int | Unset): Only with `truncated`: every pair found, listed or not.
    """

    algorithm: CrossDuplicatesAlgorithm
    bits: CrossDuplicatesBits
    threshold: int
    pairs: list[Pair]
    groups: list[list[ImageRef]]
    within: list[Pair] | Unset = UNSET
    truncated: bool | Unset = UNSET
    pairs_found: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        algorithm = self.algorithm.value

        bits = self.bits.value

        threshold = self.threshold

        pairs = []
        for pairs_item_data in self.pairs:
            pairs_item = pairs_item_data.to_dict()
            pairs.append(pairs_item)

        groups = []
        for groups_item_data in self.groups:
            groups_item = []
            for groups_item_item_data in groups_item_data:
                groups_item_item = groups_item_item_data.to_dict()
                groups_item.append(groups_item_item)

            groups.append(groups_item)

        within: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.within, Unset):
            within = []
            for within_item_data in self.within:
                within_item = within_item_data.to_dict()
                within.append(within_item)

        truncated = self.truncated

        pairs_found = self.pairs_found

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "algorithm": algorithm,
                "bits": bits,
                "threshold": threshold,
                "pairs": pairs,
                "groups": groups,
            }
        )
        if within is not UNSET:
            field_dict["within"] = within
        if truncated is not UNSET:
            field_dict["truncated"] = truncated
        if pairs_found is not UNSET:
            field_dict["pairs_found"] = pairs_found

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.image_ref import ImageRef
        from ..models.pair import Pair

        d = dict(src_dict)
        algorithm = CrossDuplicatesAlgorithm(d.pop("algorithm"))

        bits = CrossDuplicatesBits(d.pop("bits"))

        threshold = d.pop("threshold")

        pairs = []
        _pairs = d.pop("pairs")
        for pairs_item_data in _pairs:
            pairs_item = Pair.from_dict(pairs_item_data)

            pairs.append(pairs_item)

        groups = []
        _groups = d.pop("groups")
        for groups_item_data in _groups:
            groups_item = []
            _groups_item = groups_item_data
            for groups_item_item_data in _groups_item:
                groups_item_item = ImageRef.from_dict(groups_item_item_data)

                groups_item.append(groups_item_item)

            groups.append(groups_item)

        _within = d.pop("within", UNSET)
        within: list[Pair] | Unset = UNSET
        if _within is not UNSET:
            within = []
            for within_item_data in _within:
                within_item = Pair.from_dict(within_item_data)

                within.append(within_item)

        truncated = d.pop("truncated", UNSET)

        pairs_found = d.pop("pairs_found", UNSET)

        cross_duplicates = cls(
            algorithm=algorithm,
            bits=bits,
            threshold=threshold,
            pairs=pairs,
            groups=groups,
            within=within,
            truncated=truncated,
            pairs_found=pairs_found,
        )

        cross_duplicates.additional_properties = d
        return cross_duplicates

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
