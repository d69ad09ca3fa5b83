"""A fresh database for every Hypothesis example, on the backend under test (state machines need one each)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from gongji.store import tables
from gongji.store.engine import make_engine
from tests.helpers import EngineFactory


def _sqlite_factory(template: Path, directory: Path) -> EngineFactory:
    numbers = itertools.count(1)

    def make() -> Engine:
        target = directory / f"example-{next(numbers)}.db"
        shutil.copy(template, target)
        return make_engine(f"sqlite:///{target}")

    return make


def _postgres_factory(url: str) -> EngineFactory:
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)

    def make() -> Engine:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return engine

    return make


@pytest.fixture
def engine_factory(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineFactory]:
    """Makes a fresh, migrated, empty database on the backend under test, once per Hypothesis example."""
    if backend == "sqlite":
        yield _sqlite_factory(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        yield _postgres_factory(request.getfixturevalue("postgres_url"))
