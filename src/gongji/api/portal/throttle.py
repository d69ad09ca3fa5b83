"""Repeated failed sign-ins are slowed down: per ID number and per client, an exponentially growing wait.

Each key (``certno:<hmac>``, ``client:<address>``) counts its failures. The first :attr:`FailureThrottle.free_failures`
cost nothing; each one after doubles the wait before the next try is even looked at — 2 s, 4 s, 8 s … up to
:attr:`FailureThrottle.max_delay_s` (a lockout of 15 minutes by default). A key's count is forgotten
:attr:`FailureThrottle.window_s` after its last failure; a successful sign-in clears the ID number's count (not the
client's: signing in to one's own account must not buy more guesses at another's).

The wait is answered, not slept: a refused try tells the person how many seconds to wait and holds no connection.
Kept in memory per process, like the codes themselves (see :mod:`gongji.api.portal.otp`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["FailureThrottle"]

#: The most keys tracked (the stalest are dropped first).
MAX_KEYS = 100_000


@dataclass
class _Failures:
    count: int
    last_at: float


class FailureThrottle:
    """Counts failures per key and says how long a key must wait before its next try."""

    def __init__(
        self,
        *,
        free_failures: int = 3,
        base_delay_s: float = 2.0,
        max_delay_s: float = 900.0,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def delay_after(self, count: int) -> float:
        """The wait after ``count`` failures in a row."""
        if count <= self.free_failures:
            return 0.0
        return float(min(self.base_delay_s * 2 ** (count - self.free_failures - 1), self.max_delay_s))

    def retry_after_s(self, keys: Iterable[str]) -> int:
        """Whole seconds before any of ``keys`` may try again (0: now)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                found = self._failures.get(key)
                if found is None or now - found.last_at > self.window_s:
                    continue
                wait = max(wait, found.last_at + self.delay_after(found.count) - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, keys: Iterable[str]) -> None:
        """Count one failure against each key."""
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                self._failures = {k: f for k, f in self._failures.items() if now - f.last_at <= self.window_s}
                while len(self._failures) >= MAX_KEYS:
                    self._failures.pop(next(iter(self._failures)))
            for key in keys:
                found = self._failures.get(key)
                if found is None or now - found.last_at > self.window_s:
                    self._failures[key] = _Failures(1, now)
                else:
                    found.count += 1
                    found.last_at = now

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key``."""
        with self._lock:
            self._failures.pop(key, None)
