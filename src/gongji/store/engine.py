"""Engines for the two backends, and everything that differs between them.

* SQLite (the embedded default): WAL journal, foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for
  every writing transaction, so that writers queue at the start instead of failing at commit — in turn, on a file
  lock beside the database (``store/sqlite_writers.py``), not by polling. Readers use a deferred ``BEGIN`` and do
  not block writers.
* PostgreSQL (``postgresql+psycopg://``): READ COMMITTED transactions that lock every account they will touch
  with ``SELECT … FOR UPDATE`` in ascending id order (see ``ledger_repo.SqlLedger.lock``), which rules out
  deadlocks between settlements that touch the same accounts in different orders.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from gongji.store.driver import defer_on
from gongji.store.sqlite_writers import QueuedConnection, writer_lock_path

__all__ = ["READONLY_OPTION", "is_transient_error", "make_engine"]

#: Execution option that makes a SQLite transaction start with a deferred BEGIN (read-only use).
READONLY_OPTION = "gongji_readonly"
SQLITE_BUSY_TIMEOUT_MS = 10_000

# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock not available, and the
# connection-level failures a restarted server gives.
_PG_TRANSIENT = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "08006", "08003", "08001", "08000"}


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """Create the engine for ``url`` with the backend's settings (see the module docstring)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # No pre-ping (a round trip per transaction): a dropped connection surfaces as a transient error and the
        # transaction is retried on a fresh one; pool_recycle keeps connections from growing stale.
        engine = create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
        defer_on(engine)  # writes nobody reads the answer of ride with the next statement (store/driver.py)
        return engine
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}")


def _sqlite_engine(url: str) -> Engine:
    lock = writer_lock_path(make_url(url).database)
    engine = create_engine(
        url,
        connect_args={
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            "factory": QueuedConnection,
        },
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, so that we decide how BEGIN is issued.
        dbapi_connection.isolation_level = None
        dbapi_connection.writer_lock = lock
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get(READONLY_OPTION, False)
        # Straight to the driver (SQLAlchemy's statement path costs ten times more), writers in turn (sqlite_writers).
        try:
            connection.connection.driver_connection.begin(write=not readonly)
        except sqlite3.Error as exc:
            raise DBAPIError.instance("BEGIN", (), exc, sqlite3.Error, dialect=connection.dialect) from exc

    return engine


def is_transient_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a passing condition worth one more try of the whole transaction."""
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in _PG_TRANSIENT:
            return True
        if isinstance(exc, OperationalError):
            text = str(exc.orig).lower()
            return "database is locked" in text or "database is busy" in text
    return False
