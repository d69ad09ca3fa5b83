"""May X's account pay this kind of cost for Y now? Every check, each a :class:`~gongji.service.checks.Finding`.

"Why can't X pay for Y?" shows them all; a settlement skips a payer with the first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gongji.domain.codes import Insutype, MedType
from gongji.domain.errors import ErrorCode
from gongji.domain.money import apply_rate_bp, format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.relations import (
    ProxyLink,
    Relation,
    RelationState,
    RelationStatus,
)
from gongji.domain.settlement import Purse
from gongji.domain.wording import Said
from gongji.rules import parameters as params
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

__all__ = ["PayerMoney", "PaymentKind", "Question", "Verdict", "WalletGrant", "assess_payer", "assess_wallet"]


class PaymentKind:
    """What is to be paid: a medical type (outpatient 11, inpatient 21, pharmacy 41 …) or a contribution."""

    def __init__(self, med_type: MedType | None = None, contribution: Contribution | None = None) -> None:
        assert (med_type is None) != (contribution is None), "a payment is a medical type or a contribution"
        self.med_type = med_type
        self.contribution = contribution

    @property
    def term(self) -> Said | Phrase:
        """How a message names it: a medical type with its code (``11 普通门诊``), or the contribution."""
        if self.med_type is not None:
            return Said(Phrase.CODE_AND_NAME, {"code": self.med_type.value, "name": self.med_type})
        assert self.contribution is not None
        return _CONTRIBUTIONS[self.contribution]


_CONTRIBUTIONS = {
    Contribution.RESIDENT_BASIC: Phrase.RESIDENT_CONTRIBUTION,
    Contribution.LONG_TERM_CARE: Phrase.LONG_TERM_CARE_CONTRIBUTION,
}


@dataclass(frozen=True)
class PayerMoney:
    """What the ledger says of the payer's account: its parts now, what his quotas have paid this year, and the
    parts as the year (or, for an account opened later, the account) began — the base of a yearly share."""

    prior_years_fen: int
    current_year_fen: int
    #: What this relation's quota has paid this year, and what all the payer's relations have paid together.
    relation_used_fen: int = 0
    authoriser_used_fen: int = 0
    start_prior_fen: int = 0
    start_current_fen: int = 0
    #: The one quota the payer set for all his relatives (regions with a shared quota), if he set one.
    shared_quota_fen: int | None = None


@dataclass(frozen=True)
class Question:
    """What is asked of a payer: a kind of cost for the patient at a moment (relations are judged then); for a stay,
    when the patient was admitted; whether the patient's networked settlement is suspended."""

    moment: datetime
    kind: PaymentKind
    admitted_at: datetime | None = None
    suspension: Finding | None = None
    proxy_links: Sequence[ProxyLink] = ()
    #: What each relative's account already paid of this visit (its earlier charge batches), by payer.
    visit_paid: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Every failed check (empty: the account may pay), and the account with every limit on what it may pay."""

    findings: list[Finding]
    purse: Purse | None

    @property
    def can_pay(self) -> bool:
        """No check failed."""
        return not self.findings


def _scope(reader: RuleReader, region: str, kind: PaymentKind) -> list[Finding]:
    """The region's personal accounts may pay this kind of cost."""
    if kind.med_type is not None:
        allowed = reader.get(params.ACCOUNT_PAYABLE_MED_TYPES, region)
        ok = kind.med_type in allowed
    else:
        ok = kind.contribution in reader.get(params.ACCOUNT_PAYABLE_CONTRIBUTIONS, region)
    if ok:
        return []
    return [Finding(ErrorCode.OUTSIDE_ACCOUNT_SCOPE, {"what": kind.term, "region": region}, reader.last())]


