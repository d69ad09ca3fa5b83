"""What use cases return: plain, JSON-ready dataclasses (the service's answers, stored for idempotent replay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "AccountBalanceView",
    "BalancesView",
    "EnrollmentEventView",
    "EnrollmentView",
    "JournalView",
    "PersonView",
    "RolloverResult",
    "StatementLineView",
    "StatementView",
    "TransferView",
]


@dataclass(frozen=True)
class EnrollmentEventView:
    """One change of an enrollment."""

    kind: str
    on: date
    reason: str | None
    reason_zh: str | None
    note: str | None


@dataclass(frozen=True)
class EnrollmentView:
    """An enrollment as people read it."""

    id: int
    insutype: str
    insutype_zh: str
    psn_type: str
    psn_type_zh: str
    pooling_region: str
    pooling_region_zh: str
    employer: str | None
    status: str
    status_zh: str
    began_on: date
    status_since: date
    reason: str | None
    reason_zh: str | None
    events: list[EnrollmentEventView]


@dataclass(frozen=True)
class PersonView:
    """A person with identity, current contact details and enrollments."""

    id: int
    psn_no: str
    certno: str
    name: str
    sex: str
    sex_zh: str
    birth_date: date
    age: int
    phone: str | None
    address: str | None
    died_on: date | None
    registered_at: datetime
    enrollments: list[EnrollmentView]


@dataclass(frozen=True)
class TransferView:
    """A transfer of a journal, with the accounts named."""

    seq: int
    debit_account_id: int
    debit_account: str
    credit_account_id: int
    credit_account: str
    amount_fen: int
    debit_balance_after_fen: int
    credit_balance_after_fen: int


@dataclass(frozen=True)
class JournalView:
    """A written journal (a credit, a reversal, a rollover, a transfer between regions)."""

    journal_id: int
    kind: str
    kind_zh: str
    booked_at: datetime
    reference: str | None
    reverses_journal_id: int | None
    person_id: int | None
    transfers: list[TransferView]


@dataclass(frozen=True)
class AccountBalanceView:
    """One account's balance."""

    account_id: int
    kind: str
    kind_zh: str
    region: str
    balance_fen: int
    period_year: int | None


@dataclass(frozen=True)
class BalancesView:
    """A person's account balances at a moment (now, or the end of a given day)."""

    person_id: int
    psn_no: str
    name: str
    as_of: datetime
    accounts: list[AccountBalanceView]
    personal_account_fen: int
    prior_years_fen: int
    current_year_fen: int
    wallet_fen: int


@dataclass(frozen=True)
class StatementLineView:
    """One movement: what, when, how much, and the balance after."""

    booked_at: datetime
    journal_id: int
    kind: str
    kind_zh: str
    account: str
    account_zh: str
    amount_fen: int
    balance_after_fen: int
    counterparty: str
    counterparty_zh: str
    reference: str | None
    reverses_journal_id: int | None


@dataclass(frozen=True)
class StatementView:
    """A person's statement over a period."""

    person_id: int
    psn_no: str
    name: str
    start: date
    end: date
    opening_fen: int
    closing_fen: int
    lines: list[StatementLineView]


@dataclass(frozen=True)
class RolloverResult:
    """What a year rollover did."""

    year: int
    accounts_examined: int
    journals_written: int
    amount_moved_fen: int
