"""One-time sign-in codes: 6 digits, valid 5 minutes, sent by a pluggable :class:`CodeSender`, stored hashed.

Where codes live — a choice: **in memory, per process** (:class:`OneTimeCodes`). A code lives five minutes, so losing
the pending ones on a restart costs a person one more request; keeping them out of the database keeps secrets out of
backups and replicas, and needs no schema. The price: with several worker processes (``gongji serve --workers N``)
a code must be entered in the process that issued it, so the portal runs with one worker, or behind a sticky load
balancer, until a shared store is added (the same interface over a database table or Redis).

A code is never stored in clear: the store keeps HMAC-SHA256(key, challenge id + code), with a key derived from the
portal's secret; the ID number it was asked for is kept only as an HMAC too. A challenge allows
:attr:`OneTimeCodes.max_attempts` wrong entries, then it is spent. Asking again for the same number within
:attr:`OneTimeCodes.resend_after_s` is refused (no SMS flood). A challenge is made even for a number nobody holds, so
the page never tells whether a number is registered.

Senders: :class:`ConsoleCodeSender` (the demo's: prints the code on standard output and logs it) and
:class:`RecordingCodeSender` (tests: remembers the last code per masked ID number). A real one sends an SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "CODE_DIGITS",
    "CODE_TTL_S",
    "CheckResult",
    "CodeRecipient",
    "CodeSender",
    "ConsoleCodeSender",
    "Issued",
    "OneTimeCodes",
    "RecordingCodeSender",
]

CODE_DIGITS = 6
CODE_TTL_S = 300
#: The most pending challenges kept (the oldest are dropped first).
MAX_CHALLENGES = 100_000

log = logging.getLogger("gongji.portal.otp")


@dataclass(frozen=True)
class CodeRecipient:
    """Whom a code goes to: the person's name, masked ID number and the phone on file (``None``: none on file)."""

    name: str
    masked_certno: str
    phone: str | None


class CodeSender(Protocol):
    """Delivers a sign-in code to a person (an SMS gateway in production)."""

    def send(self, recipient: CodeRecipient, code: str) -> None: ...


def _mask_phone(phone: str | None) -> str:
    if not phone:
        return "no phone on file"
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:]


class ConsoleCodeSender:
    """The demo's sender: prints the code on standard output (where ``gongji serve`` runs) and logs it."""

    def send(self, recipient: CodeRecipient, code: str) -> None:
        """Print and log ``code`` for ``recipient`` (masked ID number and phone)."""
        line = (
            f"[gongji portal] 登录验证码 sign-in code for {recipient.name} {recipient.masked_certno} "
            f"({_mask_phone(recipient.phone)}): {code}  (5 分钟内有效 valid 5 minutes)"
        )
        print(line, file=sys.stdout, flush=True)
        log.info("sign-in code for %s: %s", recipient.masked_certno, code)


class RecordingCodeSender:
    """For tests: remembers every code sent, by masked ID number."""

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}

    def send(self, recipient: CodeRecipient, code: str) -> None:
        """Remember ``code``."""
        self.sent.setdefault(recipient.masked_certno, []).append(code)

    def last_code(self, masked_certno: str) -> str:
        """The last code sent to this masked ID number."""
        return self.sent[masked_certno][-1]


@dataclass
class _Challenge:
    certno_mac: str
    person_id: int | None
    code_mac: str | None
    issued_at: float
    expires_at: float
    attempts_left: int


@dataclass(frozen=True)
class Issued:
    """The answer to a code request: the challenge to enter the code against, or how long to wait first."""

    challenge: str | None
    wait_s: int = 0


@dataclass(frozen=True)
class CheckResult:
    """The answer to a code entered: the person signed in, or why not."""

    person_id: int | None
    problem: Literal["wrong", "expired"] | None = None


class OneTimeCodes:
    """Issues and checks sign-in codes (in memory, per process; see the module docstring)."""

    def __init__(
        self,
        key: bytes,
        sender: CodeSender,
        *,
        ttl_s: int = CODE_TTL_S,
        max_attempts: int = 5,
        resend_after_s: int = 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = key
        self.sender = sender
        self.ttl_s = ttl_s
        self.max_attempts = max_attempts
        self.resend_after_s = resend_after_s
        self._clock = clock
        self._challenges: dict[str, _Challenge] = {}
        self._lock = threading.Lock()

    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def _prune(self, now: float) -> None:
        self._challenges = {k: c for k, c in self._challenges.items() if c.expires_at > now}
        while len(self._challenges) >= MAX_CHALLENGES:
            self._challenges.pop(next(iter(self._challenges)))

    def number_key(self, certno: str) -> str:
        """The ID number as failures are counted against it: keyed-hashed, never in clear."""
        return "certno:" + self._mac("certno", certno.strip().upper())

    def issue(self, certno: str, person_id: int | None, recipient: CodeRecipient | None) -> Issued:
        """A new challenge for ``certno``; when a person holds it (``person_id`` and ``recipient`` given), a fresh code
        is sent to him. Refused with a wait while a code for the same number was sent less than
        :attr:`resend_after_s` ago."""
        now = self._clock()
        certno_mac = self._mac("certno", certno.strip().upper())
        with self._lock:
            self._prune(now)
            recent = [c for c in self._challenges.values() if c.certno_mac == certno_mac]
            if recent:
                since = now - max(c.issued_at for c in recent)
                if since < self.resend_after_s:
                    return Issued(None, wait_s=max(math.ceil(self.resend_after_s - since), 1))
            challenge = secrets.token_urlsafe(18)
            code = None
            if person_id is not None and recipient is not None:
                code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            self._challenges[challenge] = _Challenge(
                certno_mac=certno_mac,
                person_id=person_id,
                code_mac=self._mac("code", challenge, code) if code else None,
                issued_at=now,
                expires_at=now + self.ttl_s,
                attempts_left=self.max_attempts,
            )
        if code is not None and recipient is not None:
            self.sender.send(recipient, code)
        return Issued(challenge)

    def certno_key(self, challenge: str) -> str | None:
        """The (hashed) ID number a pending challenge was made for, to throttle failures per number."""
        with self._lock:
            found = self._challenges.get(challenge)
            return "certno:" + found.certno_mac if found else None

    def check(self, challenge: str, code: str) -> CheckResult:
        """Whether ``code`` is the code of ``challenge``; a right code spends the challenge, and so does the last
        allowed wrong one."""
        now = self._clock()
        entered = code.strip()
        with self._lock:
            found = self._challenges.get(challenge)
            if found is None or found.expires_at <= now:
                self._challenges.pop(challenge, None)
                return CheckResult(None, "expired")
            well_formed = len(entered) == CODE_DIGITS and entered.isdigit()
            right = (
                well_formed
                and found.code_mac is not None
                and hmac.compare_digest(found.code_mac, self._mac("code", challenge, entered))
            )
            if right:
                del self._challenges[challenge]
                return CheckResult(found.person_id)
            found.attempts_left -= 1
            if found.attempts_left <= 0:
                del self._challenges[challenge]
            return CheckResult(None, "wrong")
