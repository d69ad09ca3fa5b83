"""Every check on who may bind whom, and on whether a relative's account can pay today.

The checks are pure: they read people, enrollments, relations, balances and the rule book as of a date, and return
:class:`Finding` objects — one per failed check, each with its refusal code, its parameters and the rule values it
read. A binding request is refused with the first finding; "why can't X pay for Y?" shows them all.

All limits and switches come from the rules of the regions involved: the authoriser's region for what his account
may do, the beneficiary's region for what the beneficiary may accept (how many authorisers), and both regions for
geography.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from gongji.domain.codes import BASIC_INSUTYPES, Insutype, MedType, RelationType
from gongji.domain.enrollment import Enrollment
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.money import apply_rate_bp, format_yuan
from gongji.domain.people import Person
from gongji.domain.regions import parse_region, province_of
from gongji.domain.relations import (
    EndReason,
    Kinship,
    ProxyLink,
    Relation,
    RelationState,
    RelationStatus,
    kinship_problem,
)
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook, RuleTrace
from gongji.rules.present import format_value
from gongji.rules.schema import UNLIMITED, Contribution, Geography, Parameter, QuotaModel, ShareablePart
from gongji.service.views import RuleTraceView

__all__ = [
    "Finding",
    "Party",
    "PaymentKind",
    "RuleReader",
    "ShareableBalance",
    "binding_findings",
    "payment_findings",
    "rule_trace_views",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    """A failed check: its code, the parameters of its message, and the rule values it rests on."""

    code: ErrorCode
    params: dict[str, Any]
    traces: tuple[RuleTrace, ...] = ()

    def refusal(self) -> Refused:
        """The refusal a request gets for this finding."""
        return Refused(self.code, **self.params)


class RuleReader:
    """Reads rule values for one date and remembers every value it read (for explanations)."""

    def __init__(self, book: RuleBook, on: date) -> None:
        self.book = book
        self.on = on
        self.traces: list[RuleTrace] = []

    def get(self, param: Parameter[T], region: str) -> T:
        """The value in effect (``RULE_MISSING`` refusal when no file sets it)."""
        found = self.book.resolve(param, region, self.on)
        self.traces.append(found.trace)
        return found.value

    def last(self, count: int = 1) -> tuple[RuleTrace, ...]:
        """The traces of the last ``count`` values read."""
        return tuple(self.traces[-count:])


def rule_trace_views(traces: Iterable[RuleTrace]) -> list[RuleTraceView]:
    """The rule values read, once each (by parameter and answering region), as shown to people."""
    seen: dict[tuple[str, str], RuleTraceView] = {}
    for t in traces:
        seen[(t.parameter, t.region)] = RuleTraceView(
            parameter=t.parameter,
            parameter_zh=t.parameter_zh,
            region=t.region,
            region_zh=t.region_zh,
            since=t.since,
            reference_title=t.reference_title,
            reference_address=t.reference_address,
            confidence=t.confidence,
        )
    return list(seen.values())


@dataclass(frozen=True)
class Party:
    """A person with their enrollments and every relation they are in (either side)."""

    person: Person
    enrollments: Sequence[Enrollment]
    relations: Sequence[Relation] = field(default=())

    @property
    def basic(self) -> Enrollment | None:
        """The active basic enrollment (310/390 …), if any."""
        return next((e for e in self.enrollments if e.is_active and e.insutype in BASIC_INSUTYPES), None)

    @property
    def region(self) -> str | None:
        """The pooling region of the active basic enrollment."""
        basic = self.basic
        return basic.pooling_region if basic else None

    def active_in(self, insutypes: Sequence[Insutype]) -> Enrollment | None:
        """The active enrollment in one of ``insutypes``."""
        return next((e for e in self.enrollments if e.is_active and e.insutype in insutypes), None)


def _limit_reached(limit: int | str, count: int) -> bool:
    return limit != UNLIMITED and isinstance(limit, int) and count >= limit


def _names(values: Sequence[Any]) -> tuple[str, str]:
    return "、".join(v.zh for v in values), ", ".join(v.en for v in values)


def _eligible_authoriser(reader: RuleReader, party: Party) -> tuple[str | None, list[Finding]]:
    """The authoriser's pooling region, or the finding that says why he cannot authorise."""
    region = party.region
    if region is None:
        return None, [
            Finding(
                ErrorCode.AUTHORISER_NOT_ELIGIBLE,
                {
                    "name": party.person.name,
                    "insutypes_zh": Insutype.EMPLOYEE_BASIC.zh,
                    "insutypes_en": Insutype.EMPLOYEE_BASIC.en,
                    "found_zh": "未参保",
                    "found_en": "not insured",
                },
            )
        ]
    allowed = reader.get(params.AUTHORISER_INSUTYPES, region)
    enrollment = party.active_in(allowed)
    if enrollment is None or not enrollment.is_normal:
        zh, en = _names(allowed)
        found = enrollment or party.basic
        assert found is not None
        return region, [
            Finding(
                ErrorCode.AUTHORISER_NOT_ELIGIBLE,
                {
                    "name": party.person.name,
                    "insutypes_zh": zh,
                    "insutypes_en": en,
                    "found_zh": f"{found.insutype.zh}·{found.status.zh}",
                    "found_en": f"{found.insutype.en}, {found.status.en}",
                },
                reader.last(),
            )
        ]
    return enrollment.pooling_region, []


