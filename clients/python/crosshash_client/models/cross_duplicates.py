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
        verified_groups (list[list[ImageRef]] | Unset): Only with `verify=true` when verification ran: the connected
            groups of the verified pairs.
        verification_skipped (str | Unset): Only with `verify=true`: why nothing was verified (over 100,000 candidate
            pairs or 10,000 pictures, `analyze`'s bounds).
        unverified_pairs (int | Unset): Only with `verify=true`: pairs left without a verdict because a dataset of
            theirs has no pictures on this server.
        unverified_reason (str | Unset): Only with `unverified_pairs`: why those pairs were not verified.
    """

    algorithm: CrossDuplicatesAlgorithm
    bits: CrossDuplicatesBits
    threshold: int
    pairs: list[Pair]
    groups: list[list[ImageRef]]
    within: list[Pair] | Unset = UNSET
    truncated: bool | Unset = UNSET
    pairs_found: int | Unset = UNSET
    verified_groups: list[list[ImageRef]] | Unset = UNSET
    verification_skipped: str | Unset = UNSET
    unverified_pairs: int | Unset = UNSET
    unverified_reason: str | Unset = UNSET
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

        verified_groups: list[list[dict[str, Any]]] | Unset = UNSET
        if not isinstance(self.verified_groups, Unset):
            verified_groups = []
            for verified_groups_item_data in self.verified_groups:
                verified_groups_item = []
                for verified_groups_item_item_data in verified_groups_item_data:
                    verified_groups_item_item = verified_groups_item_item_data.to_dict()
                    verified_groups_item.append(verified_groups_item_item)

                verified_groups.append(verified_groups_item)

        verification_skipped = self.verification_skipped

        unverified_pairs = self.unverified_pairs

        unverified_reason = self.unverified_reason

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
        if verified_groups is not UNSET:
            field_dict["verified_groups"] = verified_groups
        if verification_skipped is not UNSET:
            field_dict["verification_skipped"] = verification_skipped
        if unverified_pairs is not UNSET:
            field_dict["unverified_pairs"] = unverified_pairs
        if unverified_reason is not UNSET:
            field_dict["unverified_reason"] = unverified_reason

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

        _verified_groups = d.pop("verified_groups", UNSET)
        verified_groups: list[list[ImageRef]] | Unset = UNSET
        if _verified_groups is not UNSET:
            verified_groups = []
            for verified_groups_item_data in _verified_groups:
                verified_groups_item = []
                _verified_groups_item = verified_groups_item_data
                for verified_groups_item_item_data in _verified_groups_item:
                    verified_groups_item_item = ImageRef.from_dict(
                        verified_groups_item_item_data
                    )

                    verified_groups_item.append(verified_groups_item_item)

                verified_groups.append(verified_groups_item)

        verification_skipped = d.pop("verification_skipped", UNSET)

        unverified_pairs = d.pop("unverified_pairs", UNSET)

        unverified_reason = d.pop("unverified_reason", UNSET)

        cross_duplicates = cls(
            algorithm=algorithm,
            bits=bits,
            threshold=threshold,
            pairs=pairs,
            groups=groups,
            within=within,
            truncated=truncated,
            pairs_found=pairs_found,
            verified_groups=verified_groups,
            verification_skipped=verification_skipped,
            unverified_pairs=unverified_pairs,
            unverified_reason=unverified_reason,
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
