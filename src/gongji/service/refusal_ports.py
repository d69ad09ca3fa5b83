"""The port of the refusals log (:mod:`gongji.service.refusal_log`): one refusal as it is kept, and where.

:mod:`gongji.service.ports` names it too (the unit of work exposes the repository as ``refusals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["RefusalEntry", "RefusalRepository"]


@dataclass(frozen=True)
class RefusalEntry:
    """One refusal as the refusals log keeps it (:mod:`gongji.service.refusal_log`): when, the operation and the
    code it was refused with, the channel it came through, and the person and region it was about, when known."""

    at: datetime
    operation: str
    code: str
    kind: str
    channel: str
    region: str | None
    person_id: int | None


class RefusalRepository(Protocol):
    """The refusals log."""

    def add(self, entry: RefusalEntry) -> None:
        """Keep one refusal."""
        ...
