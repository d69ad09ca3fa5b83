"""Errors that gongji shows to people and to client systems.

Every error the engine raises on purpose carries a stable ``code`` (an :class:`ErrorCode`), the parameters
that explain it, and a message in Chinese and English built from those parameters. The code is what client
systems branch on; the messages are what a person at the counter reads.

Class hierarchy::

    GongjiError                 any deliberate error; code + params + zh/en message
    ├── InvalidInput            the request itself is malformed (a bad amount, a bad ID number, an unknown code)
    ├── NotFound                the request names something that does not exist (a person, a journal)
    ├── Refused                 a business rule says no (not insured, balance too low, already reversed)
    └── Conflict                the request clashes with an earlier one (same idempotency key, other request)

Nothing is ever half-written when one of these is raised: the unit of work rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from gongji.domain.wording import Lang, Text, code_of, decode, encode, fold_pairs, is_term, localise, shown

__all__ = [
    "Conflict",
    "ErrorCode",
    "ErrorKind",
    "GongjiError",
    "InvalidInput",
    "NotFound",
    "Refused",
    "render_error",
]


class ErrorKind(Enum):
    """Which family of error a code belongs to; decides the exception class and the HTTP status later."""

    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    REFUSED = "refused"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class _Text:
    kind: ErrorKind
    zh: str
    en: str


class ErrorCode(Enum):
    """Stable error codes with their Chinese and English message templates (``str.format`` fields)."""

    # --- input ---------------------------------------------------------------------------------------
    AMOUNT_INVALID = _Text(
        ErrorKind.INVALID_INPUT, "金额“{value}”无效：{reason}", "Amount '{value}' is invalid: {reason}"
    )
    ID_NUMBER_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "身份证号码“{value}”无效：{reason}",
        "ID number '{value}' is invalid: {reason}",
    )
    CODE_UNKNOWN = _Text(
        ErrorKind.INVALID_INPUT,
        "{code_list}代码“{value}”不存在",
        "Unknown {code_list} code '{value}'",
    )
    FIELD_INVALID = _Text(ErrorKind.INVALID_INPUT, "{field}无效：{reason}", "{field} is invalid: {reason}")
    IDEMPOTENCY_KEY_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "幂等键无效：须为 1 到 128 个可见字符",
        "Idempotency key is invalid: it must be 1 to 128 visible characters",
    )
    STATEMENT_PERIOD_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "对账期间 {begin} 至 {end} 无效：{reason}",
        "Statement period {begin} to {end} is invalid: {reason}",
    )
    # --- not found -----------------------------------------------------------------------------------
    PERSON_NOT_FOUND = _Text(ErrorKind.NOT_FOUND, "查无此人：{ref}", "No such person: {ref}")
    ENROLLMENT_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "{ref} 没有险种 {insutype} 的有效参保记录",
        "{ref} has no current enrollment in insurance type {insutype}",
    )
    ACCOUNT_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "{ref} 在统筹区 {region} 没有{account}",
        "{ref} has no {account} in pooling region {region}",
    )
    JOURNAL_NOT_FOUND = _Text(ErrorKind.NOT_FOUND, "查无此记账凭证：{journal_id}", "No such journal: {journal_id}")
    # --- refusals ------------------------------------------------------------------------------------
    PERSON_ALREADY_REGISTERED = _Text(
        ErrorKind.REFUSED,
        "身份证号码 {certno} 已登记（人员编号 {psn_no}）",
        "ID number {certno} is already registered (person number {psn_no})",
    )
    PERSON_DETAILS_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "填写的{field}与身份证号码不符：证件为 {from_id}，填写为 {given}",
        "The {field} given does not match the ID number: the number says {from_id}, the request says {given}",
    )
    PERSON_DECEASED = _Text(
        ErrorKind.REFUSED,
        "{ref} 已于 {on} 身故，不能办理此业务",
        "{ref} died on {on}; this cannot be done for them",
    )
    ALREADY_ENROLLED = _Text(
        ErrorKind.REFUSED,
        "{ref} 已参加{insutype}（统筹区 {region}），不能重复参保",
        "{ref} is already enrolled in {insutype} (pooling region {region}); duplicate enrollment is refused",
    )
    ENROLLMENT_STATUS_WRONG = _Text(
        ErrorKind.REFUSED,
        "{ref} 的参保状态为“{status}”，不能{action}",
        "{ref}'s enrollment is {status}; cannot {action}",
    )
    ENROLLMENT_DATE_INVALID = _Text(
        ErrorKind.REFUSED,
        "日期 {on} 早于该参保记录最近一次变更日期 {last}",
        "Date {on} is before the enrollment's last change on {last}",
    )
    SAME_POOLING_REGION = _Text(
        ErrorKind.REFUSED,
        "{ref} 已在统筹区 {region} 参保，无需转移",
        "{ref} is already insured in pooling region {region}; nothing to move",
    )
    NOT_AN_EMPLOYEE = _Text(
        ErrorKind.REFUSED,
        "{ref} 未参加职工基本医疗保险，没有个人账户",
        "{ref} is not insured in employee basic medical insurance (310) and has no personal account",
    )
    CONTRIBUTION_PART_INVALID = _Text(
        ErrorKind.REFUSED,
        "缴费划入只能记入当年账户；历年账户只接受期初余额迁移",
        "Contributions go into the current-year part only; the prior-years part accepts only opening balances",
    )
    INSUFFICIENT_BALANCE = _Text(
        ErrorKind.REFUSED,
        "{account}余额不足：余额 {balance}，需 {needed}",
        "Insufficient balance in {account}: balance {balance}, needs {needed}",
    )
    JOURNAL_ALREADY_REVERSED = _Text(
        ErrorKind.REFUSED,
        "记账凭证 {journal_id} 已被凭证 {reversal_id} 冲销，不能再次冲销",
        "Journal {journal_id} was already reversed by journal {reversal_id}; it cannot be reversed twice",
    )
    JOURNAL_NOT_REVERSIBLE = _Text(
        ErrorKind.REFUSED,
        "记账凭证 {journal_id}（{kind}）不能冲销：{reason}",
        "Journal {journal_id} ({kind}) cannot be reversed: {reason}",
    )
    FUND_RULES_MISSING = _Text(
        ErrorKind.REFUSED,
        "gongji 尚无统筹区 {region} 在 {on} 适用于{category}{med_type}（{med_type_code}，{level}）的"
        "统筹基金支付规则，不能计算本次结算；请补充该地区规则数据后再结算",
        "gongji has no pooling-fund rule of region {region} on {on} for {category}, {med_type_code} {med_type} "
        "({level}): the bill cannot be split until the region's rules are added",
    )
    RULE_MISSING = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 在 {on} 没有规则“{parameter}”（{parameter_code}），本地及上级规则均未设定",
        "No rule '{parameter}' ({parameter_code}) for region {region} on {on}: "
        "neither the region, its province nor the national rules set it",
    )
    ROLLOVER_YEAR_INVALID = _Text(
        ErrorKind.REFUSED,
        "不能结转 {year} 年：今天是 {today}，只能结转已开始的年度",
        "Cannot roll over into {year}: today is {today}; only a year that has begun can be rolled over into",
    )
    # --- mutual-aid relations ----------------------------------------------------------------------------------
    RELATION_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND, "查无此共济关系：{relation_id}", "No such mutual-aid relation: {relation_id}"
    )
    PROXY_LINK_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "{owner} 与 {relative} 之间没有亲情账户",
        "There is no proxy link from {owner} to {relative}",
    )
    MUTUAL_AID_NOT_AVAILABLE = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 在 {on} 未开通家庭共济",
        "Family mutual aid is not available in region {region} on {on}",
    )
    SELF_RELATION = _Text(ErrorKind.REFUSED, "不能与本人建立共济关系", "A person cannot be bound to themselves")
    AUTHORISER_NOT_ELIGIBLE = _Text(
        ErrorKind.REFUSED,
        "{name} 不能作为共济人：须参加{insutypes}且参保状态正常（当前：{found}）",
        "{name} cannot authorise: an authoriser must hold {insutypes} in normal status (found: {found})",
    )
    BENEFICIARY_NOT_INSURED = _Text(
        ErrorKind.REFUSED,
        "{name} 未参加{insutypes}，不能被共济",
        "{name} is not insured in {insutypes} and cannot be a beneficiary",
    )
    BENEFICIARY_STATUS_NOT_NORMAL = _Text(
        ErrorKind.REFUSED,
        "{name} 的参保状态为“{status}”，不能被共济",
        "{name}'s enrollment is {status}; a beneficiary must be in normal status",
    )
    RELATION_TYPE_NOT_ALLOWED = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 在 {on} 不允许与{relation}共济（允许：{allowed}）",
        "Region {region} does not allow mutual aid with a {relation} on {on} (allowed: {allowed})",
    )
    RELATION_INCONSISTENT = _Text(
        ErrorKind.REFUSED, "亲属关系不成立：{reason}", "The relation cannot be true: {reason}"
    )
    BENEFICIARY_LIMIT_REACHED = _Text(
        ErrorKind.REFUSED,
        "{name} 同时最多可为 {limit} 位亲属共济，已有 {count} 位（含待确认）",
        "{name} may bind at most {limit} relatives at once and already has {count} (pending included)",
    )
    LIFETIME_LIMIT_REACHED = _Text(
        ErrorKind.REFUSED,
        "{name} 累计最多可为 {limit} 位亲属共济，已达上限",
        "{name} may bind at most {limit} different relatives over time and has reached that",
    )
    BENEFICIARY_ALREADY_BOUND = _Text(
        ErrorKind.REFUSED,
        "{name} 已由 {other} 共济；统筹区 {region} 每人只能有 {limit} 位共济人",
        "{name} is already a beneficiary of {other}; region {region} allows {limit} authoriser(s) per person",
    )
    AUTHORISER_ALSO_BENEFICIARY = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 规定共济人不能同时是被共济人：{name} 已{role}",
        "Region {region} does not let an authoriser also be a beneficiary: {name} already {role}",
    )
    GEOGRAPHY_NOT_OPEN = _Text(
        ErrorKind.REFUSED,
        "{a_region}与{b_region}之间未开通共济（{rule_region} 规定：{geography}）；跨省可使用医保钱包",
        "Mutual aid is not open between {a_region} and {b_region} ({rule_region}: {geography}); "
        "across provinces use the wallet (医保钱包)",
    )
    CHANGES_LIMIT_REACHED = _Text(
        ErrorKind.REFUSED,
        "{name} 本年度已变更共济关系 {count} 次，统筹区 {region} 每年最多 {limit} 次",
        "{name} has changed relations {count} times this year; region {region} allows {limit} a year",
    )
    DUPLICATE_RELATION = _Text(
        ErrorKind.REFUSED,
        "{authoriser} 与 {beneficiary} 之间已有共济关系或待确认的申请（编号 {relation_id}）",
        "{authoriser} and {beneficiary} already have a relation or a pending request (number {relation_id})",
    )
    PROOF_MISSING = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 绑定须提供{proof}",
        "Region {region} needs {proof} for a binding",
    )
    END_DATE_REQUIRED = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 的共济关系须载明终止日期",
        "Region {region} requires a binding to state its end date",
    )
    RELATION_NOT_PENDING = _Text(
        ErrorKind.REFUSED,
        "共济关系 {relation_id} 当前为“{state}”，不能{action}",
        "Relation {relation_id} is {state}; cannot {action}",
    )
    REQUEST_EXPIRED = _Text(
        ErrorKind.REFUSED,
        "共济申请 {relation_id} 已于 {expired_at} 过期，请重新申请",
        "Request {relation_id} expired on {expired_at}; make a new request",
    )
    NOT_A_PARTY = _Text(
        ErrorKind.REFUSED,
        "{name} 不是共济关系 {relation_id} 的{role}",
        "{name} is not the {role} of relation {relation_id}",
    )
    GUARDIAN_REQUIRED = _Text(
        ErrorKind.REFUSED,
        "{name} 未满 {age} 周岁，须由监护人确认",
        "{name} is under {age}; a guardian must confirm",
    )
    GUARDIAN_NOT_ADULT = _Text(ErrorKind.REFUSED, "监护人 {name} 未成年", "The guardian {name} is not an adult")
    NOT_A_GUARDIAN = _Text(
        ErrorKind.REFUSED,
        "{name} 不是未成年人 {minor} 的监护人：须由其父母（以家庭已有的共济关系为据）确认，"
        "或由为自己子女绑定的共济人及其配偶确认",
        "{name} is not a guardian of the minor {minor}: his parents (as the family's relations state them) confirm, or "
        "the authoriser binding his own child, or that authoriser's spouse",
    )
    FACE_VERIFICATION_REQUIRED = _Text(
        ErrorKind.REFUSED,
        "{name} 已满 {age} 周岁，确认须通过人脸识别",
        "{name} is {age} or older and must confirm with face verification",
    )
    FACE_VERIFICATION_FAILED = _Text(
        ErrorKind.REFUSED, "{name} 人脸识别未通过：{reason}", "Face verification of {name} failed: {reason}"
    )
    ORDER_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "顺序须恰好列出 {name} 的全部有效共济人：{expected}",
        "The order must list exactly {name}'s current authorisers: {expected}",
    )
    QUOTA_NOT_PER_RELATION = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 的共济额度为“{model}”，不能按单个亲属设定",
        "Region {region} uses '{model}' quotas; a quota cannot be set per relative",
    )
    PROXY_LINK_EXISTS = _Text(
        ErrorKind.REFUSED, "{owner} 已有 {relative} 的亲情账户", "{owner} already has a proxy link to {relative}"
    )
    MIRROR_BINDING_IMPOSSIBLE = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 要求双向绑定，而 {beneficiary} 不能反向为 {authoriser} 共济，此绑定永远不能支付：{reason}",
        "Region {region} requires both sides to bind each other, and {beneficiary} can never bind {authoriser} in "
        "return, so this binding could never pay: {reason}",
    )
    SELF_CONFIRMATION_REQUIRED = _Text(
        ErrorKind.REFUSED,
        "{name} 已满 {age} 周岁，须本人办理（确认时本人人脸识别），监护人不能代为确认或拒绝",
        "{name} is {age} or older and answers the request himself (confirming with his own face verification); "
        "a guardian cannot confirm or decline for him",
    )
    NOT_PATIENT_OR_GUARDIAN = _Text(
        ErrorKind.REFUSED,
        "{name} 不能调整 {patient} 的扣款顺序：只有 {patient} 本人或其监护人（未成年时）可以调整",
        "{name} cannot reorder {patient}'s payers: only {patient} himself, or his guardian while he is a minor, may",
    )
    # --- why a relative's account cannot pay (the dry run lists every one that applies) ------------------------
    NO_RELATION = _Text(
        ErrorKind.REFUSED,
        "{payer} 与 {patient} 之间没有共济关系",
        "There is no mutual-aid relation from {payer} to {patient}",
    )
    PROXY_LINK_IS_NOT_MUTUAL_AID = _Text(
        ErrorKind.REFUSED,
        "{payer} 与 {patient} 之间只有亲情账户：亲情账户只能代为展码、查看记录，不共享个人账户资金；"
        "请另行办理家庭共济绑定",
        "{payer} and {patient} only share a proxy link (亲情账户): it shows the e-voucher and records but shares no "
        "money; bind them for family mutual aid (家庭共济) as well",
    )
    RELATION_NOT_CONFIRMED = _Text(
        ErrorKind.REFUSED,
        "共济申请 {relation_id} 尚未经 {patient} 确认",
        "Request {relation_id} has not been confirmed by {patient}",
    )
    RELATION_NOT_YET_EFFECTIVE = _Text(
        ErrorKind.REFUSED,
        "共济关系 {relation_id} 在等待期内，{effective_from} 起生效",
        "Relation {relation_id} is in its waiting period and takes effect on {effective_from}",
    )
    RELATION_ENDED = _Text(
        ErrorKind.REFUSED,
        "共济关系 {relation_id} 已于 {ended_at} 解除：{reason}",
        "Relation {relation_id} ended on {ended_at}: {reason}",
    )
    MIRROR_BINDING_MISSING = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 要求双向绑定：{patient} 尚未绑定 {payer}",
        "Region {region} requires mirrored binding: {patient} has not bound {payer} in return",
    )
    SHARED_QUOTA_EXHAUSTED = _Text(
        ErrorKind.REFUSED,
        "{payer} 为全部被共济亲属设定的本年度共济总额度 {quota} 已用完（已用 {used}）",
        "The {quota} quota {payer} set for all his relatives together this year is used up ({used} used)",
    )
    ANNUAL_SHARE_EXHAUSTED = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 规定 {payer} 每年可共济的金额为其{base} 的 {share}，即 {quota}，本年已用完（已用 {used}）",
        "Region {region} lets {payer} share {share} of his {base} each year, {quota}; this year's is used up "
        "({used} used)",
    )
    AUTHORISER_BALANCE_ZERO = _Text(
        ErrorKind.REFUSED,
        "{payer} 可共济的个人账户余额为零（{part}）",
        "{payer}'s shareable personal-account balance is zero ({part})",
    )
    BALANCE_BELOW_MINIMUM = _Text(
        ErrorKind.REFUSED,
        "{payer} 的个人账户余额 {balance} 不高于须保留的 {minimum}（统筹区 {region}）",
        "{payer}'s balance {balance} does not exceed the {minimum} that region {region} makes them keep",
    )
    QUOTA_EXHAUSTED = _Text(
        ErrorKind.REFUSED,
        "{payer} 为 {patient} 设定的本年度共济额度 {quota} 已用完",
        "The {quota} quota {payer} set for {patient} this year is used up",
    )
    OUTSIDE_ACCOUNT_SCOPE = _Text(
        ErrorKind.REFUSED,
        "{what}不在统筹区 {region} 个人账户支付范围内",
        "{what} is outside what the personal account may pay in region {region}",
    )
    # --- institutions and catalogue ---------------------------------------------------------------------------
    INSTITUTION_EXISTS = _Text(
        ErrorKind.REFUSED,
        "定点医药机构编码 {fixmedins_code} 已登记（{name}）",
        "Institution code {fixmedins_code} is already registered ({name})",
    )
    INSTITUTION_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND, "查无此定点医药机构：{fixmedins_code}", "No such designated institution: {fixmedins_code}"
    )
    CATALOGUE_ITEM_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "医保目录中没有编码为 {item_code} 的项目",
        "The catalogue has no item with code {item_code}",
    )
    CATALOGUE_FILE_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "目录文件 {source} 不能导入：{reason}",
        "Catalogue file {source} cannot be imported: {reason}",
    )
    CATALOGUE_HEADER_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "目录文件 {source} 第 {line} 行表头有误，整个文件未导入：{reason}",
        "The header on line {line} of catalogue file {source} is wrong; nothing was imported: {reason}",
    )
    # --- visits and settlements -----------------------------------------------------------------------------
    VISIT_NOT_FOUND = _Text(ErrorKind.NOT_FOUND, "查无此就诊：{mdtrt_id}", "No such visit: {mdtrt_id}")
    SETTLEMENT_NOT_FOUND = _Text(ErrorKind.NOT_FOUND, "查无此结算：{setl_id}", "No such settlement: {setl_id}")
    NOT_A_STAY = _Text(
        ErrorKind.REFUSED,
        "就诊 {mdtrt_id} 的医疗类别为“{med_type}”，不是住院，不能{action}",
        "Visit {mdtrt_id} is {med_type}, not a hospital stay; cannot {action}",
    )
    STAY_NOT_DISCHARGED = _Text(
        ErrorKind.REFUSED,
        "住院 {mdtrt_id} 尚未办理出院（2402），不能出院结算；在院期间可中途结算（mid_setl_flag=1）",
        "Stay {mdtrt_id} is not discharged yet (2402): no final settlement; a mid-stay one (mid_setl_flag=1) is",
    )
    STAY_ALREADY_DISCHARGED = _Text(
        ErrorKind.REFUSED,
        "住院 {mdtrt_id} 已于 {discharged_at} 办理出院",
        "Stay {mdtrt_id} was discharged at {discharged_at}",
    )
    DISCHARGE_BEFORE_ADMISSION = _Text(
        ErrorKind.INVALID_INPUT,
        "出院时间 {discharged_at} 早于入院时间 {admitted_at}",
        "Discharge time {discharged_at} is before admission at {admitted_at}",
    )
    BILL_TOTAL_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "医疗费总额 {expected} 元与就诊 {mdtrt_id} 已上传明细合计 {actual} 元不符",
        "The total {expected} yuan differs from the {actual} yuan of the fee lines of visit {mdtrt_id}",
    )
    VISIT_OF_OTHER_INSTITUTION = _Text(
        ErrorKind.REFUSED,
        "{mdtrt_id} 不属于定点医药机构 {fixmedins_code}，不能{action}",
        "{mdtrt_id} does not belong to institution {fixmedins_code}; cannot {action}",
    )
    VISIT_NOT_OPEN = _Text(
        ErrorKind.REFUSED,
        "就诊 {mdtrt_id} 状态为“{status}”，不能{action}",
        "Visit {mdtrt_id} is {status}; cannot {action}",
    )
    PATIENT_NOT_INSURED = _Text(
        ErrorKind.REFUSED,
        "{name} 没有正常参保的{insutype}，不能按医保结算",
        "{name} holds no {insutype} in normal status; the visit cannot be settled by insurance",
    )
    INSTITUTION_KIND_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "{institution} 是{kind}，不能办理{med_type}",
        "{institution} is a {kind} and cannot take {med_type}",
    )
    FEE_LINE_DUPLICATE = _Text(
        ErrorKind.REFUSED,
        "费用明细流水号 {feedetl_sn} 已上传",
        "Fee line {feedetl_sn} was already uploaded",
    )
    FEE_RETURN_INVALID = _Text(
        ErrorKind.REFUSED,
        "退费明细 {feedetl_sn} 无效：{reason}",
        "Return line {feedetl_sn} is invalid: {reason}",
    )
    EMPTY_BILL = _Text(ErrorKind.REFUSED, "就诊 {mdtrt_id} 没有可结算的费用", "Visit {mdtrt_id} has no fees to settle")
    SETTLEMENT_ALREADY_REVERSED = _Text(
        ErrorKind.REFUSED,
        "结算 {setl_id} 已于 {reversed_at} 撤销，不能再次撤销",
        "Settlement {setl_id} was already reversed on {reversed_at}; it cannot be reversed twice",
    )
    BINDING_AFTER_ADMISSION = _Text(
        ErrorKind.REFUSED,
        "共济关系 {relation_id} 于 {confirmed_at} 生效，晚于入院时间 {admitted_at}；"
        "统筹区 {region} 规定入院后绑定不能支付本次住院",
        "Relation {relation_id} took effect on {confirmed_at}, after admission on {admitted_at}; region {region} "
        "does not let a binding made after admission pay that stay",
    )
    # --- suspension and contributions ----------------------------------------------------------------------
    SETTLEMENT_SUSPENDED = _Text(
        ErrorKind.REFUSED,
        "{name} 的联网结算已于 {since} 起暂停（{reason}），请先到医保经办机构办理恢复",
        "{name}'s networked settlement is suspended since {since} ({reason}); it must be lifted at the agency first",
    )
    ALREADY_SUSPENDED = _Text(
        ErrorKind.REFUSED,
        "{name} 的联网结算已处于暂停中（自 {since} 起）",
        "{name}'s networked settlement is already suspended (since {since})",
    )
    SUSPENSION_NOT_FOUND = _Text(ErrorKind.NOT_FOUND, "{name} 没有生效中的暂停", "{name} has no suspension in force")
    CONTRIBUTION_NOT_COVERED = _Text(
        ErrorKind.REFUSED,
        "{payer} 可用于共济的余额 {available} 不足以缴纳 {amount}（缴费须一次缴清）",
        "{payer} has {available} available for mutual aid, not enough for the {amount} contribution "
        "(paid in full or not at all)",
    )
    CONTRIBUTION_BENEFICIARY_NOT_ENROLLED = _Text(
        ErrorKind.REFUSED,
        "{name} 未参加{insutype}，不能为其缴纳该险种个人缴费",
        "{name} is not enrolled in {insutype}; its contribution cannot be paid for them",
    )
    CLAIM_RECEIPT_USED = _Text(
        ErrorKind.REFUSED,
        "票据 {issuer} {receipt_no} 已在报销单 {claim_id} 中使用，不能重复报销",
        "Receipt {receipt_no} of {issuer} was already used in claim {claim_id}; it cannot be claimed twice",
    )
    CLAIM_NOTHING_PAYABLE = _Text(
        ErrorKind.REFUSED,
        "报销单无可退付金额：医疗费 {total} 中统筹基金与个人账户（含共济）均无可支付部分（可用 gongji settle explain "
        "查看原因）；票据未使用",
        "Nothing in this claim is reimbursable: of the {total} bill neither the fund nor any personal account can pay "
        "anything; the receipts stay unused",
    )
    # --- access to the national interface (FSI) -------------------------------------------------------------
    FSI_CREDENTIALS_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "定点医药机构 {fixmedins_code} 尚无接口凭证，"
        "请先签发（gongji institution credentials {fixmedins_code} --rotate）",
        "Institution {fixmedins_code} has no interface credentials yet; issue them first "
        "(gongji institution credentials {fixmedins_code} --rotate)",
    )
    FSI_NOT_SIGNED_IN = _Text(
        ErrorKind.REFUSED,
        "签到编号“{sign_no}”无效，定点医药机构 {fixmedins_code} 须先签到（9001）",
        "Sign-in number '{sign_no}' is unknown; institution {fixmedins_code} must sign in (9001) first",
    )
    FSI_SIGN_NO_OF_OTHER_INSTITUTION = _Text(
        ErrorKind.REFUSED,
        "签到编号 {sign_no} 不属于定点医药机构 {fixmedins_code}，请以本机构重新签到（9001）",
        "Sign-in number {sign_no} does not belong to institution {fixmedins_code}; sign in (9001) as this institution",
    )
    # --- gongji's own API (REST): tokens, roles and what a token may touch ------------------------------------
    API_TOKEN_MISSING = _Text(
        ErrorKind.REFUSED,
        "缺少 API 令牌：请在 Authorization 请求头中以 Bearer 方式提供",
        "No API token: send one in the Authorization header as a Bearer token",
    )
    API_TOKEN_INVALID = _Text(ErrorKind.REFUSED, "API 令牌无效或已吊销", "The API token is unknown or has been revoked")
    API_TOKEN_NOT_FOUND = _Text(ErrorKind.NOT_FOUND, "查无此 API 令牌：{token_id}", "No such API token: {token_id}")
    ROLE_NOT_ALLOWED = _Text(
        ErrorKind.REFUSED,
        "{role}（{role_code}）令牌不能{action}",
        "A token of role {role} ({role_code}) cannot {action}",
    )
    REGION_NOT_GRANTED = _Text(
        ErrorKind.REFUSED,
        "令牌未获统筹区 {region} 的授权（已授权：{granted}），不能{action}",
        "The token is not granted pooling region {region} (granted: {granted}); cannot {action}",
    )
    INSTITUTION_NOT_GRANTED = _Text(
        ErrorKind.REFUSED,
        "令牌属于定点医药机构 {own}，不能为 {other} {action}",
        "The token belongs to institution {own}; it cannot {action} for {other}",
    )
    IDEMPOTENCY_KEY_MISSING = _Text(
        ErrorKind.INVALID_INPUT,
        "写操作须带 Idempotency-Key 请求头（1 到 128 个可见字符）",
        "A write needs an Idempotency-Key header (1 to 128 visible characters)",
    )
    REQUEST_BODY_TOO_LARGE = _Text(
        ErrorKind.INVALID_INPUT,
        "请求体过大：上限 {limit} 字节，请求未被读取",
        "The request body is too large: at most {limit} bytes; it was not read",
    )
    REQUEST_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "请求不符合接口定义（{count} 处）：{fields}",
        "The request does not match the API ({count} problem(s)): {fields}",
    )
    # --- the wallet (医保钱包) ----------------------------------------------------------------------------------
    WALLET_NOT_ENABLED = _Text(
        ErrorKind.REFUSED,
        "统筹区 {region} 在 {on} 尚未开通医保钱包",
        "Pooling region {region} has not switched the wallet (医保钱包) on by {on}",
    )
    WALLET_NOT_OPEN = _Text(
        ErrorKind.REFUSED,
        "{name} 尚未开通医保钱包，请先在国家医保服务平台或柜台开通",
        "{name} has not opened a wallet (医保钱包); open one in the national app or at the counter first",
    )
    WALLET_NOTHING_ACCEPTED = _Text(
        ErrorKind.REFUSED,
        "{patient} 的医保钱包中没有 {payer} 转入并已接收的余额：{payer} 可向其钱包转账，{patient} 接收后即可用于支付",
        "{patient}'s wallet holds nothing accepted from {payer}: {payer} may transfer to it, and once {patient} "
        "accepts, it pays",
    )
    WALLET_NOT_EMPTY = _Text(
        ErrorKind.REFUSED,
        "{name} 的医保钱包还有待接收的转账 {pending} 笔，不能注销；请先接收或拒收",
        "{name}'s wallet has {pending} transfer(s) waiting to be accepted and cannot close; accept or decline first",
    )
    WALLET_SELF_TRANSFER = _Text(
        ErrorKind.REFUSED, "不能向本人的医保钱包转账", "A wallet transfer cannot go to one's own wallet"
    )
    WALLET_RELATION_NOT_CLOSE = _Text(
        ErrorKind.REFUSED,
        "{relation}不属于近亲属（{on} 国家规定：{allowed}），不能向其医保钱包转账",
        "The relation '{relation}' is not a close relative ({on}, national list: {allowed}); no wallet transfer",
    )
    WALLET_QUIET_HOURS = _Text(
        ErrorKind.REFUSED,
        "每日 {start} 至次日 {end} 不能进行医保钱包转账（当前 {at}）",
        "No wallet transfers from {start} to {end} (it is {at})",
    )
    WALLET_AMOUNT_OVER_LIMIT = _Text(
        ErrorKind.REFUSED,
        "每笔医保钱包转账不超过 {limit}，本次 {amount}",
        "A wallet transfer may move at most {limit}; this one is {amount}",
    )
    WALLET_DAILY_COUNT_REACHED = _Text(
        ErrorKind.REFUSED,
        "每个医保钱包每日最多转账 {limit} 笔，今日已转 {count} 笔",
        "A wallet may send at most {limit} transfers a day; {count} were sent today",
    )
    WALLET_TRANSFER_PENDING = _Text(
        ErrorKind.REFUSED,
        "向 {name} 的转账 {transfer_id}（{amount}）尚未接收，{due} 前不能再次转账",
        "Transfer {transfer_id} to {name} ({amount}) is still waiting to be accepted; no new one before {due}",
    )
    WALLET_SHAREABLE_TOO_LOW = _Text(
        ErrorKind.REFUSED,
        "{name} 可用于共济的{part}余额 {balance}，不足转账金额 {amount}",
        "{name}'s shareable balance ({part}) is {balance}, less than the {amount} to transfer",
    )
    WALLET_TRANSFER_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND, "查无此医保钱包转账：{transfer_id}", "No such wallet transfer: {transfer_id}"
    )
    WALLET_TRANSFER_STATE_WRONG = _Text(
        ErrorKind.REFUSED,
        "医保钱包转账 {transfer_id} 状态为“{status}”，不能{action}",
        "Wallet transfer {transfer_id} is {status}; cannot {action}",
    )
    WALLET_TRANSFER_EXPIRED = _Text(
        ErrorKind.REFUSED,
        "医保钱包转账 {transfer_id} 已过接收时限（{due}），将退回转出人",
        "Wallet transfer {transfer_id} was not accepted by {due} and returns to the sender",
    )
    WALLET_NOT_YOURS = _Text(
        ErrorKind.REFUSED,
        "医保钱包转账 {transfer_id} 只能由{role}{action}",
        "Only the {role} of wallet transfer {transfer_id} may {action}",
    )
    WALLET_TAKE_BACK_NOT_ALLOWED = _Text(
        ErrorKind.REFUSED,
        "{region} 在 {on} 不允许转出人收回已接收的医保钱包余额",
        "{region} does not let the sender take back an accepted wallet balance (on {on})",
    )
    WALLET_VERIFICATION_REQUIRED = _Text(
        ErrorKind.REFUSED,
        "医保钱包转账须通过 {name} 的人脸识别或医保码密码验证",
        "A wallet transfer needs {name}'s face verification or 医保码 password",
    )
    WALLET_VERIFICATION_FAILED = _Text(
        ErrorKind.REFUSED, "{name} 的身份验证未通过：{reason}", "Verification of {name} failed: {reason}"
    )
    # --- national interface: charge batches and visits (2203, 2403, mid-stay) --------------------------------------
    CHARGE_BATCH_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "就诊 {mdtrt_id} 没有待结算的收费批次 {chrg_bchno}",
        "Visit {mdtrt_id} has no charge batch {chrg_bchno} waiting to be settled",
    )
    CHARGE_BATCH_SETTLED = _Text(
        ErrorKind.REFUSED,
        "收费批次 {chrg_bchno} 已结算，不能再{action}；请先撤销该结算",
        "Charge batch {chrg_bchno} is settled; cannot {action} — reverse its settlement first",
    )
    FEE_LINE_SETTLED = _Text(
        ErrorKind.REFUSED,
        "费用明细 {feedetl_sn} 已结算，不能撤销；请先撤销结算",
        "Fee line(s) {feedetl_sn} are settled and cannot be cancelled; reverse the settlement first",
    )
    VISIT_HAS_SETTLEMENTS = _Text(
        ErrorKind.REFUSED,
        "就诊 {mdtrt_id} 还有 {count} 笔有效结算，不能{action}；请先撤销结算",
        "Visit {mdtrt_id} has {count} settlement(s) in force; cannot {action} — reverse them first",
    )
    MID_STAY_NOT_POSSIBLE = _Text(
        ErrorKind.REFUSED,
        "就诊 {mdtrt_id} 不能中途结算：{reason}",
        "Visit {mdtrt_id} cannot be settled mid-stay: {reason}",
    )
    VISIT_CHANGE_REFUSED = _Text(
        ErrorKind.REFUSED,
        "就诊 {mdtrt_id} 的信息不能这样变更：{reason}",
        "Visit {mdtrt_id} cannot be changed so: {reason}",
    )
    SETTLE_VISIT_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "结算的{field}“{declared}”与就诊 {mdtrt_id} 登记的“{actual}”不一致",
        "The settlement's {field} '{declared}' differs from the '{actual}' visit {mdtrt_id} was registered with",
    )
    CLASSIFIED_AMOUNT_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "{field} {declared} 元与平台按明细计算的 {actual} 元不符",
        "{field} {declared} yuan differs from the {actual} yuan the platform classified from the fee lines",
    )
    # --- national interface: credentials (card, voucher; 1161/1162) ------------------------------------------------
    CREDENTIAL_TYPE_UNKNOWN = _Text(
        ErrorKind.INVALID_INPUT,
        "就诊凭证类型“{value}”不受支持：应为 01（医保电子凭证）、02（居民身份证）或 03（社会保障卡）",
        "Credential type '{value}' is not supported: 01 (e-voucher), 02 (ID card) or 03 (social-security card)",
    )
    CARD_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND, "查无此社会保障卡：卡号 {card}", "No social-security card numbered {card}"
    )
    CARD_REPLACED = _Text(
        ErrorKind.REFUSED,
        "社会保障卡 {card} 已于 {on} 补换，不能再使用，请使用新卡",
        "Social-security card {card} was replaced on {on} and can no longer be used; use the new card",
    )
    CARD_SN_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "社会保障卡 {card} 的卡识别码与卡不符，请重新读卡",
        "The identification code does not match social-security card {card}; read the card again",
    )
    CARD_NOT_ISSUED = _Text(
        ErrorKind.NOT_FOUND, "{name} 尚未领取社会保障卡", "{name} has not been issued a social-security card"
    )
    CREDENTIAL_NEEDS_ENROLLMENT = _Text(
        ErrorKind.REFUSED,
        "{name} 没有有效的参保记录，不能制发社会保障卡或医保电子凭证",
        "{name} has no current enrollment, so no social-security card or electronic voucher can be issued",
    )
    VOUCHER_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "医保电子凭证无效：查无此凭证，请参保人出示新的医保码",
        "The electronic voucher is not valid: no such voucher; ask for a fresh 医保码",
    )
    VOUCHER_EXPIRED = _Text(
        ErrorKind.REFUSED,
        "医保电子凭证已于 {at} 过期，请参保人刷新医保码",
        "The electronic voucher expired at {at}; ask the insured person to refresh the 医保码",
    )
    VOUCHER_REVOKED = _Text(
        ErrorKind.REFUSED,
        "医保电子凭证已于 {at} 作废（已刷新或注销），请参保人出示新的医保码",
        "The electronic voucher was revoked at {at} (refreshed or withdrawn); ask for the current 医保码",
    )
    CREDENTIAL_OTHER_PERSON = _Text(
        ErrorKind.REFUSED,
        "就诊凭证（类型 {cert_type}）属于另一人，不是 {name} 的凭证",
        "The credential (type {cert_type}) belongs to someone else, not to {name}",
    )
    # --- national interface: queries and sign-out (5201-5261, 9002) ------------------------------------------------
    FSI_SIGNED_OUT = _Text(
        ErrorKind.REFUSED,
        "签到编号 {sign_no} 已于 {signed_out_at} 签退（9002），请重新签到（9001）",
        "Sign-in number {sign_no} was signed out (9002) at {signed_out_at}; sign in again (9001)",
    )
    FSI_PERSON_NOT_VISITED = _Text(
        ErrorKind.REFUSED,
        "定点医药机构 {fixmedins_code} 与人员 {psn_no} 没有就诊记录，不能查询其{what}",
        "Institution {fixmedins_code} has no visit with person {psn_no} and may not read their {what}",
    )
    # --- national interface: filings, pre-checks, lists, clearing (25xx, 5301, 3101/3102, 4101, 3203/3204) ---------
    # filings (2501–2506), their queries (5301/5302) and pre-checks (3101/3102)
    FILING_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "查无此{kind}：待遇申报明细流水号 {trt_dcla_detl_sn}（人员 {ref}）",
        "No such {kind}: filing number {trt_dcla_detl_sn} (person {ref})",
    )
    FILING_OVERLAPS = _Text(
        ErrorKind.REFUSED,
        "{name} 已有{kind}“{subject}”（流水号 {trt_dcla_detl_sn}，{begin} 至 {end}），与本次备案期间重叠",
        "{name} already has a {kind} for '{subject}' (number {trt_dcla_detl_sn}, {begin} to {end}) "
        "overlapping this one",
    )
    FILING_OF_OTHER_INSTITUTION = _Text(
        ErrorKind.REFUSED,
        "{kind} {trt_dcla_detl_sn} 由定点医药机构 {owner} 办理，本机构 {fixmedins_code} 不能撤销",
        "{kind} {trt_dcla_detl_sn} was filed by institution {owner}; institution {fixmedins_code} cannot cancel it",
    )
    FILING_ALREADY_CANCELLED = _Text(
        ErrorKind.REFUSED,
        "{kind} {trt_dcla_detl_sn} 已于 {at} 撤销",
        "{kind} {trt_dcla_detl_sn} was already cancelled on {at}",
    )
    PRECHECK_RULE_UNKNOWN = _Text(
        ErrorKind.INVALID_INPUT,
        "审核规则“{rule_id}”不存在；本系统的规则为 {known}",
        "There is no check rule '{rule_id}'; the rules here are {known}",
    )
    # settlement lists (4101/4101A) and clearing applications (3203/3204)
    SETTLEMENT_LIST_OF_REVERSED = _Text(
        ErrorKind.REFUSED,
        "结算 {setl_id} 已于 {reversed_at} 撤销，不能上传其结算清单",
        "Settlement {setl_id} was reversed on {reversed_at}; its settlement list cannot be uploaded",
    )
    SETTLEMENT_LIST_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "结算清单的{field}“{given}”与结算 {setl_id} 的“{expected}”不符",
        "The settlement list's {field} '{given}' differs from settlement {setl_id}'s '{expected}'",
    )
    CLEARING_FIGURE_DIFFERS = _Text(
        ErrorKind.REFUSED,
        "清算申请的{figure}（{field}）为 {theirs}，与本机构 {begin} 至 {end} 的结算合计 {ours} 不符",
        "The clearing application's {figure} ({field}) is {theirs}; the institution's settlements from {begin} to "
        "{end} add up to {ours}",
    )
    CLEARING_ALREADY_APPLIED = _Text(
        ErrorKind.REFUSED,
        "{begin} 至 {end} 清算类别 {clr_type} 已有清算申请 {clr_appy_evt_id}；如需重报，请先撤销（3204）",
        "Clearing type {clr_type} from {begin} to {end} has application {clr_appy_evt_id} already; cancel it "
        "(3204) before applying again",
    )
    CLEARING_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "查无此清算申请：{clr_appy_evt_id}",
        "No such clearing application: {clr_appy_evt_id}",
    )
    CLEARING_ALREADY_CANCELLED = _Text(
        ErrorKind.REFUSED,
        "清算申请 {clr_appy_evt_id} 已于 {at} 撤销",
        "Clearing application {clr_appy_evt_id} was already cancelled on {at}",
    )
    # --- national interface: files and catalogue downloads (9101/9102, 13xx) ---------------------------------------
    FILE_TOO_LARGE = _Text(
        ErrorKind.INVALID_INPUT,
        "文件“{filename}”过大：{size} 字节，上限 {max} 字节",
        "File '{filename}' is too large: {size} bytes, at most {max}",
    )
    FILE_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "查无此文件：文件查询号 {file_qury_no}（文件名 {filename}）",
        "No such file: query number {file_qury_no} (file name {filename})",
    )
    FILE_EXPIRED = _Text(
        ErrorKind.REFUSED,
        "文件 {file_qury_no} 的下载截止时间 {dld_endtime} 已过，请重新生成",
        "File {file_qury_no} could be downloaded until {dld_endtime}; make it again",
    )
    # --- national interface: regions (GB/T 2260) ---------------------------------------------------------------
    REGION_NOT_IN_FORCE = _Text(
        ErrorKind.INVALID_INPUT,
        "区划代码 {region} 在 {on} 已停用（{ended} 年撤销或变更），{successor}",
        "Region code {region} was no longer in force on {on} (abolished or changed in {ended}); {successor}",
    )
    REGION_NOT_YET_IN_FORCE = _Text(
        ErrorKind.INVALID_INPUT,
        "区划代码 {region} 在 {on} 尚未启用（{since} 年起启用）",
        "Region code {region} was not yet in force on {on} (in force from {since})",
    )
    # --- fraud signals (issue 18) ----------------------------------------------------------------------
    SIGNAL_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "查无此风险信号：{signal_id}（或不属于您的统筹区）",
        "No such signal: {signal_id} (or not one of your regions)",
    )
    SIGNAL_ALREADY_REVIEWED = _Text(
        ErrorKind.REFUSED,
        "风险信号 {signal_id} 已由 {by} 于 {at} 处理为“{status}”，不能再次处理",
        "Signal {signal_id} was already marked {status} by {by} at {at}; it cannot be reviewed again",
    )
    SIGNAL_STATUS_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "风险信号只能标记为 confirmed（属实）或 dismissed（排除），不能是“{status}”",
        "A signal can be marked confirmed or dismissed, not '{status}'",
    )
    REPORT_NOT_FOUND = _Text(
        ErrorKind.NOT_FOUND,
        "没有名为 {name} 的报表（可选：{choices}）",
        "There is no report called {name} (choose one of: {choices})",
    )
    EXPORT_MISSING = _Text(
        ErrorKind.NOT_FOUND,
        "尚无分析数据：请先运行 gongji export 导出",
        "Nothing has been exported for analysis yet: run gongji export first",
    )
    REPORT_PERIOD_INVALID = _Text(
        ErrorKind.INVALID_INPUT,
        "起始月份 {first} 晚于截止月份 {last}",
        "The first month {first} is after the last month {last}",
    )
    CHART_FONT_MISSING = _Text(
        ErrorKind.REFUSED,
        "服务器没有含中文字形的字体，无法绘制图表（可改用 CSV 或 JSON）",
        "The server has no font with Chinese glyphs to draw the chart with (ask for CSV or JSON instead)",
    )
    # --- federation (nodes per province) ------------------------------------------------------------------
    NODE_UNREACHABLE = _Text(
        ErrorKind.REFUSED,
        "参保地节点 {node} 暂时无法访问，本次交易未办理，请稍后用同一报文重试",
        "The node {node} of the insured place cannot be reached now; nothing was done: retry the same message later",
    )
    NODE_NOT_IN_FEDERATION = _Text(
        ErrorKind.REFUSED,
        "本系统未加入跨省节点联网，无法办理跨节点业务",
        "This gongji is not a node of a federation; nothing across nodes can be done here",
    )
    WALLET_RECEIVER_NAME_MISMATCH = _Text(
        ErrorKind.REFUSED,
        "接收人姓名“{name}”与其参保地登记的不符",
        "The receiver's name '{name}' is not the one registered where she is insured",
    )
    WALLET_TAKE_BACK_ACROSS_NODES = _Text(
        ErrorKind.REFUSED,
        "转账 {transfer_id} 的接收人在节点 {node} 参保，未使用的余额只能由接收人注销钱包退回，不能由转出人收回",
        "The receiver of transfer {transfer_id} is insured on node {node}: what she has not spent comes back only when "
        "she closes her wallet, not by the sender taking it back",
    )
    INSURED_PROVINCE_NOT_SERVED = _Text(
        ErrorKind.REFUSED,
        "参保地 {region} 所在省份不由任何节点办理（本节点 {node}），无法结算",
        "No node serves the province of the insured place {region} (this node is {node}); nothing was settled",
    )
    # --- conflicts -----------------------------------------------------------------------------------
    IDEMPOTENCY_CONFLICT = _Text(
        ErrorKind.CONFLICT,
        "幂等键“{key}”已用于另一笔不同的请求（{operation}），本次请求未执行",
        "Idempotency key '{key}' was already used for a different request ({operation}); nothing was done",
    )

    @property
    def kind(self) -> ErrorKind:
        """The family this code belongs to."""
        return self.value.kind


class GongjiError(Exception):
    """A deliberate, explainable error: a code, its parameters and a message in Chinese and English."""

    expected_kind: ErrorKind | None = None

    def __init__(self, code: ErrorCode, **params: Any) -> None:
        if self.expected_kind is not None and code.kind is not self.expected_kind:
            raise TypeError(f"{code.name} is a {code.kind.value} code, not {self.expected_kind.value}")
        self.code = code
        self.params: Mapping[str, Any] = fold_pairs(params)
        super().__init__(self.message_en)

    def message(self, lang: Lang) -> str:
        """The message in ``lang``, every term among the parameters in that language."""
        return render_error(self.code, self.params, lang)

    @property
    def message_zh(self) -> str:
        """The message in Chinese, for people."""
        return self.message("zh")

    @property
    def message_en(self) -> str:
        """The message in English."""
        return self.message("en")

    def as_term(self) -> Text:
        """The message as one term, coded with the error's code: a refusal quoted as the reason of another."""
        return Text(self.message_zh, self.message_en, self.code.name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description for clients: code, kind, both messages and the parameters — a term as its
        code, with ``name_zh`` and ``name_en`` beside it."""
        return {
            "code": self.code.name,
            "kind": self.code.kind.value,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "params": {k: _plain(v) for k, v in shown(self.params).items()},
        }

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready form to store and replay with :meth:`from_dict`: terms keep their class and code."""
        return {"code": self.code.name, "params": {k: _plain(encode(v)) for k, v in self.params.items()}}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> GongjiError:
        """Rebuild an error stored with :meth:`to_record` (or shown with :meth:`to_dict`)."""
        code = ErrorCode[data["code"]]
        cls = _CLASS_BY_KIND[code.kind]
        return cls(code, **fold_pairs({k: decode(v) for k, v in dict(data["params"]).items()}))


def render_error(code: ErrorCode, params: Mapping[str, Any], lang: Lang) -> str:
    """The message of ``code`` in ``lang`` with ``params``: a term renders in that language as ``{name}``, and as
    its code as ``{name_code}``."""
    template = code.value.zh if lang == "zh" else code.value.en
    fields = {name: localise(value, lang) for name, value in params.items()}
    fields |= {f"{name}_code": code_of(value) for name, value in params.items() if is_term(value)}
    return template.format(**fields)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | bool | dict | list) or value is None:
        return value
    return str(value)


class InvalidInput(GongjiError):
    """The request is malformed; fix the input and send it again."""

    expected_kind = ErrorKind.INVALID_INPUT


class NotFound(GongjiError):
    """The request names a person, account or journal that does not exist."""

    expected_kind = ErrorKind.NOT_FOUND


class Refused(GongjiError):
    """A business rule refuses the request; the state is unchanged."""

    expected_kind = ErrorKind.REFUSED


class Conflict(GongjiError):
    """The request conflicts with an earlier one (for example, an idempotency key reused for another request)."""

    expected_kind = ErrorKind.CONFLICT


_CLASS_BY_KIND: dict[ErrorKind, type[GongjiError]] = {
    ErrorKind.INVALID_INPUT: InvalidInput,
    ErrorKind.NOT_FOUND: NotFound,
    ErrorKind.REFUSED: Refused,
    ErrorKind.CONFLICT: Conflict,
}
