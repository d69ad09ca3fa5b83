"""Request and response models of the REST API (/api/v1): the third shape of data, kept apart from the service's
views and the store's rows.

Requests are strict: unknown fields are refused, texts have bounds and no control characters, dates are plausible,
amounts are integer fen within gongji's limits, codes are the national code lists. Responses carry what the service's
views say (they are built from them field by field); money is an integer of fen in every ``*_fen`` field, and where a
person reads the amount a ``*_yuan`` text beside it (``"1234.56"``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    field_serializer,
    field_validator,
    model_validator,
)

from gongji.domain.codes import EndReason, Insutype, MedType, PsnType, RelationType, Sex
from gongji.domain.explanation import render
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.wording import Lang, code_of, is_term, localise, shown
from gongji.service.accounts import CreditKind, Part
from gongji.service.clock import SHANGHAI

__all__ = [
    "MAX_ID",
    "AccountBalanceOut",
    "BalancesOut",
    "CancelFeesIn",
    "CheckOut",
    "ConfirmIn",
    "ContactIn",
    "CreditIn",
    "Day",
    "DeclineIn",
    "EndRelationIn",
    "EnrollIn",
    "EnrollmentEventOut",
    "EnrollmentOut",
    "ExplanationOut",
    "FamilyOut",
    "FeeLineIn",
    "FeeLineOut",
    "FeesIn",
    "FundLineOut",
    "JournalOut",
    "Moment",
    "MoveIn",
    "OpenVisitIn",
    "OrderIn",
    "PauseIn",
    "PayerLineOut",
    "PayerOut",
    "PersonOut",
    "PersonRef",
    "PrincipalOut",
    "ProxyLinkIn",
    "ProxyLinkOut",
    "PurseStepOut",
    "QuotaIn",
    "RegionOut",
    "RegionRulesOut",
    "RegisterIn",
    "RelationEventOut",
    "RelationOut",
    "RelationRequestIn",
    "RelationTotalsOut",
    "ResumeIn",
    "ReverseJournalIn",
    "ReverseSettlementIn",
    "RuleSourceOut",
    "RuleTraceOut",
    "RuleValueOut",
    "SettleIn",
    "SettlementMonthOut",
    "SettlementOut",
    "StatementLineOut",
    "StatementOut",
    "StepOut",
    "TerminateIn",
    "TransferOut",
    "VisitOut",
    "WhyOut",
    "yuan",
]

#: The largest id accepted in a path or body (ids are positive; SQLite's integers end at 2⁶³).
MAX_ID = 2**53
_EARLIEST = date(1900, 1, 1)
_LATEST = date(2199, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _worded(value: Any, lang: Lang) -> str | None:
    """A term of the service in ``lang``; text written as it is (an operator's words) as it is."""
    return None if value is None else str(localise(value, lang))


def yuan(amount_fen: int) -> str:
    """Fen as plain yuan text with two decimals and no grouping: ``123456`` → ``"1234.56"``."""
    return format_yuan(amount_fen, grouping=False)


def _iso_day_text(value: Any) -> Any:
    """A day is written ``YYYY-MM-DD``: a number (``?on=0``, read by pydantic as seconds since 1970) or any other
    shape is refused."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value.strip())):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _iso_moment_text(value: Any) -> Any:
    """A moment is written as ISO 8601 text, never as a number of seconds."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DAY.match(value.strip())):
        return value
    raise ValueError("a time is written YYYY-MM-DDTHH:MM[:SS][+08:00]")


def _plausible_day(value: date) -> date:
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError(f"a date from {_EARLIEST} to {_LATEST} is expected")
    return value


def _aware(value: datetime) -> datetime:
    _plausible_day(value.date())
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value.astimezone(SHANGHAI)


#: A day from 1900 to 2199.
Day = Annotated[date, BeforeValidator(_iso_day_text), AfterValidator(_plausible_day)]
#: A moment; without a time zone it is read as Asia/Shanghai time.
Moment = Annotated[datetime, BeforeValidator(_iso_moment_text), AfterValidator(_aware)]
#: A text of one line: no control characters.
_LINE = r"^[^\x00-\x1f\x7f]*$"
#: A person named by resident ID number (18 characters) or person number (人员编号).
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,30}$")]
#: An amount of fen that may be zero.
Fen = Annotated[int, Field(ge=0, le=MAX_AMOUNT_FEN)]
#: An amount of fen above zero.
PositiveFen = Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN)]
#: A row id.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _text(max_length: int, *, min_length: int = 0) -> Any:
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=_LINE)