def _beneficiary_insured(reader: RuleReader, authoriser_region: str, party: Party) -> list[Finding]:
    allowed = reader.get(params.BENEFICIARY_INSUTYPES, authoriser_region)
    enrollment = party.active_in(allowed)
    if enrollment is None:
        zh, en = _names(allowed)
        return [
            Finding(
                ErrorCode.BENEFICIARY_NOT_INSURED,
                {"name": party.person.name, "insutypes_zh": zh, "insutypes_en": en},
                reader.last(),
            )
        ]
    if not enrollment.is_normal:
        return [
            Finding(
                ErrorCode.BENEFICIARY_STATUS_NOT_NORMAL,
                {"name": party.person.name, "status_zh": enrollment.status.zh, "status_en": enrollment.status.en},
            )
        ]
    return []


def _relation_allowed(reader: RuleReader, region: str, relation_type: RelationType) -> list[Finding]:
    allowed = reader.get(params.ALLOWED_RELATIONS, region)
    if relation_type in allowed:
        return []
    zh, en = _names(allowed)
    return [
        Finding(
            ErrorCode.RELATION_TYPE_NOT_ALLOWED,
            {
                "region": region,
                "on": reader.on.isoformat(),
                "relation_zh": relation_type.zh,
                "relation_en": relation_type.en,
                "allowed_zh": zh,
                "allowed_en": en,
            },
            reader.last(),
        )
    ]


def _opened(geography: Geography, a: str, b: str) -> bool:
    if geography is Geography.NATIONAL:
        return True
    if geography is Geography.SAME_PROVINCE:
        return province_of(a) == province_of(b)
    return a == b


def _geography(reader: RuleReader, a_region: str, b_region: str) -> list[Finding]:
    for rule_region in (a_region, b_region):
        geography = reader.get(params.GEOGRAPHY, rule_region)
        if not _opened(geography, a_region, b_region):
            a, b = parse_region(a_region), parse_region(b_region)
            return [
                Finding(
                    ErrorCode.GEOGRAPHY_NOT_OPEN,
                    {
                        "a_region_zh": f"{a.code} {a.zh}",
                        "b_region_zh": f"{b.code} {b.zh}",
                        "a_region_en": f"{a.code} {a.en}",
                        "b_region_en": f"{b.code} {b.en}",
                        "rule_region": rule_region,
                        "geography_zh": format_value(params.GEOGRAPHY, geography),
                        "geography_en": geography.en,
                    },
                    reader.last(),
                )
            ]
    return []


def _open_now(relations: Sequence[Relation], moment: datetime) -> list[Relation]:
    """Relations that still count: requested (not expired) or active (not past an end date)."""
    return [r for r in relations if r.is_live_at(moment)]


_CHANGES_BY_AUTHORISER = frozenset({EndReason.BY_AUTHORISER, EndReason.BY_BOTH, EndReason.AT_COUNTER})


def changes_this_year(relations: Sequence[Relation], authoriser_id: int, year: int) -> int:
    """Binding requests and ends the authoriser made this year (automatic ends are not his changes)."""
    count = 0
    for r in relations:
        if r.authoriser_id != authoriser_id:
            continue
        if r.requested_at.year == year:
            count += 1
        if r.ended_at is not None and r.ended_at.year == year and r.end_reason in _CHANGES_BY_AUTHORISER:
            count += 1
    return count


