"""A bare-driver sketch of the mutual-aid settlement gongji commits: what the machine allows for the same writes.

``settle.py`` runs it after gongji's own settlements at each client count, on the same database, and prints gongji's
rate as a share of the sketch's. The sketch skips everything gongji does to decide a settlement (the family's reads,
the rules, the explanation, the answer) and keeps only the transaction a settlement has to be in the end, written
straight against the driver (``sqlite3`` for SQLite, ``psycopg`` for PostgreSQL), every statement's SQL text fixed
once (sqlite3's statement cache; psycopg prepares every statement on its first use on a connection):

1. one statement that locks (PostgreSQL: ``FOR UPDATE`` in id order) and reads the accounts the settlement touches
   — on PostgreSQL it also draws the journal's and the settlement's ids from their sequences;
2. the writes: the journal, its transfers with both balances after each, the accounts' new balances under their
   version check, the settlement, its payer, the fee lines' settlement mark, the visit's status, the payer's
   notification and the idempotency record — on PostgreSQL sent together in one pipeline;
3. the commit.

On SQLite every transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time, as gongji does) on a connection
with gongji's pragmas. On PostgreSQL that is three round trips: BEGIN with the lock, the pipeline, the commit.

The shape is not invented: it is copied from a real mutual-aid settlement gongji has just written in the same
database (``sketch_shape.Template.read``): the same transfers between the same kinds of accounts (for the
benchmark's pharmacy purchase, a relative's 历年 account to the pharmacy's clearing account, and the region's memo
source to the relation's quota-used account), the same amounts (a fixed split, not recomputed: the sketch measures
writes, not rules) and rows of the same size (the explanation, the notification and the stored answer are gongji's
own). Which visit, patient, relative and accounts each sketch settlement is for is worked out beforehand
(``sketch_shape.prepare``), off the clock; an account a first use would open (the relation's quota-used account of
the year) is opened there too, so the sketch measures the common case, where it exists. The visit and the family are
not read on the clock either: the sketch is the write path a settlement needs once it has decided.
"""

from __future__ import annotations

import queue
import sqlite3
import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sketch_shape import Job, Rows, Template
from sqlalchemy import Engine, text

from gongji.store.engine import SQLITE_BUSY_TIMEOUT_MS

__all__ = ["run_sketch"]


class _Sql:
    """Every statement's text, fixed once (``mark`` is the driver's placeholder)."""

    def __init__(self, rows: Rows, mark: str) -> None:
        def insert(table: str, columns: Sequence[str]) -> str:
            quoted = ", ".join(f'"{c}"' for c in columns)
            return f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(mark for _ in columns)})"

        self.journal = insert("journals", rows.journal_columns)
        self.transfers = insert(
            "transfers",
            [
                "journal_id",
                "seq",
                "ledger",
                "debit_account_id",
                "credit_account_id",
                "amount_fen",
                "debit_balance_after_fen",
                "credit_balance_after_fen",
            ],
        )
        self.balances = (
            f"UPDATE accounts SET balance_fen = {mark}, version = version + 1 WHERE id = {mark} AND version = {mark}"
        )
        self.settlement = insert("settlements", rows.settlement_columns)
        self.payer = insert("settlement_payers", rows.payer_columns)
        self.lines = f"UPDATE fee_lines SET settlement_id = {mark} WHERE id = {mark}"
        self.visit = f"UPDATE visits SET status = 'settled', end_at = {mark} WHERE id = {mark}"
        self.notification = insert("notifications", rows.notification_columns)
        self.idempotency = insert("idempotency_keys", rows.idempotency_columns)


class _SqliteSketch:
    """The settlement through ``sqlite3``: BEGIN IMMEDIATE, the read, the writes, COMMIT."""

    def __init__(self, path: str, template: Template, accounts: int) -> None:
        self.path = path
        self.rows = Rows(template, with_ids=False)
        self.sql = _Sql(self.rows, "?")
        marks = ", ".join("?" for _ in range(accounts))
        self.lock = f"SELECT id, balance_fen, version FROM accounts WHERE id IN ({marks}) ORDER BY id"
        self.ended_at = template.settlement["settled_at"]

    def connect(self) -> sqlite3.Connection:
        """A connection with gongji's pragmas, transactions begun by hand."""
        conn = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.isolation_level = None
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def settle(self, conn: sqlite3.Connection, job: Job) -> None:
        """Commit one settlement, or roll it back and raise."""
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            read = cur.execute(self.lock, job.account_ids).fetchall()
            cur.execute(self.sql.journal, self.rows.journal(job, None))
            journal_id = cur.lastrowid
            assert journal_id is not None
            transfers, balances, payer_after = self.rows.post(job, read, journal_id)
            cur.executemany(self.sql.transfers, transfers)
            cur.executemany(self.sql.balances, balances)
            assert cur.rowcount == len(balances), "an account changed under the sketch"
            cur.execute(self.sql.settlement, self.rows.settlement(job, None, journal_id))
            settlement_id = cur.lastrowid
            assert settlement_id is not None
            cur.execute(self.sql.payer, self.rows.payer(job, settlement_id, payer_after))
            cur.executemany(self.sql.lines, [(settlement_id, line) for line in job.line_ids])
            cur.execute(self.sql.visit, (self.ended_at, job.visit_id))
            cur.execute(self.sql.notification, self.rows.notification(job))
            cur.execute(self.sql.idempotency, self.rows.idempotency(job))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise


