"""SQL repository for settlements with their payers, and the reconciliation totals read from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from gongji.domain.reconciliation import (
    CLEARING_RULES,
    DEFAULT_CLR_TYPE,
    NOT_CLEARED_WITH_INSTITUTION,
    PeriodTotals,
    SettlementSummary,
    StatementScope,
)
from gongji.domain.settlement import PayerRow, SetlInfo, SettlementRecord
from gongji.service.ports import TransientStoreError
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["SqlSettlements", "settlement_records"]

# The settlement's statements, built once (see the note in ledger_repo.py).
_INSERT_SETTLEMENT = Prepared(insert(t.settlements).returning(t.settlements.c.id))
_INSERT_SETTLEMENT_WITH_ID = Prepared(insert(t.settlements))
_INSERT_PAYERS = Prepared(insert(t.settlement_payers))
# Read back by every answer about a settlement (and once per settlement a what-if replays).
_SETTLEMENT_BY_SETL_ID = Prepared(select(t.settlements).where(t.settlements.c.setl_id == bindparam("setl_id")))
_SETTLEMENTS_OF_VISIT = Prepared(
    select(t.settlements).where(t.settlements.c.visit_id == bindparam("visit_id")).order_by(t.settlements.c.id)
)
_SETTLEMENTS_BY_SETL_IDS = Prepared(
    select(t.settlements).where(t.settlements.c.setl_id.in_(bindparam("setl_ids", expanding=True)))
)
_PAYERS_OF_MANY = Prepared(
    select(t.settlement_payers)
    .where(t.settlement_payers.c.settlement_id.in_(bindparam("settlement_ids", expanding=True)))
    .order_by(t.settlement_payers.c.settlement_id, t.settlement_payers.c.seq)
)
#: 结算IDs asked for in one statement.
_MANY = 500
_PAYERS_OF = Prepared(
    select(t.settlement_payers)
    .where(t.settlement_payers.c.settlement_id == bindparam("settlement_id"))
    .order_by(t.settlement_payers.c.seq)
)


_AMOUNT_COLUMNS = tuple(f.name for f in fields(SetlInfo))


def _record(row: Any, payers: tuple[PayerRow, ...]) -> SettlementRecord:
    return SettlementRecord(
        id=row["id"],
        setl_id=row["setl_id"],
        visit_id=row["visit_id"],
        person_id=row["person_id"],
        institution_id=row["institution_id"],
        journal_id=row["journal_id"],
        kind=row["kind"],
        status=row["status"],
        region=row["region"],
        insutype=row["insutype"],
        psn_type=row["psn_type"],
        med_type=row["med_type"],
        acct_used_flag=row["acct_used_flag"],
        amounts=SetlInfo(**{name: row[name] for name in _AMOUNT_COLUMNS}),
        payers=payers,
        settled_at=row["settled_at"],
        explanation=row["explanation"],
        reversal_journal_id=row["reversal_journal_id"],
        reversed_at=row["reversed_at"],
        request_key=row["request_key"],
        chrg_bchno=row["chrg_bchno"],
        mid_stay=row["mid_stay"],
    )


def _payer(row: Any) -> PayerRow:
    return PayerRow(
        seq=row["seq"],
        payer_person_id=row["payer_person_id"],
        relation_id=row["relation_id"],
        region=row["region"],
        prior_years_fen=row["prior_years_fen"],
        current_year_fen=row["current_year_fen"],
        balance_after_fen=row["balance_after_fen"],
        wallet_transfer_id=row["wallet_transfer_id"],
    )


def settlement_records(conn: Connection, setl_ids: Sequence[str]) -> dict[str, SettlementRecord]:
    """The settlements of these 结算IDs that exist, with their payers, in two statements (a what-if reads a family's
    settlements together)."""
    found: dict[str, SettlementRecord] = {}
    for start in range(0, len(setl_ids), _MANY):
        rows = list(_SETTLEMENTS_BY_SETL_IDS(conn, {"setl_ids": list(setl_ids[start : start + _MANY])}))
        payers: dict[int, list[PayerRow]] = {row["id"]: [] for row in rows}
        for payer in _PAYERS_OF_MANY(conn, {"settlement_ids": list(payers)}):
            payers[payer["settlement_id"]].append(_payer(payer))
        found |= {row["setl_id"]: _record(row, tuple(payers[row["id"]])) for row in rows}
    return found


class SqlSettlements:
    """Settlements and their payers in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, record: SettlementRecord) -> SettlementRecord:
        # 结算ID: digits like the national ones — the region and the journal's id (one journal per settlement), so
        # the row is written once.
        setl_id = f"{record.region}{record.journal_id:012d}"
        values = {
            "setl_id": setl_id,
            "visit_id": record.visit_id,
            "person_id": record.person_id,
            "institution_id": record.institution_id,
            "journal_id": record.journal_id,
            "kind": record.kind,
            "status": record.status,
            "region": record.region,
            "insutype": record.insutype,
            "psn_type": record.psn_type,
            "med_type": record.med_type,
            "acct_used_flag": record.acct_used_flag,
            "settled_at": record.settled_at,
            "explanation": record.explanation,
            "request_key": record.request_key,
            "chrg_bchno": record.chrg_bchno,
            "mid_stay": record.mid_stay,
            **{name: getattr(record.amounts, name) for name in _AMOUNT_COLUMNS},
        }
        if record.id:  # reserved: the row needs no answer, and rides the next round trip with its payers
            settlement_id = record.id
            _INSERT_SETTLEMENT_WITH_ID.defer(self._conn, [{"id": settlement_id, **values}])
        else:
            settlement_id = _INSERT_SETTLEMENT(self._conn, values).scalar_one()
        if record.payers:
            _INSERT_PAYERS.defer(
                self._conn,
                [
                    {
                        "settlement_id": settlement_id,
                        "seq": payer.seq,
                        "payer_person_id": payer.payer_person_id,
                        "relation_id": payer.relation_id,
                        "region": payer.region,
                        "prior_years_fen": payer.prior_years_fen,
                        "current_year_fen": payer.current_year_fen,
                        "balance_after_fen": payer.balance_after_fen,
                        "wallet_transfer_id": payer.wallet_transfer_id,
                    }
                    for payer in record.payers
                ],
            )
        return replace(record, id=int(settlement_id), setl_id=setl_id)

    def _payers(self, settlement_id: int) -> tuple[PayerRow, ...]:
        return tuple(_payer(row) for row in _PAYERS_OF(self._conn, {"settlement_id": settlement_id}))

    def find(self, setl_id: str) -> SettlementRecord | None:
        row = _SETTLEMENT_BY_SETL_ID(self._conn, {"setl_id": setl_id}).first()
        return _record(row, self._payers(row["id"])) if row else None

    def for_visit(self, visit_id: int) -> list[SettlementRecord]:
        rows = _SETTLEMENTS_OF_VISIT(self._conn, {"visit_id": visit_id})
        return [_record(row, self._payers(row["id"])) for row in rows]

    def of_patient(self, person_id: int, start: datetime, end: datetime, *, limit: int) -> list[SettlementRecord]:
        """The settlements of this patient's bills settled in [start, end), oldest first (at most ``limit``)."""
        c = t.settlements.c
        rows = self._conn.execute(
            select(t.settlements)
            .where(c.person_id == person_id, c.settled_at >= start, c.settled_at < end)
            .order_by(c.settled_at, c.id)
            .limit(limit)
        ).mappings()
        return [_record(row, self._payers(row["id"])) for row in rows]

    def add_claim(
        self,
        person_id: int,
        visit_id: int,
        operator: str,
        reason: str,
        receipts: Sequence[tuple[str, str, int]],
        at: datetime,
    ) -> int:
        claim_id = self._conn.execute(
            insert(t.claims)
            .values(person_id=person_id, visit_id=visit_id, operator=operator, reason=reason, created_at=at)
            .returning(t.claims.c.id)
        ).scalar_one()
        try:
            self._conn.execute(
                insert(t.claim_receipts),
                [
                    {"claim_id": claim_id, "issuer": issuer, "receipt_no": number, "amount_fen": amount}
                    for issuer, number, amount in receipts
                ],
            )
        except IntegrityError as exc:
            # A concurrent claim used the same receipt; the retry refuses it with the claim that holds it.
            raise TransientStoreError("receipt claimed concurrently") from exc
        return int(claim_id)

    def receipt_claim(self, issuer: str, receipt_no: str) -> int | None:
        return self._conn.execute(
            select(t.claim_receipts.c.claim_id).where(
                t.claim_receipts.c.issuer == issuer, t.claim_receipts.c.receipt_no == receipt_no
            )
        ).scalar_one_or_none()

    def claim_of_visit(self, visit_id: int) -> tuple[int, str, str, list[tuple[str, str, int]]] | None:
        row = self._conn.execute(select(t.claims).where(t.claims.c.visit_id == visit_id)).mappings().first()
        if row is None:
            return None
        receipts = self._conn.execute(
            select(t.claim_receipts.c.issuer, t.claim_receipts.c.receipt_no, t.claim_receipts.c.amount_fen)
            .where(t.claim_receipts.c.claim_id == row["id"])
            .order_by(t.claim_receipts.c.id)
        ).all()
        return row["id"], row["operator"], row["reason"], [(r[0], r[1], r[2]) for r in receipts]

    def mark_reversed(self, settlement_id: int, reversal_journal_id: int, at: datetime) -> None:
        self._conn.execute(
            update(t.settlements)
            .where(t.settlements.c.id == settlement_id)
            .values(status="reversed", reversal_journal_id=reversal_journal_id, reversed_at=at)
        )

    # --- statements (对账) -----------------------------------------------------------------------------------------

    @staticmethod
    def _statement_where(
        scope: StatementScope,
    ) -> tuple[ColumnElement[bool], ColumnElement[bool], list[ColumnElement[bool]]]:
        """When a settlement counts in the scope's period (settled in it; reversed in it), and the whole filter."""
        s = t.settlements
        settled_in = and_(s.c.settled_at >= scope.start, s.c.settled_at < scope.end)
        reversed_in = and_(s.c.reversed_at >= scope.start, s.c.reversed_at < scope.end)
        where: list[ColumnElement[bool]] = [
            s.c.institution_id == scope.institution_id,
            s.c.kind.not_in(sorted(NOT_CLEARED_WITH_INSTITUTION)),
            or_(settled_in, reversed_in),
        ]
        if scope.insutype is not None:
            where.append(s.c.insutype == scope.insutype)
        if scope.region is not None:
            where.append(s.c.region == scope.region)
        if scope.clr_type is not None:
            # The clearing type in SQL, from the same ordered rules as clr_type_of().
            clr_type = case(
                *(
                    (
                        s.c.med_type.startswith(rule.med_type, autoescape=True)
                        if rule.prefix
                        else s.c.med_type == rule.med_type,
                        rule.clr_type.value,
                    )
                    for rule in CLEARING_RULES
                ),
                else_=DEFAULT_CLR_TYPE.value,
            )
            where.append(clr_type == scope.clr_type.value)
        return settled_in, reversed_in, where

    def statement_totals(self, scope: StatementScope) -> PeriodTotals:
        """How many settlements were made and reversed in the period, and the sums net of reversals: one query."""
        s = t.settlements
        settled_in, reversed_in, where = self._statement_where(scope)
        made = case((settled_in, 1), else_=0)
        undone = case((reversed_in, 1), else_=0)
        amounts = (
            "medfee_sumamt_fen",
            "fund_pay_sumamt_fen",
            "acct_pay_fen",
            "acct_mulaid_pay_fen",
            "psn_cash_pay_fen",
        )
        row = self._conn.execute(
            select(
                func.coalesce(func.sum(made), 0),
                func.coalesce(func.sum(undone), 0),
                *(func.coalesce(func.sum((made - undone) * s.c[name]), 0) for name in amounts),
            ).where(*where)
        ).one()
        # PostgreSQL sums bigints as numeric (Decimal); every value is whole.
        settled_cnt, reversed_cnt, *sums = (int(value) for value in row)
        return PeriodTotals(settled_cnt, reversed_cnt, *sums)

    def statement_settlements(self, scope: StatementScope, *, limit: int) -> list[SettlementSummary]:
        """The settlements made or reversed in the period, with their visit's 就诊ID and the person's 人员编号, in the
        order they were made; at most ``limit``."""
        s, v, p = t.settlements, t.visits, t.people
        _, _, where = self._statement_where(scope)
        rows = self._conn.execute(
            select(
                s.c.setl_id,
                v.c.mdtrt_id,
                p.c.psn_no,
                s.c.request_key,
                s.c.insutype,
                s.c.med_type,
                s.c.status,
                s.c.settled_at,
                s.c.reversed_at,
                s.c.medfee_sumamt_fen,
                s.c.fund_pay_sumamt_fen,
                s.c.acct_pay_fen,
                s.c.acct_mulaid_pay_fen,
                s.c.psn_cash_pay_fen,
            )
            .select_from(s.join(p, p.c.id == s.c.person_id).outerjoin(v, v.c.id == s.c.visit_id))
            .where(*where)
            .order_by(s.c.id)
            .limit(limit)
        ).mappings()
        return [SettlementSummary(**row) for row in rows]
