"""A family's year of care as steps of its year (:func:`gongji.synth.bindings.family_year`): each relative some
employee asks to bind has the visits of :func:`gongji.synth.care.year_of_care`, each opened and billed at its moment
and settled when it ends (an outpatient visit twenty minutes later, a stay at discharge), all through the use cases
(``open_visit``, ``upload_fees``, ``discharge``, ``commit_settlement``: their work in a unit of work, each
step a transaction; no idempotency keys, since no request is repeated) in the chunk's scratch database
(:mod:`gongji.synth.scratch`), with the family's relations as they are at that moment. A refusal (a region without
fund rules for a kind of visit, say) is counted, and the visit is left as the refusal leaves it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from gongji.domain.codes import MedType
from gongji.domain.errors import GongjiError
from gongji.domain.relations import Relation, RelationState
from gongji.rules.schema import InsuredCategory
from gongji.service.ports import UnitOfWork
from gongji.service.settlement import (
    Discharge,
    OpenVisit,
    Settle,
    UploadFees,
    commit_settlement_in,
    discharge_in,
    open_visit_in,
    upload_fees_in,
)
from gongji.synth.binding_state import refusal_row
from gongji.synth.bindings import CareStep
from gongji.synth.care import CareEvent, CareModel, year_of_care
from gongji.synth.fraud import Pattern, Truth, inject
from gongji.synth.population import Person
from gongji.synth.scratch import Scratch
from gongji.synth.sites import Site, bill_lines

__all__ = ["FamilyCare"]

#: The share of a child's or an old person's pharmacy purchases an adult of the family makes (an assumption).
_RELATIVE_BUYS = 0.6
#: How long after it begins an outpatient visit or a purchase is settled; how long after discharge a stay is.
_VISIT_LENGTH = timedelta(minutes=20)
_DISCHARGE_TO_SETTLEMENT = timedelta(hours=1)


@dataclass
class FamilyCare:
    """One family's care, run in the chunk's ``scratch`` database; ``load`` writes the family's own rows there (once,
    before its first visit); ``relation_ids`` are the ids its relations are written under, ``first_relation`` that of
    its relation 1."""

    scratch: Scratch
    sites: dict[tuple[str, str], list[Site]]
    model: CareModel
    year: int
    seed: str
    people: dict[int, Person]
    registered: dict[int, datetime]
    relation_ids: list[int]
    load: Callable[[], None]
    refusals: Counter[tuple[str, str, str]]
    #: The refusals log's rows (:func:`refusal_row`).
    refusal_rows: list[tuple[Any, ...]]
    fraud_rate: float = 0.0
    regions: tuple[str, ...] = ()
    truth: list[Truth] = field(default_factory=list)
    loaded: bool = False
    settled: int = 0
    _cases: dict[int, int] = field(default_factory=dict)

    def steps(self, beneficiaries: list[int]) -> list[tuple[datetime, CareStep]]:
        """The steps of the beneficiaries' visits in the year (each visit's opening and its settlement)."""
        found: list[tuple[datetime, CareStep]] = []
        for pid in beneficiaries:
            person = self.people[pid]
            rng = random.Random(f"{self.seed}:{pid}:care")
            category = InsuredCategory.of(person.psn_type)
            events = year_of_care(rng, self.model, category, person.age_on(date(self.year, 7, 1)), self.year)
            for n, event in enumerate(events):
                site = rng.choice(self.sites[(person.region, event.level)])
                buyer = self._buyer(rng, person, event) if event.med_type is MedType.PHARMACY_PURCHASE else None
                if event.at <= self.registered[pid]:
                    continue
                visit = _Visit(self, person, site, event, f"synth:{pid}:{n}", buyer)
                found += [(event.at, visit.open), (visit.settled_at, visit.settle)]
            found += self._injected(person, pid)
        return found

    def _buyer(self, rng: random.Random, person: Person, event: CareEvent) -> tuple[str, str] | None:
        """Who buys a child's or an old person's medicine, often: an adult of the family (an assumption: no
        published share of purchases made by relatives was found)."""
        age = person.age_on(event.at.date())
        if 14 <= age < 75 or rng.random() >= _RELATIVE_BUYS:
            return None
        adults = [p for p in self.people.values() if p is not person and 18 <= p.age_on(event.at.date()) < 75]
        if not adults:
            return None
        chosen = rng.choice(adults)
        return chosen.name, chosen.certno

    def _injected(self, person: Person, pid: int) -> list[tuple[datetime, CareStep]]:
        """The visits a fraud pattern adds for the relative (none for most), its truth kept."""
        rng = random.Random(f"{self.seed}:{pid}:fraud")
        injected, truth = inject(rng, self.fraud_rate, pid, person.region, self.regions, self.year)
        if truth is None or (truth.pattern is Pattern.DRAIN and person.is_employee):
            return []  # a drain empties a relative's account: an employee's own account would pay first
        found: list[tuple[datetime, CareStep]] = []
        for n, added in enumerate(v for v in injected if v.at > self.registered[pid]):
            site = rng.choice(self.sites[(added.region, added.level)])
            event = CareEvent(added.at, added.med_type, added.level, 0, added.parts)
            visit = _Visit(self, person, site, event, f"synth:{pid}:f{n}", added.buyer, truth)
            found += [(event.at, visit.open), (visit.settled_at, visit.settle)]
        return found

    def injected(self, truth: Truth, at: datetime) -> None:
        """A visit of an injected case was made: the case is in the truth, from its first visit made, counting the
        visits made (a drain's are made only while a relative's account could pay)."""
        index = self._cases.get(truth.person_id)
        if index is None:
            self._cases[truth.person_id] = len(self.truth)
            self.truth.append(replace(truth, began_at=at, visits=1))
        else:
            self.truth[index] = replace(self.truth[index], visits=self.truth[index].visits + 1)

    def ready(self, relations: list[Relation], at: datetime) -> None:
        """The scratch database as the use cases must find it at ``at``: the family's rows, its relations now."""
        if not self.loaded:
            self.load()
            self.loaded = True
        first = self.relation_ids[0]
        self.scratch.set_relations([(first + r.id - 1, r) for r in relations])
        self.scratch.clock.set(at)

    def refused(self, person_id: int, region: str, step: str, refusal: GongjiError) -> None:
        """A step the use cases refused: counted, and logged as the use case would have."""
        self.refusals[(region, step, refusal.code.name)] += 1
        operation = _CARE_OPERATIONS[step]
        at = self.scratch.clock.now()
        self.refusal_rows.append(refusal_row(at, operation, refusal.code, region, person_id))


