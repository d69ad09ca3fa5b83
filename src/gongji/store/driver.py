"""Hot-path statements run straight through the DB-API driver.

SQLAlchemy stays what the schema, migrations and every statement off the hot path are written in. A settlement,
though, runs some thirty statements, and SQLAlchemy's execution machinery costs ~20–30 µs of Python per statement
on this machine against ~2–3 µs for the driver's own ``cursor.execute`` (measured in issue 17): most of a SQLite
settlement. :class:`Prepared` keeps the statement written in SQLAlchemy Core (so its SQL is the dialect's own and its
columns' types are the tables'), compiles it once per dialect and shape, and then runs it on the unit of work's DB-API
connection — inside the same transaction — converting parameters and results with the very type processors
SQLAlchemy would have used (``AwareDateTime``, booleans and dates on SQLite). Errors are raised as the SQLAlchemy
exceptions the rest of the store expects (``IntegrityError``, ``OperationalError``, a dropped connection marked as
invalidated), so the retry and refusal logic does not know the difference.

Only statements built once at import are worth preparing; a statement built per call is cheaper through SQLAlchemy's
own cache.

On PostgreSQL every statement is also a round trip, so two more tools cut them: :meth:`Prepared.defer` keeps a write
whose answer nobody reads until the transaction next speaks to the server, and sends it in the same psycopg pipeline
(:func:`defer_on` registers the engine events that keep such writes in order with SQLAlchemy's own statements, send
them before the commit and forget them at a rollback); :func:`together` sends statements that do not depend on each
other's answers in one pipeline. On SQLite both simply run the statements at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable, visitors
from sqlalchemy.sql.elements import BindParameter

__all__ = [
    "DriverResult",
    "Prepared",
    "defer_on",
    "drop_deferred",
    "flush_deferred",
    "release_savepoint",
    "rollback_to_savepoint",
    "savepoint",
    "together",
]

Row = dict[str, Any]
#: Where a connection keeps its deferred writes (``Connection.info``: per DB-API connection, emptied at each end).
_DEFERRED = "gongji_deferred_writes"
_NAMED = re.compile(r"%\((\w+)\)s")
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One statement compiled for one dialect and one shape of parameters."""

    sql: str
    #: For each placeholder in order: the parameter's name, its position in an expanded list (or None), its processor.
    #: A placeholder whose value the statement carries has no name and its processed value last.
    binds: tuple[tuple[str | None, int | None, _Processor, Any], ...]
    #: Positional (``?``) or named (``%(name)s``) placeholders.
    positional: bool
    #: The names each placeholder has in the SQL (named paramstyles).
    names: tuple[str, ...]


class DriverResult:
    """What a prepared statement gave: its rows as dicts (``mappings()`` for SQLAlchemy's spelling) or its row count."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def mappings(self) -> DriverResult:
        """The rows as mappings of column key to value (they already are)."""
        return self

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def all(self) -> list[Row]:
        """Every row."""
        return self._rows

    def first(self) -> Row | None:
        """The first row, or None."""
        return self._rows[0] if self._rows else None

    def one(self) -> Row:
        """The only row; anything else is a fault of the caller's query."""
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar_one(self) -> Any:
        """The first column of the only row."""
        return next(iter(self.one().values()))


