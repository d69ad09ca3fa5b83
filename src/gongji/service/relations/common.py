"""What the relation use cases share: reading the parties, showing a relation, recording an event, and the refusals
every write may give (a relation in the wrong state, a counter action without its operator)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Channel, Relation, RelationEvent, RelationState, RelationStatus
from gongji.domain.wording import Said, Term
from gongji.rules import parameters as params
from gongji.rules.schema import QuotaModel
from gongji.service.account_query import quota_used
from gongji.service.checks import Party
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.views import RelationEventView, RelationView

__all__ = [
    "ADULT_AGE",
    "MAX_NOTE_CHARS",
    "MAX_OPERATOR_CHARS",
    "confirmed_note",
    "counter_operator",
    "event",
    "family_people",
    "get_person",
    "get_relation",
    "next_position",
    "party",
    "refuse_state",
    "relation_view",
    "require_per_relation_quota",
    "spouses_on_record",
]

#: Full civil capacity (完全民事行为能力): a guardian must be this old, and acts for a relative below it.
ADULT_AGE = 18
MAX_NOTE_CHARS = 200
MAX_OPERATOR_CHARS = 64


def party(uow: UnitOfWork, person: Person) -> Party:
    """The person with his enrollments and every relation he is in."""
    return Party(person, uow.enrollments.for_person(person.id), uow.relations.of_person(person.id))


def family_people(uow: UnitOfWork, *parties: Party) -> dict[int, Person]:
    """The parties and everyone their relations name, by id."""
    ids = {p.person.id for p in parties}
    for one in parties:
        for r in one.relations:
            ids |= {r.authoriser_id, r.beneficiary_id}
    return uow.people.get_many(ids)


def get_relation(uow: UnitOfWork, relation_id: int) -> Relation:
    """The relation, or ``RELATION_NOT_FOUND``."""
    relation = uow.relations.get(relation_id)
    if relation is None:
        raise NotFound(ErrorCode.RELATION_NOT_FOUND, relation_id=relation_id)
    return relation


def get_person(uow: UnitOfWork, person_id: int) -> Person:
    """A person known to exist (named by a stored relation or link)."""
    person = uow.people.get(person_id)
    assert person is not None
    return person


def relation_view(uow: UnitOfWork, relation: Relation, moment: datetime, names: dict[int, Person]) -> RelationView:
    """One relation as shown, with its quota use this year and its whole history. Everyone the relation or its
    events name is named (a counter operator, a guardian or anyone refused nothing still appears by name)."""
    events = uow.relations.events(relation.id)
    named: Iterable[int | None] = (
        relation.confirmed_by_id,
        relation.end_requested_by_id,
        *(e.actor_person_id for e in events),
    )
    missing = {i for i in named if i is not None and i not in names}
    if missing:
        names = names | uow.people.get_many(missing)
    state = relation.state_at(moment)
    used = quota_used(uow, relation.id, moment.year)

    def name(person_id: int | None) -> str | None:
        return names[person_id].name if person_id in names else None

    return RelationView(
        id=relation.id,
        authoriser_id=relation.authoriser_id,
        authoriser=name(relation.authoriser_id) or str(relation.authoriser_id),
        beneficiary_id=relation.beneficiary_id,
        beneficiary=name(relation.beneficiary_id) or str(relation.beneficiary_id),
        relation_type=relation.relation_type.value,
        relation_zh=relation.relation_type.zh,
        state=state.value,
        state_zh=state.zh,
        channel=relation.channel.value,
        region=relation.region,
        requested_at=relation.requested_at,
        expires_at=relation.expires_at,
        confirmed_at=relation.confirmed_at,
        confirmed_by=name(relation.confirmed_by_id),
        effective_from=relation.effective_from,
        valid_until=relation.valid_until,
        ended_at=relation.ended_at,
        end_reason=relation.end_reason.value if relation.end_reason else None,
        end_reason_zh=relation.end_reason.zh if relation.end_reason else None,
        end_requested_by=name(relation.end_requested_by_id),
        order_position=relation.order_position,
        quota_fen=relation.quota_fen,
        quota_used_fen=used,
        quota_left_fen=None if relation.quota_fen is None else max(relation.quota_fen - used, 0),
        proof_kind=relation.proof_kind,
        proof_reference=relation.proof_reference,
        events=[
            RelationEventView(
                kind=e.kind,
                at=e.at,
                actor=name(e.actor_person_id),
                operator=e.operator,
                channel=e.channel.value,
                note=e.note,
            )
            for e in events
        ],
    )


def event(
    kind: str, at: datetime, actor: Person | None, channel: Channel, operator: str | None, note: str | Term | None
) -> RelationEvent:
    """One step of a relation's life, with who did it (a person, or a counter operator), through which channel, and
    its note: a term, or an operator's own words."""
    return RelationEvent(kind, at, actor.id if actor else None, operator, channel, note)


