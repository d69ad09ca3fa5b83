"""How a load's rows reach the database: converted for each driver (:class:`gongji.store.bulk.RowShapes`), carried
from a drawing process to the writing one (:func:`gongji.synth.province._packed`), and inserted many to a statement
(:class:`gongji.store.bulk.BulkWriter`)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, select, text
from sqlalchemy.dialects.postgresql.psycopg import dialect as postgresql_dialect
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from gongji.store import tables as t
from gongji.store.bulk import BulkWriter, RowShapes
from gongji.synth.province import _packed, _unpacked
from gongji.synth.rows import COLUMNS, ChunkRows

_COLUMNS = ("id", "must_not_go_negative", "opened_at")
_ROWS = [(1, True, datetime(2026, 1, 1, 9, tzinfo=UTC)), (2, False, None)]


def test_sqlite_takes_booleans_as_the_integers_it_stores() -> None:
    rows = RowShapes(sqlite_dialect()).prepare(t.accounts, _COLUMNS, _ROWS)
    flags = [row[1] for row in rows]
    assert flags == [1, 0]
    # exactly int: the driver binds an int at once, a bool only after looking for an adapter
    assert [type(flag) for flag in flags] == [int, int]
    assert isinstance(rows[0][2], str)
    assert rows[1][2] is None


def test_postgresql_takes_booleans_as_they_are() -> None:
    rows = RowShapes(postgresql_dialect()).prepare(t.accounts, _COLUMNS, _ROWS)
    assert [row[1] for row in rows] == [True, False]
    assert [type(row[1]) for row in rows] == [bool, bool]


def _chunk(rows: list[tuple[object, ...]]) -> ChunkRows:
    chunk = ChunkRows(people=2, employees=1, relations=Counter({"active": 1}))
    chunk.rows["accounts"] = rows
    return chunk


def test_plain_rows_cross_marshalled_and_come_back_whole() -> None:
    plain = RowShapes(sqlite_dialect()).prepare(t.accounts, _COLUMNS, _ROWS)
    chunk, tables = _packed(_chunk(plain))
    assert tables is not None
    assert chunk.rows == {}  # the rows went into the marshalled bytes, not into what is pickled
    back = _unpacked((chunk, tables))
    assert back.rows["accounts"] == plain
    assert set(back.rows) == set(COLUMNS)
    assert (back.people, back.employees, back.relations) == (2, 1, Counter({"active": 1}))


def test_rows_holding_times_stay_in_the_chunk() -> None:
    # PostgreSQL's driver takes times as they are: such rows are not marshalable and are pickled with the chunk
    driven = RowShapes(postgresql_dialect()).prepare(t.accounts, _COLUMNS, _ROWS)
    chunk, tables = _packed(_chunk(driven))
    assert tables is None
    assert chunk.rows["accounts"] == driven
    assert _unpacked((chunk, tables)).rows["accounts"] == driven


@pytest.mark.parametrize("count", [0, 1, 141, 142, 143, 2 * 142 + 5])
def test_sqlite_insert_of_many_rows_a_statement_keeps_every_row_in_order(tmp_path: Path, count: int) -> None:
    # seven columns: 142 rows a statement of at most 999 values, the rest row by row
    table = Table("sample", MetaData(), *(Column(name, Integer if name == "id" else Text) for name in _SEVEN))
    engine = create_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    try:
        table.metadata.create_all(engine)
        rows = [(i, *(f"{name}-{i}" for name in _SEVEN[1:])) for i in range(count, 0, -1)]
        writer = BulkWriter(engine)
        with writer.transaction() as conn:
            writer.write(conn, table, _SEVEN, rows)
        with engine.connect() as conn:
            stored = [tuple(row) for row in conn.execute(select(table).order_by(text("rowid")))]
    finally:
        engine.dispose()
    assert stored == rows


_SEVEN = ("id", "a", "b", "c", "d", "e", "f")


def test_update_sets_the_columns_named_of_the_rows_named(tmp_path: Path) -> None:
    table = Table("sample", MetaData(), *(Column(name, Integer if name == "id" else Text) for name in _SEVEN))
    engine = create_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    try:
        table.metadata.create_all(engine)
        rows = [(i, *(f"{name}-{i}" for name in _SEVEN[1:])) for i in range(1, 6)]
        writer = BulkWriter(engine)
        with writer.transaction() as conn:
            writer.write(conn, table, _SEVEN, rows)
            writer.update(conn, table, ("b", "e"), [(2, "B2", "E2"), (4, "B4", None)])
        with engine.connect() as conn:
            stored = [tuple(row) for row in conn.execute(select(table).order_by(table.c.id))]
    finally:
        engine.dispose()
    changed = {2: ("B2", "E2"), 4: ("B4", None)}
    expected = [
        (i, a, *changed[i][:1], c, d, changed[i][1], f) if i in changed else (i, a, b, c, d, e, f)
        for i, a, b, c, d, e, f in rows
    ]
    assert stored == expected
