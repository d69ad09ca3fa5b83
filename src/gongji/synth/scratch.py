"""A chunk's scratch database: where its families' years of care run through the settlement use cases themselves.

A synthetic visit is opened, billed, discharged and settled by ``open_visit``, ``upload_fees``, ``discharge`` and
``commit_settlement`` — the code a hospital's request runs — against a small SQLite database of the chunk's own
(a temporary file), holding what those use cases read: the institutions and catalogue, the family's people,
enrollments and accounts (with their opening balances), and its relations as they are at the visit's moment. What
they write is then read back and written into the province's database with the chunk's other rows.

Ids: each table's new rows start at the chunk's own base (a placeholder row just below it is written first, since
SQLite numbers a row one above the largest id), so that chunks drawn in parallel never collide. The region's system
accounts a settlement opens (the fund, clearing accounts, memo sources) are shared by every chunk: the scratch
database numbers them in its own range, and the province's writer maps them by code to one account each
(:class:`gongji.synth.shared.SharedAccounts`), carrying their running balances as it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Table, Text, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import TypeDecorator, TypeEngine

from gongji.domain.relations import Relation
from gongji.rules.book import RuleBook
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.store import tables as t
from gongji.store.engine import make_engine
from gongji.store.relation_repo import relation_values
from gongji.store.uow import SqlUnitOfWorkFactory

__all__ = ["CARE_TABLES", "PER_PERSON", "SHARED_TABLES", "Scratch", "columns_of"]

#: The tables a year of care writes, and how many rows of each one person may need at most (his ids' room).
PER_PERSON: dict[str, int] = {
    "visits": 40,
    "visit_diagnoses": 1,
    "fee_lines": 120,
    "settlements": 40,
    "settlement_payers": 80,
    "journals": 60,
    "transfers": 300,
    "notifications": 80,
    "accounts": 40,
}
CARE_TABLES = tuple(PER_PERSON)
#: What the scratch database holds of the province before any family: read by the use cases, written by none.
SHARED_TABLES = ("institutions", "catalogue_items", "accounts")


def columns_of(table: str) -> tuple[str, ...]:
    """Every column of ``table``, in order."""
    return tuple(column.name for column in t.metadata.tables[table].columns)


def _placeholder(table: Table, row_id: int) -> dict[str, Any]:
    """A row of ``table`` with id ``row_id`` and a value of the right type in every required column (ids and
    codes nobody asks for)."""
    values: dict[str, Any] = {"id": row_id}
    for column in table.columns:
        if column.name == "id" or column.nullable:
            continue
        values[column.name] = _CHECKED.get(column.name, _filler(column.type, row_id))
    return values


#: Placeholder values the tables' checks ask for (a quantity not zero, a transfer of something between two accounts).
_CHECKED = {"quantity_milli": 1, "amount_fen": 1, "credit_account_id": 1}


def _filler(kind: TypeEngine[Any], row_id: int) -> Any:
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return datetime(2000, 1, 1, tzinfo=SHANGHAI)
    if isinstance(kind, Date):
        return date(2000, 1, 1)
    if isinstance(kind, (Integer, Numeric)):
        return 0
    if isinstance(kind, (String, Text)):
        return f"~placeholder{row_id}"
    raise TypeError(f"no placeholder value for {kind!r}")


_NEW_RELATION = sqlite_insert(t.relations)
#: A relation written again with its state now (or for the first time).
_UPSERT_RELATION = _NEW_RELATION.on_conflict_do_update(
    index_elements=["id"], set_={c.name: _NEW_RELATION.excluded[c.name] for c in t.relations.columns if c.name != "id"}
)


class Scratch:
    """The chunk's scratch database and a context whose clock the care steps set (see the module docstring)."""

    def __init__(
        self, directory: Path, bases: Mapping[str, int], shared: Mapping[str, Sequence[tuple[Any, ...]]], book: RuleBook
    ) -> None:
        self.bases = dict(bases)
        self._relations: dict[int, Relation] = {}
        self.engine = make_engine("sqlite://")
        t.metadata.create_all(self.engine)
        self.clock = FixedClock(datetime(2000, 1, 1, tzinfo=SHANGHAI))
        self.ctx = Context(uow=SqlUnitOfWorkFactory(self.engine), clock=self.clock, rules=book, group_commit=False)
        with self.engine.connect() as conn:
            # The placeholders name no real rows: written with the foreign keys unchecked (outside a transaction,
            # where SQLite takes the setting), then checked again for everything after.
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
            for name, base in self.bases.items():
                conn.execute(insert(t.metadata.tables[name]).values(_placeholder(t.metadata.tables[name], base - 1)))
            conn.commit()
            raw.execute("PRAGMA foreign_keys=ON")
        for name in SHARED_TABLES:
            self.add(name, columns_of(name), shared.get(name, ()))

    def add(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Rows the use cases will read (a family's people, enrollments and accounts; shared rows)."""
        values = [dict(zip(columns, row, strict=True)) for row in rows]
        if values:
            with self.engine.begin() as conn:
                conn.execute(insert(t.metadata.tables[table]), values)

    def set_relations(self, relations: Iterable[tuple[int, Relation]]) -> None:
        """The family's relations as they now are, by id (a family's relations are never deleted: each one that
        changed is written again with its state now)."""
        changed = []
        for relation_id, relation in relations:
            if self._relations.get(relation_id) is relation:
                continue
            self._relations[relation_id] = relation
            values = relation_values(relation)
            values["id"] = relation_id
            changed.append(values)
        if changed:
            with self.engine.begin() as conn:
                conn.execute(_UPSERT_RELATION, changed)

    def written(self, columns: Mapping[str, Sequence[str]]) -> dict[str, list[tuple[Any, ...]]]:
        """Every row the care wrote, by table (``columns``: each table's columns, in order), and the accounts of the
        families with their balances now."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        with self.engine.connect() as conn:
            for name in CARE_TABLES:
                table = t.metadata.tables[name]
                chosen = [table.c[column] for column in columns[name]]
                query = select(*chosen).where(table.c.id >= self.bases[name])
                if name == "accounts":
                    query = select(*chosen).where(
                        (table.c.id >= self.bases[name]) | (table.c.owner_person_id.is_not(None))
                    )
                out[name] = [tuple(row) for row in conn.execute(query.order_by(table.c.id))]
        return out

    def close(self) -> None:
        """Close the database (its file goes with the directory)."""
        self.engine.dispose()
