"""Every rule parameter gongji reads, declared once with its type and unit.

The constants are typed (``Parameter[int]``), so code that asks the rule book for a value gets the right type back.
Names carry units: ``_fen`` amounts, ``_bp`` basis points, ``_count``, ``_days``, ``_years``.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from gongji.domain.codes import Insutype, MedType, RelationType
from gongji.rules.schema import (
    BasisPoints,
    BillPart,
    BindingProof,
    CapRow,
    Contribution,
    Days,
    DeductibleRow,
    Fen,
    Geography,
    Limit,
    Parameter,
    QuietHours,
    QuotaModel,
    RatioRow,
    ShareablePart,
    WalletPosition,
    Years,
    parameter,
)

__all__ = [
    "ACCOUNT_PAYABLE_BILL_PARTS",
    "ACCOUNT_PAYABLE_CONTRIBUTIONS",
    "ACCOUNT_PAYABLE_MED_TYPES",
    "ALLOWED_RELATIONS",
    "AUTHORISERS_PER_BENEFICIARY_COUNT",
    "AUTHORISER_INSUTYPES",
    "AUTHORISER_MAY_BE_BENEFICIARY",
    "AUTHORISER_MIN_BALANCE_FEN",
    "BENEFICIARY_INSUTYPES",
    "BINDING_AFTER_ADMISSION_PAYS_STAY",
    "BINDING_END_DATE_REQUIRED",
    "BINDING_PROOF",
    "BINDING_REQUEST_VALID_DAYS",
    "CATEGORY_B_SELF_PAY_DEFAULT_BP",
    "CHANGES_PER_YEAR_COUNT",
    "FACE_VERIFICATION_MIN_AGE_YEARS",
    "GEOGRAPHY",
    "MAX_BENEFICIARIES_AT_ONCE_COUNT",
    "MAX_BENEFICIARIES_LIFETIME_COUNT",
    "MIRROR_BINDING_REQUIRED",
    "MUTUAL_AID_ENABLED",
    "OWN_ACCOUNT_PAYS_FIRST",
    "PER_VISIT_CAP_FEN",
    "PHARMACY_PURCHASES_POOLED",
    "POOLING_ANNUAL_CAP_FEN",
    "POOLING_DEDUCTIBLE_FEN",
    "POOLING_RATIO_BP",
    "QUOTA_ANNUAL_SHARE_BP",
    "QUOTA_MODEL",
    "SHAREABLE_PART",
    "UNBINDING_NEEDS_BOTH_SIDES",
    "WAITING_PERIOD_DAYS",
    "WALLET_AUTO_RETURN_AT",
    "WALLET_ENABLED",
    "WALLET_PATIENT_CHOOSES",
    "WALLET_PAYER_POSITION",
    "WALLET_QUIET_HOURS",
    "WALLET_TAKE_BACK_ALLOWED",
    "WALLET_TRANSFERS_PER_DAY_COUNT",
    "WALLET_TRANSFER_MAX_FEN",
]

# --- who may bind whom -------------------------------------------------------------------------------------------

MUTUAL_AID_ENABLED: Parameter[bool] = parameter(
    "mutual_aid_enabled", bool, "开通家庭共济", "family mutual aid available"
)
ALLOWED_RELATIONS: Parameter[list[RelationType]] = parameter(
    "allowed_relations", list[RelationType], "可共济的亲属关系", "relations that may be bound"
)
AUTHORISER_INSUTYPES: Parameter[list[Insutype]] = parameter(
    "authoriser_insutypes", list[Insutype], "共济人须参加的险种", "insurance the authoriser must hold"
)
BENEFICIARY_INSUTYPES: Parameter[list[Insutype]] = parameter(
    "beneficiary_insutypes", list[Insutype], "被共济人须参加的险种", "insurance the beneficiary must hold"
)
MAX_BENEFICIARIES_AT_ONCE_COUNT: Parameter[Any] = parameter(
    "max_beneficiaries_at_once_count", Limit, "同时可绑定的亲属人数上限", "most relatives bound at once"
)
MAX_BENEFICIARIES_LIFETIME_COUNT: Parameter[Any] = parameter(
    "max_beneficiaries_lifetime_count", Limit, "累计可绑定的亲属人数上限", "most relatives bound over a lifetime"
)
AUTHORISERS_PER_BENEFICIARY_COUNT: Parameter[Any] = parameter(
    "authorisers_per_beneficiary_count",
    Limit,
    "每名被共济人可有的共济人数",
    "authorisers one beneficiary may have",
)
AUTHORISER_MAY_BE_BENEFICIARY: Parameter[bool] = parameter(
    "authoriser_may_be_beneficiary",
    bool,
    "共济人可否同时是被共济人",
    "an authoriser may also be a beneficiary",
)
GEOGRAPHY: Parameter[Geography] = parameter("geography", Geography, "共济地域范围", "where mutual aid reaches")
BINDING_PROOF: Parameter[BindingProof] = parameter(
    "binding_proof", BindingProof, "绑定所需证明", "what a binding needs"
)
MIRROR_BINDING_REQUIRED: Parameter[bool] = parameter(
    "mirror_binding_required", bool, "须双向绑定", "the relative must bind back (mirrored binding)"
)
UNBINDING_NEEDS_BOTH_SIDES: Parameter[bool] = parameter(
    "unbinding_needs_both_sides", bool, "解除绑定需双方确认", "ending a binding needs both sides"
)
FACE_VERIFICATION_MIN_AGE_YEARS: Parameter[int] = parameter(
    "face_verification_min_age_years", Years, "须人脸识别的最低年龄", "age from which face verification is needed"
)
WAITING_PERIOD_DAYS: Parameter[int] = parameter(
    "waiting_period_days", Days, "绑定后等待期（天）", "waiting period after binding (days)"
)
BINDING_AFTER_ADMISSION_PAYS_STAY: Parameter[bool] = parameter(
    "binding_after_admission_pays_stay",
    bool,
    "入院后绑定可否支付本次住院",
    "a binding made after admission may pay that stay",
)
BINDING_REQUEST_VALID_DAYS: Parameter[int] = parameter(
    "binding_request_valid_days",
    Days,
    "共济申请待确认的有效天数",
    "days a binding request waits for the relative's confirmation",
)
BINDING_END_DATE_REQUIRED: Parameter[bool] = parameter(
    "binding_end_date_required",
    bool,
    "绑定须载明起止日期",
    "a binding carries a start and an end date",
)
OWN_ACCOUNT_PAYS_FIRST: Parameter[bool] = parameter(
    "own_account_pays_first",
    bool,
    "先扣被共济人本人账户",
    "the beneficiary's own account pays before any authoriser's",
)
CHANGES_PER_YEAR_COUNT: Parameter[Any] = parameter(
    "changes_per_year_count", Limit, "每年可变更次数", "changes allowed per year"
)

# --- what the money may pay, and how much ------------------------------------------------------------------------

SHAREABLE_PART: Parameter[ShareablePart] = parameter(
    "shareable_part", ShareablePart, "可共济的账户部分", "part of the account that may be shared"
)
QUOTA_MODEL: Parameter[QuotaModel] = parameter("quota_model", QuotaModel, "共济额度方式", "how quotas work")
QUOTA_ANNUAL_SHARE_BP: Parameter[int] = parameter(
    "quota_annual_share_bp", BasisPoints, "每年可共济的余额比例", "share of the balance that may be used per year"
)
AUTHORISER_MIN_BALANCE_FEN: Parameter[int] = parameter(
    "authoriser_min_balance_fen", Fen, "共济人须保留的最低余额", "balance the authoriser must keep"
)
PER_VISIT_CAP_FEN: Parameter[dict[MedType, int]] = parameter(
    "per_visit_cap_fen", dict[MedType, Fen], "每次就诊共济支付上限", "most mutual aid pays per visit, by medical type"
)
ACCOUNT_PAYABLE_MED_TYPES: Parameter[list[MedType]] = parameter(
    "account_payable_med_types", list[MedType], "个人账户可支付的医疗类别", "medical types the account may pay"
)
ACCOUNT_PAYABLE_BILL_PARTS: Parameter[list[BillPart]] = parameter(
    "account_payable_bill_parts", list[BillPart], "个人账户可支付的费用部分", "bill parts the account may pay"
)
ACCOUNT_PAYABLE_CONTRIBUTIONS: Parameter[list[Contribution]] = parameter(
    "account_payable_contributions",
    list[Contribution],
    "个人账户可代缴的亲属缴费",
    "relatives' contributions the account may pay",
)

# --- the wallet (医保钱包) -----------------------------------------------------------------------------------------

WALLET_ENABLED: Parameter[bool] = parameter("wallet_enabled", bool, "开通医保钱包", "wallet available")
WALLET_TRANSFERS_PER_DAY_COUNT: Parameter[Any] = parameter(
    "wallet_transfers_per_day_count", Limit, "钱包每日转账次数上限", "wallet transfers per day"
)
WALLET_TRANSFER_MAX_FEN: Parameter[int] = parameter(
    "wallet_transfer_max_fen", Fen, "钱包单笔转账上限", "most one wallet transfer may move"
)
WALLET_QUIET_HOURS: Parameter[QuietHours] = parameter(
    "wallet_quiet_hours", QuietHours, "钱包不可转账时段", "hours with no wallet transfers"
)
WALLET_AUTO_RETURN_AT: Parameter[time] = parameter(
    "wallet_auto_return_at", time, "未接收转账退回时间", "when unaccepted transfers return"
)
WALLET_TAKE_BACK_ALLOWED: Parameter[bool] = parameter(
    "wallet_take_back_allowed", bool, "转出人可收回已接收的钱包余额", "the sender may take back an accepted balance"
)
WALLET_PAYER_POSITION: Parameter[WalletPosition] = parameter(
    "wallet_payer_position", WalletPosition, "医保钱包在支付顺序中的位置", "where the wallet pays in the payer order"
)
WALLET_PATIENT_CHOOSES: Parameter[bool] = parameter(
    "wallet_patient_chooses", bool, "每次结算由患者选择是否使用医保钱包", "the patient chooses per settlement"
)

# --- the pooling fund (for the bill split) -----------------------------------------------------------------------

POOLING_DEDUCTIBLE_FEN: Parameter[list[DeductibleRow]] = parameter(
    "pooling_deductible_fen", list[DeductibleRow], "统筹基金起付标准", "pooling fund deductible", local=True
)
POOLING_RATIO_BP: Parameter[list[RatioRow]] = parameter(
    "pooling_ratio_bp", list[RatioRow], "统筹基金支付比例", "pooling fund payment ratio", local=True
)
POOLING_ANNUAL_CAP_FEN: Parameter[list[CapRow]] = parameter(
    "pooling_annual_cap_fen", list[CapRow], "统筹基金年度最高支付限额", "pooling fund annual cap", local=True
)
PHARMACY_PURCHASES_POOLED: Parameter[bool] = parameter(
    "pharmacy_purchases_pooled",
    bool,
    "定点药店购药（41）由统筹基金支付",
    "the pooling fund pays for pharmacy purchases (med type 41)",
)
CATEGORY_B_SELF_PAY_DEFAULT_BP: Parameter[int] = parameter(
    "category_b_self_pay_default_bp", BasisPoints, "乙类先行自付比例（默认）", "category-B self-pay share (default)"
)
