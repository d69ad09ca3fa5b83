"""Repeated failed sign-ins are slowed down: per ID number and per client, an exponentially growing wait.

Each key (``certno:<hmac>``, ``client:<address>``) counts its failures. The first :attr:`FailureThrottle.free_failures`
cost nothing; each one after doubles the wait before the next try is even looked at — 2 s, 4 s, 8 s … up to
:attr:`FailureThrottle.max_delay_s` (a lockout of 15 minutes by default). A key's count is forgotten
:attr:`FailureThrottle.window_s` after its last failure; a successful sign-in clears the ID number's count (not the
client's: signing in to one's own account must not buy more guesses at another's).

The wait is answered, not slept: a refused try tells the person how many seconds to wait and holds no connection.
Counts are kept in the database (table ``portal_failures``, through :mod:`gongji.service.access_state`), so guesses
spread over several worker processes, or over a restart, are counted together; each failure is one atomic upsert per
key. Counts older than the window are swept as new failures arrive.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from gongji.service import access_state
from gongji.service.context import Context

__all__ = ["FailureThrottle"]

#: A key longer than this (a client address from a proxy header can be anything) is counted by its SHA-256.
MAX_KEY_CHARS = 100


def _subject(key: str) -> str:
    return key if len(key) <= MAX_KEY_CHARS else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class FailureThrottle:
    """Counts failures per key and says how long a key must wait before its next try."""

    def __init__(
        self,
        ctx: Context,
        *,
        free_failures: int = 3,
        base_delay_s: float = 2.0,
        max_delay_s: float = 900.0,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.time,
        sweep_every: int = access_state.SWEEP_EVERY,
    ) -> None:
        self._ctx = ctx
        self.free_failures = free_failures
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.window_s = window_s
        self._clock = clock
        self._sweep_every = sweep_every

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def delay_after(self, count: int) -> float:
        """The wait after ``count`` failures in a row."""
        if count <= self.free_failures:
            return 0.0
        return float(min(self.base_delay_s * 2 ** (count - self.free_failures - 1), self.max_delay_s))

    def retry_after_s(self, keys: Iterable[str]) -> int:
        """Whole seconds before any of ``keys`` may try again (0: now)."""
        now = self._now()
        wait = 0.0
        for found in access_state.failures(self._ctx, {_subject(key) for key in keys}):
            since_s = (now - found.last_failed_at).total_seconds()
            if since_s > self.window_s:
                continue
            wait = max(wait, self.delay_after(found.failures) - since_s)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, keys: Iterable[str]) -> None:
        """Count one failure against each key."""
        now = self._now()
        access_state.count_failures(
            self._ctx,
            [_subject(key) for key in keys],
            now=now,
            forget_before=now - timedelta(seconds=self.window_s),
            sweep_every=self._sweep_every,
        )

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key``."""
        access_state.clear_failures(self._ctx, _subject(key))
