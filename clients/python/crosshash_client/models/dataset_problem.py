from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DatasetProblem")


@_attrs_define
class DatasetProblem:
    """
    Attributes:
        file (str): An image's key: its path relative to the dataset root. Invalid UTF-8 bytes are written as `\\udcXX`
            escapes.
        error (str):
        warning (bool | Unset): Present when the file was hashed although the decoder complained.
    """

    file: str
    error: str
    warning: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file

        error = self.error

        warning = self.warning

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "error": error,
            }
        )
        if warning is not UNSET:
            field_dict["warning"] = warning

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = d.pop("file")

        error = d.pop("error")

        warning = d.pop("warning", UNSET)

        dataset_problem = cls(
            file=file,
            error=error,
            warning=warning,
        )

        dataset_problem.additional_properties = d
        return dataset_problem

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
