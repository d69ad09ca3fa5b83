"""SQL reads of the national interface's queries (:class:`gongji.service.query_ports.QueryRepository`).

Each read is one statement on indexed columns (a visit's or a person's id), bounded by its ``limit``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, select
from sqlalchemy.orm import aliased

from gongji.service.query_ports import AccumulatorRow, QueryFeeRow, QueryVisitRow
from gongji.store import tables as t

__all__ = ["SqlQueries"]

#: The memo kinds reported as yearly accumulators (``gongji.domain.ledger.AccountKind`` values).
_ACCUMULATOR_KINDS = ("deductible_paid", "fund_paid")


def _visit_query() -> Select[Any]:
    v, p, i = t.visits, t.people, t.institutions
    return select(
        v.c.id,
        v.c.mdtrt_id,
        v.c.person_id,
        p.c.psn_no,
        p.c.name,
        p.c.certno,
        v.c.institution_id,
        i.c.fixmedins_code,
        i.c.name.label("fixmedins_name"),
        v.c.insutype,
        v.c.psn_type,
        v.c.med_type,
        v.c.region,
        v.c.ipt_otp_no,
        v.c.begin_at,
        v.c.end_at,
        v.c.discharged_at,
        v.c.discharge_way,
        v.c.status,
    ).select_from(v.join(p, p.c.id == v.c.person_id).join(i, i.c.id == v.c.institution_id))


def _fee_query() -> Select[Any]:
    f, v, i, s, c = t.fee_lines, t.visits, t.institutions, t.settlements, t.catalogue_items
    returned = aliased(f)
    return select(
        f.c.feedetl_sn,
        v.c.mdtrt_id,
        s.c.setl_id,
        v.c.med_type,
        i.c.fixmedins_code,
        i.c.name.label("fixmedins_name"),
        f.c.fee_at,
        f.c.item_code,
        f.c.item_name,
        f.c.quantity_milli,
        f.c.unit_price_microyuan,
        f.c.total_fen,
        f.c.fulamt_ownpay_fen,
        f.c.overlmt_fen,
        f.c.preselfpay_fen,
        f.c.inscp_fen,
        f.c.category,
        f.c.cancelled,
        returned.c.feedetl_sn.label("returns_feedetl_sn"),
        c.c.kind.label("item_kind"),
        c.c.self_pay_bp,
        c.c.price_cap_fen,
    ).select_from(
        f.join(v, v.c.id == f.c.visit_id)
        .join(i, i.c.id == v.c.institution_id)
        .outerjoin(s, s.c.id == f.c.settlement_id)
        .outerjoin(c, c.c.code == f.c.item_code)
        .outerjoin(returned, returned.c.id == f.c.returns_line_id)
    )


class SqlQueries:
    """The queries' reads in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def visits(
        self,
        person_id: int,
        *,
        institution_id: int,
        begin: datetime | None,
        end: datetime | None,
        med_type: str | None,
        mdtrt_id: str | None,
        limit: int,
    ) -> list[QueryVisitRow]:
        """The person's visits at the institution that began within ``[begin, end]``, oldest first."""
        v = t.visits
        query = _visit_query().where(v.c.person_id == person_id, v.c.institution_id == institution_id)
        if begin is not None:
            query = query.where(v.c.begin_at >= begin)
        if end is not None:
            query = query.where(v.c.begin_at <= end)
        if med_type is not None:
            query = query.where(v.c.med_type == med_type)
        if mdtrt_id is not None:
            query = query.where(v.c.mdtrt_id == mdtrt_id)
        rows = self._conn.execute(query.order_by(v.c.begin_at, v.c.id).limit(limit)).mappings()
        return [QueryVisitRow(**row) for row in rows]

    def has_visit(self, person_id: int, institution_id: int) -> bool:
        """Whether the person has (or had) any visit at the institution."""
        v = t.visits
        found = exists().where(v.c.person_id == person_id, v.c.institution_id == institution_id)
        return bool(self._conn.execute(select(found)).scalar_one())

    def fee_rows(self, visit_id: int, *, settlement_id: int | None, limit: int) -> list[QueryFeeRow]:
        """A visit's fee lines, or only those a settlement settled, in upload order."""
        f = t.fee_lines
        query = _fee_query().where(f.c.visit_id == visit_id)
        if settlement_id is not None:
            query = query.where(f.c.settlement_id == settlement_id)
        rows = self._conn.execute(query.order_by(f.c.id).limit(limit)).mappings()
        return [QueryFeeRow(**row) for row in rows]

    def fee_rows_of_person(
        self, person_id: int, *, med_type_prefix: str, begin: datetime, end: datetime, limit: int
    ) -> list[QueryFeeRow]:
        """The person's fee lines of drugs, not cancelled, at any institution, of visits whose medical type begins
        with ``med_type_prefix``, that occurred within ``[begin, end]``, in time order."""
        f, v, c = t.fee_lines, t.visits, t.catalogue_items
        query = _fee_query().where(
            and_(
                v.c.person_id == person_id,
                v.c.med_type.startswith(med_type_prefix, autoescape=True),
                c.c.kind == "drug",
                f.c.cancelled.is_(False),
                f.c.fee_at >= begin,
                f.c.fee_at <= end,
            )
        )
        rows = self._conn.execute(query.order_by(f.c.fee_at, f.c.id).limit(limit)).mappings()
        return [QueryFeeRow(**row) for row in rows]

    def settlement_ids(
        self, person_id: int, *, institution_id: int, begin: datetime | None, end: datetime | None, limit: int
    ) -> list[str]:
        """The ``setl_id`` of the person's settlements at the institution settled within ``[begin, end]``."""
        s = t.settlements
        query = select(s.c.setl_id).where(s.c.person_id == person_id, s.c.institution_id == institution_id)
        if begin is not None:
            query = query.where(s.c.settled_at >= begin)
        if end is not None:
            query = query.where(s.c.settled_at <= end)
        return list(self._conn.execute(query.order_by(s.c.settled_at, s.c.id).limit(limit)).scalars())

    def accumulators(self, person_id: int, year: int) -> list[AccumulatorRow]:
        """The person's yearly accumulators of ``year`` (codes ``PSN:<id>:<kind>:<year>:<group>``)."""
        a = t.accounts
        query = select(a.c.code, a.c.kind, a.c.region, a.c.balance_fen).where(
            a.c.kind.in_(_ACCUMULATOR_KINDS),
            a.c.code.like(f"PSN:{person_id}:%:{year}:%"),
        )
        found = []
        for row in self._conn.execute(query.order_by(a.c.code)).mappings():
            group = row["code"].split(":", 4)[4]
            found.append(AccumulatorRow(row["kind"], year, group, row["region"], int(row["balance_fen"])))
        return found
