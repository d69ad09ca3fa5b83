"""The commitment's moment of signing, written as ``strftime`` writes it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from gongji.domain.commitment import signed_at

_ZONES = (UTC, ZoneInfo("Asia/Shanghai"), timezone(timedelta(hours=-3, minutes=-30)), None)


def test_the_moment_reads_as_strftime_writes_it() -> None:
    rng = random.Random(7)
    for _ in range(5_000):
        naive = datetime(2000, 1, 1) + timedelta(
            seconds=rng.randrange(40 * 365 * 86_400), microseconds=rng.randrange(10**6)
        )
        at = naive.replace(tzinfo=rng.choice(_ZONES))
        assert signed_at(at) == at.strftime("%Y-%m-%d %H:%M:%S")


def test_microseconds_are_cut_not_rounded() -> None:
    assert signed_at(datetime(2026, 3, 4, 9, 5, 7, 999_999, tzinfo=UTC)) == "2026-03-04 09:05:07"
