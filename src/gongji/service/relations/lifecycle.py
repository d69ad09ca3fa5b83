"""The life of a mutual-aid relation (共济关系): the authoriser requests, the relative (or a guardian of a young
relative) confirms or declines, and either side ends it.

Every write locks both people's rows first (in id order), so that the counts the checks rely on — relatives bound
at once, authorisers per beneficiary, changes this year — cannot be raced past.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta

from gongji.domain.codes import RelationType
from gongji.domain.commitment import commitment_text
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.notices import NoticeKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Channel, EndReason, Kinship, Relation, RelationState, RelationStatus
from gongji.domain.wording import Said
from gongji.rules import parameters as params
from gongji.service.binding_checks import binding_findings, changes_this_year
from gongji.service.checks import limit_reached
from gongji.service.context import Context
from gongji.service.ending import renumber_payers, settle_stale
from gongji.service.notices import notify
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.relations.common import (
    ADULT_AGE,
    MAX_NOTE_CHARS,
    confirmed_note,
    counter_operator,
    event,
    family_people,
    get_person,
    get_relation,
    next_position,
    party,
    refuse_state,
    relation_view,
    require_per_relation_quota,
    spouses_on_record,
)
from gongji.service.relations.guardians import check_acts_for, check_confirmer, face_age
from gongji.service.views import RelationView

__all__ = [
    "ConfirmBinding",
    "DeclineBinding",
    "EndRelation",
    "RequestBinding",
    "confirm_binding",
    "decline_binding",
    "end_relation",
    "request_binding",
]


@dataclass(frozen=True)
class RequestBinding:
    """共济人申请绑定亲属. ``relation_type`` is who the beneficiary is to the authoriser. At the counter, with the
    documents checked by ``operator``, the binding takes effect at once; online it waits for the relative."""

    authoriser: str
    beneficiary: str
    relation_type: RelationType
    channel: Channel = Channel.ONLINE
    operator: str | None = None
    proof_reference: str | None = None
    commitment: bool = False
    valid_until: date | None = None
    quota_fen: int | None = None


@dataclass(frozen=True)
class ConfirmBinding:
    """The beneficiary confirms (with his own face verification from the region's age, 16 nationally), or a guardian
    confirms for a relative below that age."""

    relation_id: int
    confirmer: str
    face_token: str | None = None


@dataclass(frozen=True)
class DeclineBinding:
    """The beneficiary (or a guardian, for a relative below the face-verification age) says no to a request."""

    relation_id: int
    by: str


@dataclass(frozen=True)
class EndRelation:
    """Either side asks to end a relation; at the counter an operator ends it at once."""

    relation_id: int
    by: str | None = None
    channel: Channel = Channel.ONLINE
    operator: str | None = None
    note: str | None = None


def _spouses_relations(
    uow: UnitOfWork, relations: Iterable[Relation], names: dict[int, Person], *people: int
) -> list[Relation]:
    """The relations of the people's spouses on record: what they say about the spouses' parents is what a
    parent-in-law (配偶父母) binding must agree with. Everyone they name is added to ``names``."""
    spouses = spouses_on_record(relations, people)
    if not spouses:
        return []
    found = uow.relations.of_people(spouses)
    named = {i for r in found for i in (r.authoriser_id, r.beneficiary_id)} - names.keys()
    names.update(uow.people.get_many(named))
    return found


def _validated_proof(cmd: RequestBinding) -> str | None:
    if cmd.quota_fen is not None and cmd.quota_fen < 0:
        raise InvalidInput(ErrorCode.AMOUNT_INVALID, value=str(cmd.quota_fen), reason=Phrase.MUST_NOT_BE_NEGATIVE)
    proof_reference = (cmd.proof_reference or "").strip() or None
    if proof_reference and len(proof_reference) > MAX_NOTE_CHARS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="proof_reference",
            reason=Said(Phrase.AT_MOST_CHARS, {"max": MAX_NOTE_CHARS}),
        )
    if cmd.channel is Channel.COUNTER and not proof_reference:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="proof_reference", reason=Phrase.COUNTER_RECORDS_PROOF)
    return proof_reference


def _who_confirms(
    ctx: Context, uow: UnitOfWork, request: Relation, beneficiary: Person, family: Iterable[Relation], now: datetime
) -> list[int]:
    """Who may answer ``request`` (as :func:`~gongji.service.relations.guardians.check_confirmer` judges it): the
    beneficiary himself from the region's face-verification age, below it his adult guardians as the family's live
    relations name them. The authoriser is never among them: he made the request, he need not be told of it."""
    if beneficiary.age_on(now.date()) >= face_age(ctx, request, now):
        return [beneficiary.id]
    guardians = Kinship.of(family, now).guardians_of(request) - {request.authoriser_id}
    adults = uow.people.get_many(guardians)
    return sorted(i for i, person in adults.items() if person.age_on(now.date()) >= ADULT_AGE)


def _tell_who_confirms(
    ctx: Context,
    uow: UnitOfWork,
    request: Relation,
    authoriser: Person,
    beneficiary: Person,
    family: Iterable[Relation],
    now: datetime,
) -> None:
    """Notify everyone who may confirm an online request that it waits for them, and until when (in the clock's
    time zone): both names and the expiry only, no ID numbers, in the request's transaction."""
    assert request.expires_at is not None
    shown = {
        "authoriser": authoriser.name,
        "beneficiary": beneficiary.name,
        "due": f"{request.expires_at.astimezone(now.tzinfo):%Y-%m-%d %H:%M}",
    }
    for person_id in _who_confirms(ctx, uow, request, beneficiary, family, now):
        notify(uow, person_id, NoticeKind.BINDING_WAITING, shown, now)


def request_binding(ctx: Context, cmd: RequestBinding, *, key: str) -> RelationView:
    """共济人申请绑定: every check of :func:`gongji.service.binding_checks.binding_findings`; refused with the first
    that fails. Online the request waits for the relative (and expires), and whoever may confirm it — the relative,
    or for a young relative his guardians — is notified; at the counter it is effective at once."""
    operator = counter_operator(cmd.channel, cmd.operator)
    proof_reference = _validated_proof(cmd)

    def handler(uow: UnitOfWork) -> RelationView:
        authoriser = resolve_person(uow, cmd.authoriser)
        beneficiary = resolve_person(uow, cmd.beneficiary)
        uow.people.lock([authoriser.id, beneficiary.id])
        now = ctx.clock.now()
        settle_stale(uow, [authoriser.id, beneficiary.id], now)
        a, b = party(uow, authoriser), party(uow, beneficiary)
        names = family_people(uow, a, b)
        findings, reader = binding_findings(
            ctx.rules,
            a,
            b,
            cmd.relation_type,
            now,
            family=names,
            proof_reference=proof_reference,
            commitment=cmd.commitment,
            valid_until=cmd.valid_until,
            kin=_spouses_relations(uow, [*a.relations, *b.relations], names, authoriser.id, beneficiary.id),
        )
        if findings:
            raise findings[0].refusal()
        region = a.region
        assert region is not None
        assert b.region is not None
        if cmd.quota_fen is not None:
            require_per_relation_quota(ctx, region, now.date())
        proof_kind = "documents" if proof_reference else "commitment"
        signed = None
        if proof_kind == "commitment":
            signed = commitment_text(authoriser, beneficiary, cmd.relation_type, now)
        counter = cmd.channel is Channel.COUNTER
        valid_days = reader.get(params.BINDING_REQUEST_VALID_DAYS, region)
        relation = Relation(
            id=0,
            authoriser_id=authoriser.id,
            beneficiary_id=beneficiary.id,
            relation_type=cmd.relation_type,
            status=RelationStatus.ACTIVE if counter else RelationStatus.REQUESTED,
            channel=cmd.channel,
            region=region,
            beneficiary_region=b.region,
            requested_at=now,
            expires_at=None if counter else now + timedelta(days=valid_days),
            proof_kind=proof_kind,
            proof_reference=proof_reference,
            commitment_text=signed,
            operator=operator,
            confirmed_at=now if counter else None,
            confirmed_by_id=None,
            effective_from=now if counter else None,
            valid_until=cmd.valid_until,
            order_position=next_position(b.relations, beneficiary.id) if counter else None,
            quota_fen=cmd.quota_fen,
        )
        stored = uow.relations.add(relation)
        note = signed or Said(Phrase.NOTE_DOCUMENTS, {"reference": proof_reference})
        uow.relations.add_event(stored.id, event("requested", now, authoriser, cmd.channel, operator, note))
        if counter:
            checked = event("confirmed", now, None, cmd.channel, operator, Phrase.NOTE_CHECKED_AT_COUNTER)
            uow.relations.add_event(stored.id, checked)
        else:
            _tell_who_confirms(ctx, uow, stored, authoriser, beneficiary, [*a.relations, *b.relations, stored], now)
        return relation_view(uow, stored, now, names)

    request = asdict(cmd) | {
        "authoriser": cmd.authoriser.strip().upper(),
        "beneficiary": cmd.beneficiary.strip().upper(),
    }
    return ctx.write(key=key, operation="relation.request", request=request, result_type=RelationView, handler=handler)


def confirm_binding(ctx: Context, cmd: ConfirmBinding, *, key: str) -> RelationView:
    """被共济人确认: the request must still be open; every binding check runs again (things may have changed);
    the relation becomes active, effective after the region's waiting period, last in the beneficiary's order."""

    def handler(uow: UnitOfWork) -> RelationView:
        relation = get_relation(uow, cmd.relation_id)
        confirmer = resolve_person(uow, cmd.confirmer)
        uow.people.lock([relation.authoriser_id, relation.beneficiary_id])
        now = ctx.clock.now()
        state = relation.state_at(now)
        if state is not RelationState.REQUESTED:
            raise refuse_state(relation, state, Phrase.ACT_CONFIRM_BINDING)
        authoriser = get_person(uow, relation.authoriser_id)
        beneficiary = get_person(uow, relation.beneficiary_id)
        a, b = party(uow, authoriser), party(uow, beneficiary)
        kinship = Kinship.of([*a.relations, *b.relations], now)
        face_reference = check_confirmer(ctx, relation, beneficiary, confirmer, kinship, cmd.face_token, now)
        others = [r for r in a.relations if r.id != relation.id]
        names = family_people(uow, a, b) | {confirmer.id: confirmer}
        findings, reader = binding_findings(
            ctx.rules,
            replace(a, relations=others),
            replace(b, relations=[r for r in b.relations if r.id != relation.id]),
            relation.relation_type,
            now,
            family=names,
            proof_reference=relation.proof_reference,
            commitment=relation.commitment_text is not None,
            valid_until=relation.valid_until,
            kin=[
                r
                for r in _spouses_relations(uow, [*a.relations, *b.relations], names, authoriser.id, beneficiary.id)
                if r.id != relation.id
            ],
        )
        # The request was counted against the yearly change limit when it was made: confirming changes nothing more.
        findings = [f for f in findings if f.code is not ErrorCode.CHANGES_LIMIT_REACHED]
        if findings:
            raise findings[0].refusal()
        waiting = reader.get(params.WAITING_PERIOD_DAYS, relation.region)
        confirmed = replace(
            relation,
            status=RelationStatus.ACTIVE,
            confirmed_at=now,
            confirmed_by_id=confirmer.id,
            effective_from=now + timedelta(days=waiting),
            order_position=next_position(b.relations, beneficiary.id),
        )
        uow.relations.save(confirmed)
        note = confirmed_note(confirmer.id == beneficiary.id, face_reference, waiting)
        uow.relations.add_event(relation.id, event("confirmed", now, confirmer, Channel.ONLINE, None, note))
        return relation_view(uow, confirmed, now, names)

    request = asdict(cmd) | {"confirmer": cmd.confirmer.strip().upper()}
    return ctx.write(key=key, operation="relation.confirm", request=request, result_type=RelationView, handler=handler)


def decline_binding(ctx: Context, cmd: DeclineBinding, *, key: str) -> RelationView:
    """被共济人拒绝 a request (the beneficiary, or a guardian for a relative below the face-verification age)."""

    def handler(uow: UnitOfWork) -> RelationView:
        relation = get_relation(uow, cmd.relation_id)
        by = resolve_person(uow, cmd.by)
        now = ctx.clock.now()
        state = relation.state_at(now)
        if state is not RelationState.REQUESTED:
            raise refuse_state(relation, state, Phrase.ACT_DECLINE_BINDING)
        beneficiary = get_person(uow, relation.beneficiary_id)
        if by.id != beneficiary.id:
            family = uow.relations.of_people([relation.authoriser_id, relation.beneficiary_id])
            check_acts_for(relation, beneficiary, by, Kinship.of(family, now), now, face_age(ctx, relation, now))
        declined = replace(relation, status=RelationStatus.DECLINED, ended_at=now)
        uow.relations.save(declined)
        uow.relations.add_event(relation.id, event("declined", now, by, Channel.ONLINE, None, None))
        return relation_view(uow, declined, now, family_people(uow, party(uow, beneficiary)))

    request = asdict(cmd) | {"by": cmd.by.strip().upper()}
    return ctx.write(key=key, operation="relation.decline", request=request, result_type=RelationView, handler=handler)


def _check_change_allowed(ctx: Context, uow: UnitOfWork, relation: Relation, by: Person, now: datetime) -> None:
    """An authoriser ending a relation in force changes his set of relatives: refused once the region's yearly
    changes are used (:func:`gongji.service.binding_checks.changes_this_year`). The relative ending it, withdrawing
    a request never confirmed, and the counter are not limited."""
    if by.id != relation.authoriser_id or relation.confirmed_at is None:
        return
    limit = ctx.rules.resolve(params.CHANGES_PER_YEAR_COUNT, relation.region, now.date()).value
    used = changes_this_year(uow.relations.of_person(by.id), by.id, now)
    if limit_reached(limit, used):
        raise Refused(ErrorCode.CHANGES_LIMIT_REACHED, name=by.name, count=used, region=relation.region, limit=limit)


def end_relation(ctx: Context, cmd: EndRelation, *, key: str) -> RelationView:
    """解除共济关系. Either side may ask; where the region requires both sides (解除绑定需双方确认) the relation ends
    when the other side asks too. An operator at the counter ends it at once."""
    operator = counter_operator(cmd.channel, cmd.operator)
    if cmd.channel is Channel.ONLINE and not cmd.by:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="by", reason=Phrase.SAY_WHICH_SIDE_ENDS)
    note = (cmd.note or "").strip()[:MAX_NOTE_CHARS] or None

    def handler(uow: UnitOfWork) -> RelationView:
        relation = get_relation(uow, cmd.relation_id)
        by = resolve_person(uow, cmd.by) if cmd.by else None
        uow.people.lock([relation.authoriser_id, relation.beneficiary_id])
        now = ctx.clock.now()
        state = relation.state_at(now)
        if not relation.is_open or state in (RelationState.EXPIRED, RelationState.ENDED):
            raise refuse_state(relation, state, Phrase.ACT_END_RELATION)
        if by is not None and not relation.involves(by.id):
            raise Refused(ErrorCode.NOT_A_PARTY, name=by.name, relation_id=relation.id, role=Phrase.PARTY_EITHER)
        if operator is None and by is not None:
            _check_change_allowed(ctx, uow, relation, by, now)
        both = ctx.rules.resolve(params.UNBINDING_NEEDS_BOTH_SIDES, relation.region, now.date()).value
        if operator is not None:
            reason: EndReason | None = EndReason.AT_COUNTER
        elif relation.status is RelationStatus.REQUESTED or not both:
            assert by is not None
            reason = EndReason.BY_AUTHORISER if by.id == relation.authoriser_id else EndReason.BY_BENEFICIARY
        elif relation.end_requested_by_id is None:
            reason = None
        elif by is not None and relation.end_requested_by_id != by.id:
            reason = EndReason.BY_BOTH
        else:
            raise refuse_state(relation, state, Phrase.ACT_ASK_END_AGAIN)
        if reason is None:
            assert by is not None
            changed = replace(relation, end_requested_by_id=by.id)
            uow.relations.save(changed)
            pending = note or Phrase.NOTE_END_AWAITS_OTHER_SIDE
            uow.relations.add_event(relation.id, event("end_requested", now, by, cmd.channel, operator, pending))
        else:
            changed = replace(
                relation, status=RelationStatus.ENDED, ended_at=now, end_reason=reason, order_position=None
            )
            uow.relations.save(changed)
            uow.relations.add_event(relation.id, event("ended", now, by, cmd.channel, operator, note or reason))
            renumber_payers(uow, relation.beneficiary_id)
        named = by or get_person(uow, relation.authoriser_id)
        return relation_view(uow, changed, now, family_people(uow, party(uow, named)))

    request = asdict(cmd) | {"by": cmd.by.strip().upper() if cmd.by else None}
    return ctx.write(key=key, operation="relation.end", request=request, result_type=RelationView, handler=handler)
