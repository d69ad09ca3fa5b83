"""May X's account pay this kind of cost for Y now? Every check, each a :class:`~gongji.service.checks.Finding`.

"Why can't X pay for Y?" shows them all; a settlement skips a payer with the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gongji.domain.codes import Insutype, MedType
from gongji.domain.errors import ErrorCode
from gongji.domain.money import apply_rate_bp, format_yuan
from gongji.domain.relations import (
    ProxyLink,
    Relation,
    RelationState,
    RelationStatus,
)
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.rules.schema import Contribution, QuotaModel, ShareablePart
from gongji.service.checks import (
    Finding,
    Party,
    RuleReader,
    beneficiary_insured,
    eligible_authoriser,
    geography_open,
    relation_allowed,
)

__all__ = ["PaymentKind", "ShareableBalance", "payment_findings"]


class PaymentKind:
    """What is to be paid: a medical type (outpatient 11, inpatient 21, pharmacy 41 …) or a contribution."""

    def __init__(self, med_type: MedType | None = None, contribution: Contribution | None = None) -> None:
        assert (med_type is None) != (contribution is None), "a payment is a medical type or a contribution"
        self.med_type = med_type
        self.contribution = contribution

    @property
    def label(self) -> tuple[str, str]:
        """How to name it in a message (Chinese, English)."""
        if self.med_type is not None:
            return f"{self.med_type.value} {self.med_type.zh}", f"{self.med_type.value} {self.med_type.en}"
        assert self.contribution is not None
        names = {
            Contribution.RESIDENT_BASIC: ("城乡居民医保个人缴费", "the resident insurance contribution"),
            Contribution.LONG_TERM_CARE: ("长期护理保险个人缴费", "the long-term care contribution"),
        }
        return names[self.contribution]


@dataclass(frozen=True)
class ShareableBalance:
    """What the payer's account holds, by part, and what his quota for this patient has used this year."""

    prior_years_fen: int
    current_year_fen: int
    quota_used_fen: int
    balance_at_year_start_fen: int


def _scope(reader: RuleReader, region: str, kind: PaymentKind) -> list[Finding]:
    zh, en = kind.label
    if kind.med_type is not None:
        allowed = reader.get(params.ACCOUNT_PAYABLE_MED_TYPES, region)
        ok = kind.med_type in allowed
    else:
        ok = kind.contribution in reader.get(params.ACCOUNT_PAYABLE_CONTRIBUTIONS, region)
    if ok:
        return []
    return [Finding(ErrorCode.OUTSIDE_ACCOUNT_SCOPE, {"what_zh": zh, "what_en": en, "region": region}, reader.last())]


def _not_live(last: Relation, moment: datetime) -> Finding:
    """Why the pair's latest relation no longer pays: it ended (by someone, automatically, or by its end date),
    its request expired, or the relative declined it."""
    state = last.state_at(moment)
    if state is RelationState.EXPIRED:
        expired = last.expires_at or moment
        return Finding(ErrorCode.REQUEST_EXPIRED, {"relation_id": last.id, "expired_at": expired.date().isoformat()})
    if last.end_reason is None and last.valid_until is not None and last.status is not RelationStatus.DECLINED:
        return Finding(
            ErrorCode.RELATION_ENDED,
            {
                "relation_id": last.id,
                "ended_at": last.valid_until.isoformat(),
                "reason_zh": "已过约定的终止日期",
                "reason_en": "its end date has passed",
            },
        )
    reason = last.end_reason
    return Finding(
        ErrorCode.RELATION_ENDED,
        {
            "relation_id": last.id,
            "ended_at": (last.ended_at or moment).date().isoformat(),
            "reason_zh": reason.zh if reason else "对方已拒绝申请",
            "reason_en": reason.en if reason else "the relative declined the request",
        },
    )