class _PostgresSketch:
    """The settlement through ``psycopg`` in pipeline mode: BEGIN with the lock and read (round trip 1), every write
    (round trip 2), COMMIT (round trip 3) — counted in libpq's protocol trace."""

    def __init__(self, conninfo: str, template: Template, sequences: tuple[str, str]) -> None:
        self.conninfo = conninfo
        self.rows = Rows(template, with_ids=True)
        self.sql = _Sql(self.rows, "%s")
        # The journal's and the settlement's ids come with the lock (a CTE runs once), so the writes need no answer.
        self.lock = (
            f"WITH ids AS MATERIALIZED (SELECT nextval('{sequences[0]}'::regclass) AS journal_id, "
            f"nextval('{sequences[1]}'::regclass) AS settlement_id) "
            "SELECT a.id, a.balance_fen, a.version, ids.journal_id, ids.settlement_id "
            "FROM accounts a CROSS JOIN ids WHERE a.id = ANY(%s) ORDER BY a.id FOR UPDATE OF a"
        )
        self.ended_at = template.settlement["settled_at"]

    def connect(self) -> Any:
        """A connection that prepares every statement on its first use. Autocommit, so that BEGIN and COMMIT are
        sent by hand in the pipeline (psycopg would wait for its own BEGIN's answer: one more round trip)."""
        import psycopg

        return psycopg.connect(self.conninfo, prepare_threshold=0, autocommit=True)

    def settle(self, conn: Any, job: Job) -> None:
        """Commit one settlement, or roll it back and raise."""
        cur, balance_cur = conn.cursor(), conn.cursor()
        try:
            with conn.pipeline() as pipeline:
                cur.execute("BEGIN")
                read = cur.execute(self.lock, (job.account_ids,)).fetchall()  # round trip 1
                journal_id, settlement_id = read[0][3], read[0][4]
                transfers, balances, payer_after = self.rows.post(job, read, journal_id)
                cur.execute(self.sql.journal, self.rows.journal(job, journal_id))
                cur.executemany(self.sql.transfers, transfers)
                balance_cur.executemany(self.sql.balances, balances)
                cur.execute(self.sql.settlement, self.rows.settlement(job, settlement_id, journal_id))
                cur.execute(self.sql.payer, self.rows.payer(job, settlement_id, payer_after))
                cur.executemany(self.sql.lines, [(settlement_id, line) for line in job.line_ids])
                cur.execute(self.sql.visit, (self.ended_at, job.visit_id))
                cur.execute(self.sql.notification, self.rows.notification(job))
                cur.execute(self.sql.idempotency, self.rows.idempotency(job))
                pipeline.sync()  # round trip 2
                assert balance_cur.rowcount == len(balances), "an account changed under the sketch"
                cur.execute("COMMIT")  # round trip 3, as the pipeline ends
        except BaseException:
            from psycopg.pq import TransactionStatus

            if conn.info.transaction_status != TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            raise


def _sketch(engine: Engine, template: Template, accounts: int) -> _SqliteSketch | _PostgresSketch:
    url = engine.url
    if engine.dialect.name == "sqlite":
        assert url.database
        return _SqliteSketch(url.database, template, accounts)
    from psycopg.conninfo import make_conninfo

    host = url.host or url.query.get("host")  # pgserver gives a Unix socket's folder as ?host=
    assert host is None or isinstance(host, str)
    conninfo = make_conninfo(dbname=url.database, user=url.username, password=url.password, host=host, port=url.port)
    with engine.connect() as conn:
        sequences = tuple(
            conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar_one()
            for table in ("journals", "settlements")
        )
    return _PostgresSketch(conninfo, template, (sequences[0], sequences[1]))


def run_sketch(engine: Engine, template: Template, jobs: Sequence[Job], clients: int) -> tuple[float, float, float]:
    """Commit the jobs from ``clients`` threads, each on its own connection (opened before the clock starts);
    settlements a second, p50 and p99 in milliseconds."""
    sketch = _sketch(engine, template, len(jobs[0].account_ids))
    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
    opened = [sketch.connect() for _ in range(clients)]
    for conn in opened:
        idle.put(conn)
    mine = threading.local()
    latencies: list[float] = []

    def one(job: Job) -> None:
        if not hasattr(mine, "conn"):
            mine.conn = idle.get_nowait()
        started = time.perf_counter()
        sketch.settle(mine.conn, job)
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, jobs))
    elapsed = time.perf_counter() - started
    for conn in opened:
        conn.close()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(jobs) / elapsed, statistics.median(latencies) * 1000, p99 * 1000
