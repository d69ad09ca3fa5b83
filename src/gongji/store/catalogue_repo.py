"""SQLAlchemy implementations of the institution registry and the medical catalogue (``gongji.service.ports``).

The catalogue is written in batches: one statement reads which codes of a batch exist already (and how), and
one ``INSERT … ON CONFLICT (code) DO UPDATE`` carries every new or changed item as an executemany, so a batch of a
thousand items costs two round trips on either backend. Items already stored exactly as given are not written at
all: importing the same file twice changes nothing, not even ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from gongji.domain.catalogue import CatalogueItem, Institution, InstitutionKind, ItemCategory, ItemKind
from gongji.service.ports import TransientStoreError, UpsertCounts
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["IN_CHUNK", "SqlCatalogue", "SqlInstitutions"]

#: Codes per ``IN (…)`` list: well under SQLite's bound-parameter limit and PostgreSQL's comfort.
IN_CHUNK = 500

# Statements of the settlement's hot path, built once.
INSTITUTION_BY_ID = Prepared(select(t.institutions).where(t.institutions.c.id == bindparam("institution_id")))
_INSTITUTION_BY_CODE = Prepared(select(t.institutions).where(t.institutions.c.fixmedins_code == bindparam("code")))
_ITEMS_BY_CODE = Prepared(
    select(t.catalogue_items).where(t.catalogue_items.c.code.in_(bindparam("codes", expanding=True)))
)

#: The columns of an item that an upsert compares and writes (``code`` is the key; ``updated_at`` is bookkeeping).
_ITEM_COLUMNS = ("name", "category", "kind", "unit", "self_pay_bp", "price_cap_fen", "account_payable", "sample")


def institution_of(row: Any) -> Institution:
    """An ``institutions`` row as the domain's institution."""
    return Institution(
        id=row["id"],
        fixmedins_code=row["fixmedins_code"],
        name=row["name"],
        kind=InstitutionKind(row["kind"]),
        level=row["level"],
        region=row["region"],
    )


class SqlInstitutions:
    """Designated institutions in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        *,
        fixmedins_code: str,
        name: str,
        kind: InstitutionKind,
        level: str | None,
        region: str,
        created_at: datetime,
    ) -> Institution:
        try:
            institution_id = self._conn.execute(
                insert(t.institutions)
                .values(
                    fixmedins_code=fixmedins_code,
                    name=name,
                    kind=kind.value,
                    level=level,
                    region=region,
                    created_at=created_at,
                )
                .returning(t.institutions.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            # The same code was added by a concurrent transaction; the retry refuses it as a duplicate.
            raise TransientStoreError(f"institution {fixmedins_code!r} added concurrently") from exc
        return Institution(int(institution_id), fixmedins_code, name, kind, level, region)

    def get(self, institution_id: int) -> Institution | None:
        row = INSTITUTION_BY_ID(self._conn, {"institution_id": institution_id}).mappings().first()
        return institution_of(row) if row else None

    def find_by_code(self, fixmedins_code: str) -> Institution | None:
        row = _INSTITUTION_BY_CODE(self._conn, {"code": fixmedins_code}).first()
        return institution_of(row) if row else None

    def list(self, *, region: str | None = None) -> list[Institution]:
        query = select(t.institutions).order_by(t.institutions.c.id)
        if region is not None:
            query = query.where(t.institutions.c.region == region)
        return [institution_of(row) for row in self._conn.execute(query).mappings()]


def item_of(row: Any) -> CatalogueItem:
    """A catalogue item from its row."""
    return CatalogueItem(
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


def _item_values(item: CatalogueItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category.value,
        "kind": item.kind.value,
        "unit": item.unit,
        "self_pay_bp": item.self_pay_bp,
        "price_cap_fen": item.price_cap_fen,
        "account_payable": item.account_payable,
        "sample": item.sample,
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlCatalogue:
    """The medical catalogue in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def upsert_many(self, items: Sequence[CatalogueItem], at: datetime) -> UpsertCounts:
        codes = [item.code for item in items]
        assert len(set(codes)) == len(codes), "a batch names each code once"
        existing = self.find_many(codes)
        inserted = updated = 0
        rows: list[dict[str, Any]] = []
        for item in items:
            stored = existing.get(item.code)
            if stored == item:
                continue
            if stored is None:
                inserted += 1
            else:
                updated += 1
            rows.append(_item_values(item) | {"updated_at": at})
        if rows:
            dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
            statement = dialect_insert(t.catalogue_items)
            statement = statement.on_conflict_do_update(
                index_elements=["code"],
                set_={name: statement.excluded[name] for name in (*_ITEM_COLUMNS, "updated_at")},
            )
            # A list of parameter sets: executemany (psycopg pipelines it; SQLite loops in C).
            self._conn.execute(statement, rows)
        return UpsertCounts(inserted=inserted, updated=updated, unchanged=len(items) - inserted - updated)

    def find(self, code: str) -> CatalogueItem | None:
        row = self._conn.execute(select(t.catalogue_items).where(t.catalogue_items.c.code == code)).mappings().first()
        return item_of(row) if row else None

    def find_many(self, codes: Iterable[str]) -> dict[str, CatalogueItem]:
        wanted = sorted(set(codes))
        found: dict[str, CatalogueItem] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            rows = _ITEMS_BY_CODE(self._conn, {"codes": chunk}).mappings()
            for row in rows:
                found[row["code"]] = item_of(row)
        return found

    def _filtered(self, query: Any, name: str | None, code: str | None) -> Any:
        if name:
            query = query.where(t.catalogue_items.c.name.like(f"%{_escape_like(name)}%", escape="\\"))
        if code:
            query = query.where(t.catalogue_items.c.code.like(f"{_escape_like(code)}%", escape="\\"))
        return query

    def list(self, *, limit: int, offset: int, name: str | None = None, code: str | None = None) -> list[CatalogueItem]:
        query = select(t.catalogue_items).order_by(t.catalogue_items.c.code).limit(limit).offset(offset)
        return [item_of(row) for row in self._conn.execute(self._filtered(query, name, code)).mappings()]

    def count(self, *, name: str | None = None, code: str | None = None) -> int:
        query = self._filtered(select(func.count()).select_from(t.catalogue_items), name, code)
        return int(self._conn.execute(query).scalar_one())
