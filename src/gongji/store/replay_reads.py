"""SQL implementation of the what-if replays' reader (:class:`gongji.service.whatif.ports.ReplayReader`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Select, bindparam, select, union_all

from gongji.domain.settlement import SettlementRecord
from gongji.domain.suspension import Suspension
from gongji.domain.visits import FeeLine, Visit
from gongji.service.settlement_ports import BillRows
from gongji.store import tables as t
from gongji.store.catalogue_repo import institution_of, item_of
from gongji.store.driver import Prepared, together
from gongji.store.people_repo import suspension_of
from gongji.store.settlement_repo import settlement_records
from gongji.store.visit_repo import fee_line_of, visit_of

__all__ = ["SqlReplays"]

_CHUNK = 500
_STREAMED = 10_000

# A family's bills, read together: the same rows, in the same order, as the settlement's own reads give one visit's.
_VISITS = Prepared(select(t.visits).where(t.visits.c.id.in_(bindparam("visit_ids", expanding=True))))
_LINES_OF_VISITS = Prepared(
    select(t.fee_lines)
    .where(t.fee_lines.c.visit_id.in_(bindparam("visit_ids", expanding=True)))
    .order_by(t.fee_lines.c.id)
)
_ITEMS_OF_VISITS = Prepared(
    select(t.catalogue_items).where(
        t.catalogue_items.c.code.in_(
            select(t.fee_lines.c.item_code).where(t.fee_lines.c.visit_id.in_(bindparam("visit_ids", expanding=True)))
        )
    )
)
_SUSPENSIONS_OF_PATIENTS = Prepared(
    select(t.suspensions)
    .where(
        t.suspensions.c.person_id.in_(
            select(t.visits.c.person_id).where(t.visits.c.id.in_(bindparam("visit_ids", expanding=True)))
        )
    )
    .order_by(t.suspensions.c.id)
)
_INSTITUTIONS_OF_VISITS = Prepared(
    select(t.institutions).where(
        t.institutions.c.id.in_(
            select(t.visits.c.institution_id).where(t.visits.c.id.in_(bindparam("visit_ids", expanding=True)))
        )
    )
)


def _movements() -> CompoundSelect[Any]:
    """Every transfer on either side of some accounts, with the account's balance after it (each side's accounts a
    parameter of its own: a prepared statement binds a name at one place)."""
    tr = t.transfers

    def side(name: str) -> Select[Any]:
        account = tr.c[f"{name}_account_id"]
        after = tr.c[f"{name}_balance_after_fen"]
        chosen = account.in_(bindparam(f"{name}_accounts", expanding=True))
        return select(account.label("account"), tr.c.journal_id, tr.c.id, after.label("after")).where(chosen)

    return union_all(side("debit"), side("credit"))


_MOVEMENTS = Prepared(_movements())


class SqlReplays:
    """Settlements to replay, and balances as they were, in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def settlements_between(
        self, since: datetime, until: datetime, regions: Collection[str] | None
    ) -> Iterator[tuple[int, str, int]]:
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
        # Streamed (a server-side cursor on PostgreSQL): a province's year is tens of millions of rows.
        for row in self._conn.execute(query.execution_options(yield_per=_STREAMED)):
            yield int(row[0]), str(row[1]), int(row[2])

    def relation_pairs(self) -> Iterator[tuple[int, int]]:
        r = t.relations
        query = select(r.c.authoriser_id, r.c.beneficiary_id).execution_options(yield_per=_STREAMED)
        for authoriser, beneficiary in self._conn.execute(query):
            yield int(authoriser), int(beneficiary)

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

    def bills(self, visit_ids: Sequence[int]) -> dict[int, tuple[Visit, BillRows]]:
        found: dict[int, tuple[Visit, BillRows]] = {}
        for start in range(0, len(visit_ids), _CHUNK):
            found |= _bills(self._conn, list(visit_ids[start : start + _CHUNK]))
        return found


def _bills(conn: Connection, visit_ids: list[int]) -> dict[int, tuple[Visit, BillRows]]:
    """Some visits' bills in five statements (as :meth:`SqlBillReads.read` reads one visit's in four)."""
    results = together(
        conn,
        [
            (_VISITS, {"visit_ids": visit_ids}),
            (_LINES_OF_VISITS, {"visit_ids": visit_ids}),
            (_ITEMS_OF_VISITS, {"visit_ids": visit_ids}),
            (_SUSPENSIONS_OF_PATIENTS, {"visit_ids": visit_ids}),
            (_INSTITUTIONS_OF_VISITS, {"visit_ids": visit_ids}),
        ],
    )
    visits = [visit_of(row) for row in results[0]]
    lines: dict[int, list[FeeLine]] = {visit.id: [] for visit in visits}
    for row in results[1]:
        lines[row["visit_id"]].append(fee_line_of(row))
    items = {row["code"]: item_of(row) for row in results[2]}
    suspended: dict[int, list[Suspension]] = {}
    for row in results[3]:
        suspended.setdefault(row["person_id"], []).append(suspension_of(row))
    institutions = {row["id"]: institution_of(row) for row in results[4]}
    found = {}
    for visit in visits:
        mine = lines[visit.id]
        codes = {line.item_code for line in mine}
        bill = BillRows(
            institution=institutions.get(visit.institution_id),
            lines=mine,
            items={code: item for code, item in items.items() if code in codes},
            suspensions=suspended.get(visit.person_id, []),
            spendable=[],
        )
        found[visit.id] = (visit, bill)
    return found
