"""Shared fixtures: every integration test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from ``GONGJI_TEST_POSTGRES_URL`` when it is set; otherwise the suite starts a throwaway
server with the ``pgserver`` package (a real PostgreSQL, shipped as a wheel), so a fresh machine runs the
PostgreSQL half too. Nothing is skipped silently: if no server can be had, the PostgreSQL tests fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from gongji.bootstrap import build_context
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.store import tables
from gongji.store.engine import make_engine
from gongji.store.migrate import upgrade

# The shared helpers assert (``refused``): rewrite their asserts as a test module's, so a failure shows its diff.
pytest.register_assert_rewrite("tests.helpers")

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated PostgreSQL database for the whole session."""
    given = os.environ.get("GONGJI_TEST_POSTGRES_URL")
    if given:
        url = given
        server = None
    else:
        import pgserver

        server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
        server.psql("CREATE DATABASE gongji_test;")
        url = server.get_uri("gongji_test").replace("postgresql://", "postgresql+psycopg://", 1)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    yield url
    if server is not None:
        server.cleanup()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test: each integration test runs once per backend."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database on the backend under test."""
    if backend == "sqlite":
        target = tmp_path / "gongji.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The engine of the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing on 2026-11-22 10:00 in Shanghai; tests move it as they need."""
    return FixedClock(datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def ctx(engine: Engine, clock: FixedClock) -> Context:
    """The use cases' context on the test database and the fixed clock."""
    return build_context(engine=engine, clock=clock)