class _In(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    """A response body, read from a service view's attributes."""

    model_config = ConfigDict(from_attributes=True)


# --- people and enrollments -------------------------------------------------------------------------------------


class RegisterIn(_In):
    """登记参保人员: the resident ID number and name; sex and birth date, if given, are checked against the number."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"certno": "130102199001011237", "name": "王五", "phone": "13800000000"}]},
    )

    certno: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9Xx]{18}$")]
    name: Annotated[str, _text(50, min_length=1)]
    phone: Annotated[str, _text(20)] | None = None
    address: Annotated[str, _text(200)] | None = None
    sex: Sex | None = None
    birth_date: Day | None = None
    #: 民族: a code of the national list (``01`` 汉族 … ``56``, ``97``, ``98``, ``99``), checked by the service.
    naty: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,2}$")] | None = None


class ContactIn(_In):
    """变更联系方式: a new phone and/or address from a day on (default today)."""

    phone: Annotated[str, _text(20)] | None = None
    address: Annotated[str, _text(200)] | None = None
    effective_on: Day | None = None


class EnrollIn(_In):
    """参保登记: employee insurance (310) also opens the personal account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "insutype": "310",
                    "psn_type": "1101",
                    "pooling_region": "130100",
                    "since": "2020-01-01",
                    "employer": "示例单位",
                }
            ]
        },
    )

    insutype: Insutype
    psn_type: PsnType
    pooling_region: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    since: Day
    employer: Annotated[str, _text(100)] | None = None


class PauseIn(_In):
    """暂停参保."""

    insutype: Insutype
    on: Day
    reason: EndReason = EndReason.CONTRIBUTIONS_STOPPED


class ResumeIn(_In):
    """恢复参保."""

    insutype: Insutype
    on: Day


class TerminateIn(_In):
    """终止参保: death and emigration end every enrollment (``insutype`` may then be omitted)."""

    on: Day
    reason: EndReason
    insutype: Insutype | None = None
    note: Annotated[str, _text(200)] | None = None


class MoveIn(_In):
    """转移接续: the enrollment (and the personal account) moves to another pooling region."""

    insutype: Insutype
    to_region: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    on: Day
    employer: Annotated[str, _text(100)] | None = None


class EnrollmentEventOut(_Out):
    """One change of an enrollment."""

    kind: str
    on: date
    reason: str | None
    reason_zh: str | None
    note: str | None


class EnrollmentOut(_Out):
    """An enrollment with its history."""

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
    events: list[EnrollmentEventOut]


class PersonOut(_Out):
    """A person: identity, current contact details, enrollments."""

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
    enrollments: list[EnrollmentOut]
    #: 民族 (national code), null when not recorded.
    naty: str | None = None


# --- accounts ---------------------------------------------------------------------------------------------------


