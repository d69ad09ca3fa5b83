"""SQL repository for visits with their diagnoses and fee lines."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from gongji.domain.catalogue import Classified
from gongji.domain.codes import Insutype, MedType, PsnType
from gongji.domain.visits import Diagnosis, FeeLine, Visit, VisitStatus
from gongji.service.ports import TransientStoreError
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["SqlVisits"]


# The settlement's statements, built once (see the note in ledger_repo.py).
_VISIT_QUERY = select(t.visits).where(t.visits.c.mdtrt_id == bindparam("mdtrt_id"))
VISIT_BY_MDTRT = Prepared(_VISIT_QUERY)
_VISIT_BY_ID = Prepared(select(t.visits).where(t.visits.c.id == bindparam("visit_id")))
_DIAGNOSES_OF = Prepared(
    select(t.visit_diagnoses)
    .where(t.visit_diagnoses.c.visit_id == bindparam("visit_id"))
    .order_by(t.visit_diagnoses.c.stage, t.visit_diagnoses.c.seq)
)
VISIT_BY_MDTRT_LOCKED = Prepared(_VISIT_QUERY.with_for_update())
_SAVE_VISIT = Prepared(
    update(t.visits)
    .where(t.visits.c.id == bindparam("visit_id"))
    .values(
        status=bindparam("new_status"),
        med_type=bindparam("new_med_type"),
        begin_at=bindparam("new_begin_at"),
        end_at=bindparam("new_end_at"),
        discharged_at=bindparam("new_discharged_at"),
        discharge_way=bindparam("new_discharge_way"),
    )
)
LINES_OF = Prepared(
    select(t.fee_lines).where(t.fee_lines.c.visit_id == bindparam("visit_id")).order_by(t.fee_lines.c.id)
)
_INSERT_VISIT = Prepared(insert(t.visits).returning(t.visits.c.id))
_INSERT_LINES = Prepared(insert(t.fee_lines))
_SET_MDTRT_ID = Prepared(
    update(t.visits).where(t.visits.c.id == bindparam("visit_id")).values(mdtrt_id=bindparam("new_mdtrt_id"))
)
_MARK_SETTLED = Prepared(
    update(t.fee_lines)
    .where(t.fee_lines.c.id.in_(bindparam("line_ids", expanding=True)))
    .values(settlement_id=bindparam("settlement_id"))
)


def visit_of(row: Any) -> Visit:
    """A visit from its row."""
    return Visit(
        id=row["id"],
        mdtrt_id=row["mdtrt_id"],
        person_id=row["person_id"],
        institution_id=row["institution_id"],
        insutype=Insutype(row["insutype"]),
        psn_type=PsnType(row["psn_type"]),
        med_type=MedType(row["med_type"]),
        region=row["region"],
        begin_at=row["begin_at"],
        status=VisitStatus(row["status"]),
        ipt_otp_no=row["ipt_otp_no"],
        end_at=row["end_at"],
        buyer_name=row["buyer_name"],
        buyer_certno=row["buyer_certno"],
        discharged_at=row["discharged_at"],
        discharge_way=row["discharge_way"],
    )


def fee_line_of(row: Any) -> FeeLine:
    """A ``fee_lines`` row as the domain's fee line."""
    return FeeLine(
        id=row["id"],
        visit_id=row["visit_id"],
        feedetl_sn=row["feedetl_sn"],
        item_code=row["item_code"],
        item_name=row["item_name"],
        quantity_milli=row["quantity_milli"],
        unit_price_microyuan=row["unit_price_microyuan"],
        parts=Classified(
            row["total_fen"], row["fulamt_ownpay_fen"], row["overlmt_fen"], row["preselfpay_fen"], row["inscp_fen"]
        ),
        category=row["category"],
        fee_at=row["fee_at"],
        returns_line_id=row["returns_line_id"],
        cancelled=row["cancelled"],
        chrg_bchno=row["chrg_bchno"],
        settlement_id=row["settlement_id"],
    )


