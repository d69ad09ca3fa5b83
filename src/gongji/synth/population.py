"""Families of a synthetic province, drawn from a :class:`~gongji.synth.figures.Province` (pure: no I/O, no clock).

A *family* is the kin around one couple (or one adult): the couple, their children, and those of their parents who
are alive and live in the province. Families are disjoint; every person belongs to one. Ages, sexes, insurance and
region come from the province's model, whose parameters are calibrated so that the drawn population matches the
cited statistics (``tests/unit/test_synth_population.py`` holds them to it).

People are numbered in the order they are drawn, from 0; ``chunk(province, year, seed, people, chunk_no)`` draws the
people of one chunk and is the same whichever process draws it, so chunks can be drawn in parallel. A chunk ends
where it has its number of people: the last family may be cut short (its elders or youngest
children left out), which only removes people, never a tie to someone missing.

Resident ID numbers are unique across the whole province: the 3-digit sequence carries the chunk (``chunk_no mod
500``, doubled, plus the sex digit), and within a chunk two people of the same area, birth date and sex are moved a
day apart. Chunks are sized so that there are at most 500 (see :func:`chunk_size`).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from itertools import accumulate

from gongji.domain.codes import Insutype, PsnType, RelationType, Sex
from gongji.domain.identity import CHECK_CHARACTERS, ID_WEIGHTS
from gongji.synth.figures import Model, Province, areas_of

__all__ = [
    "MAX_CHUNKS",
    "Family",
    "Person",
    "Tie",
    "chunk",
    "chunk_size",
    "relation_between",
    "relations_in",
]

#: The ID number's sequence has room for 500 numbers per sex, area and day: one per chunk.
MAX_CHUNKS = 500
_MIN_CHUNK = 20_000
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力春梅宇浩然欣怡子涵梓轩思雨佳琪博文"


class Tie(StrEnum):
    """A true tie between two people of a family: ``SPOUSE`` (either way) or ``PARENT`` (first is the parent)."""

    SPOUSE = "spouse"
    PARENT = "parent"


@dataclass(frozen=True, slots=True)
class Person:
    """One synthetic insured person."""

    number: int
    certno: str
    name: str
    sex: Sex
    born: date
    region: str
    insutype: Insutype
    psn_type: PsnType

    @property
    def is_employee(self) -> bool:
        """Insured as an employee (职工医保): the holder of a personal account."""
        return self.insutype is Insutype.EMPLOYEE_BASIC

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        return day.year - self.born.year - ((day.month, day.day) < (self.born.month, self.born.day))


@dataclass(frozen=True, slots=True)
class Family:
    """The people of one family and the true ties between them (by person number)."""

    people: tuple[Person, ...]
    ties: tuple[tuple[int, int, Tie], ...]


def chunk_size(people: int) -> int:
    """People per chunk for a province of ``people``: at least 20,000, and few enough chunks for the ID numbers."""
    return max(_MIN_CHUNK, -(-people // MAX_CHUNKS))


def relation_between(family: Family, authoriser: int, beneficiary: int) -> RelationType | None:
    """Who ``beneficiary`` truly is to ``authoriser`` in ``family`` (person numbers), or ``None`` if no kind of
    relation a region binds (two in-laws of the couple's parents, say)."""
    return relations_in(family)(authoriser, beneficiary)


def relations_in(family: Family) -> Callable[[int, int], RelationType | None]:
    """:func:`relation_between` for pairs of ``family``, its ties read once (a family's employees ask about every
    other member)."""
    parents: dict[int, set[int]] = {}
    spouses: dict[int, int] = {}
    for first, second, tie in family.ties:
        if tie is Tie.PARENT:
            parents.setdefault(second, set()).add(first)
        else:
            spouses[first], spouses[second] = second, first
    male = {p.number: p.sex is Sex.MALE for p in family.people}
    none: set[int] = set()

    def between(a: int, b: int) -> RelationType | None:
        mine, theirs = parents.get(a, none), parents.get(b, none)
        if spouses.get(a) == b:
            return RelationType.SPOUSE
        if b in mine:
            return RelationType.PARENT
        if a in theirs:
            return RelationType.CHILD
        if mine and mine == theirs:
            return RelationType.SIBLING
        for parent in mine:
            if b in parents.get(parent, none):
                return RelationType.PATERNAL_GRANDPARENT if male[parent] else RelationType.MATERNAL_GRANDPARENT
        for parent in theirs:
            if a in parents.get(parent, none):
                return RelationType.PATERNAL_GRANDCHILD if male[parent] else RelationType.MATERNAL_GRANDCHILD
        spouse = spouses.get(a)
        if spouse is not None and b in parents.get(spouse, none):
            return RelationType.PARENT_IN_LAW
        return None

    return between


#: The law's least age of marriage (民法典 第一千零四十七条).
_MARRIAGE_AGE = {Sex.MALE: 22, Sex.FEMALE: 20}


@dataclass
class _Drawer:
    """Draws people for one chunk: the random stream, the numbering and the ID numbers' uniqueness."""

    province: Province
    year: int
    rng: random.Random
    next_number: int
    chunk_no: int
    taken: set[tuple[str, int, Sex]]

    def __post_init__(self) -> None:
        model = self.province.model
        self._region_codes = [code for code, _ in self.province.regions]
        self._region_cum = list(accumulate(weight for _, weight in self.province.regions))
        self._age_bands = model.head_age_bands
        self._age_cum = list(accumulate(weight for _, _, weight in model.head_age_bands))
        self._mid_year = date(self.year, 7, 1)
        self._areas = {code: areas_of(code, self._mid_year) for code in self._region_codes}
        self._area_sums: dict[str, int] = {}
        self._sequences: dict[Sex, tuple[str, int]] = {}
        for sex in Sex:
            digits = f"{2 * (self.chunk_no % MAX_CHUNKS) + (1 if sex is Sex.MALE else 0):03d}"
            self._sequences[sex] = (digits, _weighted(digits, 14))

    # --- choices ---------------------------------------------------------------------------------------------

    def region(self) -> str:
        """A pooling region, by population."""
        at = self.rng.random() * self._region_cum[-1]
        return self._region_codes[bisect(self._region_cum, at)]

    def area(self, region: str) -> str:
        """The area code an ID number of someone registered in ``region`` starts with: one of its counties."""
        return self.rng.choice(self._areas[region])

    def married_at_least(self, sex: Sex) -> int:
        """The youngest a married person of ``sex`` is drawn (age at mid-year): old enough to have married by the law's
        age (民法典 第一千零四十七条: 22 for a man, 20 for a woman) before the first day a binding could be asked."""
        years_open = self.year - self.province.bindings.since.year + 1
        return _MARRIAGE_AGE[sex] + years_open

    def head_age(self) -> int:
        """The age of a family's first adult."""
        at = self.rng.random() * self._age_cum[-1]
        low, high, _ = self._age_bands[bisect(self._age_cum, at)]
        return self.rng.randint(low, high)

    def birth(self, age: int) -> date:
        """A birth date for someone ``age`` at the middle of the year."""
        return self._mid_year - timedelta(days=365 * age + self.rng.randrange(365))

    # --- people ----------------------------------------------------------------------------------------------

    def person(self, region: str, sex: Sex, born: date, area: str) -> Person:
        """A person: the ID number, a name, and the insurance the model gives their age and sex."""
        certno, born = self._certno(area, born, sex)
        insutype, psn_type = _insurance(self.province.model, self.rng, sex, born, self._mid_year)
        draw = self.rng.random
        surname = _SURNAMES[min(int(self.rng.expovariate(0.08)), len(_SURNAMES) - 1)]
        given = _GIVEN[int(draw() * len(_GIVEN))]
        if draw() < 2 / 3:  # two characters more often than one
            given += _GIVEN[int(draw() * len(_GIVEN))]
        person = Person(self.next_number, certno, surname + given, sex, born, region, insutype, psn_type)
        self.next_number += 1
        return person

    def _certno(self, area: str, born: date, sex: Sex) -> tuple[str, date]:
        """A unique ID number, moving the birth date a day earlier while the slot is taken in this chunk."""
        ordinal = born.toordinal()
        while (area, ordinal, sex) in self.taken:
            ordinal -= 1
        self.taken.add((area, ordinal, sex))
        area_sum = self._area_sums.get(area)
        if area_sum is None:
            area_sum = self._area_sums[area] = _weighted(area, 0)
        day, day_sum = _day(ordinal)
        sequence, sequence_sum = self._sequences[sex]
        check = CHECK_CHARACTERS[(area_sum + day_sum + sequence_sum) % 11]
        return f"{area}{day}{sequence}{check}", date.fromordinal(ordinal)


@cache
def _day(ordinal: int) -> tuple[str, int]:
    """A birth date's eight digits and their weighted sum in the check character's formula."""
    digits = date.fromordinal(ordinal).strftime("%Y%m%d")
    return digits, _weighted(digits, 6)


def _weighted(digits: str, offset: int) -> int:
    """The GB 11643 weighted sum of ``digits`` standing at ``offset`` in the number (the check character's part)."""
    return sum(int(d) * w for d, w in zip(digits, ID_WEIGHTS[offset : offset + len(digits)], strict=True))


def _insurance(model: Model, rng: random.Random, sex: Sex, born: date, day: date) -> tuple[Insutype, PsnType]:
    """The insurance a person of this age and sex has: employees in service and retired by the model's rates,
    everyone else a resident by age."""
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    retirement = model.retirement_age_male if sex is Sex.MALE else model.retirement_age_female
    if model.working_age <= age < retirement and rng.random() < model.in_service_rate:
        return Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE
    if age >= retirement and rng.random() < model.retired_rate:
        return Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_RETIRED
    if age < 1:
        return Insutype.RESIDENT_BASIC, PsnType.NEWBORN
    if age < 6:
        return Insutype.RESIDENT_BASIC, PsnType.PRESCHOOL_CHILD
    if age < 18:
        return Insutype.RESIDENT_BASIC, PsnType.PUPIL
    if age < 22 and rng.random() < model.student_rate:
        return Insutype.RESIDENT_BASIC, PsnType.UNIVERSITY_STUDENT
    return Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT


def _other(sex: Sex) -> Sex:
    return Sex.FEMALE if sex is Sex.MALE else Sex.MALE


def _family(d: _Drawer, budget: int) -> Family:
    """One family of at most ``budget`` people: the first adult, a spouse, children, then living parents."""
    model, rng = d.province.model, d.rng
    region = d.region()
    area = d.area(region)
    people: list[Person] = []
    ties: list[tuple[int, int, Tie]] = []
    ages: dict[int, int] = {}

    def add(sex: Sex, age: int, where: str = region) -> Person | None:
        if len(people) >= budget:
            return None
        person = d.person(where, sex, d.birth(age), area if where == region else d.area(where))
        people.append(person)
        ages[person.number] = age
        return person

    head_age = d.head_age()
    head = add(Sex.MALE if rng.random() < model.male_head_share else Sex.FEMALE, head_age)
    assert head is not None
    adults = [head]
    if rng.random() < model.married_rate(head_age) and head_age >= d.married_at_least(head.sex):
        gap = max(0, round(rng.gauss(model.spouse_gap_years, 2.5)))
        spouse_age = head_age - gap if head.sex is Sex.MALE else head_age + gap
        spouse_age = max(d.married_at_least(_other(head.sex)), spouse_age)
        spouse = add(_other(head.sex), spouse_age)
        if spouse is not None:
            ties.append((head.number, spouse.number, Tie.SPOUSE))
            adults.append(spouse)
    mother = next((a for a in adults if a.sex is Sex.FEMALE), head)
    age = ages[mother.number] - rng.randint(*model.first_birth_ages)
    for _ in range(model.children(rng, married=len(adults) == 2)):
        if age < 0:
            break
        if age >= model.grown_child_age and rng.random() >= model.grown_children_kept:
            age -= rng.randint(*model.birth_spacing_years)
            continue
        child = add(Sex.MALE if rng.random() < model.male_birth_share else Sex.FEMALE, age)
        if child is None:
            break
        ties.extend((adult.number, child.number, Tie.PARENT) for adult in adults)
        age -= rng.randint(*model.birth_spacing_years)
    for adult in adults:
        father_age = ages[adult.number] + rng.randint(*model.first_birth_ages) + model.spouse_gap_years
        elders = []
        for sex, elder_age in ((Sex.MALE, father_age), (Sex.FEMALE, father_age - model.spouse_gap_years)):
            if rng.random() >= model.alive_at(elder_age) or rng.random() >= model.elders_in_province:
                continue
            elder = add(sex, elder_age, region if rng.random() < model.elders_nearby else d.region())
            if elder is not None:
                ties.append((elder.number, adult.number, Tie.PARENT))
                elders.append(elder)
        if len(elders) == 2:
            ties.append((elders[0].number, elders[1].number, Tie.SPOUSE))
    return Family(tuple(people), tuple(ties))


def chunk(province: Province, year: int, seed: int, people: int, chunk_no: int) -> list[Family]:
    """The families of chunk ``chunk_no`` of a province of ``people`` drawn with ``seed`` for ``year``: the people
    numbered from ``chunk_no * chunk_size(people)``, as many as the chunk holds."""
    size = chunk_size(people)
    first = chunk_no * size
    assert 0 <= chunk_no < MAX_CHUNKS
    assert 0 <= first < people
    end = min(first + size, people)
    drawer = _Drawer(province, year, random.Random(f"{seed}:{year}:{chunk_no}"), first, chunk_no, set())
    families: list[Family] = []
    while drawer.next_number < end:
        families.append(_family(drawer, end - drawer.next_number))
    return families
