"""SQLite writers wait their turn on the writer lock (``store/sqlite_writers.py``) instead of polling the database."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from gongji.store.engine import make_engine
from gongji.store.sqlite_writers import writer_lock_path


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE marks (n INTEGER NOT NULL)")
    return engine


def _no_busy_wait(conn: object) -> None:
    """Without the writer lock, a second writer would now fail at once with "database is locked"."""
    conn.connection.driver_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[attr-defined]


def test_a_second_writer_waits_for_the_first_instead_of_failing(engine: Engine) -> None:
    outcome: list[object] = []
    waiting = threading.Event()

    def second() -> None:
        with engine.connect() as conn:
            _no_busy_wait(conn)
            waiting.set()
            try:
                with conn.begin():
                    conn.execute(text("INSERT INTO marks VALUES (2)"))
                outcome.append("written")
            except Exception as exc:  # what the test would see without the lock
                outcome.append(exc)

    with engine.connect() as first:
        transaction = first.begin()
        first.execute(text("INSERT INTO marks VALUES (1)"))
        other = threading.Thread(target=second)
        other.start()
        waiting.wait()
        time.sleep(0.3)  # the second writer is now at BEGIN; without the lock it has failed by now
        transaction.commit()
    other.join()
    assert outcome == ["written"]
    with engine.connect() as conn:
        assert [n for (n,) in conn.execute(text("SELECT n FROM marks ORDER BY rowid"))] == [1, 2]


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_the_lock_is_released_however_the_transaction_ends(engine: Engine, end: str) -> None:
    conn = engine.connect()
    transaction = conn.begin()
    conn.execute(text("INSERT INTO marks VALUES (1)"))
    if end == "rollback":
        transaction.rollback()
        conn.close()
    else:
        conn.invalidate()  # closes the driver's connection under the open transaction
    with engine.connect() as again:
        _no_busy_wait(again)
        with again.begin():
            again.execute(text("INSERT INTO marks VALUES (3)"))
        assert again.execute(text("SELECT n FROM marks")).scalars().all() == [3]


def test_readers_do_not_wait_for_a_writer(engine: Engine) -> None:
    with engine.connect() as writer:
        writer.begin()
        writer.execute(text("INSERT INTO marks VALUES (1)"))
        reader = engine.connect().execution_options(gongji_readonly=True)
        with reader.begin():
            assert reader.execute(text("SELECT count(*) FROM marks")).scalar_one() == 0
        reader.close()


def test_a_thread_holding_the_lock_is_not_made_to_wait_for_itself(engine: Engine) -> None:
    with engine.connect() as outer:
        outer.begin()
        outer.execute(text("INSERT INTO marks VALUES (1)"))
        inner = engine.connect()
        _no_busy_wait(inner)
        # SQLite's own refusal (what the busy timeout gives after its wait), not a thread blocked for ever.
        with pytest.raises(Exception, match="database is locked"):
            inner.begin()
        inner.close()


def test_only_database_files_have_a_writer_lock() -> None:
    assert writer_lock_path("/srv/gongji/gongji.db") == "/srv/gongji/gongji.db-writer"
    assert writer_lock_path(":memory:") is None
    assert writer_lock_path(None) is None
