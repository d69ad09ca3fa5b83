"""SQLAlchemy implementation of the filings port (:class:`gongji.service.fsi_ports.FilingRepository`).

Filings are added and cancelled, never deleted; a person has a handful, so reading all of a person's filings of one
kind is one indexed query (``ix_fsi_filings_person_kind``).
"""

from __future__ import annotations

import builtins
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gongji.service.fsi_ports import StoredFiling
from gongji.store.filing_tables import filings

__all__ = ["SqlFilings"]


def _filing(row: Any) -> StoredFiling:
    detail = json.loads(row["detail"])
    return StoredFiling(
        id=int(row["id"]),
        kind=row["kind"],
        person_id=int(row["person_id"]),
        insutype=row["insutype"],
        fixmedins_code=row["fixmedins_code"],
        subject_code=row["subject_code"],
        subject_name=row["subject_name"],
        begin_on=row["begin_on"],
        end_on=row["end_on"],
        detail={str(k): str(v) for k, v in detail.items()},
        filed_at=row["filed_at"],
        cancelled_at=row["cancelled_at"],
        cancel_memo=row["cancel_memo"],
    )


class SqlFilings:
    """People's filings (备案) in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, filing: StoredFiling) -> StoredFiling:
        """Insert a filing; the stored one (with its id) is returned."""
        values = {
            "kind": filing.kind,
            "person_id": filing.person_id,
            "insutype": filing.insutype,
            "fixmedins_code": filing.fixmedins_code,
            "subject_code": filing.subject_code,
            "subject_name": filing.subject_name,
            "begin_on": filing.begin_on,
            "end_on": filing.end_on,
            "detail": json.dumps(filing.detail, ensure_ascii=False, sort_keys=True),
            "filed_at": filing.filed_at,
        }
        new_id = self._conn.execute(insert(filings).values(**values).returning(filings.c.id)).scalar_one()
        stored = self.get(int(new_id))
        assert stored is not None
        return stored

    def get(self, filing_id: int, *, lock: bool = False) -> StoredFiling | None:
        """The filing with this id (locked for the transaction when ``lock``: PostgreSQL only), or ``None``."""
        query = select(filings).where(filings.c.id == filing_id)
        if lock and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return None if row is None else _filing(row)

    def of_person(self, person_id: int, kind: str | None = None) -> builtins.list[StoredFiling]:
        """A person's filings (of one kind if given), cancelled ones included, oldest first."""
        query = select(filings).where(filings.c.person_id == person_id)
        if kind is not None:
            query = query.where(filings.c.kind == kind)
        rows = self._conn.execute(query.order_by(filings.c.id)).mappings()
        return [_filing(row) for row in rows]

    def cancel(self, filing_id: int, at: datetime, memo: str | None) -> None:
        """Stamp a filing cancelled at ``at`` with the reason given."""
        self._conn.execute(update(filings).where(filings.c.id == filing_id).values(cancelled_at=at, cancel_memo=memo))
