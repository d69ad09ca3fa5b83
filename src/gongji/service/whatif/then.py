"""A family as it stood at a settlement's moment, rebuilt from the relations' final rows.

A replay reads relations as they are stored now; a relation ended, expired or confirmed since was in another state
when an earlier settlement was made. :func:`state_then` says which state, from the relation's dates alone.

Within a year most of a family's settlements see its relations in the same states, so :func:`family_then` builds the
family once per combination of states and hands the same object to every settlement that sees that combination
(kept in the replay's :class:`~gongji.service.whatif.memory.FamilyMemory`). The combination is exactly what the
building reads of the moment: which state each relation of the patient stood in (:func:`state_then`) and whether it
was live, and which state each relation of her payers stood in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from gongji.domain.people import Person
from gongji.domain.relations import Relation, RelationStatus
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.family import Family, load_family
from gongji.service.whatif.memory import FamilyMemory

__all__ = ["AS_STORED", "OPEN_ACTIVE", "OPEN_REQUESTED", "REQUESTED_THEN", "family_then", "state_then"]

#: The states :func:`state_then` tells apart: as stored; still open then, confirmed; still open then, only
#: requested; confirmed since (a request then).
AS_STORED, OPEN_ACTIVE, OPEN_REQUESTED, REQUESTED_THEN = range(4)


def state_then(relation: Relation, moment: datetime) -> int:
    """Which state ``relation``'s final row stood for at ``moment``: one ended or decided since was still open then
    (confirmed or not yet), one confirmed since was a request."""
    if not relation.is_open:  # ended, expired or declined
        closed = relation.ended_at or (relation.expires_at if relation.status is RelationStatus.EXPIRED else None)
        if closed is None or closed <= moment:
            return AS_STORED
        confirmed = relation.confirmed_at is not None and relation.confirmed_at <= moment
        return OPEN_ACTIVE if confirmed else OPEN_REQUESTED
    if (
        relation.status is RelationStatus.ACTIVE
        and relation.confirmed_at is not None
        and relation.confirmed_at > moment
    ):
        return REQUESTED_THEN
    return AS_STORED


def _in_state(relation: Relation, state: int) -> Relation:
    """``relation`` in the ``state`` of :func:`state_then` (its quota is today's: its history is not read back)."""
    if state == AS_STORED:
        return relation
    if state == REQUESTED_THEN:
        return replace(relation, status=RelationStatus.REQUESTED)
    status = RelationStatus.ACTIVE if state == OPEN_ACTIVE else RelationStatus.REQUESTED
    return replace(relation, status=status, ended_at=None, end_reason=None, end_requested_by_id=None)


def _then(memory: FamilyMemory, relation: Relation, state: int, unordered: bool = False) -> Relation:
    """``relation`` (a stored row) in ``state`` (without its place in the payer order when ``unordered``): one object
    per relation, state and order."""
    if state == AS_STORED and not unordered:
        return relation
    key = (relation.id, state, unordered)
    found = memory.relations_then.get(key)
    if found is None:
        found = _in_state(relation, state)
        if unordered:
            found = replace(found, order_position=None)
        memory.relations_then[key] = found
    return found


def _own_then(memory: FamilyMemory, now: Sequence[Relation], states: tuple[int, ...]) -> list[Relation]:
    """The patient's relations in their ``states``."""
    # A relation ended since lost its place in her payer order, and the others moved up: with no history of the
    # order, the relations of then pay in the order they were bound (the order a new binding is given).
    unordered = any(state != AS_STORED for state in states)
    return [_then(memory, relation, state, unordered) for relation, state in zip(now, states, strict=True)]


def family_then(uow: UnitOfWork, memory: FamilyMemory, patient: Person, moment: datetime) -> Family:
    """The patient's family as her relations stood at ``moment``: the same object for every moment at which they
    stood alike (see the module docstring)."""
    now = memory.relations_of(patient.id)
    states = tuple(state_then(relation, moment) for relation in now)
    own = _own_then(memory, now, states)
    key = (patient.id, states, tuple(relation.is_live_at(moment) for relation in own))
    built = memory.families_then.get(key)
    if built is None:
        family = load_family(uow, patient, moment, lock=False, relations=own, reader=memory)
        built = memory.families_then[key] = (family, {})
    family, by_others = built
    others = family.relations_of_people
    others_states = tuple(state_then(r, moment) for relations in others.values() for r in relations)
    found = by_others.get(others_states)
    if found is None:
        states_of = iter(others_states)
        then = {person: [_then(memory, r, next(states_of)) for r in relations] for person, relations in others.items()}
        found = by_others[others_states] = replace(family, relations_of_people=then)
    return found
