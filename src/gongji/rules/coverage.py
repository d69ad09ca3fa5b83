"""Which bills a region's pooling-fund rules cover: region × (insured category, medical type) → covered or missing.

A settlement of a bill whose category and medical type its region's fund rules do not cover is refused
(``FUND_RULES_MISSING``); this table shows in advance where that happens. A pair is *covered* when a ratio row
(``pooling_ratio_bp``, the region's own file) matches the bill at every hospital level a bill of that kind is settled
at (levels 1–3; a pharmacy purchase has none) and at every age tried; *partial* when only some match; *missing*
when none does. A researched "the fund pays nothing" (ratio 0) is covered like any other rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from gongji.domain.codes import MedType
from gongji.domain.regions import NATIONAL
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook, RuleTrace
from gongji.rules.schema import HospitalLevel, InsuredCategory, Parameter, RatioRow, match_row

__all__ = ["COVERAGE_MED_TYPES", "NOT_POOLED", "CoverageCell", "fund_coverage", "fund_ratio"]

#: The medical types every shipped region is expected to settle.
COVERAGE_MED_TYPES = (MedType("11"), MedType("14"), MedType("21"), MedType("41"))
_AGES = (10, 30, 50, 70)


#: The answer of :func:`fund_ratio` for a pharmacy purchase the fund does not pay (a rule, not a missing one).
NOT_POOLED: Literal["not_pooled"] = "not_pooled"

Lookup = Callable[[Parameter[Any]], Any]


def fund_ratio(
    find: Lookup, med_type: MedType, level: HospitalLevel | None, category: InsuredCategory, age_years: int
) -> RatioRow | Literal["not_pooled"] | None:
    """The fund's ratio row for a bill; :data:`NOT_POOLED` for a pharmacy purchase (41) that no row of the region
    covers where the rules say the fund pays nothing at pharmacies; ``None`` when the rules say nothing (refused).
    ``find`` reads a parameter's value in effect in the bill's region (``None`` where unset)."""
    rows: list[RatioRow] = find(params.POOLING_RATIO_BP) or []
    row = match_row(rows, med_type, level, category, age_years)
    if row is not None:
        return row
    if med_type.value == "41" and find(params.PHARMACY_PURCHASES_POOLED) is False:
        return NOT_POOLED
    return None


@dataclass(frozen=True)
class CoverageCell:
    """One region's rules for one category and medical type."""

    region: str
    category: InsuredCategory
    med_type: MedType
    status: str
    trace: RuleTrace | None


def _levels(med_type: MedType) -> tuple[HospitalLevel | None, ...]:
    return (None,) if med_type.value == "41" else (HospitalLevel.LEVEL_1, HospitalLevel.LEVEL_2, HospitalLevel.LEVEL_3)


def _ages(category: InsuredCategory) -> tuple[int, ...]:
    if category is InsuredCategory.RESIDENT:
        return _AGES
    return tuple(age for age in _AGES if age >= 18)


def fund_coverage(book: RuleBook, on: date, regions: list[str] | None = None) -> list[CoverageCell]:
    """Every region's (or ``regions``') coverage on ``on``, by category and medical type."""
    codes = regions if regions is not None else sorted(code for code in book.regions if code != NATIONAL)
    cells = []
    for region in codes:
        found = book.find(params.POOLING_RATIO_BP, region, on)

        def find(param: Parameter[Any], region: str = region) -> Any:
            value = book.find(param, region, on)
            return value.value if value else None

        for category in InsuredCategory:
            for med_type in COVERAGE_MED_TYPES:
                tries = [(level, age) for level in _levels(med_type) for age in _ages(category)]
                answers = [fund_ratio(find, med_type, level, category, age) for level, age in tries]
                hits = sum(1 for answer in answers if answer is not None)
                status = "covered" if hits == len(tries) else "partial" if hits else "missing"
                trace = found.trace if found else None
                if hits and all(answer == NOT_POOLED for answer in answers if answer is not None):
                    pooled = book.find(params.PHARMACY_PURCHASES_POOLED, region, on)
                    trace = pooled.trace if pooled else None
                cells.append(CoverageCell(region, category, med_type, status, trace if hits else None))
    return cells
