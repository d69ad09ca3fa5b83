"""May X bind Y now? Every check of a binding request, each a :class:`~gongji.service.checks.Finding`.

A binding request is refused with the first finding; the portal's and the counter's forms show them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import (
    EndReason,
    Kinship,
    Relation,
    inverse_of,
    kinship_problem,
)
from gongji.domain.wording import Said
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

__all__ = ["binding_findings", "changes_this_year", "still_clear"]


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
        shown = {
            "region": region,
            "on": reader.on.isoformat(),
            "relation": Said(Phrase.REVERSE_OF_RELATION, {"relation": relation_type}),
            "allowed": Phrase.NO_REGION_HAS_THIS_RELATION,
        }
        reasons.append(Finding(ErrorCode.RELATION_TYPE_NOT_ALLOWED, shown))
    elif b_region is not None and not not_eligible:
        reasons += relation_allowed(reader, b_region, inverse)
    if not reader.get(params.AUTHORISER_MAY_BE_BENEFICIARY, region):
        shown = {"region": region, "name": a.name, "role": Phrase.WOULD_BE_AN_AUTHORISER}
        reasons.append(Finding(ErrorCode.AUTHORISER_ALSO_BENEFICIARY, shown, reader.last()))
    if not reasons:
        return []
    shown = {"region": region, "authoriser": a.name, "beneficiary": b.name, "reason": reasons[0].refusal().as_term()}
    return [Finding(ErrorCode.MIRROR_BINDING_IMPOSSIBLE, shown, traces + reasons[0].traces)]


@dataclass(frozen=True)
class _Request:
    """A binding request as the checks read it."""

    authoriser: Party
    beneficiary: Party
    relation_type: RelationType
    moment: datetime
    family: dict[int, Person]
    proof_reference: str | None
    commitment: bool
    valid_until: date | None
    kin: Sequence[Relation]

    def open_relations(self, party: Party) -> list[Relation]:
        """The party's relations that still count now."""
        return open_now(party.relations, self.moment)


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
    ``kin`` are further relations of the family (the spouses' own) that the kinship check must agree with.

    Of ``moment`` the checks read the day's rule values, its year and which relations are live: a check that reads
    more of it must be named in :func:`still_clear` too."""
    reader = RuleReader(book, moment.date())
    request = _Request(
        authoriser, beneficiary, relation_type, moment, family, proof_reference, commitment, valid_until, kin
    )
    if authoriser.person.id == beneficiary.person.id:
        return [Finding(ErrorCode.SELF_RELATION, {})], reader
    unavailable = _mutual_aid_unavailable(reader, authoriser)
    if unavailable:
        return unavailable, reader
    region, findings = eligible_authoriser(reader, authoriser)
    if region is None or findings:
        return findings, reader
    for check in (_who, _how_many, _exclusive, _mirror, _changes, _proof):
        findings += check(reader, region, request)
    return findings, reader


def still_clear(book: RuleBook, relations: Sequence[Relation], checked_at: datetime, moment: datetime) -> bool:
    """Whether a binding that :func:`binding_findings` found nothing against at ``checked_at`` is found clear again at
    ``moment``, asked about the same parties holding the same ``relations`` (theirs and the kin's): of the moment the
    checks read only the day's rule values, the year (the changes a year counts) and which relations are live then,
    and none of these moved in between. (Enrollments and ID numbers are read as they are, not as of a day.)"""
    return (
        checked_at.year == moment.year
        and book.same_on(min(checked_at, moment).date(), max(checked_at, moment).date())
        and all(r.is_live_at(checked_at) == r.is_live_at(moment) for r in relations)
    )


def _mutual_aid_unavailable(reader: RuleReader, authoriser: Party) -> list[Finding]:
    """Mutual aid is not (yet) available in the authoriser's region."""
    if authoriser.region is None:
        return []
    enabled = reader.book.find(params.MUTUAL_AID_ENABLED, authoriser.region, reader.on)
    if enabled is not None and enabled.value:
        return []
    traces = (enabled.trace,) if enabled else ()
    reader.traces.extend(traces)
    shown = {"region": authoriser.region, "on": reader.on.isoformat()}
    return [Finding(ErrorCode.MUTUAL_AID_NOT_AVAILABLE, shown, traces)]


def _who(reader: RuleReader, region: str, request: _Request) -> list[Finding]:
    """The relative is insured, the relation allowed and consistent with the family, the regions open to each other."""
    a, b = request.authoriser.person, request.beneficiary.person
    findings = beneficiary_insured(reader, region, request.beneficiary)
    findings += relation_allowed(reader, region, request.relation_type)
    relations = [*request.authoriser.relations, *request.beneficiary.relations, *request.kin]
    problem = kinship_problem(a, b, request.relation_type, Kinship.of(relations, request.moment), request.family)
    if problem:
        findings.append(Finding(ErrorCode.RELATION_INCONSISTENT, {"reason": problem}))
    if request.beneficiary.region is not None:
        findings += geography_open(reader, region, request.beneficiary.region)
    return findings


def _how_many(reader: RuleReader, region: str, request: _Request) -> list[Finding]:
    """Not a second open relation of the pair; within the limits on relatives at once, over a lifetime, and on the
    authorisers one relative may have (the relative's region's)."""
    a, b = request.authoriser.person, request.beneficiary.person
    findings = []
    mine = [r for r in request.open_relations(request.authoriser) if r.authoriser_id == a.id]
    pair = [r for r in mine if r.beneficiary_id == b.id]
    if pair:
        shown = {"authoriser": a.name, "beneficiary": b.name, "relation_id": pair[0].id}
        findings.append(Finding(ErrorCode.DUPLICATE_RELATION, shown))
    at_once = reader.get(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, region)
    if limit_reached(at_once, len(mine)):
        shown = {"name": a.name, "limit": at_once, "count": len(mine)}
        findings.append(Finding(ErrorCode.BENEFICIARY_LIMIT_REACHED, shown, reader.last()))
    lifetime = reader.get(params.MAX_BENEFICIARIES_LIFETIME_COUNT, region)
    relations = request.authoriser.relations
    ever = {r.beneficiary_id for r in relations if r.authoriser_id == a.id and r.confirmed_at is not None}
    if b.id not in ever and limit_reached(lifetime, len(ever)):
        findings.append(Finding(ErrorCode.LIFETIME_LIMIT_REACHED, {"name": a.name, "limit": lifetime}, reader.last()))
    b_region = request.beneficiary.region
    if b_region is not None:
        per_beneficiary = reader.get(params.AUTHORISERS_PER_BENEFICIARY_COUNT, b_region)
        others = [
            r
            for r in request.open_relations(request.beneficiary)
            if r.beneficiary_id == b.id and r.authoriser_id != a.id
        ]
        if limit_reached(per_beneficiary, len(others)):
            other = request.family.get(others[0].authoriser_id)
            shown = {
                "name": b.name,
                "other": other.name if other else str(others[0].authoriser_id),
                "region": b_region,
                "limit": per_beneficiary,
            }
            findings.append(Finding(ErrorCode.BENEFICIARY_ALREADY_BOUND, shown, reader.last()))
    return findings


def _exclusive(reader: RuleReader, region: str, request: _Request) -> list[Finding]:
    """Where an authoriser may not also be a beneficiary: neither side already plays the other role."""
    if reader.get(params.AUTHORISER_MAY_BE_BENEFICIARY, region):
        return []
    a, b = request.authoriser.person, request.beneficiary.person
    findings = []
    if any(r.beneficiary_id == a.id for r in request.open_relations(request.authoriser)):
        shown = {"region": region, "name": a.name, "role": Phrase.ALREADY_A_BENEFICIARY}
        findings.append(Finding(ErrorCode.AUTHORISER_ALSO_BENEFICIARY, shown, reader.last()))
    if any(r.authoriser_id == b.id for r in request.open_relations(request.beneficiary)):
        shown = {"region": region, "name": b.name, "role": Phrase.ALREADY_AN_AUTHORISER}
        findings.append(Finding(ErrorCode.AUTHORISER_ALSO_BENEFICIARY, shown, reader.last()))
    return findings


def _mirror(reader: RuleReader, region: str, request: _Request) -> list[Finding]:
    """Where bindings must be two-way, one the relative can never make back is refused now."""
    return _mirror_impossible(
        reader, region, request.authoriser, request.beneficiary, request.relation_type, request.moment
    )


def _changes(reader: RuleReader, region: str, request: _Request) -> list[Finding]:
    """Re-binding someone the authoriser ended counts against the region's changes a year."""
    a, b = request.authoriser.person, request.beneficiary.person
    changes = reader.get(params.CHANGES_PER_YEAR_COUNT, region)
    used = changes_this_year(request.authoriser.relations, a.id, request.moment)
    rebinding = any(
        _ended_by_authoriser(r) and r.authoriser_id == a.id and r.beneficiary_id == b.id
        for r in request.authoriser.relations
    )
    if not (rebinding and limit_reached(changes, used)):
        return []
    shown = {"name": a.name, "count": used, "region": region, "limit": changes}
    return [Finding(ErrorCode.CHANGES_LIMIT_REACHED, shown, reader.last())]


def _proof(reader: RuleReader, region: str, request: _Request) -> list[Finding]:
    """The proof the region asks for (a commitment, or documents), and an end date where bindings carry one."""
    findings = []
    proof = reader.get(params.BINDING_PROOF, region)
    missing = None
    if proof.value == "commitment" and not (request.commitment or request.proof_reference):
        missing = Phrase.PROOF_SIGNED_COMMITMENT
    if proof.value == "documents" and not request.proof_reference:
        missing = Phrase.PROOF_DOCUMENTS
    if missing is not None:
        findings.append(Finding(ErrorCode.PROOF_MISSING, {"region": region, "proof": missing}, reader.last()))
    if reader.get(params.BINDING_END_DATE_REQUIRED, region) and request.valid_until is None:
        findings.append(Finding(ErrorCode.END_DATE_REQUIRED, {"region": region}, reader.last()))
    return findings
