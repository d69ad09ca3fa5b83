"""What the service layer needs from storage for short-lived access state (a part of :mod:`gongji.service.ports`,
kept apart so that the ports of the domain stay one file a reader can hold).

Access state is what a deployment of several worker processes must share and a restart must not lose, though each
row lives minutes or hours: signed-out portal sessions, gateway nonces of the national interface, pending sign-in
challenges and failed sign-ins. Every check-and-record is one atomic statement, so two workers cannot both accept
the same nonce, code or resend.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from gongji.service.api_ports import StoredApiToken

__all__ = ["AccessStateRepository", "Expiring", "StoredChallenge", "StoredFailures"]


class Expiring(StrEnum):
    """The kinds of access state that expire, each swept on its own."""

    SIGNED_OUT = "signed_out"
    NONCES = "nonces"
    CHALLENGES = "challenges"
    FAILURES = "failures"


@dataclass(frozen=True)
class StoredChallenge:
    """A pending sign-in challenge: the ID number and the code only as keyed hashes (``code_mac`` is ``None`` when
    nobody holds the number, so no code was sent)."""

    challenge: str
    certno_mac: str
    person_id: int | None
    code_mac: str | None
    issued_at: datetime
    expires_at: datetime
    attempts_left: int


@dataclass(frozen=True)
class StoredFailures:
    """Failed sign-ins counted against one subject (a hashed ID number or a client), and when the last one was."""

    subject: str
    failures: int
    last_failed_at: datetime


class AccessStateRepository(Protocol):
    """Short-lived access state in the database (see the module docstring)."""

    def sign_out(self, sid: str, expires_at: datetime) -> None: ...
    def is_signed_out(self, sid: str) -> bool: ...
    def operator_token(self, sid: str, token_id: int) -> StoredApiToken | None: ...
    def remember_nonce(self, paasid: str, nonce: str, *, now: datetime, until: datetime) -> bool: ...
    def put_challenge(self, new: StoredChallenge, *, replaces_issued_before: datetime) -> bool: ...
    def challenge_of(self, certno_mac: str) -> StoredChallenge | None: ...
    def challenge(self, challenge: str) -> StoredChallenge | None: ...
    def spend_attempt(self, challenge: str, now: datetime) -> StoredChallenge | None: ...
    def drop_challenge(self, challenge: str) -> bool: ...
    def failures(self, subjects: Collection[str]) -> list[StoredFailures]: ...
    def count_failure(self, subject: str, *, now: datetime, forget_before: datetime) -> None: ...
    def clear_failures(self, subject: str) -> None: ...
    def sweep(self, kind: Expiring, before: datetime, *, limit: int) -> int: ...