#: The use case's operation of each step of care (as the refusals log names them).
_CARE_OPERATIONS = {"visit": "visit.open", "settle": "settle.commit"}


def _paid_for(person: Person, relations: list[Relation], at: datetime) -> bool:
    """Whether a relation lets a relative's account pay for ``person`` at ``at``."""
    pid = person.number + 1
    return any(r.beneficiary_id == pid and r.state_at(at) is RelationState.EFFECTIVE for r in relations)


@dataclass
class _Visit:
    """One visit's two steps, and the 就诊ID its opening was given."""

    care: FamilyCare
    person: Person
    site: Site
    event: CareEvent
    key: str
    #: Who bought with the card, when not the patient (a pharmacy's 买药人).
    buyer: tuple[str, str] | None = None
    #: The injected case the visit belongs to (``None``: an honest visit).
    fraud: Truth | None = None
    mdtrt_id: str | None = field(default=None)

    @property
    def stay(self) -> bool:
        return self.event.med_type is MedType.GENERAL_INPATIENT

    @property
    def discharged_at(self) -> datetime:
        return self.event.at + timedelta(days=self.event.days)

    @property
    def settled_at(self) -> datetime:
        if self.stay:
            return self.discharged_at + _DISCHARGE_TO_SETTLEMENT
        return self.event.at + _VISIT_LENGTH

    def open(self, at: datetime, relations: list[Relation]) -> None:
        """门诊挂号 / 入院办理 / 药店购药, then the bill's lines."""
        care = self.care
        if self.fraud is not None and self.fraud.pattern is Pattern.DRAIN and not _paid_for(self.person, relations, at):
            return  # nobody's account could be drained now
        care.ready(relations, at)
        ctx = care.scratch.ctx
        name, certno = self.buyer or (None, None)
        command = OpenVisit(
            self.person.certno, self.site.code, self.event.med_type, begin_at=at, buyer_name=name, buyer_certno=certno
        )
        lines = bill_lines(self.event.med_type, self.event.parts)

        def opening(uow: UnitOfWork) -> str:
            visit = open_visit_in(ctx, uow, command)
            upload_fees_in(ctx, uow, visit, UploadFees(visit.mdtrt_id, lines))
            uow.commit()
            return visit.mdtrt_id

        try:
            self.mdtrt_id = ctx.transaction(opening)
        except GongjiError as refusal:
            care.refused(self.person.number + 1, self.person.region, "visit", refusal)
            return
        if self.fraud is not None:
            care.injected(self.fraud, at)

    def settle(self, at: datetime, relations: list[Relation]) -> None:
        """出院办理 for a stay, then 结算."""
        if self.mdtrt_id is None:
            return
        care = self.care
        care.ready(relations, at)
        ctx, mdtrt_id = care.scratch.ctx, self.mdtrt_id

        def settling(uow: UnitOfWork) -> None:
            if self.stay:
                discharge_in(ctx, uow, Discharge(mdtrt_id, discharged_at=self.discharged_at))
            commit_settlement_in(ctx, uow, Settle(mdtrt_id, True), key=f"{self.key}:settle")
            uow.commit()

        try:
            ctx.transaction(settling)
        except GongjiError as refusal:
            care.refused(self.person.number + 1, self.person.region, "settle", refusal)
            return
        care.settled += 1
