"""Portal sessions: a small signed cookie, read on every request and never trusted unless its signature holds.

The cookie is ``v1.<payload>.<signature>``: the payload is compact JSON (base64url), the signature HMAC-SHA256 over it
with a key derived from the portal's secret. It holds no personal data beyond the signed-in person's internal id and
person number (never an ID number): a random session id, the session's CSRF secret, when it was issued, who is signed
in (if anyone: his id, person number, name and masked ID number) and the pending sign-in challenge (if any).

Cookie attributes: ``HttpOnly`` (scripts cannot read it), ``SameSite=Lax`` (not sent on cross-site POSTs), ``Secure``
when the request came over https, ``Path=/portal``. A session lives :attr:`SessionCodec.max_age_s` from sign-in
(absolute, not sliding).

A signed cookie is not enough for a signed-in session: :class:`SessionGuard` asks the database on every request
whether it still stands. Signing out records its id there until it would have expired anyway, so every worker
process refuses it, after restarts too. A counter operator's session stands only while the API token he signed in
with is live (not revoked), and his name and regions are read from that token on each request, never from the cookie:
a revoked token ends his session at once.

The secret comes from ``GONGJI_SECRET_KEY``; without it a random one is made per process (sessions then do not survive
a restart and are not shared between worker processes) and a warning is logged — see :func:`secret_from`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from gongji.service import access_state
from gongji.service.api_tokens import Role
from gongji.service.context import Context

__all__ = [
    "COOKIE_NAME",
    "Session",
    "SessionCodec",
    "SessionGuard",
    "SubjectKind",
    "derive_key",
    "operator_name",
    "secret_from",
]

COOKIE_NAME = "gongji_portal"
#: A cookie longer than this is not even parsed.
MAX_COOKIE_CHARS = 2_048
_VERSION = "v1"

log = logging.getLogger("gongji.portal")


def secret_from(configured: str | None) -> bytes:
    """The portal's master secret: ``configured`` (``GONGJI_SECRET_KEY``) hashed to 32 bytes, or a random secret for
    this process only, with a warning saying what that costs."""
    if configured and configured.strip():
        return hashlib.sha256(configured.strip().encode()).digest()
    log.warning(
        "GONGJI_SECRET_KEY is not set: the portal signs sessions with a random key made for this process; "
        "sessions end when it restarts and are not shared between worker processes"
    )
    return secrets.token_bytes(32)


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose (``session``, ``otp``) derived from the master secret, so that no two uses share one."""
    return hmac.new(secret, f"gongji-portal:{purpose}".encode(), hashlib.sha256).digest()


class SubjectKind(StrEnum):
    """Who a session is signed in as: an insured person, or a counter operator (by his API token)."""

    PERSON = "person"
    OPERATOR = "operator"
    #: A policy analyst (his API token), who reads the reports pages and nothing that names a person.
    ANALYST = "analyst"


