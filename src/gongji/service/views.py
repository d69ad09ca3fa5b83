"""What use cases return: plain, JSON-ready dataclasses (the service's answers, stored for idempotent replay)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from gongji.domain.phrases import Phrase
from gongji.domain.wording import decode, encode

__all__ = [
    "AccountBalanceView",
    "BalancesView",
    "CheckView",
    "EnrollmentEventView",
    "EnrollmentView",
    "FamilyView",
    "JournalView",
    "PayerView",
    "PersonView",
    "ProxyLinkView",
    "RelationEventView",
    "RelationView",
    "RolloverResult",
    "RuleTraceView",
    "StatementLineView",
    "StatementView",
    "TransferView",
    "WhyView",
    "Worded",
]

#: A term (:mod:`gongji.domain.wording`: a phrase, a code value) that the edges render in the reader's language, or
#: text written as it is (an operator's words). A write's stored outcome keeps a term encoded, and its replay reads
#: back the same term.
Worded = Annotated[Any, PlainSerializer(encode), BeforeValidator(decode)]


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
    #: 民族 (national code), ``None`` when not recorded.
    naty: str | None = None


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
    paid_for: str | None = None


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


@dataclass(frozen=True)
class RelationEventView:
    """One step in a relation's life. ``note`` is a term (why, in gongji's words) or an operator's own text."""

    kind: str
    at: datetime
    actor: str | None
    operator: str | None
    channel: str
    note: Worded


@dataclass(frozen=True)
class RelationView:
    """A mutual-aid relation as both sides and the counter see it."""

    id: int
    authoriser_id: int
    authoriser: str
    beneficiary_id: int
    beneficiary: str
    relation_type: str
    relation_zh: str
    state: str
    state_zh: str
    channel: str
    region: str
    requested_at: datetime
    expires_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    effective_from: datetime | None
    valid_until: date | None
    ended_at: datetime | None
    end_reason: str | None
    end_reason_zh: str | None
    end_requested_by: str | None
    order_position: int | None
    quota_fen: int | None
    quota_used_fen: int
    quota_left_fen: int | None
    proof_kind: str
    proof_reference: str | None
    events: list[RelationEventView]


@dataclass(frozen=True)
class PayerView:
    """One payer of a beneficiary, in order (position 1 is the beneficiary's own account when it pays first;
    a request not yet confirmed has no position)."""

    position: int | None
    relation: RelationView


@dataclass(frozen=True)
class ProxyLinkView:
    """A 亲情账户 (shares no money)."""

    id: int
    owner: str
    relative: str
    created_at: datetime
    ended_at: datetime | None
    channel: str


@dataclass(frozen=True)
class FamilyView:
    """我的家庭: everything about a person's mutual aid on one page."""

    person_id: int
    name: str
    psn_no: str
    region: str | None
    region_zh: str | None
    on: datetime
    prior_years_fen: int
    current_year_fen: int
    own_account_first: bool
    i_pay_for: list[RelationView]
    pay_for_me: list[PayerView]
    proxy_links: list[ProxyLinkView]
    changes_used: int
    changes_allowed: int | str
    #: How the region limits what the person's relatives may use of his account: ``per_relation`` (the quota he set
    #: for each, or all of it), ``shared`` (one quota he sets for all) or ``annual_share`` (a share of his balance as
    #: the year began, ``quota_share_bp``, for all together).
    quota_model: str = "per_relation"
    quota_share_bp: int | None = None
    #: What a proxy link is not (it shares no money), as a term (an answer stored before it had one reads this).
    proxy_note: Worded = Phrase.PROXY_LINK_SHARES_NO_MONEY


@dataclass(frozen=True)
class RuleTraceView:
    """A rule value a decision read, with its source."""

    parameter: str
    parameter_zh: str
    region: str
    region_zh: str
    since: date
    reference_title: str
    reference_address: str
    confidence: str


@dataclass(frozen=True)
class CheckView:
    """A failed check: code, both messages, and the rules it rests on."""

    code: str
    message_zh: str
    message_en: str
    rules: list[RuleTraceView]


@dataclass(frozen=True)
class WhyView:
    """为什么用不了: whether the payer's account can pay for the patient, and every reason it cannot."""

    payer: str
    patient: str
    on: date
    kind_zh: str
    kind_en: str
    can_pay: bool
    failed: list[CheckView]
    rules_read: list[RuleTraceView]
    #: Where mutual aid cannot reach the patient's region (across provinces), the wallet's route (医保钱包): what it
    #: still lacks (a region not switched on, a wallet not opened, nothing accepted) — empty when it is ready.
    wallet_route: list[CheckView] = field(default_factory=list)
    #: What the patient's wallet holds, accepted from this payer and unspent (``None``: the route does not apply).
    wallet_fen: int | None = None
