"""May X bind Y now? Every check of a binding request, each a :class:`~gongji.service.checks.Finding`.

A binding request is refused with the first finding; the portal's and the counter's forms show them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode
from gongji.domain.people import Person
from gongji.domain.relations import (
    EndReason,
    Kinship,
    Relation,
    inverse_of,
    kinship_problem,
)
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.service.checks import (
    Finding,
    Party,
    RuleReader,
    beneficiary_insured,
    eligible_authoriser,
    geography_open,
    limit_reached,
    open_now,
    relation_allowed,
)

__all__ = ["binding_findings", "changes_this_year"]


#: Ends that are the authoriser's own decision (the counter acts on a party's written request).
_CHANGES_BY_AUTHORISER = frozenset({EndReason.BY_AUTHORISER, EndReason.BY_BOTH, EndReason.AT_COUNTER})


def _ended_by_authoriser(r: Relation) -> bool:
    """A relation that was in force (confirmed) and that its authoriser ended."""
    return r.confirmed_at is not None and r.end_reason in _CHANGES_BY_AUTHORISER


def _rebinds(relations: Sequence[Relation], r: Relation) -> bool:
    """Whether ``r`` binds again a relative whose earlier relation with the same authoriser he had ended."""
    return any(
        _ended_by_authoriser(e)
        and e.id != r.id
        and e.beneficiary_id == r.beneficiary_id
        and e.authoriser_id == r.authoriser_id
        and e.ended_at is not None
        and e.ended_at <= r.requested_at
        for e in relations
    )


def changes_this_year(relations: Sequence[Relation], authoriser_id: int, moment: datetime) -> int:
    """The changes the authoriser made this year (the year of ``moment``) to his set of bound relatives, as the
    regions limit them ("≤ 3 changes a year", Beijing; "每年可调整绑定名单1—2次", seed 000):

    * each relation **in force** that he ended this year — himself, with the other side (解除绑定需双方确认), or at
      the counter on a party's request;
    * each binding requested this year that **binds again** someone whose relation with him he had ended that way
      (undoing a change is a change), once the request is live or confirmed.

    Not a change: a first binding of a relative (that builds the set, which the at-once and lifetime limits bound);
    a request that expired unconfirmed, was declined, or was withdrawn before anyone confirmed it (the set never
    changed); the relative's own end; and automatic ends (insurance ended, moved region, end date reached).
    """
    year = moment.year
    count = 0
    for r in relations:
        if r.authoriser_id != authoriser_id:
            continue
        if _ended_by_authoriser(r) and r.ended_at is not None and r.ended_at.year == year:
            count += 1
        lapsed = r.confirmed_at is None and not r.is_live_at(moment)
        if r.requested_at.year == year and not lapsed and _rebinds(relations, r):
            count += 1
    return count


def _mirror_impossible(
    reader: RuleReader,
    region: str,
    authoriser: Party,
    beneficiary: Party,
    relation_type: RelationType,
    moment: datetime,
) -> list[Finding]:
    """Where the region pays only between two people bound both ways (``mirror_binding_required``), a binding whose
    relative can never bind back could never pay: why the relative cannot (he is not an employee who may authorise,
    the reverse relation is not one the region allows, or an authoriser may not also be a beneficiary there)."""
    required = reader.get(params.MIRROR_BINDING_REQUIRED, region)
    if not required:
        return []
    traces = reader.last()
    a, b = authoriser.person, beneficiary.person
    if any(r.authoriser_id == b.id and r.beneficiary_id == a.id for r in open_now(beneficiary.relations, moment)):
        return []
    reasons: list[Finding] = []
    inverse = inverse_of(relation_type)
    b_region, not_eligible = eligible_authoriser(reader, beneficiary)
    reasons += not_eligible
    if inverse is None:
        reasons.append(
            Finding(
                ErrorCode.RELATION_TYPE_NOT_ALLOWED,
                {
                    "region": region,
                    "on": reader.on.isoformat(),
                    "relation_zh": f"{relation_type.zh}的反向关系",
                    "relation_en": f"the reverse of {relation_type.en}",
                    "allowed_zh": "任何地区均无此关系类型",
                    "allowed_en": "no region has such a relation type",
                },
            )
        )
    elif b_region is not None and not not_eligible:
        reasons += relation_allowed(reader, b_region, inverse)
    if not reader.get(params.AUTHORISER_MAY_BE_BENEFICIARY, region):
        reasons.append(
            Finding(
                ErrorCode.AUTHORISER_ALSO_BENEFICIARY,
                {"region": region, "name": a.name, "role_zh": "将是共济人", "role_en": "would be an authoriser"},
                reader.last(),
            )
        )
    if not reasons:
        return []
    why = reasons[0].refusal()
    return [
        Finding(
            ErrorCode.MIRROR_BINDING_IMPOSSIBLE,
            {
                "region": region,
                "authoriser": a.name,
                "beneficiary": b.name,
                "reason_zh": why.message_zh,
                "reason_en": why.message_en,
            },
            traces + reasons[0].traces,
        )
    ]


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
    kin: Sequence[Relation] = (),
) -> tuple[list[Finding], RuleReader]:
    """Every reason the authoriser may not bind this relative now (empty when the binding may be requested).
    ``kin`` are further relations of the family (the spouses' own) that the kinship check must agree with."""
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
    region, findings = eligible_authoriser(reader, authoriser)
    if region is None or findings:
        return findings, reader
    findings += beneficiary_insured(reader, region, beneficiary)
    findings += relation_allowed(reader, region, relation_type)
    problem = kinship_problem(
        a, b, relation_type, Kinship.of([*authoriser.relations, *beneficiary.relations, *kin], moment), family
    )
    if problem:
        findings.append(Finding(ErrorCode.RELATION_INCONSISTENT, {"reason_zh": problem[0], "reason_en": problem[1]}))
    b_region = beneficiary.region
    if b_region is not None:
        findings += geography_open(reader, region, b_region)

    open_pair = [
        r for r in open_now(authoriser.relations, moment) if r.beneficiary_id == b.id and r.authoriser_id == a.id
    ]
    if open_pair:
        findings.append(
            Finding(
                ErrorCode.DUPLICATE_RELATION,
                {"authoriser": a.name, "beneficiary": b.name, "relation_id": open_pair[0].id},
            )
        )
    mine = [r for r in open_now(authoriser.relations, moment) if r.authoriser_id == a.id]
    at_once = reader.get(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, region)
    if limit_reached(at_once, len(mine)):
        findings.append(
            Finding(
                ErrorCode.BENEFICIARY_LIMIT_REACHED,
                {"name": a.name, "limit": at_once, "count": len(mine)},
                reader.last(),
            )
        )
    lifetime = reader.get(params.MAX_BENEFICIARIES_LIFETIME_COUNT, region)
    ever = {r.beneficiary_id for r in authoriser.relations if r.authoriser_id == a.id and r.confirmed_at is not None}
    if b.id not in ever and limit_reached(lifetime, len(ever)):
        findings.append(Finding(ErrorCode.LIFETIME_LIMIT_REACHED, {"name": a.name, "limit": lifetime}, reader.last()))

    if b_region is not None:
        per_beneficiary = reader.get(params.AUTHORISERS_PER_BENEFICIARY_COUNT, b_region)
        others = [
            r for r in open_now(beneficiary.relations, moment) if r.beneficiary_id == b.id and r.authoriser_id != a.id
        ]
        if limit_reached(per_beneficiary, len(others)):
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
        if any(r.beneficiary_id == a.id for r in open_now(authoriser.relations, moment)):
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
        if any(r.authoriser_id == b.id for r in open_now(beneficiary.relations, moment)):
            findings.append(
                Finding(
                    ErrorCode.AUTHORISER_ALSO_BENEFICIARY,
                    {"region": region, "name": b.name, "role_zh": "是共济人", "role_en": "is an authoriser"},
                    reader.last(),
                )
            )
    findings += _mirror_impossible(reader, region, authoriser, beneficiary, relation_type, moment)
    changes = reader.get(params.CHANGES_PER_YEAR_COUNT, region)
    used = changes_this_year(authoriser.relations, a.id, moment)
    rebinding = any(
        _ended_by_authoriser(r) and r.authoriser_id == a.id and r.beneficiary_id == b.id for r in authoriser.relations
    )
    if rebinding and limit_reached(changes, used):
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
