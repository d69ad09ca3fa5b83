"""Accounts: credits, reversals of journals, balances and statements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, computed_field

from gongji.api.rest.models.common import PositiveFen, RequestModel, ResponseModel, bounded_text, yuan
from gongji.service.accounts import CreditKind, Part

__all__ = [
    "AccountBalanceOut",
    "BalancesOut",
    "CreditIn",
    "JournalOut",
    "ReverseJournalIn",
    "StatementLineOut",
    "StatementOut",
    "TransferOut",
]


class CreditIn(RequestModel):
    """个人账户划入: a contribution (current-year part) or an opening balance (either part)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount_fen": 80000, "reference": "2026-11 划入"}]}
    )

    amount_fen: PositiveFen
    reference: Annotated[str, bounded_text(200, min_length=1)]
    part: Part = Part.CURRENT_YEAR
    kind: CreditKind = CreditKind.CONTRIBUTION


class ReverseJournalIn(RequestModel):
    """冲销: why the credit is reversed."""

    reason: Annotated[str, bounded_text(200, min_length=1)]


class TransferOut(ResponseModel):
    """A transfer of a journal."""

    seq: int
    debit_account_id: int
    debit_account: str
    credit_account_id: int
    credit_account: str
    amount_fen: int
    debit_balance_after_fen: int
    credit_balance_after_fen: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_yuan(self) -> str:
        """The amount in yuan."""
        return yuan(self.amount_fen)


class JournalOut(ResponseModel):
    """A journal (记账凭证) with its transfers."""

    journal_id: int
    kind: str
    kind_zh: str
    booked_at: datetime
    reference: str | None
    reverses_journal_id: int | None
    person_id: int | None
    transfers: list[TransferOut]


class AccountBalanceOut(ResponseModel):
    """One account's balance."""

    account_id: int
    kind: str
    kind_zh: str
    region: str
    balance_fen: int
    period_year: int | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balance_yuan(self) -> str:
        """The balance in yuan."""
        return yuan(self.balance_fen)


class BalancesOut(ResponseModel):
    """A person's balances now or at the end of a day."""

    person_id: int
    psn_no: str
    name: str
    as_of: datetime
    accounts: list[AccountBalanceOut]
    personal_account_fen: int
    prior_years_fen: int
    current_year_fen: int
    wallet_fen: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def personal_account_yuan(self) -> str:
        """The personal account (both parts) in yuan."""
        return yuan(self.personal_account_fen)


class StatementLineOut(ResponseModel):
    """One movement with the balance after it."""

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
    paid_for: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_yuan(self) -> str:
        """The amount in yuan (negative when money left the account)."""
        return yuan(self.amount_fen)


class StatementOut(ResponseModel):
    """A statement over a period, with opening and closing totals."""

    person_id: int
    psn_no: str
    name: str
    start: date
    end: date
    opening_fen: int
    closing_fen: int
    lines: list[StatementLineOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def closing_yuan(self) -> str:
        """The closing total in yuan."""
        return yuan(self.closing_fen)
