"""A replay's family as it stood at a moment: built once per combination of its relations' states, and then exactly
the family built afresh at that moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast

from gongji.domain.relations import Relation, RelationStatus
from gongji.service.clock import SHANGHAI
from gongji.service.ports import UnitOfWork
from gongji.service.settlement_ports import FamilyRows
from gongji.service.whatif.memory import FamilyMemory
from gongji.service.whatif.then import family_then
from tests.unit.families import FamilyBuilder


def _at(month: int, day: int = 1) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=SHANGHAI)


class _Relations:
    def __init__(self, builder: FamilyBuilder) -> None:
        self.builder = builder

    def of_person(self, person_id: int) -> list[Relation]:
        return [r for r in self.builder.relations if r.involves(person_id)]


class _Families:
    def __init__(self, builder: FamilyBuilder) -> None:
        self.builder = builder

    def read(self, person_ids: Sequence[int], others: Sequence[int], *, lock: bool) -> FamilyRows:
        b = self.builder
        return FamilyRows(
            people={i: b.people[i] for i in others},
            enrollments={i: b.enrollments[i] for i in person_ids},
            relations=[r for r in b.relations if any(r.involves(o) for o in others)],
            accounts=[row for i in person_ids for row in b.accounts.get(i, [])],
            shared_quotas={},
        )


class _Uow:
    def __init__(self, builder: FamilyBuilder) -> None:
        self.relations = _Relations(builder)
        self.families = _Families(builder)


def _province() -> tuple[FamilyBuilder, int]:
    """A child whose father's binding ended in June, whose mother's request (never confirmed) expires in April,
    whose grandfather's was confirmed only in March; the father also bound another child until mid-February."""
    b = FamilyBuilder()
    father, mother, child, grandfather, other = (b.person(i, prior_fen=50_000) for i in range(5))
    b.relate(father, child, confirmed_at=_at(1, 10))
    b.relate(mother, child, status=RelationStatus.REQUESTED)
    b.relate(grandfather, child, confirmed_at=_at(3))
    b.relate(father, other, confirmed_at=_at(1, 10))
    ended, requested, late, elsewhere = b.relations
    b.relations = [
        replace(ended, status=RelationStatus.ENDED, ended_at=_at(6)),
        replace(requested, expires_at=_at(4)),
        late,
        replace(elsewhere, status=RelationStatus.ENDED, ended_at=_at(2, 15)),
    ]
    return b, child


#: Moments before, between and after every date of the relations, out of order, some twice.
MOMENTS = [_at(m, d) for m, d in [(2, 1), (5, 2), (2, 20), (3, 15), (1, 20), (7, 1), (3, 2), (4, 20), (10, 1)]]
MOMENTS += [_at(4) - timedelta(seconds=1), _at(6), _at(2, 15) - timedelta(seconds=1), _at(5, 2), _at(2, 20)]


def test_each_moment_sees_the_family_built_afresh_then() -> None:
    builder, child = _province()
    uow = cast(UnitOfWork, _Uow(builder))
    shared = FamilyMemory(uow)
    patient = builder.people[child]
    seen = []
    for moment in MOMENTS:
        remembered = family_then(uow, shared, patient, moment)
        afresh = family_then(uow, FamilyMemory(uow), patient, moment)
        assert remembered == afresh, moment
        seen.append(remembered)
    # The father pays until June, the mother's request counts until April, the grandfather's is a request until March.
    payers = {m: {r.authoriser_id: r.status for r in f.paying_relations} for m, f in zip(MOMENTS, seen, strict=True)}
    active, requested = RelationStatus.ACTIVE, RelationStatus.REQUESTED
    assert payers[_at(2, 1)] == {1: active, 2: requested, 4: requested}
    assert payers[_at(3, 15)] == {1: active, 2: requested, 4: active}
    assert payers[_at(4, 20)] == {1: active, 4: active}
    assert payers[_at(7, 1)] == {4: active}
    # The father's other child: bound at the first of February, no longer on the twentieth.
    of_father = {m: f.relations_of_people[1] for m, f in zip(MOMENTS, seen, strict=True) if 1 in f.people}
    assert [r.status for r in of_father[_at(2, 1)] if r.beneficiary_id == 5] == [RelationStatus.ACTIVE]
    assert [r.status for r in of_father[_at(2, 20)] if r.beneficiary_id == 5] == [RelationStatus.ENDED]
    # Moments alike share one family, built once.
    assert seen[-1] is seen[2]
    assert seen[-2] is seen[1]
    assert seen[2] is not seen[0]
    assert len({id(f) for f in seen}) == len({(tuple(f.paying_relations), str(f.relations_of_people)) for f in seen})
