"""SQL implementation of the what-if replays' reader (:class:`gongji.service.whatif.ports.ReplayReader`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Connection, bindparam, select, union_all

from gongji.domain.settlement import SettlementRecord
from gongji.store import tables as t
from gongji.store.driver import Prepared
from gongji.store.settlement_repo import settlement_records

__all__ = ["SqlReplays"]

_CHUNK = 500


def _movements() -> CompoundSelect[Any]:
    """Every transfer on either side of some accounts, with the account's balance after it."""
    tr = t.transfers
    return union_all(
        select(
            tr.c.debit_account_id.label("account"),
            tr.c.journal_id,
            tr.c.id,
            tr.c.debit_balance_after_fen.label("after"),
        ).where(tr.c.debit_account_id.in_(bindparam("debit_accounts", expanding=True))),
        select(
            tr.c.credit_account_id.label("account"),
            tr.c.journal_id,
            tr.c.id,
            tr.c.credit_balance_after_fen.label("after"),
        ).where(tr.c.credit_account_id.in_(bindparam("credit_accounts", expanding=True))),
    )


_MOVEMENTS = Prepared(_movements())


class SqlReplays:
    """Settlements to replay, and balances as they were, in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def settlements_between(
        self, since: datetime, until: datetime, regions: Collection[str] | None
    ) -> list[tuple[int, str, int]]:
        s = t.settlements
        query = (
            select(s.c.id, s.c.setl_id, s.c.person_id)
            .where(
                s.c.visit_id.is_not(None),
                s.c.reversal_journal_id.is_(None),
                s.c.settled_at >= since,
                s.c.settled_at < until,
            )
            .order_by(s.c.settled_at, s.c.id)
        )
        if regions is not None:
            query = query.where(s.c.region.in_(sorted(regions)))
        return [(int(row[0]), str(row[1]), int(row[2])) for row in self._conn.execute(query)]

    def relation_pairs(self) -> list[tuple[int, int]]:
        r = t.relations
        return [(int(a), int(b)) for a, b in self._conn.execute(select(r.c.authoriser_id, r.c.beneficiary_id))]

    def movements(self, account_ids: Sequence[int]) -> dict[int, list[tuple[int, int, int]]]:
        found: dict[int, list[tuple[int, int, int]]] = {}
        for start in range(0, len(account_ids), _CHUNK):
            chunk = list(account_ids[start : start + _CHUNK])
            for row in _MOVEMENTS(self._conn, {"debit_accounts": chunk, "credit_accounts": chunk}):
                moves = found.setdefault(int(row["account"]), [])
                moves.append((int(row["journal_id"]), int(row["id"]), int(row["after"])))
        return found

    def records(self, setl_ids: Sequence[str]) -> dict[str, SettlementRecord]:
        return settlement_records(self._conn, setl_ids)
