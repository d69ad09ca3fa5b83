"""The steps of a settlement's explanation, as codes with parameters — words are chosen where they are shown.

A step is what :class:`~gongji.domain.errors.ErrorCode` is to a refusal: a stable code, parameters, and a template
in Chinese and in English. The service stores and answers steps as data; the CLI, REST, the portal and the national
interface render them in the reader's language with :func:`render`. Parameters named ``*_fen`` are shown in yuan
(``{deductible}`` for ``deductible_fen``), ``*_bp`` as a percentage; a skipped account's step carries the refusal's
own code and parameters, rendered by its :class:`ErrorCode` template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from gongji.domain.errors import ErrorCode, GongjiError, render_error
from gongji.domain.money import format_yuan
from gongji.domain.regions import parse_region
from gongji.domain.wording import decode

__all__ = ["StepCode", "render"]


@dataclass(frozen=True)
class _Template:
    zh: str
    en: str


class StepCode(Enum):
    """Every kind of explanation step, with its templates."""

    DEDUCTIBLE = _Template(
        "起付标准 {deductible}（{per_zh}），本年已付 {paid}，本次起付 {applied}",
        "Deductible {deductible} ({per_en}), paid this year {paid}, applied now {applied}",
    )
    NO_DEDUCTIBLE = _Template(
        "规则未设定起付标准：按无起付线计算", "The rules set no deductible for this bill: none applies"
    )
    RATIO = _Template(
        "政策范围内 {inscp} − 起付 {applied} = {above}，按 {ratio} 支付 {before_cap}",
        "Policy range {inscp} − deductible {applied} = {above}, at {ratio}: {before_cap}",
    )
    PHARMACY_NOT_POOLED = _Template(
        "定点药店购药（41）统筹基金不支付（{region} 的规则），个人负担全部费用",
        "The pooling fund does not pay for pharmacy purchases (41) under the rules of {region}; the person bears "
        "the whole bill",
    )
    NO_CAP = _Template("规则未设定年度最高支付限额：不封顶", "The rules set no annual cap for this bill: none applies")
    CAP = _Template(
        "年度限额 {cap}，本年已支付 {paid}，统筹基金支付 {fund}",
        "Annual cap {cap}, paid this year {paid}: the fund pays {fund}",
    )
    ACCOUNT_NOT_USED = _Template(
        "本次不使用个人账户（acct_used_flag = 0）", "The account is not used this time (acct_used_flag = 0)"
    )
    ACCOUNT_SCOPE = _Template(
        "个人负担 {person_part}，其中个人账户可支付 {payable}（{region} 的个人账户支付范围），其余现金支付",
        "Person's part {person_part}, of which personal accounts may pay {payable} (the account scope of "
        "{region}); the rest is cash",
    )
    NO_OWN_ACCOUNT = _Template(
        "{name} 本人没有职工医保个人账户，由共济人账户按顺序支付",
        "{name} has no personal account of her or his own; authorisers pay in order",
    )
    PAID = _Template(
        "支付 {paid}（历年 {prior}，当年 {current}）", "Paid {paid} (prior years {prior}, current year {current})"
    )
    PAID_LIMITED = _Template(
        "支付 {paid}（历年 {prior}，当年 {current}）；受{limit_zh}限制，可用额 {available} 已用尽",
        "Paid {paid} (prior years {prior}, current year {current}); limited by {limit_en}: its available "
        "{available} is used up",
    )
    WALLET_PAID = _Template(
        "经医保钱包支付 {paid}：{payer} 的转账 {transfer} 中预留在其个人账户（{region}）的额度，余 {left}",
        "Paid {paid} through the wallet (医保钱包): from {payer}'s transfer {transfer}, reserved in their personal "
        "account ({region}); {left} left",
    )
    WALLET_NOT_CHOSEN = _Template(
        "本次未选择使用医保钱包支付", "The patient chose not to pay with the wallet (医保钱包) this time"
    )
    NOTHING_LEFT = _Template("无需支付：前序账户已付清可由个人账户支付的部分", "Nothing left for accounts to pay")
    NOTHING_AVAILABLE = _Template("可用额为零（受{limit_zh}限制）", "Nothing available (limited by {limit_en})")
    SKIPPED = _Template("跳过：{reason}", "Skipped: {reason}")
    CONTRIBUTION = _Template(
        "{year} 年度{kind_zh} {amount}，由共济人账户一次缴清",
        "{kind_en} for {year}, {amount}, paid in full from the authoriser's account",
    )
    CLAIM_PAYOUT = _Template(
        "手工报销：参保人已全额垫付，基金与账户支付部分退付参保人",
        "Manual reimbursement: the person paid in full; the fund's and accounts' shares are paid out to them",
    )


#: What limited an account, in words (the ``limit`` parameter of PAID_LIMITED and NOTHING_AVAILABLE).
_LIMITS = {
    "balance": ("可共济余额", "the shareable balance"),
    "keep": ("须保留的最低余额", "the balance he must keep"),
    "quota": ("共济额度", "the quota"),
    "visit_cap": ("每次就诊共济支付上限", "the per-visit cap on mutual aid"),
}

_CONTRIBUTIONS = {
    "resident_basic": ("城乡居民医保个人缴费", "the resident insurance contribution"),
    "long_term_care": ("长期护理保险个人缴费", "the long-term care contribution"),
}

_PER = {"year": ("每年", "once a year"), "visit": ("每次住院", "per admission")}


def _shown(params: Mapping[str, Any], lang: Literal["zh", "en"]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name.endswith("_fen") and isinstance(value, int):
            shown[name.removesuffix("_fen")] = format_yuan(value)
        elif name.endswith("_bp") and isinstance(value, int):
            shown[name.removesuffix("_bp")] = f"{value / 100:g}%"
        else:
            shown[name] = value
    if "limit" in params:
        zh, en = _LIMITS.get(str(params["limit"]), (str(params["limit"]), str(params["limit"])))
        shown["limit_zh"], shown["limit_en"] = zh, en
    if "region" in params:
        shown["region"] = _region(str(params["region"]), lang)
    if "kind" in params:
        shown["kind_zh"], shown["kind_en"] = _CONTRIBUTIONS.get(str(params["kind"]), (params["kind"], params["kind"]))
    if "per" in params:
        shown["per_zh"], shown["per_en"] = _PER.get(str(params["per"]), ("", ""))
    return shown


def _region(code: str, lang: Literal["zh", "en"]) -> str:
    """A region code with its name ("130100 石家庄市", "100000 national rules")."""
    try:
        region = parse_region(code)
    except GongjiError:
        return code
    return f"{code} {region.zh if lang == 'zh' else region.en}"


def render(code: str, params: Mapping[str, Any], lang: Literal["zh", "en"]) -> str:
    """A step (or a skipped account's refusal, by its :class:`ErrorCode` name) in Chinese or English."""
    if code in StepCode.__members__:
        template: _Template = StepCode[code].value
        return (template.zh if lang == "zh" else template.en).format(**_shown(params, lang))
    reason = render_error(ErrorCode[code], {name: decode(value) for name, value in params.items()}, lang)
    skipped: _Template = StepCode.SKIPPED.value
    return (skipped.zh if lang == "zh" else skipped.en).format(reason=reason)
