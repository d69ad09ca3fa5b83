"""Automatic end of relations: when either side's basic insurance terminates or moves to another pooling region,
every relation the person is in ends in the same transaction, with the reason (2026-01-09 national notice)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Channel, EndReason, RelationEvent, RelationStatus
from gongji.domain.wording import Said, Term
from gongji.service.ports import UnitOfWork

__all__ = ["end_relations_of", "renumber_payers", "settle_stale"]


def end_relations_of(uow: UnitOfWork, person: Person, reason: EndReason, at: datetime, cause: Term) -> int:
    """End every open relation (requested or active) the person is in; return how many ended. Each ending's note
    names the reason, the person and the ``cause`` (the enrollment's end reason, or the move between regions)."""
    note = Said(Phrase.NOTE_ENDED_WITH, {"reason": reason, "name": person.name, "cause": cause})
    ended = 0
    for relation in uow.relations.of_person(person.id):
        if not relation.is_open:
            continue
        closed = replace(relation, status=RelationStatus.ENDED, ended_at=at, end_reason=reason, order_position=None)
        uow.relations.save(closed)
        uow.relations.add_event(relation.id, RelationEvent("ended", at, None, None, Channel.COUNTER, note))
        ended += 1
        renumber_payers(uow, relation.beneficiary_id)
    return ended


def renumber_payers(uow: UnitOfWork, beneficiary_id: int) -> None:
    """Close the gaps in a beneficiary's payer order after a relation ends (1, 2, 3 … in the same order)."""
    active = sorted(
        (
            r
            for r in uow.relations.of_person(beneficiary_id)
            if r.beneficiary_id == beneficiary_id and r.status is RelationStatus.ACTIVE
        ),
        key=lambda r: (r.order_position or 10_000, r.id),
    )
    for position, relation in enumerate(active, start=1):
        if relation.order_position != position:
            uow.relations.save(replace(relation, order_position=position))


def settle_stale(uow: UnitOfWork, person_ids: Iterable[int], at: datetime) -> None:
    """Store what time has already decided: requests past their expiry become expired, relations past their end
    date become ended (so that the pair may be bound again and the order has no gap). Runs at the start of every
    relation write, under the people's locks."""
    for person_id in set(person_ids):
        for relation in uow.relations.of_person(person_id):
            stale = relation.stale_at(at)
            if stale is None:
                continue
            status, reason = stale
            settled = replace(
                relation,
                status=status,
                end_reason=reason,
                ended_at=at if reason else relation.ended_at,
                order_position=None,
            )
            uow.relations.save(settled)
            kind, note = ("expired", Phrase.NOTE_NOT_CONFIRMED_IN_TIME) if reason is None else ("ended", reason)
            uow.relations.add_event(relation.id, RelationEvent(kind, at, None, None, relation.channel, note))
            if reason is not None:
                renumber_payers(uow, relation.beneficiary_id)
