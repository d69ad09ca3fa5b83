"""A synthetic province's people: drawn to the cited census mix, valid and unique ID numbers, the same for a seed,
chunks independent of each other, and true kinship read correctly as the relation a region binds."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from gongji.domain.codes import Insutype, PsnType, RelationType, Sex
from gongji.domain.identity import ResidentId
from gongji.synth.figures import HEBEI
from gongji.synth.population import Family, Person, Tie, chunk, chunk_size, relation_between

PEOPLE = 60_000
MID_YEAR = date(2026, 7, 1)


@pytest.fixture(scope="module")
def province() -> list[Person]:
    """A 60,000-person Hebei drawn for 2026 (three chunks)."""
    chunks = -(-PEOPLE // chunk_size(PEOPLE))
    return [p for n in range(chunks) for family in chunk(HEBEI, 2026, 7, PEOPLE, n) for p in family.people]


def _share_bp(people: list[Person], keep: object) -> float:
    return 10_000 * sum(1 for p in people if keep(p)) / len(people)  # type: ignore[operator]


def test_the_province_has_as_many_people_as_asked_numbered_in_order(province: list[Person]) -> None:
    assert len(province) == PEOPLE
    assert [p.number for p in province] == list(range(PEOPLE))


@pytest.mark.parametrize(
    ("figure", "low", "high"),
    [("age_0_14", 0, 14), ("age_15_59", 15, 59), ("age_60_plus", 60, 200), ("age_65_plus", 65, 200)],
)
def test_the_age_mix_is_the_census_within_a_point_and_a_half(
    province: list[Person], figure: str, low: int, high: int
) -> None:
    drawn = _share_bp(province, lambda p: low <= p.age_on(MID_YEAR) <= high)
    assert abs(drawn - HEBEI.figure(figure).value) <= 150, f"{figure}: drawn {drawn:.0f} bp"


def test_the_sex_mix_is_the_census_within_a_point(province: list[Person]) -> None:
    drawn = _share_bp(province, lambda p: p.sex is Sex.MALE)
    assert abs(drawn - HEBEI.figure("male").value) <= 100


def test_the_regions_weigh_their_census_populations(province: list[Person]) -> None:
    weights = dict(HEBEI.regions)
    expected = 10_000 * weights["130100"] / sum(weights.values())
    assert abs(_share_bp(province, lambda p: p.region == "130100") - expected) <= 200


@pytest.mark.parametrize(
    ("figure", "kind"),
    [("employees_in_service", PsnType.EMPLOYEE_IN_SERVICE), ("employees_retired", PsnType.EMPLOYEE_RETIRED)],
)
def test_the_employees_are_the_national_shares_of_the_insured_within_a_point_and_a_half(
    province: list[Person], figure: str, kind: PsnType
) -> None:
    drawn = _share_bp(province, lambda p: p.psn_type is kind)
    assert abs(drawn - HEBEI.figure(figure).value) <= 150, f"{figure}: drawn {drawn:.0f} bp"


def test_employees_are_of_working_or_retired_age_and_children_are_residents(province: list[Person]) -> None:
    for p in province:
        age = p.age_on(MID_YEAR)
        if p.psn_type is PsnType.EMPLOYEE_IN_SERVICE:
            assert 18 <= age < 60
        if age < 18:
            assert p.insutype is Insutype.RESIDENT_BASIC
    kinds = Counter(p.psn_type for p in province)
    assert kinds[PsnType.EMPLOYEE_IN_SERVICE] > 0
    assert kinds[PsnType.EMPLOYEE_RETIRED] > 0
    assert kinds[PsnType.PUPIL] > 0


def test_every_id_number_is_valid_unique_and_says_the_persons_birth_and_sex(province: list[Person]) -> None:
    assert len({p.certno for p in province}) == len(province)
    for p in province[::97]:
        parsed = ResidentId.parse(p.certno)
        assert parsed.birth_date == p.born
        assert parsed.sex is p.sex
        assert p.certno[:4] == p.region[:4]


def test_a_seed_draws_the_same_province_and_another_seed_another() -> None:
    first = chunk(HEBEI, 2026, 7, 30_000, 1)
    assert chunk(HEBEI, 2026, 7, 30_000, 1) == first
    assert chunk(HEBEI, 2026, 8, 30_000, 1) != first


def test_a_chunk_is_the_same_whoever_draws_it_and_starts_where_the_one_before_ends() -> None:
    size = chunk_size(50_000)
    second = chunk(HEBEI, 2026, 3, 50_000, 1)
    assert second[0].people[0].number == size
    assert second[-1].people[-1].number == 2 * size - 1
    chunk(HEBEI, 2026, 3, 50_000, 0)  # drawing another chunk first changes nothing
    assert chunk(HEBEI, 2026, 3, 50_000, 1) == second


def _person(number: int, sex: Sex, born: date) -> Person:
    return Person(
        number, f"p{number}", f"人{number}", sex, born, "130100", Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT
    )


def test_kinship_reads_as_the_relation_a_region_binds() -> None:
    grandfather = _person(0, Sex.MALE, date(1950, 1, 1))
    grandmother = _person(1, Sex.FEMALE, date(1952, 1, 1))
    father = _person(2, Sex.MALE, date(1978, 1, 1))
    mother = _person(3, Sex.FEMALE, date(1980, 1, 1))
    son = _person(4, Sex.MALE, date(2008, 1, 1))
    daughter = _person(5, Sex.FEMALE, date(2012, 1, 1))
    family = Family(
        (grandfather, grandmother, father, mother, son, daughter),
        (
            (0, 1, Tie.SPOUSE),
            (0, 2, Tie.PARENT),
            (1, 2, Tie.PARENT),
            (2, 3, Tie.SPOUSE),
            (2, 4, Tie.PARENT),
            (3, 4, Tie.PARENT),
            (2, 5, Tie.PARENT),
            (3, 5, Tie.PARENT),
        ),
    )
    assert relation_between(family, 2, 3) is RelationType.SPOUSE
    assert relation_between(family, 2, 4) is RelationType.CHILD
    assert relation_between(family, 4, 3) is RelationType.PARENT
    assert relation_between(family, 4, 5) is RelationType.SIBLING
    assert relation_between(family, 0, 4) is RelationType.PATERNAL_GRANDCHILD
    assert relation_between(family, 5, 1) is RelationType.PATERNAL_GRANDPARENT
    assert relation_between(family, 3, 0) is RelationType.PARENT_IN_LAW
    assert relation_between(family, 1, 3) is None  # a daughter-in-law is no relation a region binds
