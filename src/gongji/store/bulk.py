"""Writing many rows at once, the fastest way each database takes them: ``executemany`` of a prepared ``INSERT`` of
many rows at a time on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.

For loaders that hand out ids themselves (the synthetic province): rows are tuples in the order of the columns named,
with their ids; values are Python values as the repositories write them (aware datetimes, dates, booleans), turned into
what the driver stores by the same column types SQLAlchemy uses, each distinct value converted once. The caller is the
only writer while it loads: :meth:`BulkWriter.next_id` starts after the largest id, and :meth:`BulkWriter.finish` moves
PostgreSQL's sequences past what was written and gathers the planner's statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from sqlalchemy import Boolean, Connection, Engine, Table, func, select, text
from sqlalchemy.engine import Dialect

__all__ = ["BulkWriter", "RowShapes"]

#: The page cache of the loading connection on SQLite, in KiB (negative ``cache_size``: kibibytes, not pages).
SQLITE_CACHE_KIB = 512 * 1024
#: Rows of each index SQLite's ANALYZE reads after a load (``PRAGMA analysis_limit``).
_ANALYSIS_ROWS = 2_000
#: The values one SQLite ``INSERT`` binds at most (the limit of SQLite before 3.32; later ones allow 32,766).
_SQLITE_VALUES = 999
#: Distinct values a column's converter remembers (times and dates repeat: a load stamps many rows alike).
_REMEMBERED = 200_000


class _Converter:
    """A column's bind conversion, remembering what it converted."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        self._process = process
        self._seen: dict[Any, Any] = {None: None}

    def column(self, values: Sequence[Any]) -> list[Any]:
        """``values`` (one column's) as the driver stores them, each distinct value converted once."""
        seen, process = self._seen, self._process
        if len(seen) >= _REMEMBERED:
            seen.clear()
            seen[None] = None
        converted = []
        for value in values:
            found = seen.get(value, _UNSEEN)
            if found is _UNSEEN:
                found = seen[value] = process(value)
            converted.append(found)
        return converted


#: What a converter has not seen yet (``None`` is a value: NULL, stored as itself).
_UNSEEN = object()


class RowShapes:
    """How rows of a table go to one kind of database: the statement and each column's conversion to what the
    driver stores (the same column types SQLAlchemy uses). Needs only the dialect, so that the processes drawing a
    load can convert their rows themselves (in parallel) and the one writing only writes them."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.postgresql = dialect.name == "postgresql"
        self._shapes: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[tuple[int, _Converter], ...]]] = {}

    def prepare(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """``rows`` (tuples in the order of ``columns``) with their values as the driver stores them."""
        _, converters = self.shape(table, tuple(columns))
        if not converters:
            return [row if isinstance(row, tuple) else tuple(row) for row in rows]
        if not rows:
            return []
        # Column by column: each converter runs over its column at once, and the rows are rebuilt in one pass.
        by_column: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for index, convert in converters:
            by_column[index] = convert.column(by_column[index])
        return list(zip(*by_column, strict=True))

    def shape(self, table: Table, columns: tuple[str, ...]) -> tuple[str, tuple[tuple[int, _Converter], ...]]:
        """The statement for ``columns`` of ``table`` and the converters of the columns that need one (by position).
        On SQLite a boolean goes as the integer it is stored as: the driver binds an ``int`` at once, but looks for an
        adapter for a ``bool`` first (some 0.3 µs a value). PostgreSQL's COPY takes booleans as they are."""
        key = (table.name, columns)
        found = self._shapes.get(key)
        if found is None:
            dialect = self.dialect
            converters = []
            for index, name in enumerate(columns):
                kind = table.c[name].type
                if isinstance(kind, Boolean):
                    if not self.postgresql:
                        converters.append((index, _Converter(int)))
                    continue
                process = kind.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    converters.append((index, _Converter(process)))
            names = ", ".join(columns)
            if self.postgresql:
                sql = f"COPY {table.name} ({names}) FROM STDIN"
            else:
                sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
            found = self._shapes[key] = (sql, tuple(converters))
        return found


def _sqlite_insert(raw: Any, sql: str, width: int, rows: Sequence[Sequence[Any]]) -> None:
    """``rows`` inserted by ``sql`` (one row's ``INSERT``, of ``width`` values) as statements of as many rows as
    :data:`_SQLITE_VALUES` allows, the rest row by row. A statement of a hundred rows costs SQLite and the driver some
    30 % less a row than a hundred of one row each (300,000 rows of seven columns: 0.37 s against 0.53 s): the
    statement's start, reset and the driver's loop are paid once for all of them."""
    per = max(1, _SQLITE_VALUES // width)
    whole = len(rows) - len(rows) % per if per > 1 else 0
    if whole:
        many = sql + (", (" + ", ".join("?" * width) + ")") * (per - 1)
        flat = chain.from_iterable
        raw.executemany(many, (tuple(flat(rows[start : start + per])) for start in range(0, whole, per)))
    if whole < len(rows):
        raw.executemany(sql, rows[whole:])


class BulkWriter:
    """Rows straight into tables, in transactions the caller opens with :meth:`transaction`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.shapes = RowShapes(engine.dialect)
        self._written: set[str] = set()

    def next_id(self, table: Table) -> int:
        """The id after the largest in ``table`` (1 when it is empty)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; :meth:`write` into it. On SQLite the connection keeps a larger page cache
        (:data:`SQLITE_CACHE_KIB`): a province's indexes (ID numbers, card numbers, account codes, in random order)
        outgrow the default 2 MB long before its last chunk."""
        with self.engine.begin() as conn:
            if not self.postgresql:
                conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            yield conn

    def write(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        prepared: bool = False,
    ) -> None:
        """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` in the transaction of ``conn``;
        ``prepared``: their values are already as the driver stores them (:meth:`RowShapes.prepare`)."""
        if not rows:
            return
        sql, _ = self.shapes.shape(table, tuple(columns))
        converted = rows if prepared else self.shapes.prepare(table, columns, rows)
        raw: Any = conn.connection.driver_connection
        if self.postgresql:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in converted:
                    copy.write_row(row)
        else:
            _sqlite_insert(raw, sql, len(columns), converted)
        self._written.add(table.name)

    def update(self, conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Set ``columns`` of rows already in ``table``, in the transaction of ``conn``: each row gives the row's id,
        then its values in the order of ``columns``, as the driver stores them (:meth:`RowShapes.prepare`: a bound
        text parameter is passed through as it is)."""
        if not rows:
            return
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        statement = text(f"UPDATE {table.name} SET {assignments} WHERE id = :id")
        conn.execute(statement, [{"id": row[0], **dict(zip(columns, row[1:], strict=True))} for row in rows])

    def finish(self, tables: Sequence[Table]) -> None:
        """After the load: PostgreSQL's id sequences moved past the ids written (explicit ids do not move them), and
        fresh planner statistics for what was loaded, as autovacuum would gather a little later."""
        if not self.postgresql:
            with self.engine.begin() as conn:
                # Statistics from a sample of each index (SQLite's own advice for large databases): a full ANALYZE
                # reads every index of a 10 M-person province (tens of seconds); the sample estimates the same sizes.
                conn.exec_driver_sql(f"PRAGMA analysis_limit={_ANALYSIS_ROWS}")
                conn.execute(text("ANALYZE"))
            return
        with self.engine.begin() as conn:
            for table in tables:
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:table, 'id'), GREATEST(MAX(id), 1)) FROM " + table.name
                    ),
                    {"table": table.name},
                )
            written = [table.name for table in tables if table.name in self._written]
            if written:
                conn.execute(text(f"ANALYZE {', '.join(written)}"))
