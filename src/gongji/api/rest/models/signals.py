"""Fraud signals and their review: what a rule found, with its evidence, and what an operator decided."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from gongji.api.rest.models.common import ResponseModel
from gongji.domain.signal_names import signal_name

__all__ = ["ReviewIn", "RunIn", "RunOut", "SignalOut"]


class SignalOut(ResponseModel):
    """A signal: the rule (with its names), the region whose operators review it, whom it is about, its score (0–100,
    never a verdict), its evidence and the days it spans, and the review."""

    id: int
    rule: str
    region: str
    subject_kind: str
    subject_id: int
    score: int
    evidence: dict[str, Any]
    window_from: date
    window_to: date
    found_at: datetime
    status: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rule_zh(self) -> str:
        """The rule's Chinese name."""
        return signal_name(self.rule)[0]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rule_en(self) -> str:
        """The rule's English name."""
        return signal_name(self.rule)[1]


class ReviewIn(BaseModel):
    """An operator's decision on a signal."""

    status: Literal["confirmed", "dismissed"]
    operator: str = Field(min_length=1, max_length=64, description="经办人 Who reviews")
    note: str | None = Field(default=None, max_length=500)


class RunIn(BaseModel):
    """Run every rule over a year's facts."""

    year: int = Field(ge=2021, le=2100)


class RunOut(BaseModel):
    """What a run found, and how much of it was new, by rule."""

    found: dict[str, int]
    new: dict[str, int]