def _not_live(last: Relation, moment: datetime) -> Finding:
    """Why the pair's latest relation no longer pays: it ended (by someone, automatically, or by its end date),
    its request expired, or the relative declined it."""
    state = last.state_at(moment)
    if state is RelationState.EXPIRED:
        expired = last.expires_at or moment
        return Finding(ErrorCode.REQUEST_EXPIRED, {"relation_id": last.id, "expired_at": expired.date().isoformat()})
    if last.end_reason is None and last.valid_until is not None and last.status is not RelationStatus.DECLINED:
        shown = {"relation_id": last.id, "ended_at": last.valid_until.isoformat(), "reason": Phrase.END_DATE_PASSED}
        return Finding(ErrorCode.RELATION_ENDED, shown)
    shown = {
        "relation_id": last.id,
        "ended_at": (last.ended_at or moment).date().isoformat(),
        "reason": last.end_reason or Phrase.RELATIVE_DECLINED,
    }
    return Finding(ErrorCode.RELATION_ENDED, shown)


def assess_payer(reader: RuleReader, payer: Party, patient: Party, money: PayerMoney, question: Question) -> Verdict:
    """May the payer's account pay this kind of cost for the patient, and how much at most? Every failed check, not
    the first only; the one place that decides what a relative may pay (settlements, contributions and "why" all
    ask it). The patient's own account (payer is patient) is checked for being an employee's account."""
    findings = [question.suspension] if question.suspension else []
    if payer.person.id == patient.person.id:
        return _own_account(reader, payer, money, question, findings)
    relation, relation_findings = _relation_of(payer, patient, question)
    findings += relation_findings
    region, eligibility = eligible_authoriser(reader, payer)
    findings += eligibility
    if region is None:
        return Verdict(findings, None)
    findings += beneficiary_insured(reader, region, patient)
    if relation is not None:
        findings += relation_allowed(reader, region, relation.relation_type)
    if patient.region is not None:
        findings += geography_open(reader, region, patient.region)
    if relation is not None:
        findings += _mirror(reader, region, payer, patient, question.moment)
        findings += _admission(reader, region, relation, question.admitted_at)
    findings += _scope(reader, region, question.kind)
    prior_only = reader.get(params.SHAREABLE_PART, region) is ShareablePart.PRIOR_YEARS_ONLY
    findings += _balance(reader, region, payer.person.name, money, prior_only)
    limits, quota_findings = _quota(reader, region, payer.person.name, patient.person.name, relation, money, prior_only)
    findings += quota_findings
    if relation is None:
        return Verdict(findings, None)
    cap = reader.get(params.PER_VISIT_CAP_FEN, region).get(question.kind.med_type) if question.kind.med_type else None
    if cap is not None:
        cap = max(cap - question.visit_paid.get(payer.person.id, 0), 0)
    skip = (findings[0].code.name, dict(findings[0].params)) if findings else None
    purse = Purse(
        payer.person.id,
        relation.id,
        payer.person.name,
        region,
        money.prior_years_fen,
        money.current_year_fen,
        prior_only,
        reader.get(params.AUTHORISER_MIN_BALANCE_FEN, region),
        min(limits) if limits else None,
        cap,
        skip,
    )
    return Verdict(findings, purse)


def _own_account(
    reader: RuleReader, payer: Party, money: PayerMoney, question: Question, findings: list[Finding]
) -> Verdict:
    """The patient's own account: an employee's, within the region's scope; it is never limited by a quota."""
    name = payer.person.name
    region = payer.region
    if region is None or payer.active_in([Insutype.EMPLOYEE_BASIC]) is None:
        code = ErrorCode.NOT_AN_EMPLOYEE if region else ErrorCode.AUTHORISER_NOT_ELIGIBLE
        found = {"name": name, "insutypes": [Insutype.EMPLOYEE_BASIC], "found": Phrase.NOT_INSURED}
        return Verdict([*findings, Finding(code, {"ref": name} if region else found)], None)
    findings = [*findings, *_scope(reader, region, question.kind)]
    if money.prior_years_fen + money.current_year_fen <= 0:
        findings.append(Finding(ErrorCode.AUTHORISER_BALANCE_ZERO, {"payer": name, "part": Phrase.BOTH_PARTS}))
    skip = (findings[0].code.name, dict(findings[0].params)) if findings else None
    purse = Purse(payer.person.id, None, name, region, money.prior_years_fen, money.current_year_fen, skip=skip)
    return Verdict(findings, purse)


