"""The binding requests, confirmations and ends of one synthetic family up to the end of a year, each decided by the
rules as the binding use cases decide it (pure: no I/O).

Employees choose relatives to bind (the model's rates, by who the relative is); each request is made online with a
signed commitment at a moment before or during the year, and checked by
:func:`~gongji.service.binding_checks.binding_findings` against the family's relations at that moment — a refused
request leaves a :class:`~gongji.synth.binding_state.Refusal` and nothing else. A request is confirmed a few days
later by whoever may answer it (the relative from the region's face-verification age, below it a guardian the
family's relations name), and checked again then, as ``confirm_binding`` does — unless the check must find what the
request's found (nothing of the family changed since, and the checks would read the same rules and the same live
relations: :func:`~gongji.service.binding_checks.still_clear`); one nobody confirms expires, and is stored as expired
the next time one of its two people makes a request (``settle_stale``). Some confirmed relations
are ended by their authoriser later in the year, within the region's yearly changes.

What each step writes (:class:`~gongji.synth.binding_state.FamilyState`) — the relation, its events, the notices to
whoever may confirm — is what the use cases write for the same step; ``tests/integration/test_synth_province.py``
replays a small province through the use cases and compares every row.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any

from gongji.domain.codes import RelationType
from gongji.domain.enrollment import Enrollment
from gongji.domain.people import Person
from gongji.domain.relations import Relation
from gongji.rules.book import RuleBook
from gongji.service.clock import SHANGHAI
from gongji.service.verification import FaceVerifier
from gongji.synth.binding_state import FamilyState, FamilyYear
from gongji.synth.figures import Bindings
from gongji.synth.fraud import Request
from gongji.synth.population import Family, relations_in

__all__ = ["CareStep", "family_year"]

#: A step of a year of care, called at its moment with the family's relations as they then are.
CareStep = Callable[[datetime, list[Relation]], None]


@dataclass
class _Step:
    at: datetime
    order: int
    kind: str
    payload: Any = field(compare=False)

    def __lt__(self, other: _Step) -> bool:
        return (self.at, self.order) < (other.at, other.order)


def _moment(rng: random.Random, first: date, last: date) -> datetime:
    """A moment between ``first`` and ``last`` (inclusive), in working hours more often than not."""
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    hour = rng.choice(_HOURS)
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), SHANGHAI)


#: Hours of the day people ask and confirm online: mostly daytime and evening.
_HOURS = (7, 8, 9, 9, 10, 10, 10, 11, 11, 12, 13, 14, 14, 15, 15, 16, 16, 17, 18, 19, 20, 20, 21, 21, 22, 23)


def _requests(
    family: Family, people: dict[int, Person], model: Bindings, year: int, rng: random.Random, first_id: int
) -> list[tuple[datetime, tuple[int, int, RelationType]]]:
    """Who asks to bind whom, and when: each employee who binds asks for some of his relatives, before or during the
    year, never before both are registered (a child born since is registered a week after birth)."""
    asked = []
    end_of_year = date(year, 12, 31)
    relation_between = relations_in(family)
    for employee in (p for p in family.people if p.is_employee):
        if rng.random() >= model.binding_rate:
            continue
        for other in family.people:
            kind = relation_between(employee.number, other.number) if other is not employee else None
            if kind is None or rng.random() >= model.chance(kind):
                continue
            before = rng.random() < model.before_year_share
            first, last = (model.since, date(year - 1, 12, 31)) if before else (date(year, 1, 1), end_of_year)
            registered = max(people[p.number + first_id].registered_at for p in (employee, other)).date()
            if registered >= last:
                continue
            at = _moment(rng, max(first, registered + timedelta(days=1)), last)
            asked.append((at, (employee.number + first_id, other.number + first_id, kind)))
    return asked


def family_year(
    family: Family,
    people: dict[int, Person],
    enrollments: dict[int, Enrollment],
    *,
    book: RuleBook,
    face: FaceVerifier,
    model: Bindings,
    year: int,
    rng: random.Random,
    first_id: int,
    care: Callable[[list[int]], Iterable[tuple[datetime, CareStep]]] = lambda beneficiaries: (),
    fictitious: Callable[[list[Request]], list[Request]] = lambda asked: [],
) -> FamilyYear:
    """The family's binding steps from ``model.since`` to the end of ``year``, in time order: the requests, each
    confirmed a few hours or days later (or left to expire), some ended later still. ``people`` and ``enrollments``
    are by person id, the family's person numbers mapped to ids as ``number + first_id``. ``care`` gives, for the
    people some employee asks to bind (by id), the steps of their year of care; each is called at its moment with
    the family's relations as they then are, in time order with the binding steps. ``fictitious`` gives the requests
    of fictitious relatives to inject (``--fraud``); each is confirmed three hours later, on its own, so that the
    honest steps draw the same numbers with or without it."""
    state = FamilyState(people, enrollments, book, face)
    order = count()
    asked = _requests(family, people, model, year, rng, first_id)
    steps = [_Step(at, next(order), "request", request) for at, request in asked]
    beneficiaries = sorted({request[1] for _, request in asked})
    steps += [_Step(at, next(order), "care", act) for at, act in care(beneficiaries)]
    steps += [_Step(at, next(order), "fictitious", request) for at, request in fictitious(asked)]
    heapq.heapify(steps)
    horizon = datetime.combine(date(year, 12, 31), time(23, 59, 59), SHANGHAI)
    while steps:
        step = heapq.heappop(steps)
        if step.at > horizon:
            continue
        if step.kind == "request":
            relation = state.request(step.at, *step.payload)
            if relation is not None and rng.random() < model.confirm_rate:
                later = step.at + timedelta(hours=rng.randrange(1, 24 * model.confirm_within_days))
                heapq.heappush(steps, _Step(later, next(order), "confirm", relation.id))
        elif step.kind == "confirm":
            confirmed = state.confirm(step.at, step.payload)
            if confirmed is not None and rng.random() < model.end_rate:
                later = step.at + timedelta(days=rng.randrange(30, 720))
                heapq.heappush(steps, _Step(later, next(order), "end", confirmed.id))
        elif step.kind == "care":
            step.payload(step.at, state.out.relations)
        elif step.kind == "fictitious":
            relation = state.request(step.at, *step.payload)
            if relation is not None:
                state.out.fictitious.append((relation.id, relation.beneficiary_id, step.at))
                heapq.heappush(steps, _Step(step.at + timedelta(hours=3), next(order), "confirm-only", relation.id))
        elif step.kind == "confirm-only":
            state.confirm(step.at, step.payload)
        else:
            state.end(step.at, step.payload)
    return state.out
