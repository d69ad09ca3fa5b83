"""One-time sign-in codes: 6 digits, valid 5 minutes, sent by a pluggable :class:`CodeSender`, stored hashed.

Where codes live: **in the database** (table ``portal_challenges``, through :mod:`gongji.service.access_state`), so
that a code issued by one worker process is accepted by another (``gongji serve --workers N``, no sticky balancer) and
survives a restart, and so that its attempts are counted once however many workers the guesses reach. A code is
never stored in clear: the table keeps HMAC-SHA256(key, challenge id + code), with a key derived from the portal's
secret (a backup or a replica holds nothing that signs anyone in); the ID number it was asked for is kept only as an
HMAC too. Expired challenges are swept as new ones are issued.

One challenge is pending per ID number: a new code replaces the one sent before. A challenge allows
:attr:`OneTimeCodes.max_attempts` wrong entries, then it is spent; each attempt is spent atomically in the database, so
concurrent guesses cannot share one. Asking again for the same number within :attr:`OneTimeCodes.resend_after_s` is
refused (no SMS flood), atomically too. A challenge is made even for a number nobody holds, so the page never tells
whether a number is registered.

Senders: :class:`ConsoleCodeSender` (the demo's: prints the code on standard output, with no personal data in clear) and
:class:`RecordingCodeSender` (tests: remembers the last code per masked ID number). A real one sends an SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from gongji.api.fsi.mask import mask_name
from gongji.service import access_state
from gongji.service.access_ports import StoredChallenge
from gongji.service.context import Context

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
    """The demo's sender: prints the code on standard output (where ``gongji serve`` runs and writes its log), the
    person named only by masked name, ID number and phone."""

    def send(self, recipient: CodeRecipient, code: str) -> None:
        """Print ``code`` for ``recipient`` (masked name, ID number and phone), once: no log record repeats it."""
        line = (
            f"[gongji portal] 登录验证码 sign-in code for {mask_name(recipient.name)} {recipient.masked_certno} "
            f"({_mask_phone(recipient.phone)}): {code}  (5 分钟内有效 valid 5 minutes)"
        )
        print(line, file=sys.stdout, flush=True)


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
    """Issues and checks sign-in codes; pending challenges are in the database (see the module docstring)."""

    def __init__(
        self,
        ctx: Context,
        key: bytes,
        sender: CodeSender,
        *,
        ttl_s: int = CODE_TTL_S,
        max_attempts: int = 5,
        resend_after_s: int = 60,
        clock: Callable[[], float] = time.time,
        sweep_every: int = access_state.SWEEP_EVERY,
    ) -> None:
        self._ctx = ctx
        self._key = key
        self.sender = sender
        self.ttl_s = ttl_s
        self.max_attempts = max_attempts
        self.resend_after_s = resend_after_s
        self._clock = clock
        self._sweep_every = sweep_every

    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def number_key(self, certno: str) -> str:
        """The ID number as failures are counted against it: keyed-hashed, never in clear."""
        return "certno:" + self._mac("certno", certno.strip().upper())

    def issue(self, certno: str, person_id: int | None, recipient: CodeRecipient | None) -> Issued:
        """A new challenge for ``certno``, replacing the number's pending one; when a person holds it (``person_id``
        and ``recipient`` given), a fresh code is sent to him. Refused with a wait while a code for the same number was
        sent less than :attr:`resend_after_s` ago."""
        now = self._now()
        challenge = secrets.token_urlsafe(18)
        code = None
        if person_id is not None and recipient is not None:
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        new = StoredChallenge(
            challenge=challenge,
            certno_mac=self._mac("certno", certno.strip().upper()),
            person_id=person_id,
            code_mac=self._mac("code", challenge, code) if code else None,
            issued_at=now,
            expires_at=now + timedelta(seconds=self.ttl_s),
            attempts_left=self.max_attempts,
        )
        standing_since = access_state.issue_challenge(
            self._ctx,
            new,
            replaces_issued_before=now - timedelta(seconds=self.resend_after_s),
            sweep_every=self._sweep_every,
        )
        if standing_since is not None:
            since_s = (now - standing_since).total_seconds()
            return Issued(None, wait_s=max(math.ceil(self.resend_after_s - since_s), 1))
        if code is not None and recipient is not None:
            self.sender.send(recipient, code)
        return Issued(challenge)

    def certno_key(self, challenge: str) -> str | None:
        """The (hashed) ID number a pending challenge was made for, to throttle failures per number."""
        certno_mac = access_state.certno_mac_of(self._ctx, challenge)
        return "certno:" + certno_mac if certno_mac else None

    def check(self, challenge: str, code: str) -> CheckResult:
        """Whether ``code`` is the code of ``challenge``; a right code spends the challenge, and so does the last
        allowed wrong one."""
        entered = code.strip()
        well_formed = len(entered) == CODE_DIGITS and entered.isdigit()
        entered_mac = self._mac("code", challenge, entered) if well_formed else None
        checked = access_state.enter_code(self._ctx, challenge, entered_mac, self._now())
        if not checked.found:
            return CheckResult(None, "expired")
        if checked.right:
            return CheckResult(checked.person_id)
        return CheckResult(None, "wrong")
