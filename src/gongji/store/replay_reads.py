"""SQL implementation of the what-if replays' reader (:class:`gongji.service.whatif.ports.ReplayReader`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select, union_all
from sqlalchemy.sql.elements import BindParameter

from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["SqlReplays"]

_CHUNK = 500


def _balances_before() -> Select[Any]:
    """Each account's last transfer before a journal, with its running balances (built once: a replay asks for every
    settlement)."""
    tr = t.transfers
    # Each parameter once in the statement (a prepared statement binds each name at one place): the accounts and
    # the journal are given twice, once for either side of a transfer.
    debits: BindParameter[int] = bindparam("debit_accounts", expanding=True)
    credits: BindParameter[int] = bindparam("credit_accounts", expanding=True)
    moved = union_all(
        select(tr.c.debit_account_id.label("account"), tr.c.id).where(
            tr.c.journal_id < bindparam("journal"), tr.c.debit_account_id.in_(debits)
        ),
        select(tr.c.credit_account_id.label("account"), tr.c.id).where(
            tr.c.journal_id < bindparam("journal_again"), tr.c.credit_account_id.in_(credits)
        ),
    ).subquery()
    last = select(moved.c.account, func.max(moved.c.id).label("last")).group_by(moved.c.account).subquery()
    return select(
        last.c.account, tr.c.debit_account_id, tr.c.debit_balance_after_fen, tr.c.credit_balance_after_fen
    ).select_from(last.join(tr, tr.c.id == last.c.last))


_BALANCES_BEFORE = Prepared(_balances_before())


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

    def balances_before(self, account_ids: Sequence[int], journal_id: int) -> dict[int, int]:
        found = dict.fromkeys(account_ids, 0)
        for start in range(0, len(account_ids), _CHUNK):
            chunk = list(account_ids[start : start + _CHUNK])
            given = {
                "debit_accounts": chunk,
                "credit_accounts": chunk,
                "journal": journal_id,
                "journal_again": journal_id,
            }
            for row in _BALANCES_BEFORE(self._conn, given):
                account = int(row["account"])
                debit = row["debit_account_id"] == account
                found[account] = int(row["debit_balance_after_fen"] if debit else row["credit_balance_after_fen"])
        return found
