"""What the service layer needs from storage for gongji's own API and the counter operators' portal: API tokens,
the reads behind reports and scoped lists, and the operators' audit trail. A part of :mod:`gongji.service.ports`,
kept apart for size.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gongji.domain.people import Person

__all__ = [
    "ApiTokenRepository",
    "OperatorActionRepository",
    "RelationTotals",
    "ReportRepository",
    "SettlementTotals",
    "StoredApiToken",
    "StoredOperatorAction",
]

# --- gongji's own API (REST): its tokens, and the reads behind reports and scoped lists ------------------------


@dataclass(frozen=True)
class StoredApiToken:
    """An API token as stored: never the token itself, only its SHA-256 (which cannot authenticate)."""

    id: int
    token_sha256: str
    role: str
    regions: tuple[str, ...]
    fixmedins_code: str | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class ApiTokenRepository(Protocol):
    """Tokens of gongji's own API, found by the SHA-256 of the token a client presents."""

    def add(
        self,
        *,
        token_sha256: str,
        role: str,
        regions: Sequence[str],
        fixmedins_code: str | None,
        label: str | None,
        created_at: datetime,
    ) -> StoredApiToken: ...
    def get(self, token_id: int) -> StoredApiToken | None: ...
    def by_hash(self, token_sha256: str) -> StoredApiToken | None: ...
    def list(self) -> builtins.list[StoredApiToken]: ...
    def revoke(self, token_id: int, at: datetime) -> None: ...


@dataclass(frozen=True)
class SettlementTotals:
    """Settlements of one region, kind and status in a period: how many, and the sums of their main amounts."""

    region: str
    kind: str
    status: str
    count: int
    mutual_aid_count: int
    medfee_sumamt_fen: int
    hifp_pay_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int


@dataclass(frozen=True)
class RelationTotals:
    """How many mutual-aid relations of one region are in one status (as of the moment asked)."""

    region: str
    status: str
    count: int


class ReportRepository(Protocol):
    """Reads across many rows: totals for analysts (no personal data) and the insured of some regions."""

    def settlement_totals(
        self, start: datetime, end: datetime, regions: Collection[str] | None
    ) -> builtins.list[SettlementTotals]: ...
    def relation_totals(self, regions: Collection[str] | None, now: datetime) -> builtins.list[RelationTotals]: ...
    def insured_people(
        self, regions: Collection[str], *, limit: int, offset: int, name: str | None = None
    ) -> builtins.list[Person]: ...


# --- the counter operators' audit trail (portal) ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoredOperatorAction:
    """One audited operator action: who (the operator's label), when, in which region, what, on whom (masked)."""

    id: int
    at: datetime
    operator: str
    region: str | None
    action: str
    subject: str | None
    detail: str | None
    refused_code: str | None = None


class OperatorActionRepository(Protocol):
    """The operators' audit trail: rows are added, never changed."""

    def add(
        self,
        *,
        at: datetime,
        operator: str,
        region: str | None,
        action: str,
        subject: str | None,
        detail: str | None,
        refused_code: str | None = None,
    ) -> StoredOperatorAction: ...
    def latest(
        self, regions: Collection[str] | None, *, limit: int, operator: str | None = None
    ) -> builtins.list[StoredOperatorAction]: ...
