"""Use cases of short-lived access state, kept in the database so that several worker processes and restarts agree:
signing a portal session out, whether a session still stands (for an operator: whether his token is still live),
gateway nonces of the national interface, sign-in challenges and failed sign-ins.

Times here are real (wall-clock) times given by the caller, never the business clock: a session's age, a nonce's
window and a code's five minutes are measured in the world's time, whatever day the business clock stands on.

Housekeeping. Nothing is scheduled: a timer in a process would be lost at its restart and run twice with two workers.
Instead, each write that adds a row also, with a chance of one in ``sweep_every`` (:data:`SWEEP_EVERY`), deletes up to
:data:`SWEEP_BATCH` rows of its own kind that have expired, in the same transaction. The expected work per insert is
the same however many workers there are; a batch is bounded, so no request pays for a long delete; and a sweep can
delete many more rows than were added since the last one, so expired rows never pile up. :func:`sweep` does the same
on demand. Expired rows that are still there change nothing: a check reads the row's expiry, or (a sign-out) concerns
a cookie that has expired by then itself.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from gongji.service.access_ports import Expiring, StoredChallenge, StoredFailures
from gongji.service.api_tokens import Role, token_fingerprint
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork

__all__ = [
    "SWEEP_BATCH",
    "SWEEP_EVERY",
    "CodeCheck",
    "LiveOperator",
    "certno_mac_of",
    "clear_failures",
    "count_failures",
    "enter_code",
    "failures",
    "is_signed_out",
    "issue_challenge",
    "live_operator",
    "remember_nonce",
    "sign_out",
    "sweep",
]

#: One insert in this many (on average) also sweeps expired rows of its kind.
SWEEP_EVERY = 64
#: The most expired rows one sweep deletes.
SWEEP_BATCH = 500


def _due(every: int) -> bool:
    """Whether this insert sweeps: with a chance of one in ``every`` (1: always; 0: never, for tests)."""
    return every > 0 and secrets.randbelow(every) == 0


def _maybe_sweep(uow: UnitOfWork, kind: Expiring, before: datetime, every: int) -> None:
    if _due(every):
        uow.access.sweep(kind, before, limit=SWEEP_BATCH)


def sweep(ctx: Context, kind: Expiring, before: datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Delete at most ``limit`` rows of ``kind`` that expired before ``before``; how many were deleted."""

    def handler(uow: UnitOfWork) -> int:
        deleted = uow.access.sweep(kind, before, limit=limit)
        uow.commit()
        return deleted

    return ctx.transaction(handler)


# --- portal sessions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveOperator:
    """The operator token behind a counter session, as it is now: its id, label, fingerprint and granted regions."""

    token_id: int
    label: str | None
    fingerprint: str
    regions: tuple[str, ...]


def sign_out(ctx: Context, sid: str, *, until: datetime, now: datetime, sweep_every: int = SWEEP_EVERY) -> None:
    """Refuse session ``sid`` from now on, until ``until`` (when its cookie would have expired anyway)."""

    def handler(uow: UnitOfWork) -> None:
        uow.access.sign_out(sid, until)
        _maybe_sweep(uow, Expiring.SIGNED_OUT, now, sweep_every)
        uow.commit()

    ctx.transaction(handler)


def is_signed_out(ctx: Context, sid: str) -> bool:
    """Whether session ``sid`` was signed out (by any worker, before any restart)."""
    return ctx.read(lambda uow: uow.access.is_signed_out(sid))


def live_operator(ctx: Context, sid: str, token_id: int, *, role: Role = Role.OPERATOR) -> LiveOperator | None:
    """The operator (or, with ``role``, the analyst) behind a counter session, if the session was not signed out and
    its token is still a token of that role — an operator's with regions — and not revoked; ``None`` otherwise (the
    session has ended). One indexed query."""

    def handler(uow: UnitOfWork) -> LiveOperator | None:
        token = uow.access.operator_token(sid, token_id)
        if token is None or token.role != role.value or (role is Role.OPERATOR and not token.regions):
            return None
        return LiveOperator(token.id, token.label, token_fingerprint(token.token_sha256), token.regions)

    return ctx.read(handler)


# --- gateway nonces -----------------------------------------------------------------------------------------------


