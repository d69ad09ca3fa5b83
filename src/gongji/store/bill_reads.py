"""What a settlement reads of a visit's bill in one go (:class:`gongji.service.ports.BillReader`).

Once the visit is known, its institution, its fee lines, the patient's suspensions and the wallet transfers she may
spend depend on nothing but ids the visit carries: on PostgreSQL the four statements go in one pipeline (one round
trip instead of four); on SQLite they run one after the other. The statements and row conversions are the
repositories' own.
"""

from __future__ import annotations

from sqlalchemy import Connection

from gongji.service.ports import BillRows
from gongji.store.catalogue_repo import INSTITUTION_BY_ID, institution_of
from gongji.store.driver import Prepared, together
from gongji.store.people_repo import SUSPENSIONS_OF, suspension_of
from gongji.store.visit_repo import LINES_OF, fee_line_of
from gongji.store.wallet_repo import SPENDABLE, SPENDABLE_LOCKED, wallet_transfer_of

__all__ = ["SqlBillReads"]


class SqlBillReads:
    """The bill reads of a settlement, batched."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def read(self, visit_id: int, institution_id: int, patient_id: int, *, wallet: bool, lock: bool) -> BillRows:
        """The institution, the lines, the suspensions and (``wallet``) the spendable transfers (``lock``: locked,
        PostgreSQL's ``FOR UPDATE``; SQLite's writer already holds the database)."""
        calls: list[tuple[Prepared, dict[str, object]]] = [
            (INSTITUTION_BY_ID, {"institution_id": institution_id}),
            (LINES_OF, {"visit_id": visit_id}),
            (SUSPENSIONS_OF, {"person_id": patient_id}),
        ]
        if wallet:
            locking = lock and self._conn.dialect.name == "postgresql"
            calls.append((SPENDABLE_LOCKED if locking else SPENDABLE, {"receiver_id": patient_id}))
        results = together(self._conn, calls)
        institution = results[0].first()
        return BillRows(
            institution=institution_of(institution) if institution else None,
            lines=[fee_line_of(row) for row in results[1]],
            suspensions=[suspension_of(row) for row in results[2]],
            spendable=[wallet_transfer_of(row) for row in results[3]] if wallet else [],
        )