class SqlVisits:
    """Visits and fee lines in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, visit: Visit, created_at: datetime) -> Visit:
        values = {
            # A unique placeholder that fits the column (30): the real 就诊ID is derived from the row's id.
            "mdtrt_id": f"~{secrets.token_hex(14)}",
            "person_id": visit.person_id,
            "institution_id": visit.institution_id,
            "insutype": visit.insutype.value,
            "psn_type": visit.psn_type.value,
            "med_type": visit.med_type.value,
            "region": visit.region,
            "ipt_otp_no": visit.ipt_otp_no,
            "begin_at": visit.begin_at,
            "end_at": visit.end_at,
            "status": visit.status.value,
            "buyer_name": visit.buyer_name,
            "buyer_certno": visit.buyer_certno,
            "created_at": created_at,
        }
        visit_id = int(_INSERT_VISIT(self._conn, values).scalar_one())
        # 就诊ID: digits, like the national ones (region code and the row id); it rides the next round trip.
        mdtrt_id = f"{visit.region}{visit_id:012d}"
        _SET_MDTRT_ID.defer(self._conn, [{"visit_id": visit_id, "new_mdtrt_id": mdtrt_id}])
        return replace(visit, id=visit_id, mdtrt_id=mdtrt_id)

    def get(self, visit_id: int) -> Visit | None:
        row = _VISIT_BY_ID(self._conn, {"visit_id": visit_id}).first()
        return visit_of(row) if row else None

    def find(self, mdtrt_id: str) -> Visit | None:
        row = VISIT_BY_MDTRT(self._conn, {"mdtrt_id": mdtrt_id}).first()
        return visit_of(row) if row else None

    def add_diagnoses(self, visit_id: int, stage: str, diagnoses: Sequence[Diagnosis], at: datetime) -> None:
        """Record a visit's diagnoses of one stage (admission or discharge)."""
        if not diagnoses:
            return
        self._conn.execute(
            insert(t.visit_diagnoses),
            [
                {
                    "visit_id": visit_id,
                    "stage": stage,
                    "seq": d.seq,
                    "diag_type": d.diag_type,
                    "diag_code": d.diag_code,
                    "diag_name": d.diag_name,
                    "main": d.main,
                    "recorded_at": at,
                }
                for d in diagnoses
            ],
        )

    def diagnoses(self, visit_id: int) -> list[tuple[str, Diagnosis]]:
        """A visit's diagnoses with their stage, admission first, each in its order."""
        rows = _DIAGNOSES_OF(self._conn, {"visit_id": visit_id})
        return [
            (row["stage"], Diagnosis(row["seq"], row["diag_type"], row["diag_code"], row["diag_name"], row["main"]))
            for row in rows
        ]

    def drop_diagnoses(self, visit_id: int, stage: str) -> None:
        """Forget a visit's diagnoses of one stage (a discharge cancelled)."""
        self._conn.execute(
            delete(t.visit_diagnoses).where(
                t.visit_diagnoses.c.visit_id == visit_id, t.visit_diagnoses.c.stage == stage
            )
        )

    def find_for_update(self, mdtrt_id: str) -> Visit | None:
        """A visit by 就诊ID, locked (PostgreSQL) for the rest of the transaction: one statement."""
        row = VISIT_BY_MDTRT_LOCKED(self._conn, {"mdtrt_id": mdtrt_id}).mappings().first()
        return visit_of(row) if row else None

    def lock(self, visit_id: int) -> Visit | None:
        row = self._conn.execute(select(t.visits).where(t.visits.c.id == visit_id).with_for_update()).mappings().first()
        return visit_of(row) if row else None

    def save(self, visit: Visit) -> None:
        _SAVE_VISIT.defer(
            self._conn,
            [
                {
                    "visit_id": visit.id,
                    "new_status": visit.status.value,
                    "new_med_type": visit.med_type.value,
                    "new_begin_at": visit.begin_at,
                    "new_end_at": visit.end_at,
                    "new_discharged_at": visit.discharged_at,
                    "new_discharge_way": visit.discharge_way,
                }
            ],
        )

    def add_lines(self, lines: Sequence[FeeLine], created_at: datetime) -> None:
        try:
            _INSERT_LINES.many(
                self._conn,
                [
                    {
                        "visit_id": line.visit_id,
                        "feedetl_sn": line.feedetl_sn,
                        "item_code": line.item_code,
                        "item_name": line.item_name,
                        "quantity_milli": line.quantity_milli,
                        "unit_price_microyuan": line.unit_price_microyuan,
                        "total_fen": line.parts.total_fen,
                        "fulamt_ownpay_fen": line.parts.fulamt_ownpay_fen,
                        "overlmt_fen": line.parts.overlmt_fen,
                        "preselfpay_fen": line.parts.preselfpay_fen,
                        "inscp_fen": line.parts.inscp_fen,
                        "category": line.category,
                        "returns_line_id": line.returns_line_id,
                        "cancelled": False,
                        "chrg_bchno": line.chrg_bchno,
                        "settlement_id": None,
                        "fee_at": line.fee_at,
                        "created_at": created_at,
                    }
                    for line in lines
                ],
            )
        except IntegrityError as exc:
            raise TransientStoreError("fee lines uploaded concurrently") from exc

    def lines(self, visit_id: int) -> list[FeeLine]:
        rows = LINES_OF(self._conn, {"visit_id": visit_id}).mappings()
        return [fee_line_of(row) for row in rows]

    def cancel_lines(self, line_ids: Sequence[int]) -> None:
        self._conn.execute(update(t.fee_lines).where(t.fee_lines.c.id.in_(list(line_ids))).values(cancelled=True))

    def mark_settled(self, line_ids: Sequence[int], settlement_id: int) -> None:
        """The lines are taken by this settlement."""
        if not line_ids:
            return
        _MARK_SETTLED.defer(self._conn, [{"line_ids": list(line_ids), "settlement_id": settlement_id}])

    def release(self, settlement_id: int) -> None:
        """A reversed settlement's lines wait to be settled again (or cancelled)."""
        self._conn.execute(
            update(t.fee_lines).where(t.fee_lines.c.settlement_id == settlement_id).values(settlement_id=None)
        )


# SetlInfo fields and the settlement table's amount columns have the same names.