def binding_findings(
    book: RuleBook,
    authoriser: Party,
    beneficiary: Party,
    relation_type: RelationType,
    moment: datetime,
    *,
    family: dict[int, Person],
    proof_reference: str | None,
    commitment: bool,
    valid_until: date | None,
) -> tuple[list[Finding], RuleReader]:
    """Every reason the authoriser may not bind this relative now (empty when the binding may be requested)."""
    reader = RuleReader(book, moment.date())
    a, b = authoriser.person, beneficiary.person
    if a.id == b.id:
        return [Finding(ErrorCode.SELF_RELATION, {})], reader
    if authoriser.region is not None:
        enabled = book.find(params.MUTUAL_AID_ENABLED, authoriser.region, reader.on)
        if enabled is None or not enabled.value:
            traces = (enabled.trace,) if enabled else ()
            reader.traces.extend(traces)
            return [
                Finding(
                    ErrorCode.MUTUAL_AID_NOT_AVAILABLE,
                    {"region": authoriser.region, "on": reader.on.isoformat()},
                    traces,
                )
            ], reader
    region, findings = _eligible_authoriser(reader, authoriser)
    if region is None or findings:
        return findings, reader
    findings += _beneficiary_insured(reader, region, beneficiary)
    findings += _relation_allowed(reader, region, relation_type)
    problem = kinship_problem(
        a, b, relation_type, Kinship.of([*authoriser.relations, *beneficiary.relations], moment), family
    )
    if problem:
        findings.append(Finding(ErrorCode.RELATION_INCONSISTENT, {"reason_zh": problem[0], "reason_en": problem[1]}))
    b_region = beneficiary.region
    if b_region is not None:
        findings += _geography(reader, region, b_region)

    open_pair = [
        r for r in _open_now(authoriser.relations, moment) if r.beneficiary_id == b.id and r.authoriser_id == a.id
    ]
    if open_pair:
        findings.append(
            Finding(
                ErrorCode.DUPLICATE_RELATION,
                {"authoriser": a.name, "beneficiary": b.name, "relation_id": open_pair[0].id},
            )
        )
    mine = [r for r in _open_now(authoriser.relations, moment) if r.authoriser_id == a.id]
    at_once = reader.get(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, region)
    if _limit_reached(at_once, len(mine)):
        findings.append(
            Finding(
                ErrorCode.BENEFICIARY_LIMIT_REACHED,
                {"name": a.name, "limit": at_once, "count": len(mine)},
                reader.last(),
            )
        )
    lifetime = reader.get(params.MAX_BENEFICIARIES_LIFETIME_COUNT, region)
    ever = {r.beneficiary_id for r in authoriser.relations if r.authoriser_id == a.id and r.confirmed_at is not None}
    if b.id not in ever and _limit_reached(lifetime, len(ever)):
        findings.append(Finding(ErrorCode.LIFETIME_LIMIT_REACHED, {"name": a.name, "limit": lifetime}, reader.last()))

    if b_region is not None:
        per_beneficiary = reader.get(params.AUTHORISERS_PER_BENEFICIARY_COUNT, b_region)
        others = [
            r for r in _open_now(beneficiary.relations, moment) if r.beneficiary_id == b.id and r.authoriser_id != a.id
        ]
        if _limit_reached(per_beneficiary, len(others)):
            other = family.get(others[0].authoriser_id)
            findings.append(
                Finding(
                    ErrorCode.BENEFICIARY_ALREADY_BOUND,
                    {
                        "name": b.name,
                        "other": other.name if other else str(others[0].authoriser_id),
                        "region": b_region,
                        "limit": per_beneficiary,
                    },
                    reader.last(),
                )
            )
    if not reader.get(params.AUTHORISER_MAY_BE_BENEFICIARY, region):
        if any(r.beneficiary_id == a.id for r in _open_now(authoriser.relations, moment)):
            findings.append(
                Finding(
                    ErrorCode.AUTHORISER_ALSO_BENEFICIARY,
                    {
                        "region": region,
                        "name": a.name,
                        "role_zh": "是他人的被共济人",
                        "role_en": "is someone's beneficiary",
                    },
                    reader.last(),
                )
            )
        if any(r.authoriser_id == b.id for r in _open_now(beneficiary.relations, moment)):
            findings.append(
                Finding(
                    ErrorCode.AUTHORISER_ALSO_BENEFICIARY,
                    {"region": region, "name": b.name, "role_zh": "是共济人", "role_en": "is an authoriser"},
                    reader.last(),
                )
            )
    changes = reader.get(params.CHANGES_PER_YEAR_COUNT, region)
    used = changes_this_year(authoriser.relations, a.id, moment.year)
    if _limit_reached(changes, used):
        findings.append(
            Finding(
                ErrorCode.CHANGES_LIMIT_REACHED,
                {"name": a.name, "count": used, "region": region, "limit": changes},
                reader.last(),
            )
        )
    proof = reader.get(params.BINDING_PROOF, region)
    if proof.value == "commitment" and not (commitment or proof_reference):
        findings.append(
            Finding(
                ErrorCode.PROOF_MISSING,
                {
                    "region": region,
                    "proof_zh": "共济人签署的承诺书",
                    "proof_en": "the authoriser's signed commitment (承诺书)",
                },
                reader.last(),
            )
        )
    if proof.value == "documents" and not proof_reference:
        findings.append(
            Finding(
                ErrorCode.PROOF_MISSING,
                {
                    "region": region,
                    "proof_zh": "亲属关系证明（户口簿、结婚证或出生医学证明编号）",
                    "proof_en": "proof of the relation (household register, marriage or birth certificate number)",
                },
                reader.last(),
            )
        )
    if reader.get(params.BINDING_END_DATE_REQUIRED, region) and valid_until is None:
        findings.append(Finding(ErrorCode.END_DATE_REQUIRED, {"region": region}, reader.last()))
    return findings, reader


# --- can the payer's account pay for the patient today? ----------------------------------------------------------


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
        region, eligibility = _eligible_authoriser(reader, payer)
        findings += eligibility
        if region is None:
            return findings, reader
        findings += _beneficiary_insured(reader, region, patient)
        findings += _relation_allowed(reader, region, relation.relation_type)
        if patient.region is not None:
            findings += _geography(reader, region, patient.region)
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