def payment_findings(
    book: RuleBook,
    payer: Party,
    patient: Party,
    moment: datetime,
    kind: PaymentKind,
    balance: ShareableBalance,
    *,
    shared_quota: tuple[bool, int | None] = (False, None),
    proxy_links: Sequence[ProxyLink] = (),
) -> tuple[list[Finding], RuleReader]:
    """Every reason the payer's account cannot pay this kind of cost for the patient at ``moment``."""
    reader = RuleReader(book, moment.date())
    a, b = payer.person, patient.person
    findings: list[Finding] = []
    if a.id != b.id:
        pair = [r for r in payer.relations if r.authoriser_id == a.id and r.beneficiary_id == b.id]
        live = [r for r in pair if r.is_live_at(moment)]
        if not live:
            if pair:
                findings.append(_not_live(pair[-1], moment))
            else:
                linked = any(p.is_active and {p.owner_id, p.relative_id} == {a.id, b.id} for p in proxy_links)
                code = ErrorCode.PROXY_LINK_IS_NOT_MUTUAL_AID if linked else ErrorCode.NO_RELATION
                findings.append(Finding(code, {"payer": a.name, "patient": b.name}))
            return findings, reader
        relation = live[-1]
        state = relation.state_at(moment)
        if state is RelationState.REQUESTED:
            findings.append(Finding(ErrorCode.RELATION_NOT_CONFIRMED, {"relation_id": relation.id, "patient": b.name}))
        elif state is RelationState.WAITING:
            assert relation.effective_from is not None
            findings.append(
                Finding(
                    ErrorCode.RELATION_NOT_YET_EFFECTIVE,
                    {"relation_id": relation.id, "effective_from": relation.effective_from.date().isoformat()},
                )
            )
        region, eligibility = eligible_authoriser(reader, payer)
        findings += eligibility
        if region is None:
            return findings, reader
        findings += beneficiary_insured(reader, region, patient)
        findings += relation_allowed(reader, region, relation.relation_type)
        if patient.region is not None:
            findings += geography_open(reader, region, patient.region)
        if reader.get(params.MIRROR_BINDING_REQUIRED, region):
            mirrored = any(
                r.authoriser_id == b.id and r.beneficiary_id == a.id and r.state_at(moment) is RelationState.EFFECTIVE
                for r in patient.relations
            )
            if not mirrored:
                findings.append(
                    Finding(
                        ErrorCode.MIRROR_BINDING_MISSING,
                        {"region": region, "payer": a.name, "patient": b.name},
                        reader.last(),
                    )
                )
    else:
        region = payer.region
        relation = None
        if region is None or payer.active_in([Insutype.EMPLOYEE_BASIC]) is None:
            findings.append(
                Finding(
                    ErrorCode.NOT_AN_EMPLOYEE if region else ErrorCode.AUTHORISER_NOT_ELIGIBLE,
                    {"ref": a.name}
                    if region
                    else {
                        "name": a.name,
                        "insutypes_zh": "",
                        "insutypes_en": "",
                        "found_zh": "未参保",
                        "found_en": "not insured",
                    },
                )
            )
            return findings, reader

    findings += _scope(reader, region, kind)
    shareable_part = reader.get(params.SHAREABLE_PART, region) if relation else ShareablePart.WHOLE
    shareable = balance.prior_years_fen + (balance.current_year_fen if shareable_part is ShareablePart.WHOLE else 0)
    if shareable <= 0:
        part_zh = "仅历年账户可共济" if shareable_part is ShareablePart.PRIOR_YEARS_ONLY else "历年及当年账户"
        part_en = (
            "only the prior-years part may be shared"
            if shareable_part is ShareablePart.PRIOR_YEARS_ONLY
            else "both parts"
        )
        findings.append(
            Finding(
                ErrorCode.AUTHORISER_BALANCE_ZERO,
                {"payer": a.name, "part_zh": part_zh, "part_en": part_en},
                reader.last() if relation else (),
            )
        )
    if relation is None:
        return findings, reader
    minimum = reader.get(params.AUTHORISER_MIN_BALANCE_FEN, region)
    total = balance.prior_years_fen + balance.current_year_fen
    if minimum > 0 and total <= minimum:
        findings.append(
            Finding(
                ErrorCode.BALANCE_BELOW_MINIMUM,
                {"payer": a.name, "balance": format_yuan(total), "minimum": format_yuan(minimum), "region": region},
                reader.last(),
            )
        )
    model = reader.get(params.QUOTA_MODEL, region)
    quota: int | None
    if model is QuotaModel.PER_RELATION:
        quota = relation.quota_fen
    elif model is QuotaModel.SHARED:
        quota = shared_quota[1]
    else:
        share = reader.get(params.QUOTA_ANNUAL_SHARE_BP, region)
        quota = apply_rate_bp(balance.balance_at_year_start_fen, share)
    if quota is not None and balance.quota_used_fen >= quota:
        findings.append(
            Finding(
                ErrorCode.QUOTA_EXHAUSTED,
                {"payer": a.name, "patient": b.name, "quota": format_yuan(quota)},
                reader.last(),
            )
        )
    return findings, reader
