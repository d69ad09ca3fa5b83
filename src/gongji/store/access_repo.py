"""SQLAlchemy implementation of the short-lived access state (``gongji.service.access_ports.AccessStateRepository``).

Every check-and-record is one statement on a primary key, atomic on both backends without an explicit lock:

* a nonce is recorded by ``INSERT … ON CONFLICT DO UPDATE … WHERE expires_at < now … RETURNING``: a row returned
  means it was new (or its old entry had expired), none means a live entry holds it — a replay. (``RETURNING``, not
  the row count: through SQLAlchemy and psycopg an insert reported -1.) Two workers racing with the same
  nonce meet on the primary key; PostgreSQL makes the second wait for the first and then see its row.
* a challenge is issued the same way on the ID number's hash (a newer one replaces it once ``resend_after_s`` passed);
* a code's attempt is spent by ``UPDATE … SET attempts_left = attempts_left - 1 … RETURNING``, and a right code
  deletes the row (one row deleted: this attempt, and no other, signs in);
* a failure is counted by an upsert that starts the count again when the last failure is older than the window.

Expired rows are deleted in bounded batches by :meth:`SqlAccessState.sweep` (``DELETE … WHERE key IN (SELECT … LIMIT
n)``: portable, and never one long delete).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, case, delete, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from gongji.service.access_ports import Expiring, StoredChallenge, StoredFailures
from gongji.service.api_ports import StoredApiToken
from gongji.store import tables as t
from gongji.store.api_token_repo import stored_token
from gongji.store.column_types import AwareDateTime
from gongji.store.driver import Prepared

__all__ = ["SqlAccessState"]

_challenges = t.portal_challenges
_failures = t.portal_failures

#: Each kind of expiring state: its table, the column it expires by, and its primary key.
_EXPIRING: dict[Expiring, tuple[Table, Column[Any], tuple[Column[Any], ...]]] = {
    Expiring.SIGNED_OUT: (t.portal_signed_out, t.portal_signed_out.c.expires_at, (t.portal_signed_out.c.sid,)),
    Expiring.NONCES: (
        t.gateway_nonces,
        t.gateway_nonces.c.expires_at,
        (t.gateway_nonces.c.paasid, t.gateway_nonces.c.nonce),
    ),
    Expiring.CHALLENGES: (_challenges, _challenges.c.expires_at, (_challenges.c.certno_mac,)),
    Expiring.FAILURES: (_failures, _failures.c.last_failed_at, (_failures.c.subject,)),
}


def _challenge(row: Any) -> StoredChallenge:
    return StoredChallenge(
        challenge=row["challenge"],
        certno_mac=row["certno_mac"],
        person_id=int(row["person_id"]) if row["person_id"] is not None else None,
        code_mac=row["code_mac"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        attempts_left=int(row["attempts_left"]),
    )


def _remember_nonce(insert: Any) -> Prepared:
    """Insert a nonce, or take over an expired entry of it; RETURNING gives a row only when it was not live."""
    table = t.gateway_nonces
    statement = insert(table).values(
        paasid=bindparam("paasid"), nonce=bindparam("nonce"), expires_at=bindparam("until", type_=AwareDateTime())
    )
    statement = statement.on_conflict_do_update(
        index_elements=["paasid", "nonce"],
        set_={"expires_at": statement.excluded.expires_at},
        where=table.c.expires_at < bindparam("now", type_=AwareDateTime()),
    )
    return Prepared(statement.returning(table.c.nonce))


# Every national-interface request records its nonce: built once per dialect.
_REMEMBER_NONCE = {"postgresql": _remember_nonce(postgresql.insert), "sqlite": _remember_nonce(sqlite.insert)}


class SqlAccessState:
    """Signed-out sessions, gateway nonces, sign-in challenges and failed sign-ins, in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert

    # --- portal sessions ---------------------------------------------------------------------------------------------

    def sign_out(self, sid: str, expires_at: datetime) -> None:
        """Record session ``sid`` as signed out until ``expires_at`` (signing out twice changes nothing)."""
        statement = self._insert(t.portal_signed_out).values(sid=sid, expires_at=expires_at)
        self._conn.execute(statement.on_conflict_do_nothing(index_elements=["sid"]))

    def is_signed_out(self, sid: str) -> bool:
        """Whether session ``sid`` was signed out: one lookup of the primary key."""
        query = select(t.portal_signed_out.c.sid).where(t.portal_signed_out.c.sid == sid)
        return self._conn.execute(query).first() is not None

    def operator_token(self, sid: str, token_id: int) -> StoredApiToken | None:
        """The token behind an operator's session as it is now, if it is not revoked and the session was not signed
        out: one statement (the token by its primary key, the sign-out by its own)."""
        signed_out = select(t.portal_signed_out.c.sid).where(t.portal_signed_out.c.sid == sid).exists()
        query = select(t.api_tokens).where(
            t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None), ~signed_out
        )
        row = self._conn.execute(query).mappings().first()
        return stored_token(row) if row else None

    # --- gateway nonces ----------------------------------------------------------------------------------------------

    def remember_nonce(self, paasid: str, nonce: str, *, now: datetime, until: datetime) -> bool:
        """Record ``nonce`` of ``paasid`` until ``until``; ``False`` if a live entry (not expired before ``now``)
        holds it already."""
        remember = _REMEMBER_NONCE[self._conn.dialect.name]
        return remember(self._conn, {"paasid": paasid, "nonce": nonce, "until": until, "now": now}).first() is not None

    # --- sign-in challenges ------------------------------------------------------------------------------------------

    def put_challenge(self, new: StoredChallenge, *, replaces_issued_before: datetime) -> bool:
        """Store ``new`` as the number's pending challenge, replacing one issued at or before ``replaces_issued_before``
        (or expired); ``False`` when a more recent one stands (the number must wait)."""
        statement = self._insert(_challenges).values(
            certno_mac=new.certno_mac,
            challenge=new.challenge,
            person_id=new.person_id,
            code_mac=new.code_mac,
            issued_at=new.issued_at,
            expires_at=new.expires_at,
            attempts_left=new.attempts_left,
        )
        replaced = ("challenge", "person_id", "code_mac", "issued_at", "expires_at", "attempts_left")
        statement = statement.on_conflict_do_update(
            index_elements=["certno_mac"],
            set_={name: statement.excluded[name] for name in replaced},
            where=or_(_challenges.c.issued_at <= replaces_issued_before, _challenges.c.expires_at <= new.issued_at),
        )
        return self._conn.execute(statement.returning(_challenges.c.certno_mac)).first() is not None

    def challenge_of(self, certno_mac: str) -> StoredChallenge | None:
        """The pending challenge of a number (by its hash), expired or not."""
        query = select(_challenges).where(_challenges.c.certno_mac == certno_mac)
        row = self._conn.execute(query).mappings().first()
        return _challenge(row) if row else None

    def challenge(self, challenge: str) -> StoredChallenge | None:
        """A pending challenge by its id, expired or not."""
        row = self._conn.execute(select(_challenges).where(_challenges.c.challenge == challenge)).mappings().first()
        return _challenge(row) if row else None

    def spend_attempt(self, challenge: str, now: datetime) -> StoredChallenge | None:
        """Spend one attempt of a live challenge and answer it as it now stands; ``None`` if it is gone, expired or
        has no attempt left."""
        statement = (
            update(_challenges)
            .where(
                _challenges.c.challenge == challenge, _challenges.c.expires_at > now, _challenges.c.attempts_left > 0
            )
            .values(attempts_left=_challenges.c.attempts_left - 1)
            .returning(*_challenges.c)
        )
        row = self._conn.execute(statement).mappings().first()
        return _challenge(row) if row else None

    def drop_challenge(self, challenge: str) -> bool:
        """Delete a challenge; ``True`` if this call deleted it."""
        statement = delete(_challenges).where(_challenges.c.challenge == challenge).returning(_challenges.c.challenge)
        return self._conn.execute(statement).first() is not None

    # --- failed sign-ins ---------------------------------------------------------------------------------------------

    def failures(self, subjects: Collection[str]) -> list[StoredFailures]:
        """The failures counted against each of ``subjects`` that has any."""
        if not subjects:
            return []
        rows = self._conn.execute(select(_failures).where(_failures.c.subject.in_(sorted(subjects)))).mappings()
        return [StoredFailures(row["subject"], int(row["failures"]), row["last_failed_at"]) for row in rows]

    def count_failure(self, subject: str, *, now: datetime, forget_before: datetime) -> None:
        """One more failure of ``subject`` at ``now``; the count starts again when its last failure was before
        ``forget_before``."""
        statement = self._insert(_failures).values(subject=subject, failures=1, last_failed_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=["subject"],
            set_={
                "failures": case((_failures.c.last_failed_at < forget_before, 1), else_=_failures.c.failures + 1),
                "last_failed_at": statement.excluded.last_failed_at,
            },
        )
        self._conn.execute(statement)

    def clear_failures(self, subject: str) -> None:
        """Forget the failures of ``subject``."""
        self._conn.execute(delete(_failures).where(_failures.c.subject == subject))

    # --- housekeeping ------------------------------------------------------------------------------------------------

    def sweep(self, kind: Expiring, before: datetime, *, limit: int) -> int:
        """Delete at most ``limit`` rows of ``kind`` that expired before ``before``; how many were deleted."""
        table, expires, key = _EXPIRING[kind]
        doomed = select(*key).where(expires < before).limit(limit)
        chosen = key[0].in_(doomed) if len(key) == 1 else tuple_(*key).in_(doomed)
        return len(self._conn.execute(delete(table).where(chosen).returning(key[0])).all())