def _relation_of(payer: Party, patient: Party, question: Question) -> tuple[Relation | None, list[Finding]]:
    """The pair's live relation and why it does not pay yet; with none, why there is none."""
    a, b, moment = payer.person, patient.person, question.moment
    pair = [r for r in payer.relations if r.authoriser_id == a.id and r.beneficiary_id == b.id]
    live = [r for r in pair if r.is_live_at(moment)]
    if not live:
        if pair:
            return None, [_not_live(pair[-1], moment)]
        linked = any(p.is_active and {p.owner_id, p.relative_id} == {a.id, b.id} for p in question.proxy_links)
        code = ErrorCode.PROXY_LINK_IS_NOT_MUTUAL_AID if linked else ErrorCode.NO_RELATION
        return None, [Finding(code, {"payer": a.name, "patient": b.name})]
    relation = live[-1]
    state = relation.state_at(moment)
    if state is RelationState.REQUESTED:
        return relation, [Finding(ErrorCode.RELATION_NOT_CONFIRMED, {"relation_id": relation.id, "patient": b.name})]
    if state is RelationState.WAITING:
        assert relation.effective_from is not None
        since = relation.effective_from.date().isoformat()
        return relation, [
            Finding(ErrorCode.RELATION_NOT_YET_EFFECTIVE, {"relation_id": relation.id, "effective_from": since})
        ]
    return relation, []


def _mirror(reader: RuleReader, region: str, payer: Party, patient: Party, moment: datetime) -> list[Finding]:
    """Where the region requires two-way binding, the patient must have bound the payer back."""
    if not reader.get(params.MIRROR_BINDING_REQUIRED, region):
        return []
    a, b = payer.person, patient.person
    if any(
        r.authoriser_id == b.id and r.beneficiary_id == a.id and r.state_at(moment) is RelationState.EFFECTIVE
        for r in patient.relations
    ):
        return []
    return [
        Finding(ErrorCode.MIRROR_BINDING_MISSING, {"region": region, "payer": a.name, "patient": b.name}, reader.last())
    ]


def _admission(reader: RuleReader, region: str, relation: Relation, admitted_at: datetime | None) -> list[Finding]:
    """A binding that took effect after the patient's admission pays that stay only where the region says so."""
    took_effect = relation.effective_from or relation.confirmed_at
    if admitted_at is None or took_effect is None or took_effect <= admitted_at:
        return []
    if reader.get(params.BINDING_AFTER_ADMISSION_PAYS_STAY, region):
        return []
    return [
        Finding(
            ErrorCode.BINDING_AFTER_ADMISSION,
            {
                "relation_id": relation.id,
                "confirmed_at": f"{took_effect:%Y-%m-%d %H:%M}",
                "admitted_at": f"{admitted_at:%Y-%m-%d %H:%M}",
                "region": region,
            },
            reader.last(),
        )
    ]


def _balance(reader: RuleReader, region: str, name: str, money: PayerMoney, prior_only: bool) -> list[Finding]:
    """A shareable part above zero, and above the balance the region makes the authoriser keep."""
    findings = []
    shareable = money.prior_years_fen + (0 if prior_only else money.current_year_fen)
    if shareable <= 0:
        part = Phrase.PRIOR_YEARS_PART_ONLY if prior_only else Phrase.BOTH_PARTS
        findings.append(Finding(ErrorCode.AUTHORISER_BALANCE_ZERO, {"payer": name, "part": part}, reader.last()))
    minimum = reader.get(params.AUTHORISER_MIN_BALANCE_FEN, region)
    total = money.prior_years_fen + money.current_year_fen
    if minimum > 0 and total <= minimum:
        findings.append(
            Finding(
                ErrorCode.BALANCE_BELOW_MINIMUM,
                {"payer": name, "balance": format_yuan(total), "minimum": format_yuan(minimum), "region": region},
                reader.last(),
            )
        )
    return findings


