"""Visits, fee lines and settlements, with the explanation of each settlement."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    field_serializer,
    field_validator,
    model_validator,
)

from gongji.api.rest.models.common import Fen, Moment, PersonRef, RequestModel, ResponseModel, bounded_text, yuan
from gongji.api.rest.models.relations import RuleTraceOut
from gongji.domain.codes import Insutype, MedType
from gongji.domain.explanation import render
from gongji.domain.money import MAX_AMOUNT_FEN
from gongji.domain.wording import shown

__all__ = [
    "CancelFeesIn",
    "ExplanationOut",
    "FeeLineIn",
    "FeeLineOut",
    "FeesIn",
    "FundLineOut",
    "OpenVisitIn",
    "PayerLineOut",
    "PurseStepOut",
    "ReverseSettlementIn",
    "SettleIn",
    "SettlementOut",
    "StepOut",
    "VisitOut",
]


class OpenVisitIn(RequestModel):
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
    ipt_otp_no: Annotated[str, bounded_text(30)] | None = None
    buyer_name: Annotated[str, bounded_text(50)] | None = None
    buyer_certno: Annotated[str, StringConstraints(pattern=r"^[0-9Xx]{18}$")] | None = None


class FeeLineIn(RequestModel):
    """One fee line: quantity as decimal text (``"2"``, ``"0.5"``; negative for a return, naming the line)."""

    feedetl_sn: Annotated[str, bounded_text(30, min_length=1)]
    item_code: Annotated[str, bounded_text(50, min_length=1)]
    quantity: Annotated[str, StringConstraints(pattern=r"^-?[0-9]{1,7}(\.[0-9]{1,3})?$")]
    unit_price_fen: Fen
    item_name: Annotated[str, bounded_text(200)] | None = None
    fee_at: Moment | None = None
    returns_feedetl_sn: Annotated[str, bounded_text(30, min_length=1)] | None = None


class FeesIn(RequestModel):
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


class CancelFeesIn(RequestModel):
    """费用明细撤销: the lines named, or every line of the visit (``feedetl_sns`` omitted)."""

    feedetl_sns: (
        Annotated[list[Annotated[str, bounded_text(30, min_length=1)]], Field(min_length=1, max_length=500)] | None
    ) = None


class SettleIn(RequestModel):
    """预结算 / 结算 of a visit. ``acct_used_flag`` false pays nothing from any account; ``medfee_sumamt_fen``, when
    given, must equal the total of the uploaded fee lines."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"mdtrt_id": "130100000000000001"}]})

    mdtrt_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,30}$")]
    acct_used_flag: bool = True
    medfee_sumamt_fen: Fen | None = None
    use_wallet: bool = Field(
        True, description="用医保钱包支付（规则允许患者选择时）Pay from the patient's wallet, where she may choose"
    )


class ReverseSettlementIn(RequestModel):
    """结算撤销: why."""

    reason: Annotated[str, bounded_text(200, min_length=1)]


class FeeLineOut(ResponseModel):
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


class VisitOut(ResponseModel):
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


class StepOut(ResponseModel):
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


class PurseStepOut(ResponseModel):
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


class ExplanationOut(ResponseModel):
    """Why a bill was split as it was: the rule values read, the fund's steps, every account tried."""

    rules: list[RuleTraceOut]
    fund_steps: list[StepOut]
    purses: list[PurseStepOut]
    cash_fen: int


class PayerLineOut(ResponseModel):
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


class FundLineOut(ResponseModel):
    """A ``setldetail`` row: a fund or account that paid."""

    fund_pay_type: str
    fund_pay_type_name: str
    inscp_scp_amt_fen: int
    fund_payamt_fen: int


class SettlementOut(ResponseModel):
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
