"""The public statistics a synthetic province is drawn to, each with its source, and the model calibrated to them.

Two kinds of number live here, kept apart:

- :class:`Figure`: a published statistic (a census share, an insured count) with the document it comes from, the
  address where it was read and how far that address can be trusted. The population tests hold a drawn province to
  these within a stated tolerance.
- :class:`Model`: the generator's own parameters (how old a family's first adult is, how many children, who is
  alive). They are not statistics and cite nothing: they were tuned by hand until a drawn province of 200,000 people
  matched the figures (the tuning is reproducible with ``gongji synth --people 200000 --dry-run``, which prints the
  drawn mix beside the figures).

A province's regions are the pooling regions gongji ships fund rules for (``gongji rules coverage``); a region without
them would refuse every settlement (``FUND_RULES_MISSING``), which is a fact worth showing but not a population worth
analysing. Each region weighs its census population.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise

from gongji.domain.codes import RelationType
from gongji.domain.regions import all_regions, pooling_region_of

__all__ = [
    "PROVINCES",
    "Bindings",
    "Figure",
    "Model",
    "Province",
    "Source",
    "areas_of",
]


@dataclass(frozen=True)
class Source:
    """Where a figure was read: the document, its publisher and date, the address, and how far it can be trusted
    (``official``: the publisher's own page; ``mirror``: another site quoting the document with its numbers;
    ``secondary``: a summary citing it)."""

    title: str
    publisher: str
    published: str
    address: str
    confidence: str


@dataclass(frozen=True)
class Figure:
    """A published statistic: ``value`` in basis points of the population (a share) unless ``unit`` says people."""

    name: str
    value: int
    source: Source
    unit: str = "bp"


@dataclass(frozen=True)
class Model:
    """The generator's parameters (see the module docstring: tuned, not cited)."""

    #: (youngest, oldest, weight): the age of a family's first adult.
    head_age_bands: tuple[tuple[int, int, int], ...]
    male_head_share: float
    spouse_gap_years: int
    #: (first age, rate) steps: the share of first adults of that age and over who live with a spouse.
    married_by_age: tuple[tuple[int, float], ...]
    #: Weights of 0, 1, 2, 3 children for a couple; a single adult has children at ``single_parent_rate``.
    children_weights: tuple[int, int, int, int]
    single_parent_rate: float
    first_birth_ages: tuple[int, int]
    birth_spacing_years: tuple[int, int]
    #: Children from this age are in their parents' family at ``grown_children_kept`` (the others head their own).
    grown_child_age: int
    grown_children_kept: float
    male_birth_share: float
    #: (age, share alive) points, interpolated: whether a family's elder is still alive.
    survival: tuple[tuple[int, float], ...]
    elders_in_province: float
    elders_nearby: float
    working_age: int
    retirement_age_male: int
    retirement_age_female: int
    in_service_rate: float
    retired_rate: float
    student_rate: float

    def married_rate(self, age: int) -> float:
        """The share of first adults of ``age`` who live with a spouse."""
        index = bisect([first for first, _ in self.married_by_age], age) - 1
        return self.married_by_age[index][1] if index >= 0 else 0.0

    def children(self, rng: random.Random, *, married: bool) -> int:
        """How many children a family has."""
        if not married:
            return 1 if rng.random() < self.single_parent_rate else 0
        return rng.choices(range(4), weights=self.children_weights)[0]

    def alive_at(self, age: int) -> float:
        """The share of people who reach ``age``, among those who reached adulthood."""
        points = self.survival
        if age <= points[0][0]:
            return points[0][1]
        for (a0, s0), (a1, s1) in pairwise(points):
            if age <= a1:
                return s0 + (s1 - s0) * (age - a0) / (a1 - a0)
        return 0.0


@dataclass(frozen=True)
class Bindings:
    """How employees bind relatives (tuned, not cited: see :data:`HEBEI`'s note on the relations' count)."""

    #: Bindings are requested from this day (the province's rollout) to the end of the year drawn.
    since: date
    #: The share of employees who bind anyone, and for each kind of relative the chance he is asked.
    binding_rate: float
    chances: tuple[tuple[RelationType, float], ...]
    #: The share of requests made before the year drawn (the rest fall in it).
    before_year_share: float
    confirm_rate: float
    confirm_within_days: int
    #: The share of confirmed relations their authoriser ends later (one to 24 months after).
    end_rate: float

    def chance(self, kind: RelationType) -> float:
        """The chance an employee who binds asks a relative of this kind."""
        return next((chance for k, chance in self.chances if k is kind), 0.0)