class CreditIn(_In):
    """个人账户划入: a contribution (current-year part) or an opening balance (either part)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount_fen": 80000, "reference": "2026-11 划入"}]}
    )

    amount_fen: PositiveFen
    reference: Annotated[str, _text(200, min_length=1)]
    part: Part = Part.CURRENT_YEAR
    kind: CreditKind = CreditKind.CONTRIBUTION


class ReverseJournalIn(_In):
    """冲销: why the credit is reversed."""

    reason: Annotated[str, _text(200, min_length=1)]


class TransferOut(_Out):
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


class JournalOut(_Out):
    """A journal (记账凭证) with its transfers."""

    journal_id: int
    kind: str
    kind_zh: str
    booked_at: datetime
    reference: str | None
    reverses_journal_id: int | None
    person_id: int | None
    transfers: list[TransferOut]


class AccountBalanceOut(_Out):
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


class BalancesOut(_Out):
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


class StatementLineOut(_Out):
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


class StatementOut(_Out):
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


# --- relations and proxy links ----------------------------------------------------------------------------------


class RelationRequestIn(_In):
    """申请绑定: the authoriser asks to bind a relative. With ``operator`` it is a counter action (the documents
    checked, ``proof_reference`` required) and effective at once; without, it waits for the relative."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "authoriser": "130102194801100016",
                    "beneficiary": "130102195002180026",
                    "relation_type": "spouse",
                    "commitment": True,
                }
            ]
        },
    )

    authoriser: PersonRef
    beneficiary: PersonRef
    relation_type: RelationType
    operator: Annotated[str, _text(64, min_length=1)] | None = None
    proof_reference: Annotated[str, _text(200)] | None = None
    commitment: bool = False
    valid_until: Day | None = None
    quota_fen: Fen | None = None


class ConfirmIn(_In):
    """确认绑定: the relative (or a guardian) confirms, with a face-verification token where the region needs one."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"confirmer": "130102195002180026", "face_token": "face-ok"}]}
    )

    confirmer: PersonRef
    face_token: Annotated[str, _text(200)] | None = None


class DeclineIn(_In):
    """拒绝绑定."""

    by: PersonRef


class EndRelationIn(_In):
    """解除共济: one side asks (``by``), or a counter ``operator`` ends it at once."""

    by: PersonRef | None = None
    operator: Annotated[str, _text(64, min_length=1)] | None = None
    note: Annotated[str, _text(200)] | None = None


class OrderIn(_In):
    """调整扣款顺序: every active authoriser, in paying order (after the beneficiary's own account)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"authorisers": ["130102194801100016", "130102197503150019"], "by": "130102197503150019"}]
        },
    )

    authorisers: Annotated[list[PersonRef], Field(max_length=50)]
    by: PersonRef | None = None


