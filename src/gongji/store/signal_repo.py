"""Fraud signals in SQL: the facts their rules read (visits, mutual-aid payments, relations) and the review queue."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select, union_all, update

from gongji.domain.identity import ResidentId
from gongji.service.signal_ports import SignalRow
from gongji.service.signals.kinship import Kin, Tie
from gongji.service.signals.rules import AidPayment, Binding, BuyerVisit, Found, PlacedVisit
from gongji.store import tables as t
from gongji.store.signal_tables import signals

__all__ = ["SqlSignals"]

_STREAMED = 10_000


def _row(row: Any) -> SignalRow:
    return SignalRow(
        id=row.id,
        rule=row.rule,
        region=row.region,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        score=row.score,
        evidence=json.loads(row.evidence),
        window_from=row.window_from,
        window_to=row.window_to,
        found_at=row.found_at,
        status=row.status,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        review_note=row.review_note,
    )


class SqlSignals:
    """Signals and their facts in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _streamed(self, query: Select[Any]) -> Iterator[Any]:
        """The rows of ``query`` as they come (a server-side cursor on PostgreSQL): a province's year is millions."""
        yield from self._conn.execute(query.execution_options(yield_per=_STREAMED))

    def buyer_visits(self, since: datetime, until: datetime) -> Iterator[BuyerVisit]:
        v = t.visits
        query = (
            select(v.c.person_id, v.c.region, v.c.begin_at, v.c.buyer_certno, v.c.mdtrt_id)
            .where(v.c.med_type == "41", v.c.buyer_certno.is_not(None), v.c.begin_at >= since, v.c.begin_at < until)
            .order_by(v.c.person_id, v.c.id)
        )
        return (BuyerVisit(*row) for row in self._streamed(query))

    def placed_visits(self, since: datetime, until: datetime) -> Iterator[PlacedVisit]:
        v, i = t.visits, t.institutions
        period = and_(v.c.begin_at >= since, v.c.begin_at < until)
        travellers = (
            select(v.c.person_id)
            .join(i, i.c.id == v.c.institution_id)
            .where(period)
            .group_by(v.c.person_id)
            .having(func.count(func.distinct(i.c.region)) > 1)
        )
        query = (
            select(v.c.person_id, v.c.region, v.c.begin_at, i.c.region, v.c.mdtrt_id)
            .join(i, i.c.id == v.c.institution_id)
            .where(period, v.c.person_id.in_(travellers))
            .order_by(v.c.person_id, v.c.id)
        )
        return (PlacedVisit(*row) for row in self._streamed(query))

    def aid_payments(self, since: datetime, until: datetime) -> Iterator[AidPayment]:
        p, s = t.settlement_payers, t.settlements
        paid = p.c.prior_years_fen + p.c.current_year_fen
        query = (
            select(
                p.c.relation_id,
                p.c.payer_person_id,
                s.c.person_id,
                s.c.region,
                s.c.settled_at,
                paid,
                p.c.balance_after_fen + paid,
                s.c.setl_id,
            )
            .join(s, s.c.id == p.c.settlement_id)
            .where(
                p.c.relation_id.is_not(None),
                s.c.reversed_at.is_(None),
                s.c.settled_at >= since,
                s.c.settled_at < until,
                paid > 0,
            )
            .order_by(p.c.relation_id, p.c.id)
        )
        return (AidPayment(*row) for row in self._streamed(query))

    def bindings(self) -> Iterator[Binding]:
        r = t.relations
        query = select(
            r.c.id,
            r.c.authoriser_id,
            r.c.beneficiary_id,
            r.c.region,
            r.c.status,
            r.c.requested_at,
            r.c.ended_at,
            r.c.end_reason,
        ).order_by(r.c.authoriser_id, r.c.id)
        for row in self._streamed(query):
            relation_id, authoriser_id, beneficiary_id, region, status, requested_at, ended_at, reason = row
            yield Binding(
                relation_id, authoriser_id, beneficiary_id, region, status, requested_at, ended_at,
                ended_by_authoriser=reason == "by_authoriser",
            )  # fmt: skip

    def kin(self) -> Iterator[Kin]:
        r, a, b = t.relations, t.people.alias("a"), t.people.alias("b")
        query = select(
            r.c.id, r.c.authoriser_id, r.c.beneficiary_id, r.c.region, r.c.relation_type, r.c.status,
            r.c.requested_at, a.c.certno, b.c.certno,
        ).select_from(r.join(a, a.c.id == r.c.authoriser_id).join(b, b.c.id == r.c.beneficiary_id))  # fmt: skip
        query = query.order_by(r.c.id)
        for row in self._streamed(query):
            relation_id, authoriser_id, beneficiary_id, region, kind, status, requested_at, one, other = row
            authoriser, beneficiary = ResidentId(one), ResidentId(other)
            yield Kin(
                relation_id, authoriser_id, beneficiary_id, region, kind, status, requested_at,
                authoriser.birth_date, authoriser.sex.value, beneficiary.birth_date, beneficiary.sex.value,
            )  # fmt: skip

    def ties(self) -> Iterator[tuple[int, Tie]]:
        r = t.relations
        columns = (r.c.id, r.c.authoriser_id, r.c.beneficiary_id, r.c.relation_type, r.c.status)
        sides = union_all(
            select(r.c.authoriser_id.label("party"), *columns), select(r.c.beneficiary_id.label("party"), *columns)
        ).subquery()
        query = select(sides).order_by(sides.c.party, sides.c.id)
        for party, *tie in self._streamed(query):
            yield party, Tie(*tie)

    def keep(self, found: Sequence[Found], at: datetime) -> int:
        if not found:
            return 0
        prints = [f.fingerprint for f in found]
        known: set[str] = set()
        for start in range(0, len(prints), 500):
            chunk = prints[start : start + 500]
            known |= set(
                self._conn.execute(select(signals.c.fingerprint).where(signals.c.fingerprint.in_(chunk))).scalars()
            )
        new = [f for f in {f.fingerprint: f for f in found}.values() if f.fingerprint not in known]
        if new:
            self._conn.execute(
                signals.insert(),
                [
                    {
                        "rule": f.rule,
                        "region": f.region,
                        "subject_kind": f.subject_kind,
                        "subject_id": f.subject_id,
                        "score": f.score,
                        "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True),
                        "window_from": f.window_from,
                        "window_to": f.window_to,
                        "fingerprint": f.fingerprint,
                        "found_at": at,
                        "status": "open",
                    }
                    for f in new
                ],
            )
        return len(new)

    def listing(
        self, regions: Collection[str] | None, status: str | None, rule: str | None, limit: int
    ) -> list[SignalRow]:
        query = select(signals)
        if regions is not None:
            query = query.where(signals.c.region.in_(list(regions)))
        if status is not None:
            query = query.where(signals.c.status == status)
        if rule is not None:
            query = query.where(signals.c.rule == rule)
        query = query.order_by(signals.c.score.desc(), signals.c.found_at, signals.c.id).limit(limit)
        return [_row(row) for row in self._conn.execute(query)]

    def get(self, signal_id: int) -> SignalRow | None:
        row = self._conn.execute(select(signals).where(signals.c.id == signal_id)).first()
        return _row(row) if row else None

    def review(self, signal_id: int, status: str, by: str, at: datetime, note: str | None) -> bool:
        done = self._conn.execute(
            update(signals)
            .where(signals.c.id == signal_id, signals.c.status == "open")
            .values(status=status, reviewed_by=by, reviewed_at=at, review_note=note)
        )
        return bool(done.rowcount)