@dataclass(frozen=True)
class Province:
    """A province to draw: its pooling regions with their weights, the figures it is held to, and the model."""

    code: str
    name: str
    regions: tuple[tuple[str, int], ...]
    figures: tuple[Figure, ...]
    model: Model
    bindings: Bindings

    def figure(self, name: str) -> Figure:
        """The figure called ``name``."""
        return next(f for f in self.figures if f.name == name)


@cache
def areas_of(region: str, on: date) -> tuple[str, ...]:
    """The county-level codes of a pooling region in force on ``on`` (its districts and counties): the areas its
    people's ID numbers were issued in."""
    found = tuple(
        r.code
        for r in all_regions(on)
        if r.code[:4] == region[:4] and r.code != region and pooling_region_of(r.code, on) == region
    )
    return found or (region,)


_HEBEI_CENSUS = Source(
    title="河北省第七次全国人口普查公报",
    publisher="河北省统计局、河北省第七次全国人口普查领导小组办公室",
    published="2021-05",
    address="http://lu100.cc/ShuJuXiangGuan/2418759.html",
    confidence="mirror",
)
_SHIJIAZHUANG_CENSUS = Source(
    title="石家庄市第七次全国人口普查公报",
    publisher="石家庄市统计局",
    published="2021-06",
    address="http://m.hbzqbyyxgs.com/news/584834.html",
    confidence="mirror",
)

_HENGSHUI_CENSUS = Source(
    title="衡水市第七次全国人口普查结果（二次摘要，单位误作“万人”）",
    publisher="衡水市统计局",
    published="2021",
    address="https://m.jiusongjiankang.com/health/news/4624755.html",
    confidence="secondary",
)
_NHSA_2024 = Source(
    title="2024年全国医疗保障事业发展统计公报",
    publisher="国家医疗保障局",
    published="2025-07-14",
    address="http://blog.lgjyuntun.com/p?id=8795594",
    confidence="mirror",
)

_MODEL = Model(
    head_age_bands=((22, 29, 14), (30, 39, 34), (40, 49, 22), (50, 59, 10), (60, 69, 11), (70, 85, 7)),
    male_head_share=0.5,
    spouse_gap_years=2,
    married_by_age=((20, 0.35), (25, 0.7), (30, 0.88), (70, 0.7)),
    children_weights=(3, 27, 52, 18),
    single_parent_rate=0.25,
    first_birth_ages=(22, 30),
    birth_spacing_years=(2, 6),
    grown_child_age=25,
    grown_children_kept=0.3,
    male_birth_share=0.52,
    survival=((50, 0.97), (60, 0.93), (70, 0.84), (80, 0.62), (90, 0.28), (100, 0.03)),
    elders_in_province=0.22,
    elders_nearby=0.9,
    working_age=18,
    retirement_age_male=60,
    retirement_age_female=55,
    in_service_rate=0.39,
    retired_rate=0.33,
    student_rate=0.45,
)

HEBEI = Province(
    code="130000",
    name="河北省",
    regions=(("130100", 10_640_458), ("131100", 4_212_930)),
    figures=(
        Figure("age_0_14", 2022, _HEBEI_CENSUS),
        Figure("age_15_59", 5992, _HEBEI_CENSUS),
        Figure("age_60_plus", 1985, _HEBEI_CENSUS),
        Figure("age_65_plus", 1392, _HEBEI_CENSUS),
        Figure("male", 5050, _HEBEI_CENSUS),
        Figure("population_130100", 10_640_458, _SHIJIAZHUANG_CENSUS, unit="people"),
        Figure("population_131100", 4_212_930, _HENGSHUI_CENSUS, unit="people"),
        # National shares (no Hebei split was found): 在职 27,491.84万 and 退休 10,457.50万 of 132,662.08万 insured.
        Figure("employees_in_service", 2072, _NHSA_2024),
        Figure("employees_retired", 788, _NHSA_2024),
    ),
    model=_MODEL,
    bindings=Bindings(
        since=date(2021, 10, 1),
        binding_rate=0.72,
        chances=(
            (RelationType.CHILD, 0.8),
            (RelationType.SPOUSE, 0.6),
            (RelationType.PARENT, 0.6),
            (RelationType.PARENT_IN_LAW, 0.2),
            (RelationType.PATERNAL_GRANDCHILD, 0.3),
            (RelationType.MATERNAL_GRANDCHILD, 0.2),
            (RelationType.SIBLING, 0.05),
        ),
        before_year_share=0.6,
        confirm_rate=0.93,
        confirm_within_days=5,
        end_rate=0.04,
    ),
)

#: The provinces ``gongji synth`` can draw, by code.
PROVINCES: dict[str, Province] = {HEBEI.code: HEBEI}
