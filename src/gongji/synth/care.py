"""A year of care for one synthetic person: how many visits of each kind, when, at what level of institution and for
how much — drawn to published rates and costs where they exist, and to named assumptions where they do not.

Rates are expected visits a person-year by treatment category (employees in service, retired, residents) and medical
type (医疗类别), scaled by an age factor; counts are Poisson. Costs are log-normal around the published mean cost of
a visit of that kind. Months follow the published seasonality (February's visits fall below January's). A bill is cut
into the four national parts (policy range, category-B self-pay, fully own-pay, over the price limit) by shares of
the medical type: those shares are an assumption (no published split was found), and they are what decides how much
of a bill the fund and the personal accounts may pay.

Pure: the caller passes the random generator, so that one seed gives one province.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from gongji.domain.codes import MedType
from gongji.domain.settlement import BillParts
from gongji.rules.schema import InsuredCategory
from gongji.service.clock import SHANGHAI
from gongji.synth.figures import Figure, Source

__all__ = ["CARE_MODELS", "HEBEI_CARE", "CareEvent", "CareModel", "Kind", "year_of_care"]

OUTPATIENT = MedType.GENERAL_OUTPATIENT
CHRONIC = MedType.CHRONIC_SPECIAL_OUTPATIENT
INPATIENT = MedType.GENERAL_INPATIENT
PHARMACY = MedType.PHARMACY_PURCHASE


@dataclass(frozen=True)
class Kind:
    """One kind of visit: its medical type, its rate a person-year by category, its mean cost, the weights of the
    institution levels it happens at (``"pharmacy"`` for a retail pharmacy) and its bill's parts in basis points
    (policy range, category-B self-pay, fully own-pay, over the limit: they add up to 10,000)."""

    med_type: MedType
    rates: tuple[tuple[InsuredCategory, float], ...]
    mean_fen: int
    levels: tuple[tuple[str, int], ...]
    parts_bp: tuple[int, int, int, int]

    def rate(self, category: InsuredCategory) -> float:
        """Expected visits of this kind a person-year in ``category`` (before the age factor)."""
        return next(rate for c, rate in self.rates if c is category)


@dataclass(frozen=True)
class CareModel:
    """The kinds of visit, how they vary with age and month, how costs spread, and the figures they stand on."""

    kinds: tuple[Kind, ...]
    #: (first age, factor) steps: how much more or less often residents of that age and over are cared for (the
    #: employees' rates are by category, each held to its cited mean).
    age_factors: tuple[tuple[int, float], ...]
    #: Relative weights of the twelve months.
    month_weights: tuple[int, ...]
    #: The log-normal's sigma: how widely the costs of one kind of visit spread around their mean.
    cost_sigma: float
    #: (shortest, longest) stay in days.
    stay_days: tuple[int, int]
    figures: tuple[Figure, ...]

    @property
    def figures_by_name(self) -> dict[str, Figure]:
        """The cited figures by name."""
        return {figure.name: figure for figure in self.figures}

    def age_factor(self, age: int) -> float:
        """The age factor of ``age``."""
        index = bisect([first for first, _ in self.age_factors], age) - 1
        return self.age_factors[max(index, 0)][1]


@dataclass(frozen=True, slots=True)
class CareEvent:
    """One visit drawn: when it began, its kind, the level of institution (``"1"``, ``"2"``, ``"3"``, or
    ``"pharmacy"``), how long a stay lasted (0 for a visit that is not a stay) and its bill."""

    at: datetime
    med_type: MedType
    level: str
    days: int
    parts: BillParts


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's product of uniforms: the means here are small)."""
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _cost(rng: random.Random, mean_fen: int, sigma: float) -> int:
    """A cost around ``mean_fen``: log-normal with that mean, at least one yuan."""
    mu = math.log(mean_fen) - sigma * sigma / 2
    return max(100, round(rng.lognormvariate(mu, sigma)))


