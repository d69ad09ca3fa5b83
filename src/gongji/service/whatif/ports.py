"""The port of what-if replays: which settlements a period holds, and the movements of accounts (their balances as
they were).

:mod:`gongji.service.ports` names it too (the unit of work exposes the reader as ``replays``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from gongji.domain.settlement import SettlementRecord
from gongji.domain.visits import Visit

if TYPE_CHECKING:
    from gongji.service.settlement_ports import BillRows

__all__ = ["ReplayReader"]


class ReplayReader(Protocol):
    """What a replay reads beside the settlement repositories."""

    def settlements_between(
        self, since: datetime, until: datetime, regions: Collection[str] | None
    ) -> Iterator[tuple[int, str, int]]:
        """The settlements of visits made in the period (``regions``: of these regions; ``None``: all), not
        reversed, in the order they were made: (id, 结算ID, patient), streamed."""
        ...

    def relation_pairs(self) -> Iterator[tuple[int, int]]:
        """Every relation's authoriser and beneficiary, whatever its state (who may ever have paid for whom),
        streamed."""
        ...

    def movements(self, account_ids: Sequence[int]) -> dict[int, list[tuple[int, int, int]]]:
        """Every transfer that moved each account, as (journal, transfer id, the account's balance after it), in no
        particular order (an account never moved has none)."""
        ...

    def records(self, setl_ids: Sequence[str]) -> dict[str, SettlementRecord]:
        """The settlements of these 结算IDs (those that exist), with their payers, by 结算ID."""
        ...

    def bills(self, visit_ids: Sequence[int]) -> dict[int, tuple[Visit, BillRows]]:
        """Each of these visits that exists with its bill as :meth:`gongji.service.ports.BillReader.read` gives it
        (the institution, the lines and their catalogue items, the patient's suspensions; no wallet), by visit id."""
        ...
