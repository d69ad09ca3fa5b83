"""SQLAlchemy implementation of :class:`gongji.service.fsi_ports.FsiFileRepository`: files, settlement lists and
clearing applications of the national interface (tables in :mod:`gongji.store.file_tables`).

Racing inserts of the same unique value (two workers storing one settlement's first list, two applications for the
same period) are reported as transient: the unit of work tries again and then sees the other's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from gongji.domain.catalogue import CatalogueItem, ItemCategory, ItemKind
from gongji.service.fsi_ports import StoredCatalogueRow, StoredClearing, StoredFile, StoredSettlementList
from gongji.service.ports import TransientStoreError
from gongji.store import file_tables as ft
from gongji.store import tables as t

__all__ = ["SqlFsiFiles"]

_FILE_COLUMNS = [c for c in ft.fsi_files.c if c.name != "content"]


def _file(row: Any) -> StoredFile:
    return StoredFile(**{name: row[name] for name in StoredFile.__dataclass_fields__})


def _list(row: Any) -> StoredSettlementList:
    return StoredSettlementList(**{name: row[name] for name in StoredSettlementList.__dataclass_fields__})


def _clearing(row: Any) -> StoredClearing:
    return StoredClearing(**{name: row[name] for name in StoredClearing.__dataclass_fields__})


def _catalogue_row(row: Any) -> StoredCatalogueRow:
    item = CatalogueItem(
        code=row["code"],
        name=row["name"],
        category=ItemCategory(row["category"]),
        kind=ItemKind(row["kind"]),
        unit=row["unit"],
        self_pay_bp=row["self_pay_bp"],
        price_cap_fen=row["price_cap_fen"],
        account_payable=bool(row["account_payable"]),
        sample=bool(row["sample"]),
    )
    return StoredCatalogueRow(item, row["updated_at"])


def _insert(conn: Connection, statement: Any, what: str) -> int:
    try:
        return int(conn.execute(statement).scalar_one())
    except IntegrityError as exc:
        raise TransientStoreError(f"{what} inserted concurrently") from exc


class SqlFsiFiles:
    """Files, settlement lists and clearing applications in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- files -------------------------------------------------------------------------------------------------

    def add_file(self, file: StoredFile, content: bytes) -> StoredFile:
        values = {name: getattr(file, name) for name in StoredFile.__dataclass_fields__ if name != "id"}
        statement = insert(ft.fsi_files).values(**values, content=content).returning(ft.fsi_files.c.id)
        return StoredFile(**{**values, "id": _insert(self._conn, statement, "file")})

    def file(self, file_qury_no: str) -> StoredFile | None:
        query = select(*_FILE_COLUMNS).where(ft.fsi_files.c.file_qury_no == file_qury_no)
        row = self._conn.execute(query).mappings().first()
        return _file(row) if row else None

    def file_content(self, file_id: int) -> bytes:
        query = select(ft.fsi_files.c.content).where(ft.fsi_files.c.id == file_id)
        return bytes(self._conn.execute(query).scalar_one())

    def catalogue_rows(self, kinds: Sequence[str], changed_after: datetime | None) -> list[StoredCatalogueRow]:
        c = t.catalogue_items.c
        query = select(t.catalogue_items).where(c.kind.in_(list(kinds))).order_by(c.updated_at, c.code)
        if changed_after is not None:
            query = query.where(c.updated_at > changed_after)
        return [_catalogue_row(row) for row in self._conn.execute(query).mappings()]

    # --- settlement lists --------------------------------------------------------------------------------------

    def settlement_list(self, settlement_id: int) -> StoredSettlementList | None:
        query = select(ft.settlement_lists).where(ft.settlement_lists.c.settlement_id == settlement_id)
        row = self._conn.execute(query).mappings().first()
        return _list(row) if row else None

    def add_settlement_list(self, row: StoredSettlementList) -> StoredSettlementList:
        values = {name: getattr(row, name) for name in StoredSettlementList.__dataclass_fields__ if name != "id"}
        statement = insert(ft.settlement_lists).values(**values).returning(ft.settlement_lists.c.id)
        return StoredSettlementList(**{**values, "id": _insert(self._conn, statement, "settlement list")})

    def replace_settlement_list(self, list_id: int, infno: str, content: str, at: datetime) -> None:
        table = ft.settlement_lists
        self._conn.execute(
            update(table)
            .where(table.c.id == list_id)
            .values(infno=infno, content=content, updated_at=at, uploads=table.c.uploads + 1)
        )

    # --- clearing applications ---------------------------------------------------------------------------------

    def add_clearing(self, row: StoredClearing) -> StoredClearing:
        values = {name: getattr(row, name) for name in StoredClearing.__dataclass_fields__ if name != "id"}
        statement = insert(ft.clearing_applications).values(**values).returning(ft.clearing_applications.c.id)
        return StoredClearing(**{**values, "id": _insert(self._conn, statement, "clearing application")})

    def clearing(self, clr_appy_evt_id: str, *, lock: bool = False) -> StoredClearing | None:
        table = ft.clearing_applications
        query = select(table).where(table.c.clr_appy_evt_id == clr_appy_evt_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return _clearing(row) if row else None

    def live_clearing(self, live_key: str) -> StoredClearing | None:
        table = ft.clearing_applications
        row = self._conn.execute(select(table).where(table.c.live_key == live_key)).mappings().first()
        return _clearing(row) if row else None

    def cancel_clearing(self, clearing_id: int, at: datetime) -> None:
        table = ft.clearing_applications
        self._conn.execute(
            update(table).where(table.c.id == clearing_id).values(status="cancelled", cancelled_at=at, live_key=None)
        )