def remember_nonce(
    ctx: Context, paasid: str, nonce: str, *, now: datetime, until: datetime, sweep_every: int = SWEEP_EVERY
) -> bool:
    """Record ``nonce`` of ``paasid`` until ``until``; ``False`` when it is recorded already and not expired (a
    replay), whichever worker recorded it and whenever."""

    def handler(uow: UnitOfWork) -> bool:
        fresh = uow.access.remember_nonce(paasid, nonce, now=now, until=until)
        _maybe_sweep(uow, Expiring.NONCES, now, sweep_every)
        return fresh

    # Every national-interface request records one: they share the transactions of the writes beside them.
    return ctx.shared_transaction(handler)


# --- sign-in challenges -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """What entering a code came to: ``found`` (the challenge was live, and one attempt is spent), ``right`` (the
    code was its code: the challenge is spent) and the person it signs in."""

    found: bool
    right: bool = False
    person_id: int | None = None


def issue_challenge(
    ctx: Context, new: StoredChallenge, *, replaces_issued_before: datetime, sweep_every: int = SWEEP_EVERY
) -> datetime | None:
    """Make ``new`` the pending challenge of its number, replacing one issued at or before ``replaces_issued_before``;
    ``None`` when it is issued, else when the challenge that still stands was issued (the number must wait)."""

    def handler(uow: UnitOfWork) -> datetime | None:
        if uow.access.put_challenge(new, replaces_issued_before=replaces_issued_before):
            _maybe_sweep(uow, Expiring.CHALLENGES, new.issued_at, sweep_every)
            uow.commit()
            return None
        standing = uow.access.challenge_of(new.certno_mac)
        return standing.issued_at if standing is not None else new.issued_at

    return ctx.transaction(handler)


def certno_mac_of(ctx: Context, challenge: str) -> str | None:
    """The (hashed) ID number a challenge was made for, while the challenge exists."""

    def handler(uow: UnitOfWork) -> str | None:
        found = uow.access.challenge(challenge)
        return found.certno_mac if found is not None else None

    return ctx.read(handler)


def enter_code(ctx: Context, challenge: str, entered_mac: str | None, now: datetime) -> CodeCheck:
    """Spend one attempt of ``challenge`` on the code whose keyed hash is ``entered_mac`` (``None``: not even
    well-formed); a right code spends the challenge, and so does the last allowed wrong one. Concurrent attempts are
    serialised on the challenge's row, so a code signs in once."""

    def handler(uow: UnitOfWork) -> CodeCheck:
        spent = uow.access.spend_attempt(challenge, now)
        if spent is None:
            return CodeCheck(found=False)
        right = (
            entered_mac is not None and spent.code_mac is not None and hmac.compare_digest(spent.code_mac, entered_mac)
        )
        if right or spent.attempts_left <= 0:
            uow.access.drop_challenge(challenge)
        uow.commit()
        return CodeCheck(found=True, right=right, person_id=spent.person_id if right else None)

    return ctx.transaction(handler)


# --- failed sign-ins ----------------------------------------------------------------------------------------------


def failures(ctx: Context, subjects: Collection[str]) -> list[StoredFailures]:
    """The failures counted against each of ``subjects`` that has any (whatever their age)."""
    return ctx.read(lambda uow: uow.access.failures(subjects))


def count_failures(
    ctx: Context, subjects: Iterable[str], *, now: datetime, forget_before: datetime, sweep_every: int = SWEEP_EVERY
) -> None:
    """One more failure against each subject; a subject whose last failure was before ``forget_before`` starts again
    from one. Subjects are counted in a fixed order, so two concurrent failures never wait on each other in a cycle."""
    ordered = sorted(set(subjects))

    def handler(uow: UnitOfWork) -> None:
        for subject in ordered:
            uow.access.count_failure(subject, now=now, forget_before=forget_before)
        _maybe_sweep(uow, Expiring.FAILURES, forget_before, sweep_every)
        uow.commit()

    ctx.transaction(handler)


def clear_failures(ctx: Context, subject: str) -> None:
    """Forget the failures of ``subject`` (a successful sign-in clears the ID number's count)."""

    def handler(uow: UnitOfWork) -> None:
        uow.access.clear_failures(subject)
        uow.commit()

    ctx.transaction(handler)