class QuotaIn(_In):
    """设定共济额度: a yearly quota in fen (``null``: the whole shareable balance), for one relation or, where the
    region's model is one shared quota, for all (``relation_id`` omitted)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"quota_fen": 5000, "relation_id": 2}]})

    quota_fen: Fen | None
    relation_id: RowId | None = None


class ProxyLinkIn(_In):
    """添加亲情账户 (shares no money). With ``operator`` it is a counter action."""

    relative: PersonRef
    operator: Annotated[str, _text(64, min_length=1)] | None = None


class RelationEventOut(_Out):
    """One step in a relation's life. Its note in Chinese (``note``, as before, and ``note_zh``) and in English, and
    ``note_code`` where gongji wrote it (a stable phrase or reason code); an operator's own words are the same in
    each and have no code."""

    kind: str
    at: datetime
    actor: str | None
    operator: str | None
    channel: str
    said: Any = Field(default=None, exclude=True, validation_alias="note")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note(self) -> str | None:
        """The note in Chinese (an operator's words as written)."""
        return _worded(self.said, "zh")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note_zh(self) -> str | None:
        """The note in Chinese."""
        return _worded(self.said, "zh")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note_en(self) -> str | None:
        """The note in English (an operator's words as written)."""
        return _worded(self.said, "en")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note_code(self) -> str | None:
        """The stable code of a note gongji wrote (``NOTE_CONFIRMED``, ``by_authoriser``); ``null`` for free text."""
        return str(code_of(self.said)) if is_term(self.said) and code_of(self.said) is not None else None


class RelationOut(_Out):
    """A mutual-aid relation with its history."""

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
    events: list[RelationEventOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def quota_yuan(self) -> str | None:
        """The yearly quota in yuan (``null``: the whole shareable balance)."""
        return None if self.quota_fen is None else yuan(self.quota_fen)


class PayerOut(_Out):
    """One payer of a beneficiary, in paying order."""

    position: int | None
    relation: RelationOut


class ProxyLinkOut(_Out):
    """A 亲情账户."""

    id: int
    owner: str
    relative: str
    created_at: datetime
    ended_at: datetime | None
    channel: str


class FamilyOut(_Out):
    """我的家庭: whom a person pays for, who pays for them in which order, proxy links, changes this year."""

    person_id: int
    name: str
    psn_no: str
    region: str | None
    region_zh: str | None
    on: datetime
    prior_years_fen: int
    current_year_fen: int
    own_account_first: bool
    i_pay_for: list[RelationOut]
    pay_for_me: list[PayerOut]
    proxy_links: list[ProxyLinkOut]
    proxy_note: Any = Field(exclude=True)
    changes_used: int
    changes_allowed: int | str
    quota_model: str
    quota_share_bp: int | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def proxy_note_zh(self) -> str:
        """What a proxy link is not (it shares no money), in Chinese."""
        return str(_worded(self.proxy_note, "zh"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def proxy_note_en(self) -> str:
        """What a proxy link is not, in English."""
        return str(_worded(self.proxy_note, "en"))


class RuleTraceOut(_Out):
    """A rule value a decision read, with its reference."""

    parameter: str
    parameter_zh: str
    region: str
    region_zh: str
    since: date
    reference_title: str
    reference_address: str
    confidence: str


class CheckOut(_Out):
    """A failed check: its code, both messages and the rules it rests on."""

    code: str
    message_zh: str
    message_en: str
    rules: list[RuleTraceOut]


class WhyOut(_Out):
    """为什么用不了: whether the payer's account can pay for the patient, and every reason it cannot."""

    payer: str
    patient: str
    on: date
    kind_zh: str
    kind_en: str
    can_pay: bool
    failed: list[CheckOut]
    rules_read: list[RuleTraceOut]
    wallet_route: list[CheckOut] = Field(
        default_factory=list,
        description="跨省时医保钱包尚缺什么 What the wallet route still lacks, where mutual aid cannot reach",
    )
    wallet_fen: int | None = Field(None, description="钱包中来自该共济人的余额（分） Wallet balance from the payer")


# --- visits and settlements -------------------------------------------------------------------------------------


class OpenVisitIn(_In):
    """挂号 / 入院 / 购药. ``institution`` defaults to the calling institution's own code."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"person": "130102197708220025", "med_type": "11", "institution": "H13010200001"}]
        },
    )

    person: PersonRef
    med_type: MedType
    institution: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,30}$")] | None = None
    begin_at: Moment | None = None
    insutype: Insutype | None = None
    ipt_otp_no: Annotated[str, _text(30)] | None = None
    buyer_name: Annotated[str, _text(50)] | None = None
    buyer_certno: Annotated[str, StringConstraints(pattern=r"^[0-9Xx]{18}$")] | None = None


class FeeLineIn(_In):
    """One fee line: quantity as decimal text (``"2"``, ``"0.5"``; negative for a return, naming the line)."""

    feedetl_sn: Annotated[str, _text(30, min_length=1)]
    item_code: Annotated[str, _text(50, min_length=1)]
    quantity: Annotated[str, StringConstraints(pattern=r"^-?[0-9]{1,7}(\.[0-9]{1,3})?$")]
    unit_price_fen: Fen
    item_name: Annotated[str, _text(200)] | None = None
    fee_at: Moment | None = None
    returns_feedetl_sn: Annotated[str, _text(30, min_length=1)] | None = None


class FeesIn(_In):
    """费用明细上传: 1 to 500 lines."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "lines": [
                        {"feedetl_sn": "1", "item_code": "001102000010000", "quantity": "1", "unit_price_fen": 1000}
                    ]
                }
            ]
        },
    )

    lines: Annotated[list[FeeLineIn], Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _bounded_bill(self) -> FeesIn:
        """No line, and no upload, above gongji's largest amount (100 million yuan): the ledger moves nothing larger
        in one transfer, so such a bill could never be settled."""
        total = 0
        for line in self.lines:
            amount = abs(Decimal(line.quantity) * line.unit_price_fen)
            if amount > MAX_AMOUNT_FEN:
                raise ValueError(f"fee line {line.feedetl_sn} is above {yuan(MAX_AMOUNT_FEN)} yuan")
            total += int(amount)
        if total > MAX_AMOUNT_FEN:
            raise ValueError(f"the lines add up to more than {yuan(MAX_AMOUNT_FEN)} yuan")
        return self


class CancelFeesIn(_In):
    """费用明细撤销: the lines named, or every line of the visit (``feedetl_sns`` omitted)."""

    feedetl_sns: (
        Annotated[list[Annotated[str, _text(30, min_length=1)]], Field(min_length=1, max_length=500)] | None
    ) = None


class SettleIn(_In):
    """预结算 / 结算 of a visit. ``acct_used_flag`` false pays nothing from any account; ``medfee_sumamt_fen``, when
    given, must equal the total of the uploaded fee lines."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"mdtrt_id": "130100000000000001"}]})

    mdtrt_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,30}$")]
    acct_used_flag: bool = True
    medfee_sumamt_fen: Fen | None = None
    use_wallet: bool = Field(
        True, description="用医保钱包支付（规则允许患者选择时）Pay from the patient's wallet, where she may choose"
    )


class ReverseSettlementIn(_In):
    """结算撤销: why."""

    reason: Annotated[str, _text(200, min_length=1)]


class FeeLineOut(_Out):
    """A classified fee line."""

    feedetl_sn: str
    item_code: str
    item_name: str
    quantity: str
    unit_price_fen: int
    total_fen: int
    fulamt_ownpay_fen: int
    overlmt_fen: int
    preselfpay_fen: int
    inscp_fen: int
    category: str | None
    cancelled: bool
    item_kind: str | None
    self_pay_bp: int | None
    price_cap_fen: int | None
    returns_feedetl_sn: str | None


class VisitOut(_Out):
    """A visit with its fee lines."""

    mdtrt_id: str
    person_id: int
    psn_no: str
    name: str
    institution: str
    institution_name: str
    insutype: str
    psn_type: str
    med_type: str
    med_type_zh: str
    region: str
    begin_at: datetime
    status: str
    ipt_otp_no: str | None
    buyer_name: str | None
    lines: list[FeeLineOut]


class StepOut(_Out):
    """A step of an explanation: its code and parameters (amounts in fen), and the step in Chinese and English."""

    code: str
    params: dict[str, Any]

    @field_serializer("params")
    def _shown_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """A term (a skipped account's reason) as its code with its Chinese and English words beside it."""
        return shown(params)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def zh(self) -> str:
        """The step in Chinese."""
        return render(self.code, self.params, "zh")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def en(self) -> str:
        """The step in English."""
        return render(self.code, self.params, "en")


class PurseStepOut(_Out):
    """One account tried in paying order: what it paid, or why it was skipped."""

    order: int
    payer: str
    relation: str | None
    region: str
    balance_before_fen: int
    available_fen: int
    paid_fen: int
    from_prior_fen: int
    from_current_fen: int
    balance_after_fen: int
    skipped_code: str | None
    reason: StepOut
    limited_by: str | None = None


class ExplanationOut(_Out):
    """Why a bill was split as it was: the rule values read, the fund's steps, every account tried."""

    rules: list[RuleTraceOut]
    fund_steps: list[StepOut]
    purses: list[PurseStepOut]
    cash_fen: int


class PayerLineOut(_Out):
    """Who paid from a personal account."""

    seq: int
    payer: str
    payer_psn_no: str
    relation: str | None
    relation_zh: str | None
    region: str
    amount_fen: int
    prior_years_fen: int
    current_year_fen: int
    balance_after_fen: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_yuan(self) -> str:
        """The amount in yuan."""
        return yuan(self.amount_fen)


class FundLineOut(_Out):
    """A ``setldetail`` row: a fund or account that paid."""

    fund_pay_type: str
    fund_pay_type_name: str
    inscp_scp_amt_fen: int
    fund_payamt_fen: int


class SettlementOut(_Out):
    """A settlement or its preview: the national amounts (``amounts``, fen, named as in ``setlinfo`` with ``_fen``;
    ``amounts_yuan`` the same in yuan), who paid, and the explanation."""

    setl_id: str | None
    mdtrt_id: str | None
    status: str
    previewed: bool
    person_id: int
    psn_no: str
    name: str
    certno: str
    insutype: str
    psn_type: str
    med_type: str | None
    institution: str | None
    settled_at: datetime
    acct_used_flag: bool
    amounts: dict[str, int]
    funds: list[FundLineOut]
    payers: list[PayerLineOut]
    explanation: ExplanationOut
    buyer_name: str | None
    reversed_at: datetime | None
    region: str | None

    @field_validator("amounts", mode="before")
    @classmethod
    def _fen_names(cls, value: Any) -> Any:
        """The service names amounts as ``setlinfo`` does (``medfee_sumamt``); here each ends in ``_fen``."""
        if isinstance(value, dict):
            return {key if key.endswith("_fen") else f"{key}_fen": amount for key, amount in value.items()}
        return value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amounts_yuan(self) -> dict[str, str]:
        """Every amount in yuan, named as in ``setlinfo`` (``medfee_sumamt``, ``acct_mulaid_pay`` …)."""
        return {key.removesuffix("_fen"): yuan(amount) for key, amount in self.amounts.items()}


# --- rules ------------------------------------------------------------------------------------------------------


class RegionOut(BaseModel):
    """A region code with its names, and whether gongji has a rules file for it."""

    code: str
    zh: str
    en: str
    has_rules: bool


class RuleSourceOut(_Out):
    """Where a value in effect comes from (read from the rule's trace): the region whose file set it, since when,
    and its reference."""

    region: str
    region_zh: str
    since: date
    end: date | None
    confidence: str
    reference_title: str
    reference_address: str


class RuleValueOut(BaseModel):
    """One parameter's value in effect (``null`` when neither the region nor its parents set it)."""

    parameter: str
    parameter_zh: str
    parameter_en: str
    value: Any
    value_text: str
    source: RuleSourceOut | None


class RegionRulesOut(BaseModel):
    """The values in effect for a region on a day, and the regions asked in turn."""

    region: str
    region_zh: str
    on: date
    chain: list[str]
    parameters: list[RuleValueOut]


# --- aggregates and the caller ------------------------------------------------------------------------------------


class SettlementMonthOut(_Out):
    """Settlements of one kind made in one region and month (no personal data)."""

    month: str
    region: str
    region_zh: str
    kind: str
    settlements: int
    reversed: int
    mutual_aid_settlements: int
    medfee_sumamt_fen: int
    hifp_pay_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def acct_mulaid_pay_yuan(self) -> str:
        """Mutual aid paid, in yuan."""
        return yuan(self.acct_mulaid_pay_fen)


class RelationTotalsOut(_Out):
    """Relations of a region by stored status."""

    region: str
    region_zh: str
    by_status: dict[str, int]
    total: int


class PrincipalOut(BaseModel):
    """Who the token is: its id, role, granted regions or institution."""

    token_id: int
    role: str
    role_zh: str
    regions: list[str]
    fixmedins_code: str | None
    label: str | None
