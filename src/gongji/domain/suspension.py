"""Suspension of networked settlement (暂停联网结算): an operator's measure, e.g. after a lent card (seed 001)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["Suspension"]


@dataclass(frozen=True)
class Suspension:
    """From ``since`` (and until ``until``, inclusive, if given) the person's settlements are refused, unless lifted."""

    id: int
    person_id: int
    reason: str
    since: date
    until: date | None
    operator: str
    created_at: datetime
    lifted_at: datetime | None = None
    lifted_by: str | None = None

    def applies_on(self, day: date, moment: datetime) -> bool:
        """Whether it refuses a settlement of ``day`` when asked at ``moment``."""
        if self.lifted_at is not None and self.lifted_at <= moment:
            return False
        return self.since <= day and (self.until is None or day <= self.until)
