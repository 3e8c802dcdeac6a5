from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dataset_problem import DatasetProblem


T = TypeVar("T", bound="DatasetDetail")


@_attrs_define
class DatasetDetail:
    """
    Attributes:
        name (str):
        root (None | str):
        images (int):
        errors (int):
        warnings (int): Files hashed with a decoder warning.
        problems (list[DatasetProblem]): The dataset's errors.json content (at most 1000 entries).
        problems_truncated (bool | Unset): Present (true) when there are more problems.
    """

    name: str
    root: None | str
    images: int
    errors: int
    warnings: int
    problems: list[DatasetProblem]
    problems_truncated: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        root: None | str
        root = self.root

        images = self.images

        errors = self.errors

        warnings = self.warnings

        problems = []
        for problems_item_data in self.problems:
            problems_item = problems_item_data.to_dict()
            problems.append(problems_item)

        problems_truncated = self.problems_truncated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "root": root,
                "images": images,
                "errors": errors,
                "warnings": warnings,
                "problems": problems,
            }
        )
        if problems_truncated is not UNSET:
            field_dict["problems_truncated"] = problems_truncated

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dataset_problem import DatasetProblem

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_root(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        root = _parse_root(d.pop("root"))

        images = d.pop("images")

        errors = d.pop("errors")

        warnings = d.pop("warnings")

        problems = []
        _problems = d.pop("problems")
        for problems_item_data in _problems:
            problems_item = DatasetProblem.from_dict(problems_item_data)

            problems.append(problems_item)

        problems_truncated = d.pop("problems_truncated", UNSET)

        dataset_detail = cls(
            name=name,
            root=root,
            images=images,
            errors=errors,
            warnings=warnings,
            problems=problems,
            problems_truncated=problems_truncated,
        )

        dataset_detail.additional_properties = d
        return dataset_detail

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
