"""Gateway authentication of the national interface: the ``x-tif-*`` headers real clients send.

Each institution's system has a ``paasid`` and a shared secret ``token``. With every request it sends::

    x-tif-paasid     its paasid
    x-tif-timestamp  the time of sending, Unix seconds (10 digits) or milliseconds (13 digits): both are in use
    x-tif-nonce      a random string, never used twice
    x-tif-signature  sha256(timestamp + token + nonce + timestamp), as hex

:func:`verify_gateway` accepts the request, returning the paasid, when the paasid is known, the timestamp is
within ``window_s`` of the server's time (either way: clocks differ), the signature matches (compared in
constant time; hex in either case) and the nonce was not seen before for this paasid. Nonces are remembered by
a :class:`NonceStore` until their request's timestamp leaves the window, because after that the timestamp check
alone refuses a replay. A nonce is remembered only once the signature has matched, so that nobody without the
token can use up someone else's nonces.

The server remembers nonces in the database (:class:`DatabaseNonceStore`): a replay is refused whichever worker
process it reaches and after a restart too, and of two workers racing with the same nonce exactly one accepts it.
:class:`MemoryNonceStore` (one process only) remains for tools and tests of the checks themselves.

Every refusal is a :class:`GatewayRefused` with a stable :class:`GatewayReason` and a message in Chinese and
English.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from gongji.service import access_state
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context

__all__ = [
    "NONCE_HEADER",
    "NONCE_MAX_LEN",
    "PAASID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WINDOW_S",
    "DatabaseNonceStore",
    "GatewayReason",
    "GatewayRefused",
    "MemoryNonceStore",
    "NonceStore",
    "signature",
    "verify_gateway",
]

PAASID_HEADER = "x-tif-paasid"
TIMESTAMP_HEADER = "x-tif-timestamp"
NONCE_HEADER = "x-tif-nonce"
SIGNATURE_HEADER = "x-tif-signature"
#: How far the client's timestamp may be from the server's time, either way.
WINDOW_S = 300
#: Longest nonce accepted (real clients send 32-character UUIDs or shorter).
NONCE_MAX_LEN = 128

_TIMESTAMP = re.compile(r"^[0-9]{1,13}$")
# Below this a timestamp is seconds (until the year 5138), at or above it milliseconds (from March 1973).
_MILLISECONDS_FROM = 10**11


class GatewayReason(StrEnum):
    """Why the gateway refused a request: stable codes for logs and for the client's support desk."""

    HEADER_MISSING = "HEADER_MISSING"
    PAASID_UNKNOWN = "PAASID_UNKNOWN"
    TIMESTAMP_INVALID = "TIMESTAMP_INVALID"
    TIMESTAMP_OUTSIDE_WINDOW = "TIMESTAMP_OUTSIDE_WINDOW"
    NONCE_INVALID = "NONCE_INVALID"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    NONCE_REUSED = "NONCE_REUSED"
    #: The nonce store is full of nonces still inside the window: refused rather than forgetting any of them.
    BUSY = "BUSY"


class GatewayRefused(Exception):
    """The gateway headers do not authenticate the request; ``reason_code`` says which check failed."""

    def __init__(self, reason_code: GatewayReason, message_zh: str, message_en: str) -> None:
        self.reason_code = reason_code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(message_en)


class NonceStore(Protocol):
    """Remembers the nonces of authenticated requests, so that a request cannot be replayed."""

    def remember(self, paasid: str, nonce: str, *, now: datetime, until: datetime) -> bool:
        """Record ``nonce`` of ``paasid`` until ``until``; ``False`` if it is already recorded and not expired.

        Checking and recording are one atomic step. Entries whose ``until`` is before ``now`` may be forgotten
        (not at ``until`` itself: the timestamp check still accepts a request exactly at the window's edge).
        An implementation that cannot record may raise :class:`GatewayRefused` with :attr:`GatewayReason.BUSY`.
        """
        ...


