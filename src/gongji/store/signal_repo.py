"""Fraud signals in SQL: the facts their rules read (visits, mutual-aid payments, relations) and the review queue."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from gongji.domain.identity import ResidentId
from gongji.service.signal_ports import SignalRow
from gongji.service.signals.kinship import Kin
from gongji.service.signals.rules import AidPayment, Binding, BuyerVisit, Found, PlacedVisit
from gongji.store import tables as t
from gongji.store.signal_tables import signals

__all__ = ["SqlSignals"]


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

    def buyer_visits(self, since: datetime, until: datetime) -> list[BuyerVisit]:
        v = t.visits
        rows = self._conn.execute(
            select(v.c.person_id, v.c.region, v.c.begin_at, v.c.buyer_certno, v.c.mdtrt_id).where(
                v.c.med_type == "41", v.c.buyer_certno.is_not(None), v.c.begin_at >= since, v.c.begin_at < until
            )
        )
        return [BuyerVisit(*row) for row in rows]

    def placed_visits(self, since: datetime, until: datetime) -> list[PlacedVisit]:
        v, i = t.visits, t.institutions
        period = and_(v.c.begin_at >= since, v.c.begin_at < until)
        travellers = (
            select(v.c.person_id)
            .join(i, i.c.id == v.c.institution_id)
            .where(period)
            .group_by(v.c.person_id)
            .having(func.count(func.distinct(i.c.region)) > 1)
        )
        rows = self._conn.execute(
            select(v.c.person_id, v.c.region, v.c.begin_at, i.c.region, v.c.mdtrt_id)
            .join(i, i.c.id == v.c.institution_id)
            .where(period, v.c.person_id.in_(travellers))
        )
        return [PlacedVisit(*row) for row in rows]

    def aid_payments(self, since: datetime, until: datetime) -> list[AidPayment]:
        p, s = t.settlement_payers, t.settlements
        paid = p.c.prior_years_fen + p.c.current_year_fen
        rows = self._conn.execute(
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
        )
        return [AidPayment(*row) for row in rows]

    def bindings(self) -> list[Binding]:
        r = t.relations
        rows = self._conn.execute(
            select(
                r.c.id,
                r.c.authoriser_id,
                r.c.beneficiary_id,
                r.c.region,
                r.c.status,
                r.c.requested_at,
                r.c.ended_at,
                r.c.end_reason,
            )
        )
        return [Binding(*row[:7], ended_by_authoriser=row[7] == "by_authoriser") for row in rows]

    def kin(self) -> list[Kin]:
        r, a, b = t.relations, t.people.alias("a"), t.people.alias("b")
        rows = self._conn.execute(
            select(
                r.c.id, r.c.authoriser_id, r.c.beneficiary_id, r.c.region, r.c.relation_type, r.c.status,
                r.c.requested_at, a.c.certno, b.c.certno,
            ).select_from(r.join(a, a.c.id == r.c.authoriser_id).join(b, b.c.id == r.c.beneficiary_id))
        )  # fmt: skip
        found = []
        for relation_id, authoriser_id, beneficiary_id, region, kind, status, requested_at, one, other in rows:
            authoriser, beneficiary = ResidentId(one), ResidentId(other)
            found.append(
                Kin(
                    relation_id, authoriser_id, beneficiary_id, region, kind, status, requested_at,
                    authoriser.birth_date, authoriser.sex.value, beneficiary.birth_date, beneficiary.sex.value,
                )
            )  # fmt: skip
        return found

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