def _parts(total: int, shares: tuple[int, int, int, int]) -> BillParts:
    """``total`` cut by ``shares`` (basis points); the policy range takes what rounding leaves."""
    preselfpay, fulamt, overlmt = (total * share // 10_000 for share in shares[1:])
    return BillParts(
        fulamt_ownpay_fen=fulamt,
        overlmt_fen=overlmt,
        preselfpay_fen=preselfpay,
        inscp_fen=total - preselfpay - fulamt - overlmt,
    )


def _moment(rng: random.Random, year: int, model: CareModel, kind: Kind) -> datetime:
    """When a visit begins: a month by the seasonality, any day of it, in the institution's opening hours."""
    month = rng.choices(range(1, 13), weights=model.month_weights)[0]
    first = date(year, month, 1)
    days = ((first.replace(month=month + 1) if month < 12 else date(year + 1, 1, 1)) - first).days
    day = first + timedelta(days=rng.randrange(days))
    closing = 21 if kind.med_type is PHARMACY else 17
    return datetime.combine(day, time(rng.randrange(8, closing), rng.randrange(60), rng.randrange(60)), SHANGHAI)


def year_of_care(
    rng: random.Random, model: CareModel, category: InsuredCategory, age: int, year: int
) -> list[CareEvent]:
    """The visits of one person of ``category`` and ``age`` in ``year``, in time order."""
    factor = model.age_factor(age) if category is RESIDENT else 1.0
    events = []
    for kind in model.kinds:
        for _ in range(_poisson(rng, kind.rate(category) * factor)):
            at = _moment(rng, year, model, kind)
            level = rng.choices([level for level, _ in kind.levels], weights=[w for _, w in kind.levels])[0]
            days = rng.randint(*model.stay_days) if kind.med_type is INPATIENT else 0
            total = _cost(rng, kind.mean_fen, model.cost_sigma)
            events.append(CareEvent(at, kind.med_type, level, days, _parts(total, kind.parts_bp)))
    events.sort(key=lambda e: e.at)
    return events


_NHSA_2023 = Source(
    title="2023年全国医疗保障事业发展统计公报",
    publisher="国家医疗保障局",
    published="2024-07-25",
    address="http://musicalinks.com/n1/2024/0726/c14739-40285711.html",
    confidence="mirror",
)
_NHC_2024 = Source(
    title="2024年我国卫生健康事业发展统计公报",
    publisher="国家卫生健康委员会",
    published="2025",
    address="http://www.tradecn.com.cn/news/202512/82003.html",
    confidence="mirror",
)
_NHC_MONTHLY = Source(
    title="全国医疗服务情况（2021年2月、2022年2月）",
    publisher="国家卫生健康委员会",
    published="2021-2022",
    address="http://wjw.hubei.gov.cn/zfxxgk/fdzdgknr/tjxx/wn/202008/t20200807_2752991.shtml",
    confidence="mirror",
)

IN_SERVICE, RETIRED, RESIDENT = InsuredCategory.IN_SERVICE, InsuredCategory.RETIRED, InsuredCategory.RESIDENT

#: Hebei's year of care. Cited: the employees' hospital admissions a person-year (在职 11.93 %, 退休 49.02 %), their
#: outpatient visits (21.8亿人次), chronic-disease visits (2.7亿) and pharmacy purchases (23亿) over 37,095万
#: insured employees (2023), the mean cost of a hospital's outpatient visit and stay (2024), February's dip. Assumed
#: and named so: how the employees' outpatient, chronic and pharmacy rates divide between those in service and the
#: retired (kept to the cited mean), the residents' rates, the age factors, the cost spread, the parts' shares and the
#: levels' weights.
HEBEI_CARE = CareModel(
    kinds=(
        Kind(
            OUTPATIENT,
            ((IN_SERVICE, 4.6), (RETIRED, 9.2), (RESIDENT, 3.0)),
            36_100,
            (("1", 45), ("2", 30), ("3", 25)),
            (8_600, 600, 800, 0),
        ),
        Kind(
            CHRONIC,
            ((IN_SERVICE, 0.3), (RETIRED, 1.87), (RESIDENT, 0.3)),
            45_000,
            (("1", 30), ("2", 40), ("3", 30)),
            (9_000, 500, 500, 0),
        ),
        Kind(
            INPATIENT,
            ((IN_SERVICE, 0.1193), (RETIRED, 0.4902), (RESIDENT, 0.2)),
            987_000,
            (("1", 15), ("2", 45), ("3", 40)),
            (8_000, 900, 900, 200),
        ),
        Kind(
            PHARMACY,
            ((IN_SERVICE, 5.0), (RETIRED, 9.4), (RESIDENT, 1.0)),
            8_500,
            (("pharmacy", 1),),
            (7_000, 0, 3_000, 0),
        ),
    ),
    age_factors=((0, 1.6), (7, 0.7), (15, 0.6), (25, 0.8), (45, 1.0), (60, 1.0), (75, 1.3)),
    month_weights=(100, 80, 100, 100, 100, 100, 100, 100, 100, 100, 105, 100),
    cost_sigma=0.8,
    stay_days=(3, 17),
    figures=(
        Figure("admissions_in_service", 1193, _NHSA_2023),
        Figure("admissions_retired", 4902, _NHSA_2023),
        Figure("outpatient_per_employee", 588, _NHSA_2023, unit="per 100 employee-years"),
        Figure("chronic_per_employee", 73, _NHSA_2023, unit="per 100 employee-years"),
        Figure("pharmacy_per_employee", 620, _NHSA_2023, unit="per 100 employee-years"),
        Figure("outpatient_cost", 36_100, _NHC_2024, unit="fen"),
        Figure("inpatient_cost", 987_000, _NHC_2024, unit="fen"),
        Figure("february_below_january", 1400, _NHC_MONTHLY),
    ),
)

#: The year of care of each province ``gongji synth`` can draw, by code.
CARE_MODELS: dict[str, CareModel] = {"130000": HEBEI_CARE}
