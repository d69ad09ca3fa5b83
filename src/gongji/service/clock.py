"""The clock seam: every use case asks the injected clock for the time, so tests can stand on any date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "Clock", "FixedClock", "SystemClock"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Tells the time, timezone-aware, in Asia/Shanghai."""

    def now(self) -> datetime: ...
    def today(self) -> date: ...


class SystemClock:
    """The machine's clock, in Asia/Shanghai."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(SHANGHAI)

    def today(self) -> date:
        """Today's date in Asia/Shanghai."""
        return self.now().date()


class FixedClock:
    """A clock that stands still until moved (tests, demos, replays)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            at = at.replace(tzinfo=SHANGHAI)
        self._at = at.astimezone(SHANGHAI)

    def now(self) -> datetime:
        """The time it was set to."""
        return self._at

    def today(self) -> date:
        """The date it was set to."""
        return self._at.date()

    def set(self, at: datetime) -> None:
        """Move to ``at`` (naive times are taken as Asia/Shanghai)."""
        self._at = (at if at.tzinfo else at.replace(tzinfo=SHANGHAI)).astimezone(SHANGHAI)

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self._at += delta