class MemoryNonceStore:
    """A thread-safe :class:`NonceStore` in memory, bounded to ``max_entries`` nonces.

    Expired nonces are forgotten as new ones arrive. When ``max_entries`` unexpired nonces are held, a new one
    is refused with :attr:`GatewayReason.BUSY` rather than evicting one still inside its window (which would
    let that request be replayed). One process only: processes behind one address need a shared store.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._until: dict[tuple[str, str], datetime] = {}
        self._expiries: list[tuple[datetime, tuple[str, str]]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._until)

    def remember(self, paasid: str, nonce: str, *, now: datetime, until: datetime) -> bool:
        """See :meth:`NonceStore.remember`."""
        key = (paasid, nonce)
        with self._lock:
            self._forget_expired(now)
            if key in self._until:
                return False
            if len(self._until) >= self._max_entries:
                raise GatewayRefused(
                    GatewayReason.BUSY,
                    "网关繁忙，请稍后重试",
                    "The gateway is busy; try again later",
                )
            self._until[key] = until
            heapq.heappush(self._expiries, (until, key))
            return True

    def _forget_expired(self, now: datetime) -> None:
        while self._expiries and self._expiries[0][0] < now:
            until, key = heapq.heappop(self._expiries)
            if self._until.get(key) == until:
                del self._until[key]


class DatabaseNonceStore:
    """The server's :class:`NonceStore`: nonces in the database (table ``gateway_nonces``), shared by every worker.

    Recording is one insert on the primary key (paasid, nonce): a conflict with a live entry is a replay, so two
    workers cannot both accept a nonce. Expired entries are deleted in small batches by one insert in
    ``sweep_every`` (on average), in that insert's transaction: no timer in any process (see
    :mod:`gongji.service.access_state`). It never refuses with :attr:`GatewayReason.BUSY`.
    """

    def __init__(self, ctx: Context, *, sweep_every: int = access_state.SWEEP_EVERY) -> None:
        self._ctx = ctx
        self._sweep_every = sweep_every

    def remember(self, paasid: str, nonce: str, *, now: datetime, until: datetime) -> bool:
        """See :meth:`NonceStore.remember`."""
        return access_state.remember_nonce(
            self._ctx, paasid, nonce, now=now, until=until, sweep_every=self._sweep_every
        )


def signature(timestamp: str, token: str, nonce: str) -> str:
    """The gateway signature: SHA-256 of ``timestamp + token + nonce + timestamp`` (UTF-8), as lowercase hex."""
    return hashlib.sha256((timestamp + token + nonce + timestamp).encode("utf-8")).hexdigest()


def verify_gateway(
    headers: Mapping[str, str],
    token_of: Callable[[str], str | None],
    now: datetime,
    nonces: NonceStore,
    window_s: int = WINDOW_S,
) -> str:
    """Authenticate a request by its ``x-tif-*`` headers and return its paasid, or raise :class:`GatewayRefused`.

    ``headers`` are looked up ignoring case. ``token_of`` gives the token of a paasid, or ``None`` for an
    unknown one. ``now`` is the server's time (naive is Asia/Shanghai). Checks, in order: every header present,
    paasid known, timestamp a number of seconds or milliseconds within ``window_s`` of ``now``, nonce of at most
    :data:`NONCE_MAX_LEN` characters, signature, nonce not seen before.
    """
    paasid = _header(headers, PAASID_HEADER)
    sent_timestamp = _header(headers, TIMESTAMP_HEADER)
    nonce = _header(headers, NONCE_HEADER)
    given_signature = _header(headers, SIGNATURE_HEADER)

    token = token_of(paasid)
    if not token:
        raise GatewayRefused(
            GatewayReason.PAASID_UNKNOWN,
            f"未登记的接入方 paasid：{_cut(paasid)}",
            f"Unknown paasid: {_cut(paasid)}",
        )

    sent_at = _sent_at(sent_timestamp)
    if now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)
    drift_s = (sent_at - now).total_seconds()
    if abs(drift_s) > window_s:
        raise GatewayRefused(
            GatewayReason.TIMESTAMP_OUTSIDE_WINDOW,
            f"请求时间戳与服务器时间相差 {abs(drift_s):.0f} 秒，超过允许的 {window_s} 秒；请校准时钟",
            f"The request timestamp is {abs(drift_s):.0f} s away from the server's time, more than {window_s} s; "
            "check the clock",
        )

    if len(nonce) > NONCE_MAX_LEN:
        raise GatewayRefused(
            GatewayReason.NONCE_INVALID,
            f"请求头 {NONCE_HEADER} 超过 {NONCE_MAX_LEN} 个字符",
            f"Header {NONCE_HEADER} is longer than {NONCE_MAX_LEN} characters",
        )

    expected = signature(sent_timestamp, token, nonce).encode("ascii")
    if not hmac.compare_digest(given_signature.lower().encode("utf-8"), expected):
        raise GatewayRefused(
            GatewayReason.SIGNATURE_INVALID,
            "签名不符：请核对 token 及签名算法 sha256(timestamp + token + nonce + timestamp)",
            "The signature does not match: check the token and sha256(timestamp + token + nonce + timestamp)",
        )

    if not nonces.remember(paasid, nonce, now=now, until=sent_at + timedelta(seconds=window_s)):
        raise GatewayRefused(
            GatewayReason.NONCE_REUSED,
            "请求随机数 nonce 已使用过，疑似重放请求",
            "The nonce was used before: this looks like a replayed request",
        )
    return paasid


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                value = candidate
                break
    if value is None or not value.strip():
        raise GatewayRefused(
            GatewayReason.HEADER_MISSING,
            f"缺少网关请求头 {name}",
            f"The gateway header {name} is missing",
        )
    return value.strip()


def _sent_at(timestamp: str) -> datetime:
    if not _TIMESTAMP.match(timestamp):
        raise GatewayRefused(
            GatewayReason.TIMESTAMP_INVALID,
            f"请求头 {TIMESTAMP_HEADER} 应为 Unix 时间戳（10 位秒或 13 位毫秒），收到“{_cut(timestamp)}”",
            f"Header {TIMESTAMP_HEADER} must be a Unix time in seconds (10 digits) or milliseconds (13 digits); "
            f"got '{_cut(timestamp)}'",
        )
    number = int(timestamp)
    milliseconds = number if number >= _MILLISECONDS_FROM else number * 1000
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)


def _cut(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"
