"""Aware times as the tables store them (``store/tables.py``): SQLite's one-step conversion gives the very text
SQLAlchemy's own two steps give, and a time written comes back the same moment, on both backends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import DateTime

from gongji.service.clock import SHANGHAI
from gongji.store import tables as t
from gongji.store.column_types import AwareDateTime

_ZONES = (SHANGHAI, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=45)))


def _moments(count: int) -> list[datetime]:
    rng = random.Random(7)
    start = datetime(1900, 1, 1, tzinfo=UTC)
    found = []
    for _ in range(count):
        moment = start + timedelta(seconds=rng.randrange(250 * 365 * 86_400))
        moment = moment.replace(microsecond=rng.choice((0, 1, 500_000, rng.randrange(1_000_000))))
        found.append(moment.astimezone(rng.choice(_ZONES)))
    return found


def test_sqlite_text_in_one_step_is_what_sqlalchemy_makes_in_two() -> None:
    dialect = sqlite.dialect()
    one_step = AwareDateTime().bind_processor(dialect)
    stored = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert one_step is not None
    assert stored is not None
    for moment in _moments(5_000):
        assert one_step(moment) == stored(AwareDateTime().process_bind_param(moment, dialect)), moment
    assert one_step(None) is None
    with pytest.raises(ValueError, match="naive"):
        one_step(datetime(2026, 3, 1, 9, 30))


def test_a_time_written_comes_back_the_same_moment_in_shanghai(engine: Engine) -> None:
    moments = _moments(50)
    rows = [
        {"psn_no": f"P{n:04d}", "certno": f"11010119900101{n:04d}", "name": f"测试{n}", "registered_at": moment}
        for n, moment in enumerate(moments)
    ]
    with engine.begin() as conn:
        conn.execute(insert(t.people), rows)
        back = conn.execute(select(t.people.c.registered_at).order_by(t.people.c.psn_no)).scalars().all()
    assert back == moments
    assert {moment.tzinfo for moment in back} == {
        SHANGHAI
    }  # read back in Asia/Shanghai (+8, +9 in its summers of 1986-91)