@dataclass(frozen=True)
class Session:
    """What the cookie carries."""

    sid: str
    csrf: str
    issued_at: int
    subject_kind: SubjectKind | None = None
    #: The signed-in subject's internal id (a person's id).
    subject_id: int | None = None
    #: How use cases name the subject (a person's 人员编号, never the ID number).
    subject_ref: str | None = None
    #: What the page header shows: the name and the masked ID number.
    name: str | None = None
    masked: str | None = None
    #: The sign-in challenge waiting for its one-time code.
    challenge: str | None = None
    #: An operator's granted pooling regions, from his token as it is now: filled in per request by
    #: :meth:`SessionGuard.standing`, never written to or read from the cookie (a person's session has none).
    regions: tuple[str, ...] | None = None

    @classmethod
    def fresh(cls, now_s: int) -> Session:
        """A new anonymous session with its own id and CSRF secret."""
        return cls(sid=secrets.token_urlsafe(16), csrf=secrets.token_urlsafe(24), issued_at=now_s)

    @property
    def signed_in(self) -> bool:
        """Whether someone is signed in."""
        return self.subject_kind is not None and self.subject_id is not None

    @classmethod
    def signed_in_as(
        cls, kind: SubjectKind, subject_id: int, subject_ref: str, name: str, masked: str, now_s: int
    ) -> Session:
        """A session just signed in: a new id and a new CSRF secret (no fixation), no pending challenge."""
        return replace(
            cls.fresh(now_s),
            subject_kind=kind,
            subject_id=subject_id,
            subject_ref=subject_ref,
            name=name,
            masked=masked,
        )

    @property
    def is_operator(self) -> bool:
        """Whether a counter operator is signed in."""
        return self.signed_in and self.subject_kind is SubjectKind.OPERATOR

    @property
    def is_analyst(self) -> bool:
        """Whether a policy analyst is signed in (at the counter's sign-in, with his token)."""
        return self.signed_in and self.subject_kind is SubjectKind.ANALYST

    def with_challenge(self, challenge: str | None) -> Session:
        """The session waiting for the code of ``challenge``."""
        return replace(self, challenge=challenge)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Signs sessions into cookie values and reads them back (``None`` for anything forged, stale or malformed)."""

    def __init__(self, key: bytes, *, max_age_s: int, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self.max_age_s = max_age_s
        self._clock = clock

    def now_s(self) -> int:
        """The current time in whole seconds (wall clock: session ages are real time, not business time)."""
        return int(self._clock())

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{_VERSION}.{payload}".encode(), hashlib.sha256).digest())

    def encode(self, session: Session) -> str:
        """The cookie value of ``session``."""
        data = {k: v for k, v in asdict(session).items() if v is not None and k != "regions"}
        payload = _b64(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{_VERSION}.{payload}.{self._sign(payload)}"

    def decode(self, value: str | None) -> Session | None:
        """The session in a cookie value, if its signature holds and it has not expired."""
        if not value or len(value) > MAX_COOKIE_CHARS:
            return None
        parts = value.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            return None
        _, payload, signature = parts
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data: Any = json.loads(_unb64(payload))
            session = Session(
                sid=str(data["sid"]),
                csrf=str(data["csrf"]),
                issued_at=int(data["issued_at"]),
                subject_kind=SubjectKind(data["subject_kind"]) if "subject_kind" in data else None,
                subject_id=int(data["subject_id"]) if "subject_id" in data else None,
                subject_ref=str(data["subject_ref"]) if "subject_ref" in data else None,
                name=str(data["name"]) if "name" in data else None,
                masked=str(data["masked"]) if "masked" in data else None,
                challenge=str(data["challenge"]) if "challenge" in data else None,
            )
        except (ValueError, KeyError, TypeError):
            return None
        age_s = self.now_s() - session.issued_at
        if age_s < -60 or age_s > self.max_age_s:
            return None
        return session


def operator_name(token_id: int, label: str | None, fingerprint: str) -> str:
    """How the header and the audit trail name an operator: his token's label (or its id) and its fingerprint."""
    return f"{label or f'#{token_id}'} ({fingerprint})"


def _moment(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


class SessionGuard:
    """Whether a signed session still stands, and signing sessions out, in the database (see the module docstring)."""

    def __init__(self, ctx: Context, max_age_s: int, clock: Callable[[], float] = time.time) -> None:
        self._ctx = ctx
        self._max_age_s = max_age_s
        self._clock = clock

    def sign_out(self, session: Session) -> None:
        """Refuse ``session`` from now on, in every worker, until its cookie would have expired anyway."""
        until = _moment(session.issued_at + self._max_age_s)
        access_state.sign_out(self._ctx, session.sid, until=until, now=_moment(self._clock()))

    def standing(self, session: Session) -> Session | None:
        """``session`` as it stands now, or ``None`` when it has ended.

        An anonymous session is answered as it is, without a query. A person's must not have been signed out; an
        operator's must not have been signed out and its token must still be a live operator token, whose name and
        regions it then carries. Either is one indexed query.
        """
        if not session.signed_in or session.subject_id is None:
            return session
        if session.subject_kind in (SubjectKind.OPERATOR, SubjectKind.ANALYST):
            role = Role.OPERATOR if session.subject_kind is SubjectKind.OPERATOR else Role.ANALYST
            live = access_state.live_operator(self._ctx, session.sid, session.subject_id, role=role)
            if live is None:
                return None
            return replace(
                session, name=operator_name(live.token_id, live.label, live.fingerprint), regions=live.regions
            )
        return None if access_state.is_signed_out(self._ctx, session.sid) else session
