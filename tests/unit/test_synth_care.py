"""A synthetic province's year of care: held to the cited rates and costs, seasonal as published, bills cut into the
national parts, and the same for a seed."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from gongji.domain.codes import MedType
from gongji.rules.schema import InsuredCategory
from gongji.synth.care import HEBEI_CARE, CareEvent, year_of_care
from gongji.synth.figures import HEBEI
from gongji.synth.population import Person, chunk, chunk_size

PEOPLE = 40_000
YEAR = 2026


@pytest.fixture(scope="module")
def cared() -> list[tuple[Person, InsuredCategory, list[CareEvent]]]:
    """A 40,000-person Hebei, each person's year of care drawn."""
    rng = random.Random(11)
    chunks = -(-PEOPLE // chunk_size(PEOPLE))
    people = [p for n in range(chunks) for family in chunk(HEBEI, YEAR, 3, PEOPLE, n) for p in family.people]
    mid = date(YEAR, 7, 1)
    out = []
    for person in people:
        category = InsuredCategory.of(person.psn_type)
        out.append((person, category, year_of_care(rng, HEBEI_CARE, category, person.age_on(mid), YEAR)))
    return out


def _per_person(cared: list[tuple[Person, InsuredCategory, list[CareEvent]]], keep: object, kind: MedType) -> float:
    chosen = [events for _, category, events in cared if keep(category)]  # type: ignore[operator]
    return sum(1 for events in chosen for e in events if e.med_type is kind) / len(chosen)


@pytest.mark.parametrize(
    ("figure", "category", "tolerance_bp"),
    [("admissions_in_service", InsuredCategory.IN_SERVICE, 150), ("admissions_retired", InsuredCategory.RETIRED, 400)],
)
def test_hospital_admissions_a_year_are_the_bulletins_by_category(
    cared: list[tuple[Person, InsuredCategory, list[CareEvent]]],
    figure: str,
    category: InsuredCategory,
    tolerance_bp: int,
) -> None:
    drawn = 10_000 * _per_person(cared, lambda c: c is category, MedType.GENERAL_INPATIENT)
    assert abs(drawn - HEBEI_CARE.figures_by_name[figure].value) <= tolerance_bp, f"{figure}: {drawn:.0f} bp"


@pytest.mark.parametrize(
    ("figure", "kind"),
    [
        ("outpatient_per_employee", MedType.GENERAL_OUTPATIENT),
        ("chronic_per_employee", MedType.CHRONIC_SPECIAL_OUTPATIENT),
        ("pharmacy_per_employee", MedType.PHARMACY_PURCHASE),
    ],
)
def test_the_employees_visits_a_year_are_the_bulletins_within_five_percent(
    cared: list[tuple[Person, InsuredCategory, list[CareEvent]]], figure: str, kind: MedType
) -> None:
    employees = (InsuredCategory.IN_SERVICE, InsuredCategory.RETIRED)
    drawn = 100 * _per_person(cared, lambda c: c in employees, kind)
    cited = HEBEI_CARE.figures_by_name[figure].value
    assert abs(drawn - cited) <= cited * 0.05, f"{figure}: {drawn:.1f} per 100"


@pytest.mark.parametrize(
    ("figure", "kind"),
    [("outpatient_cost", MedType.GENERAL_OUTPATIENT), ("inpatient_cost", MedType.GENERAL_INPATIENT)],
)
def test_a_visits_mean_cost_is_the_published_within_five_percent(
    cared: list[tuple[Person, InsuredCategory, list[CareEvent]]], figure: str, kind: MedType
) -> None:
    costs = [e.parts.medfee_sumamt_fen for _, _, events in cared for e in events if e.med_type is kind]
    mean = sum(costs) / len(costs)
    cited = HEBEI_CARE.figures_by_name[figure].value
    assert abs(mean - cited) <= cited * 0.05, f"{figure}: {mean:.0f} fen over {len(costs)} visits"


def test_february_has_fewer_visits_than_january_as_published(
    cared: list[tuple[Person, InsuredCategory, list[CareEvent]]],
) -> None:
    months = Counter(e.at.month for _, _, events in cared for e in events)
    dip = 1 - months[2] / months[1]
    # The monthly reports put February 14 to 26 % below January (the shorter month included).
    assert 0.14 <= dip <= 0.26 + 0.10, f"February {dip:.1%} below January"
    assert months[11] > months[10]


def test_every_bill_is_cut_into_the_four_national_parts_without_loss(
    cared: list[tuple[Person, InsuredCategory, list[CareEvent]]],
) -> None:
    events = [e for _, _, events in cared for e in events]
    assert events
    for event in events:
        parts = event.parts
        assert min(parts.inscp_fen, parts.preselfpay_fen, parts.fulamt_ownpay_fen, parts.overlmt_fen) >= 0
        assert parts.medfee_sumamt_fen >= 100
        assert event.at.year == YEAR
        assert (event.days > 0) == (event.med_type is MedType.GENERAL_INPATIENT)
        assert (event.level == "pharmacy") == (event.med_type is MedType.PHARMACY_PURCHASE)


def test_children_and_the_old_are_cared_for_more_often_than_young_adults(
    cared: list[tuple[Person, InsuredCategory, list[CareEvent]]],
) -> None:
    mid = date(YEAR, 7, 1)
    residents = [(p.age_on(mid), len(events)) for p, c, events in cared if c is InsuredCategory.RESIDENT]

    def mean(low: int, high: int) -> float:
        counts = [n for age, n in residents if low <= age <= high]
        return sum(counts) / len(counts)

    assert mean(0, 6) > mean(25, 44)
    assert mean(75, 120) > mean(25, 44)


def test_a_seed_gives_the_same_year_of_care() -> None:
    def draw(seed: int) -> list[CareEvent]:
        return year_of_care(random.Random(seed), HEBEI_CARE, InsuredCategory.RETIRED, 70, YEAR)

    assert draw(5) == draw(5)
    assert any(draw(5) != draw(s) for s in range(6, 10))