class Prepared:
    """A Core statement run through the driver; call it with the connection and the parameters."""

    def __init__(self, statement: Executable) -> None:
        self._statement: Any = statement
        self._expanding = frozenset(
            bind.key for bind in _bind_parameters(statement) if isinstance(bind, BindParameter) and bind.expanding
        )
        columns = getattr(statement, "exported_columns", ())
        self._keys = tuple(columns.keys()) if columns else ()
        self._column_types = tuple(column.type for column in columns) if columns else ()
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}
        self._results: dict[str, tuple[tuple[str, Callable[[Any], Any]], ...]] = {}

    def __call__(self, conn: Connection, params: Mapping[str, Any] | None = None) -> DriverResult:
        """Run once with ``params``: the rows as dicts (when the statement returns rows) and the row count. Writes
        deferred on this connection are sent first, in the same round trip."""
        params = params or {}
        compiled = self._compile_for(conn.dialect, params)
        args = _arguments(compiled, params)
        cursor = _run(conn, compiled.sql, args, many=False)
        try:
            rows = self._rows(conn.dialect, cursor) if self._keys else []
            return DriverResult(rows, cursor.rowcount)
        finally:
            cursor.close()

    def many(self, conn: Connection, params: Sequence[Mapping[str, Any]]) -> int:
        """Run once per parameter set (the driver's ``executemany``: SQLite loops in C, psycopg pipelines); the
        total row count. Every set has the keys of the first."""
        if not params:
            return 0
        compiled = self._compile_for(conn.dialect, params[0])
        cursor = _run(conn, compiled.sql, [_arguments(compiled, one) for one in params], many=True)
        count = int(cursor.rowcount)
        cursor.close()
        return count

    def defer(self, conn: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """Write once per parameter set, when the transaction next speaks to the database (a statement that needs
        its answer, or the commit) — on PostgreSQL in the same round trip as that statement; on SQLite, which has no
        round trips, at once. For writes whose answer nobody reads: their errors surface at that later moment."""
        if not params:
            return
        compiled = self._compile_for(conn.dialect, params[0])
        args = [_arguments(compiled, one) for one in params]
        if conn.dialect.name != "postgresql":
            _run(conn, compiled.sql, args, many=True).close()
            return
        conn.info.setdefault(_DEFERRED, []).append((compiled.sql, args, True))

    def _compile_for(self, dialect: Dialect, params: Mapping[str, Any]) -> _Compiled:
        lengths = tuple(len(params[name]) for name in sorted(self._expanding))
        shape = (dialect.name, lengths, tuple(params))
        found = self._compiled.get(shape)
        if found is None:
            found = self._compiled[shape] = self._compile(dialect, params)
        return found

    def _compile(self, dialect: Dialect, params: Mapping[str, Any]) -> _Compiled:
        compiled: Any = self._statement.compile(dialect=dialect, column_keys=list(params))
        sql: str = compiled.string
        positional = compiled.positiontup is not None
        order: list[str] = list(compiled.positiontup) if positional else []
        for name in self._expanding:
            # One placeholder per item of the list (an empty list matches nothing: ``IN (NULL)``).
            items = [f"{name}_{i}" for i in range(1, len(params[name]) + 1)]
            marks = ", ".join("?" if positional else f"%({item})s" for item in items) or "NULL"
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", marks)
            if positional:
                at = order.index(name)
                order[at : at + 1] = items
        names = tuple(order) if positional else tuple(_NAMED.findall(sql))
        by_name = {bind.key: bind for bind in compiled.binds.values()}
        binds: list[tuple[str | None, int | None, _Processor, Any]] = []
        for name in names:
            bind = compiled.binds.get(name)
            source, index = self._source_of(name, params, bind)
            if source is None:  # a value written into the statement itself (a status, a literal)
                binds.append((None, None, None, _processed(bind, dialect, bind.effective_value)))
                continue
            typed = by_name.get(source, bind)
            binds.append((source, index, typed.type.dialect_impl(dialect).bind_processor(dialect), None))
        return _Compiled(sql, tuple(binds), positional, names)

    def _source_of(self, name: str, params: Mapping[str, Any], bind: Any) -> tuple[str | None, int | None]:
        """The parameter a placeholder takes its value from: itself, an item of an expanded list (``ids_3``), or
        none (the statement carries the value)."""
        if name in params:
            return name, None
        stem, _, position = name.rpartition("_")
        if stem in self._expanding and position.isdigit():
            return stem, int(position) - 1
        if bind is not None and not bind.required:
            return None, None
        raise KeyError(f"no value for parameter {name!r} of a prepared statement")

    def _rows(self, dialect: Dialect, cursor: Any) -> list[Row]:
        processors = self._results.get(dialect.name)
        if processors is None:
            processors = self._results[dialect.name] = self._result_processors(dialect)
        keys = self._keys
        rows = [dict(zip(keys, raw, strict=True)) for raw in cursor.fetchall()]
        for row in rows:
            for key, process in processors:
                value = row[key]
                if value is not None:
                    row[key] = process(value)
        return rows

    def _result_processors(self, dialect: Dialect) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
        """The columns whose driver values SQLAlchemy would convert (times, dates, booleans), with the conversion."""
        found = []
        for key, kind in zip(self._keys, self._column_types, strict=True):
            process = kind.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                found.append((key, process))
        return tuple(found)


def _bind_parameters(statement: Any) -> list[Any]:
    """The bind parameters a statement carries (expanding ones among them)."""
    found: list[Any] = []
    visitors.traverse(statement, {}, {"bindparam": found.append})
    return found


def _processed(bind: Any, dialect: Dialect, value: Any) -> Any:
    process = bind.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value


def _arguments(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    values = []
    for name, index, process, constant in compiled.binds:
        if name is None:
            values.append(constant)
            continue
        value = params[name] if index is None else params[name][index]
        values.append(process(value) if process is not None else value)
    if compiled.positional:
        return tuple(values)
    return dict(zip(compiled.names, values, strict=True))


def together(conn: Connection, calls: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> list[DriverResult]:
    """Run several statements whose parameters do not depend on each other's answers, in order: on PostgreSQL in one
    round trip (a pipeline, after any deferred writes), on SQLite one after the other. Their results, in order."""
    if conn.dialect.name != "postgresql":
        return [prepared(conn, params) for prepared, params in calls]
    flush_deferred(conn)
    raw: Any = conn.connection.driver_connection
    sent = []
    try:
        with raw.pipeline():
            for prepared, params in calls:
                compiled = prepared._compile_for(conn.dialect, params)
                cursor = raw.cursor()
                sent.append((prepared, cursor))
                _execute(conn, cursor, compiled.sql, _arguments(compiled, params), many=False)
        return [
            DriverResult(prepared._rows(conn.dialect, cursor) if prepared._keys else [], cursor.rowcount)
            for prepared, cursor in sent
        ]
    except Exception as exc:
        raise _translated(conn, exc, "pipeline", [], None) from exc
    finally:
        for _, cursor in sent:
            cursor.close()


def _run(conn: Connection, sql: str, args: Any, *, many: bool) -> Any:
    """Execute on a new cursor of ``conn`` (after the writes deferred on it, in one pipeline); the cursor."""
    queue = conn.info.pop(_DEFERRED, None)
    cursor = _cursor(conn)
    try:
        if queue:
            with conn.connection.driver_connection.pipeline():  # type: ignore[union-attr]
                _send(conn, queue)
                _execute(conn, cursor, sql, args, many=many)
        else:
            _execute(conn, cursor, sql, args, many=many)
    except Exception as exc:
        cursor.close()
        raise _translated(conn, exc, sql, args, cursor) from exc
    return cursor


def _execute(conn: Connection, cursor: Any, sql: str, args: Any, *, many: bool) -> None:
    _announce(conn, cursor, sql, args, many=many)
    if many:
        cursor.executemany(sql, args)
    else:
        cursor.execute(sql, args)


def _send(conn: Connection, queue: list[tuple[str, Any, bool]]) -> None:
    """Queue the deferred writes in the pipeline, on a cursor of their own (their row counts are nobody's)."""
    with _cursor(conn) as cursor:
        for sql, args, many in queue:
            _execute(conn, cursor, sql, args, many=many)


def _announce(conn: Connection, cursor: Any, sql: str, args: Any, *, many: bool) -> None:
    """Tell the engine's ``before_cursor_execute`` listeners (statement counters, logs) of a statement run here, as
    SQLAlchemy would; without an execution context, which is how they can tell it from SQLAlchemy's own."""
    listeners = conn.dispatch.before_cursor_execute
    if listeners:
        listeners(conn, cursor, sql, args, None, many)


def _flush_before_sqlalchemy(conn: Connection, _cursor: Any, _sql: str, _args: Any, context: Any, _many: bool) -> None:
    if context is not None:  # a statement of SQLAlchemy's own: the deferred writes go first
        flush_deferred(conn)


def flush_deferred(conn: Connection) -> None:
    """Send the writes deferred on ``conn`` now, in one round trip."""
    queue = conn.info.pop(_DEFERRED, None)
    if not queue:
        return
    try:
        with conn.connection.driver_connection.pipeline():  # type: ignore[union-attr]
            _send(conn, queue)
    except Exception as exc:
        raise _translated(conn, exc, queue[0][0], queue[0][1], None) from exc


def savepoint(conn: Connection, name: str) -> None:
    """Mark a savepoint ``name`` in the transaction (on PostgreSQL sent with the next statement, like a deferred
    write: a savepoint nobody has written after costs no round trip of its own)."""
    _control(conn, f"SAVEPOINT {_savepoint_name(name)}", now=False)


def release_savepoint(conn: Connection, name: str) -> None:
    """Keep what was done since savepoint ``name`` and forget the mark (deferred on PostgreSQL, like ``savepoint``)."""
    _control(conn, f"RELEASE SAVEPOINT {_savepoint_name(name)}", now=False)


def rollback_to_savepoint(conn: Connection, name: str) -> None:
    """Undo what was done since savepoint ``name`` and forget the mark, now. Writes still deferred are sent first
    (the savepoint itself may be among them) and an error they raise is dropped with them: it is undone too."""
    if conn.dialect.name == "postgresql" and conn.info.get(_DEFERRED):
        try:
            flush_deferred(conn)
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise
    marked = _savepoint_name(name)
    _control(conn, f"ROLLBACK TO SAVEPOINT {marked}", now=True)
    _control(conn, f"RELEASE SAVEPOINT {marked}", now=False)


def _savepoint_name(name: str) -> str:
    if not name.isidentifier() or not name.isascii():
        raise ValueError(f"not a savepoint name: {name!r}")
    return name


def _control(conn: Connection, sql: str, *, now: bool) -> None:
    """Run a transaction-control statement that takes no parameters: at once, or deferred on PostgreSQL."""
    if now or conn.dialect.name != "postgresql":
        _run(conn, sql, (), many=False).close()
        return
    conn.info.setdefault(_DEFERRED, []).append((sql, (), False))


def drop_deferred(conn: Connection) -> None:
    """Forget the writes deferred on ``conn`` (its transaction is rolled back)."""
    conn.info.pop(_DEFERRED, None)


def defer_on(engine: Engine) -> None:
    """Keep deferred writes in order on ``engine``: sent before any statement SQLAlchemy runs itself and before the
    commit, dropped at rollback and at the start of a transaction."""
    event.listen(engine, "before_cursor_execute", _flush_before_sqlalchemy)
    event.listen(engine, "commit", flush_deferred)
    event.listen(engine, "rollback", drop_deferred)
    event.listen(engine, "begin", drop_deferred)


def _cursor(conn: Connection) -> Any:
    """A DB-API cursor on the connection of ``conn``, inside the transaction SQLAlchemy began."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _translated(conn: Connection, exc: Exception, sql: str, args: Any, cursor: Any) -> Exception:
    """The SQLAlchemy exception ``exc`` would have been raised as, the connection invalidated if it is gone."""
    dialect = conn.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    if not isinstance(exc, dbapi_error):
        return exc
    raw = conn.connection.dbapi_connection
    gone = dialect.is_disconnect(exc, raw, cursor)
    if gone:
        conn.invalidate(exc)
    return DBAPIError.instance(sql, args, exc, dbapi_error, connection_invalidated=gone, dialect=dialect)