def _quota(
    reader: RuleReader,
    region: str,
    payer: str,
    patient: str,
    relation: Relation | None,
    money: PayerMoney,
    prior_only: bool,
) -> tuple[list[int], list[Finding]]:
    """What is left of every quota on this payment, and the quotas used up. The quota the authoriser set for this
    relative limits this relation; a shared quota and a yearly share of the balance limit all his relatives
    together (what all his relations used this year counts against them)."""
    limits: list[int] = []
    findings: list[Finding] = []
    if relation is not None and relation.quota_fen is not None:
        limits.append(max(relation.quota_fen - money.relation_used_fen, 0))
        if money.relation_used_fen >= relation.quota_fen:
            shown = {"payer": payer, "patient": patient, "quota": format_yuan(relation.quota_fen)}
            findings.append(Finding(ErrorCode.QUOTA_EXHAUSTED, shown))
    model = reader.get(params.QUOTA_MODEL, region)
    used = money.authoriser_used_fen
    if model is QuotaModel.SHARED and money.shared_quota_fen is not None:
        limits.append(max(money.shared_quota_fen - used, 0))
        if used >= money.shared_quota_fen:
            shown = {"payer": payer, "quota": format_yuan(money.shared_quota_fen), "used": format_yuan(used)}
            findings.append(Finding(ErrorCode.SHARED_QUOTA_EXHAUSTED, shown, reader.last()))
    elif model is QuotaModel.ANNUAL_SHARE:
        share = reader.get(params.QUOTA_ANNUAL_SHARE_BP, region)
        base = money.start_prior_fen + (0 if prior_only else money.start_current_fen)
        quota = apply_rate_bp(base, share)
        limits.append(max(quota - used, 0))
        if used >= quota:
            basis = Phrase.PRIOR_YEARS_AT_YEAR_START if prior_only else Phrase.BALANCE_AT_YEAR_START
            exhausted = {
                "region": region,
                "payer": payer,
                "share": f"{share / 100:g}%",
                "base": Said(basis, {"amount": format_yuan(base)}),
                "quota": format_yuan(quota),
                "used": format_yuan(used),
            }
            findings.append(Finding(ErrorCode.ANNUAL_SHARE_EXHAUSTED, exhausted, reader.last(2)))
    return limits, findings


@dataclass(frozen=True)
class WalletGrant:
    """Money in the patient's wallet: an accepted transfer's unspent amount, reserved in its sender's account."""

    transfer_id: int
    #: ``None`` when the sender is on another node of the federation (``sender_node``).
    sender_id: int | None
    sender_name: str
    sender_region: str
    remaining_fen: int
    sender_node: str | None = None


def assess_wallet(reader: RuleReader, grant: WalletGrant, question: Question, *, chosen: bool) -> Verdict:
    """May the patient's wallet pay this cost from this grant? Only if she pays with the wallet this time (where the
    rules let her choose) and the sender's region lets personal accounts pay this kind of cost."""
    findings = [question.suspension] if question.suspension else []
    findings += _scope(reader, grant.sender_region, question.kind)
    skip = (findings[0].code.name, dict(findings[0].params)) if findings else None
    if skip is None and not chosen:
        skip = ("WALLET_NOT_CHOSEN", {})
    purse = Purse(
        grant.sender_id,
        None,
        grant.sender_name,
        grant.sender_region,
        grant.remaining_fen,
        0,
        skip=skip,
        wallet_transfer_id=grant.transfer_id,
        peer_node=grant.sender_node,
    )
    return Verdict(findings, purse)