def counter_operator(channel: Channel, operator: str | None) -> str | None:
    """The operator of a counter action (required there, 1 to 64 characters); ``None`` online."""
    if channel is Channel.COUNTER:
        if not operator or not operator.strip() or len(operator) > MAX_OPERATOR_CHARS:
            raise InvalidInput(
                ErrorCode.FIELD_INVALID,
                field="operator",
                reason=Said(Phrase.COUNTER_NAMES_OPERATOR, {"max": MAX_OPERATOR_CHARS}),
            )
        return operator.strip()
    return None


def refuse_state(relation: Relation, state: RelationState, action: Phrase) -> Refused:
    """The refusal of an action the relation's state does not allow (an expired request says when it expired)."""
    if state is RelationState.EXPIRED:
        assert relation.expires_at is not None
        return Refused(
            ErrorCode.REQUEST_EXPIRED, relation_id=relation.id, expired_at=relation.expires_at.date().isoformat()
        )
    return Refused(ErrorCode.RELATION_NOT_PENDING, relation_id=relation.id, state=state, action=action)


def spouses_on_record(relations: Iterable[Relation], people: Sequence[int]) -> set[int]:
    """The spouses ``relations`` name for any of ``people`` (themselves left out): their own relations say who the
    spouses' parents are, which a parent-in-law (配偶父母) binding must agree with."""
    return {
        other
        for r in relations
        if r.relation_type is RelationType.SPOUSE
        for person in people
        if r.involves(person)
        for other in (r.authoriser_id, r.beneficiary_id)
        if other not in people
    }


def next_position(relations: Sequence[Relation], beneficiary_id: int) -> int:
    """The position after the beneficiary's last active payer."""
    positions = [
        r.order_position
        for r in relations
        if r.beneficiary_id == beneficiary_id and r.status is RelationStatus.ACTIVE and r.order_position
    ]
    return max(positions, default=0) + 1


def require_per_relation_quota(ctx: Context, region: str, on: date) -> None:
    """Refuse a quota set for one relative where the region's quota is shared or a yearly share."""
    model = ctx.rules.resolve(params.QUOTA_MODEL, region, on).value
    if model is not QuotaModel.PER_RELATION:
        raise Refused(ErrorCode.QUOTA_NOT_PER_RELATION, region=region, model=model)


def confirmed_note(himself: bool, face_reference: str | None, waiting_days: int) -> Said:
    """Who confirmed (the relative himself, or a guardian), the face verification or why none was needed, and the
    waiting period before the relation pays."""
    shown = {
        "who": Phrase.CONFIRMED_BY_SELF if himself else Phrase.CONFIRMED_BY_GUARDIAN,
        "face": Said(Phrase.FACE_VERIFIED, {"reference": face_reference}) if face_reference else Phrase.BELOW_FACE_AGE,
    }
    if waiting_days:
        return Said(Phrase.NOTE_CONFIRMED_WAITING, shown | {"days": waiting_days})
    return Said(Phrase.NOTE_CONFIRMED, shown)
