"""Commands and views of visits and settlements: what clients send and what they get back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from gongji.domain.catalogue import MICRO_PER_FEN
from gongji.domain.codes import Insutype, MedType
from gongji.domain.visits import Diagnosis
from gongji.service.views import RuleTraceView

__all__ = [
    "EXPLANATION",
    "MAX_LINES_PER_UPLOAD",
    "BalanceAfterView",
    "CancelDischarge",
    "CancelFees",
    "CancelVisit",
    "DiagnosisView",
    "Discharge",
    "ExplanationView",
    "FeeInput",
    "FeeLineView",
    "FundLineView",
    "OpenVisit",
    "PayerLineView",
    "PurseStepView",
    "ReverseSettlement",
    "Settle",
    "SettlementView",
    "StepView",
    "UploadFees",
    "VisitView",
]


MAX_LINES_PER_UPLOAD = 500


@dataclass(frozen=True)
class OpenVisit:
    """门诊挂号 / 入院办理 / 药店购药: a visit of a person at an institution under a medical type."""

    person: str
    institution: str
    med_type: MedType
    begin_at: datetime | None = None
    insutype: Insutype | None = None
    ipt_otp_no: str | None = None
    buyer_name: str | None = None
    buyer_certno: str | None = None
    #: 入院诊断 (diseinfo of 2401), kept with the stay.
    diagnoses: tuple[Diagnosis, ...] = ()


@dataclass(frozen=True)
class Discharge:
    """出院办理: a stay ends (time and 出院方式) with its discharge diagnoses; it may then be settled."""

    mdtrt_id: str
    discharged_at: datetime | None = None
    way: str | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    institution: str | None = None


@dataclass(frozen=True)
class CancelDischarge:
    """出院撤销: a discharged stay not settled is open again (its discharge diagnoses are dropped)."""

    mdtrt_id: str
    institution: str | None = None


@dataclass(frozen=True)
class DiagnosisView:
    """A diagnosis of a visit, at admission or at discharge."""

    stage: str
    seq: int
    diag_type: str
    diag_code: str
    diag_name: str
    main: bool


@dataclass(frozen=True)
class FeeInput:
    """One fee line as the hospital system uploads it (quantity as text: ``"2"``, ``"0.5"``)."""

    feedetl_sn: str
    item_code: str
    quantity: str
    unit_price_fen: int
    item_name: str | None = None
    fee_at: datetime | None = None
    returns_feedetl_sn: str | None = None
    #: 收费批次 (``chrg_bchno``): the charge the line belongs to, settled on its own.
    chrg_bchno: str | None = None
    #: The exact unit price in millionths of a yuan, where it is finer than the fen (``pric`` has six decimals);
    #: ``unit_price_fen`` is then that price rounded.
    price_microyuan: int | None = None
    #: The line's amount as the hospital system rounded quantity × price (``det_item_fee_sumamt``), when it says.
    total_fen: int | None = None

    @property
    def unit_price_microyuan(self) -> int:
        """The unit price exactly, in millionths of a yuan."""
        return self.unit_price_fen * MICRO_PER_FEN if self.price_microyuan is None else self.price_microyuan


@dataclass(frozen=True)
class UploadFees:
    """费用明细上传."""

    mdtrt_id: str
    lines: tuple[FeeInput, ...]
    institution: str | None = None


@dataclass(frozen=True)
class CancelFees:
    """费用明细撤销: the named lines, or every line of the visit (of one charge batch, when it is named) that is not
    settled."""

    mdtrt_id: str
    feedetl_sns: tuple[str, ...] | None = None
    institution: str | None = None
    chrg_bchno: str | None = None


@dataclass(frozen=True)
class CancelVisit:
    """门诊挂号撤销 / 入院撤销: a visit not settled is cancelled with its fee lines."""

    mdtrt_id: str
    institution: str | None = None


@dataclass(frozen=True)
class ChangeVisit:
    """门诊就诊信息上传 (2203, ``stay`` false) / 入院信息变更 (2403, ``stay`` true): what the hospital records of a
    visit after registration; ``None`` keeps a value as it is, no diagnoses keeps those recorded."""

    mdtrt_id: str
    stay: bool
    institution: str | None = None
    med_type: MedType | None = None
    begin_at: datetime | None = None
    diagnoses: tuple[Diagnosis, ...] = ()


@dataclass(frozen=True)
class Settle:
    """结算 (or 预结算 when previewed): ``acct_used_flag`` false pays nothing from any account."""

    mdtrt_id: str
    acct_used_flag: bool = True
    #: The institution acting (the national interface's caller): it may settle only its own visits.
    institution: str | None = None
    #: The total the hospital system computed (``medfee_sumamt``): a settlement of another total is refused.
    medfee_sumamt_fen: int | None = None
    #: Pay from the patient's wallet (医保钱包) where she has one (asked only where the rules let her choose).
    use_wallet: bool = True
    #: 收费批次: settle the lines of this charge batch only (``None``: every line of the visit waiting).
    chrg_bchno: str | None = None
    #: 中途结算 (``mid_setl_flag`` 1): a stay's lines so far, before discharge; the stay goes on.
    mid_stay: bool = False
    #: What the hospital system says the visit is (``med_type``, ``insutype``): refused when the visit is another.
    med_type: str | None = None
    insutype: str | None = None
    #: The classified amounts the hospital system declares, by ``SetlInfo`` field (``inscp_scp_amt_fen``…):
    #: refused when gongji's own classification differs.
    declared: tuple[tuple[str, int], ...] = ()

    def request(self) -> dict[str, object]:
        """The fields that make two settlement requests the same one (idempotency), the later ones only when set so
        that keys stored before they existed replay as they were."""
        extra = {
            "use_wallet": self.use_wallet if not self.use_wallet else None,
            "chrg_bchno": self.chrg_bchno,
            "mid_stay": self.mid_stay or None,
            "med_type": self.med_type,
            "insutype": self.insutype,
            "declared": [list(pair) for pair in self.declared] or None,
        }
        return {
            "mdtrt_id": self.mdtrt_id.strip(),
            "acct_used_flag": self.acct_used_flag,
            "institution": self.institution,
            "medfee_sumamt_fen": self.medfee_sumamt_fen,
            **{name: value for name, value in extra.items() if value is not None},
        }


@dataclass(frozen=True)
class ReverseSettlement:
    """结算撤销."""

    setl_id: str
    reason: str
    institution: str | None = None


@dataclass(frozen=True)
class FeeLineView:
    """A classified fee line."""

    feedetl_sn: str
    item_code: str
    item_name: str
    quantity: str
    #: The unit price exact (millionths of a yuan) and rounded to the fen.
    unit_price_microyuan: int
    unit_price_fen: int
    total_fen: int
    fulamt_ownpay_fen: int
    overlmt_fen: int
    preselfpay_fen: int
    inscp_fen: int
    category: str | None
    cancelled: bool
    #: From the catalogue, when the item is in it: its kind, category B self-pay share and price cap.
    item_kind: str | None = None
    self_pay_bp: int | None = None
    price_cap_fen: int | None = None
    returns_feedetl_sn: str | None = None
    chrg_bchno: str | None = None
    #: Taken by a settlement (not reversed).
    settled: bool = False


@dataclass(frozen=True)
class VisitView:
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
    lines: list[FeeLineView]
    discharged_at: datetime | None = None
    discharge_way: str | None = None
    diagnoses: list[DiagnosisView] | None = None


@dataclass(frozen=True)
class StepView:
    """A step of an explanation: a code (a :class:`~gongji.domain.explanation.StepCode`, or for a skipped account the
    refusal's :class:`~gongji.domain.errors.ErrorCode`) and its parameters; rendered in words where it is shown."""

    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class PurseStepView:
    """One account tried in order: what it paid, or why it was skipped."""

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
    reason: StepView
    #: The limit that stopped it short of the bill (``balance``, ``keep``, ``quota``, ``visit_cap``), if any.
    limited_by: str | None = None
    #: The patient's wallet (医保钱包): the transfer whose money this step spent (the payer is its sender).
    wallet_transfer: int | None = None


@dataclass(frozen=True)
class ExplanationView:
    """Why the bill was split as it was: every rule value read, every step of the fund, every account tried."""

    rules: list[RuleTraceView]
    fund_steps: list[StepView]
    purses: list[PurseStepView]
    cash_fen: int


@dataclass(frozen=True)
class PayerLineView:
    """Who paid from a personal account (``setldetail`` extension and gongji's own record)."""

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
    #: Paid through the patient's wallet (医保钱包) from this transfer of the payer's.
    wallet_transfer_id: int | None = None


@dataclass(frozen=True)
class FundLineView:
    """A ``setldetail`` row: a fund or account that paid."""

    fund_pay_type: str
    fund_pay_type_name: str
    inscp_scp_amt_fen: int
    fund_payamt_fen: int


@dataclass(frozen=True)
class BalanceAfterView:
    """A person's personal account (历年 + 当年) in a region, as a reversal left it."""

    psn_no: str
    region: str
    balance_fen: int


@dataclass(frozen=True)
class SettlementView:
    """A settlement (or its preview): the national amounts, who paid, and the explanation."""

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
    funds: list[FundLineView]
    payers: list[PayerLineView]
    explanation: ExplanationView
    buyer_name: str | None = None
    reversed_at: datetime | None = None
    #: The pooling region that settled it (the clearing centre's region, 清算经办机构).
    region: str | None = None
    #: 起付标准 of the bill (known when it is computed: previews and fresh settlements).
    deductible_standard_fen: int | None = None
    #: For the answer to a reversal: the patient's and every payer's personal account as the reversal left them (the
    #: record keeps the balances after the settlement, which later movements may have made stale).
    balances_after_reversal: list[BalanceAfterView] | None = None
    #: The patient's 民族 code (``None`` when not recorded), and when the visit began and ended (ended: discharged,
    #: or ``None`` while it goes on): the national answers carry them (``naty``, ``begndate``, ``enddate``).
    naty: str | None = None
    visit_began_at: datetime | None = None
    visit_ended_at: datetime | None = None


EXPLANATION = TypeAdapter(ExplanationView)
