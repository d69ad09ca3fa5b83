"""What a settlement reads of a visit and its bill in one go (:class:`gongji.service.ports.BillReader`).

Two round trips on PostgreSQL, each one pipeline. The *opening* knows only the 就诊ID: the visit (locked when the
settlement will write), its patient and her relations and the visit's institution — the last three found through the
visit in subqueries, so that nothing waits for the visit's answer — and the settlement's id drawn from its sequence,
so that the settlement's own rows are written without waiting for an answer either. The *bill*, once the patient's
family is known: the lines and their catalogue items, the patient's suspensions and the wallet transfers she may
spend. On SQLite the same statements run one after the other, as cheaply as ever. The statements and the row
conversions are the repositories' own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from gongji.service.settlement_ports import BillRows, VisitOpening
from gongji.store import tables as t
from gongji.store.catalogue_repo import INSTITUTION_BY_ID, institution_of, item_of
from gongji.store.driver import Prepared, together
from gongji.store.people_repo import SUSPENSIONS_OF, person_of, suspension_of
from gongji.store.relation_repo import relation_of
from gongji.store.visit_repo import LINES_OF, VISIT_BY_MDTRT, VISIT_BY_MDTRT_LOCKED, fee_line_of, visit_of
from gongji.store.wallet_repo import SPENDABLE, SPENDABLE_LOCKED, wallet_transfer_of

__all__ = ["SqlBillReads"]


def _of_visit(column: Any) -> Any:
    """``column`` of the visit with the 就诊ID ``:mdtrt_id``, as a scalar subquery."""
    return select(column).where(t.visits.c.mdtrt_id == bindparam("mdtrt_id")).scalar_subquery()


_PATIENT_OF_VISIT = Prepared(select(t.people).where(t.people.c.id == _of_visit(t.visits.c.person_id)))
_RELATIONS_OF_VISIT = Prepared(
    select(t.relations)
    .where(
        or_(
            t.relations.c.authoriser_id == _of_visit(t.visits.c.person_id),
            t.relations.c.beneficiary_id == _of_visit(t.visits.c.person_id),
        )
    )
    .order_by(t.relations.c.id)
)
_INSTITUTION_OF_VISIT = Prepared(
    select(t.institutions).where(t.institutions.c.id == _of_visit(t.visits.c.institution_id))
)
_NEXT_SETTLEMENT_ID = Prepared(select(func.nextval(func.pg_get_serial_sequence("settlements", "id")).label("id")))
_ITEMS_OF_VISIT = Prepared(
    select(t.catalogue_items).where(
        t.catalogue_items.c.code.in_(
            select(t.fee_lines.c.item_code).where(t.fee_lines.c.visit_id == bindparam("visit_id"))
        )
    )
)


class SqlBillReads:
    """The visit and bill reads of a settlement, batched."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    def opening(self, mdtrt_id: str, *, lock: bool, reserve_id: bool) -> VisitOpening | None:
        """The visit (``lock``: ``FOR UPDATE``), its patient and her relations, its institution and (``reserve_id``,
        PostgreSQL) the settlement's id; None when no visit has this 就诊ID."""
        named: dict[str, object] = {"mdtrt_id": mdtrt_id}
        calls: list[tuple[Prepared, dict[str, object]]] = [
            (VISIT_BY_MDTRT_LOCKED if lock else VISIT_BY_MDTRT, named),
            (_PATIENT_OF_VISIT, named),
            (_RELATIONS_OF_VISIT, named),
            (_INSTITUTION_OF_VISIT, named),
        ]
        if reserve_id and self._postgres:
            calls.append((_NEXT_SETTLEMENT_ID, {}))
        results = together(self._conn, calls)
        visit, patient, institution = results[0].first(), results[1].first(), results[3].first()
        if visit is None:
            return None
        assert patient is not None, "a visit's patient exists (a foreign key)"
        return VisitOpening(
            visit=visit_of(visit),
            patient=person_of(patient, ()),
            relations=[relation_of(row) for row in results[2]],
            institution=institution_of(institution) if institution else None,
            settlement_id=int(results[4].scalar_one()) if len(results) > 4 else None,
        )

    def read(self, visit_id: int, institution_id: int | None, patient_id: int, *, wallet: bool, lock: bool) -> BillRows:
        """The institution (unless ``institution_id`` is None: read already), the lines and their catalogue items,
        the suspensions and (``wallet``) the spendable transfers (``lock``: locked, PostgreSQL's ``FOR UPDATE``;
        SQLite's writer already holds the database)."""
        by_visit: dict[str, object] = {"visit_id": visit_id}
        calls: list[tuple[Prepared, dict[str, object]]] = [
            (LINES_OF, by_visit),
            (_ITEMS_OF_VISIT, by_visit),
            (SUSPENSIONS_OF, {"person_id": patient_id}),
        ]
        if wallet:
            calls.append((SPENDABLE_LOCKED if lock and self._postgres else SPENDABLE, {"receiver_id": patient_id}))
        if institution_id is not None:
            calls.append((INSTITUTION_BY_ID, {"institution_id": institution_id}))
        results = together(self._conn, calls)
        institution = results[-1].first() if institution_id is not None else None
        return BillRows(
            institution=institution_of(institution) if institution else None,
            lines=[fee_line_of(row) for row in results[0]],
            items={row["code"]: item_of(row) for row in results[1]},
            suspensions=[suspension_of(row) for row in results[2]],
            spendable=[wallet_transfer_of(row) for row in results[3]] if wallet else [],
        )
