from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_state import JobState
from ..types import UNSET, Unset

T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """
    Attributes:
        job (str):
        dataset (str):
        state (JobState):
        done (int):
        total (int):
        decoded (int):
        reused (int):
        errors (int):
        error (str | Unset): Only when failed: why, naming no server path (a store fault gives an incident id logged by
            the server). A scan of a dataset deleted while it was queued or running fails with an error saying so.
    """

    job: str
    dataset: str
    state: JobState
    done: int
    total: int
    decoded: int
    reused: int
    errors: int
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job = self.job

        dataset = self.dataset

        state = self.state.value

        done = self.done

        total = self.total

        decoded = self.decoded

        reused = self.reused

        errors = self.errors

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job": job,
                "dataset": dataset,
                "state": state,
                "done": done,
                "total": total,
                "decoded": decoded,
                "reused": reused,
                "errors": errors,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        job = d.pop("job")

        dataset = d.pop("dataset")

        state = JobState(d.pop("state"))

        done = d.pop("done")

        total = d.pop("total")

        decoded = d.pop("decoded")

        reused = d.pop("reused")

        errors = d.pop("errors")

        error = d.pop("error", UNSET)

        job = cls(
            job=job,
            dataset=dataset,
            state=state,
            done=done,
            total=total,
            decoded=decoded,
            reused=reused,
            errors=errors,
            error=error,
        )

        job.additional_properties = d
        return job

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
