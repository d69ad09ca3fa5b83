"""The port of what-if replays: which settlements a period holds, and account balances as they were.

:mod:`gongji.service.ports` names it too (the unit of work exposes the reader as ``replays``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

__all__ = ["ReplayReader"]


class ReplayReader(Protocol):
    """What a replay reads beside the settlement repositories."""

    def settlements_between(
        self, since: datetime, until: datetime, regions: Collection[str] | None
    ) -> list[tuple[int, str, int]]:
        """The settlements of visits made in the period (``regions``: of these regions; ``None``: all), not
        reversed, in the order they were made: (id, 结算ID, patient)."""
        ...

    def relation_pairs(self) -> list[tuple[int, int]]:
        """Every relation's authoriser and beneficiary, whatever its state (who may ever have paid for whom)."""
        ...

    def balances_before(self, account_ids: Sequence[int], journal_id: int) -> dict[int, int]:
        """Each account's balance just before journal ``journal_id`` was posted (0 for one it had not moved)."""
        ...
