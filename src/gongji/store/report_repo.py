"""SQLAlchemy implementation of the report reads (``gongji.service.api_ports.ReportRepository``).

Totals are computed by the database (``GROUP BY``) and carry no personal data: regions, kinds, statuses, counts and
sums. The list of the insured of some regions is the registry's list restricted to people whose active basic
enrollment is in one of them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, exists, func, select

from gongji.domain.codes import BASIC_INSUTYPES, EnrollmentStatus
from gongji.domain.people import Person
from gongji.domain.relations import RelationStatus
from gongji.service.api_ports import RelationTotals, SettlementTotals
from gongji.store import tables as t
from gongji.store.people_repo import SqlPeople

__all__ = ["SqlReports"]


def _sum(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


class SqlReports:
    """Reads across many rows, for analysts and for listings restricted to some regions."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def settlement_totals(
        self, start: datetime, end: datetime, regions: Collection[str] | None
    ) -> list[SettlementTotals]:
        """Settlements made from ``start`` (included) to ``end`` (excluded), by region, kind and status."""
        s = t.settlements
        query = (
            select(
                s.c.region,
                s.c.kind,
                s.c.status,
                func.count().label("rows"),
                func.coalesce(func.sum(case((s.c.acct_mulaid_pay_fen > 0, 1), else_=0)), 0).label("mutual_aid"),
                _sum(s.c.medfee_sumamt_fen).label("medfee"),
                _sum(s.c.hifp_pay_fen).label("hifp"),
                _sum(s.c.acct_pay_fen).label("acct"),
                _sum(s.c.acct_mulaid_pay_fen).label("mulaid"),
                _sum(s.c.psn_cash_pay_fen).label("cash"),
            )
            .where(s.c.settled_at >= start, s.c.settled_at < end)
            .group_by(s.c.region, s.c.kind, s.c.status)
            .order_by(s.c.region, s.c.kind, s.c.status)
        )
        if regions is not None:
            query = query.where(s.c.region.in_(sorted(regions)))
        return [
            SettlementTotals(
                region=row["region"],
                kind=row["kind"],
                status=row["status"],
                count=int(row["rows"]),
                mutual_aid_count=int(row["mutual_aid"]),
                medfee_sumamt_fen=int(row["medfee"]),
                hifp_pay_fen=int(row["hifp"]),
                acct_pay_fen=int(row["acct"]),
                acct_mulaid_pay_fen=int(row["mulaid"]),
                psn_cash_pay_fen=int(row["cash"]),
            )
            for row in self._conn.execute(query).mappings()
        ]

    def relation_totals(self, regions: Collection[str] | None, now: datetime) -> list[RelationTotals]:
        """Mutual-aid relations by region (the authoriser's) and status as of ``now``: each relation once, a request
        past its expiry as expired and an active relation past its end date as ended, even where no write has
        stored that yet."""
        r = t.relations
        status = case(
            (
                (r.c.status == RelationStatus.REQUESTED.value) & (r.c.expires_at <= now),
                RelationStatus.EXPIRED.value,
            ),
            (
                (r.c.status == RelationStatus.ACTIVE.value) & (r.c.valid_until < now.date()),
                RelationStatus.ENDED.value,
            ),
            else_=r.c.status,
        ).label("current_status")
        query = (
            select(r.c.region, status, func.count().label("rows"))
            .group_by(r.c.region, status)
            .order_by(r.c.region, status)
        )
        if regions is not None:
            query = query.where(r.c.region.in_(sorted(regions)))
        rows = self._conn.execute(query).mappings()
        return [RelationTotals(row["region"], row["current_status"], int(row["rows"])) for row in rows]

    def insured_people(
        self, regions: Collection[str], *, limit: int, offset: int, name: str | None = None
    ) -> list[Person]:
        """People whose active (normal or paused) basic enrollment is in one of ``regions``, in registration order."""
        e = t.enrollments
        insured = exists().where(
            e.c.person_id == t.people.c.id,
            e.c.status != EnrollmentStatus.TERMINATED.value,
            e.c.insutype.in_(sorted(code.value for code in BASIC_INSUTYPES)),
            e.c.pooling_region.in_(sorted(regions)),
        )
        query = select(t.people.c.id).where(insured).order_by(t.people.c.id).limit(limit).offset(offset)
        if name:
            query = query.where(t.people.c.name.contains(name, autoescape=True))
        ids = [int(person_id) for person_id in self._conn.execute(query).scalars()]
        found = SqlPeople(self._conn).get_many(ids)
        return [found[person_id] for person_id in ids if person_id in found]
