"""The rule book: "region, parameter, date" → the value in effect, with a trace of where it came from.

A county falls back to its prefecture (where the prefecture part names a region), the prefecture to its province,
the province to the national file (code ``100000``): the chain of :func:`gongji.domain.regions.chain_of`. Every
answer carries a :class:`RuleTrace` — the parameter, the region asked about, the region whose file gave the value,
the value's validity and its reference and confidence — so that a decision can always be explained by the values it
read.

Answers are remembered by parameter and region as a timeline: the days on which any value along the region's chain
starts or ends cut time into spans, each with one answer, and a date finds its span by bisection. A book does not
change once loaded, so the timeline is built once, the first time the pair is asked.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.regions import chain_of, pooling_chain_of, region_name
from gongji.domain.wording import Text
from gongji.rules.loader import DATA_DIR, DatedValue, RegionRules, load_region_files
from gongji.rules.schema import PARAMETERS, Parameter

__all__ = ["Resolved", "RuleBook", "RuleTrace", "default_rule_book"]

T = TypeVar("T")


@dataclass(frozen=True)
class RuleTrace:
    """Which value a decision read: enough to explain it to the person at the counter."""

    parameter: str
    parameter_zh: str
    requested_region: str
    region: str
    region_zh: str
    since: date
    end: date | None
    reference_title: str
    reference_address: str
    confidence: str


@dataclass(frozen=True)
class Resolved(Generic[T]):
    """A parameter's value in effect, and where it came from."""

    value: T
    trace: RuleTrace


def _in_effect(values: Sequence[DatedValue], on: date) -> DatedValue | None:
    for index, candidate in enumerate(values):
        following = values[index + 1].since if index + 1 < len(values) else None
        if candidate.holds_on(on, following):
            return candidate
    return None


#: How many (parameter, region) timelines a book keeps (some sixty parameters × the regions asked about).
_FOUND_LIMIT = 100_000


@dataclass(frozen=True)
class _Timeline:
    """One parameter's answers for one region over time: ``answers[i]`` holds from ``starts[i]`` (inclusive) to
    ``starts[i + 1]``; before ``starts[0]`` there is no answer."""

    starts: tuple[date, ...]
    answers: tuple[Resolved[Any] | None, ...]


class RuleBook:
    """All regions' rules, loaded and validated."""

    def __init__(self, regions: dict[str, RegionRules], directories: Sequence[Path] = ()) -> None:
        self.regions = regions
        self.directories = tuple(directories)
        # What find() answers, by parameter and region, as a timeline (module docstring): a settlement reads some
        # thirty values, each walking a region's chain. Bounded: cleared when full.
        self._found: dict[tuple[str, bool, str], _Timeline] = {}
        self._cuts: tuple[date, ...] | None = None

    @classmethod
    def load(cls, directories: Sequence[Path] | None = None) -> RuleBook:
        """Load the package's rules, and after them any directories given (their files override or add)."""
        dirs = [DATA_DIR, *(directories or [])]
        return cls(load_region_files(dirs), dirs)

    def chain(self, region: str) -> list[str]:
        """The regions asked in turn: the region itself, its prefecture (for a county), its province, the national
        level (``130602`` → ``130600`` → ``130000`` → ``100000``). A known code of any time has a chain; an unknown
        one is refused (``CODE_UNKNOWN``)."""
        return chain_of(region)

    def find(self, param: Parameter[T], region: str, on: date) -> Resolved[T] | None:
        """The value in effect on ``on`` for ``region``, falling back along :meth:`chain` to the prefecture,
        province and national files. A ``local`` parameter (the pooling fund's) is read only from the files of the
        pooling region: the region's own, then for a county its prefecture's (or its municipality's), never a
        province's or the nation's (:func:`gongji.domain.regions.pooling_chain_of`)."""
        key = (param.name, param.local, region)
        timeline = self._found.get(key)
        if timeline is None:
            if len(self._found) >= _FOUND_LIMIT:
                self._found.clear()
            timeline = self._found[key] = self._timeline(param, region)
        # The day's span by bisection, inline (a settlement reads some thirty values, a province's load hundreds of
        # millions)
        index = bisect_right(timeline.starts, on) - 1
        found: Resolved[T] | None = timeline.answers[index] if index >= 0 else None
        return found

    def same_on(self, first: date, last: date) -> bool:
        """Whether every answer of the book is the same on ``last`` as on ``first`` (``first <= last``): no value of
        any parameter in any region starts, or stops holding, on a day after ``first`` up to ``last``."""
        cuts = self._cuts
        if cuts is None:
            days = set()
            for rules in self.regions.values():
                for values in rules.parameters.values():
                    for value in values:
                        days.add(value.since)
                        if value.end is not None and value.end < date.max:
                            days.add(value.end + timedelta(days=1))
            cuts = self._cuts = tuple(sorted(days))
        return bisect_right(cuts, first) == bisect_right(cuts, last)

    def version(self, parameter: str, region: str, since: date) -> DatedValue | None:
        """The value of ``parameter`` that ``region``'s own files give from ``since`` (a version a decision read,
        named as an explanation stores it), or ``None`` if the book holds no such version."""
        rules = self.regions.get(region)
        values = rules.parameters.get(parameter, ()) if rules else ()
        return next((value for value in values if value.since == since), None)

    def _codes(self, param: Parameter[Any], region: str) -> list[str]:
        return pooling_chain_of(region) if param.local else self.chain(region)

    def _timeline(self, param: Parameter[Any], region: str) -> _Timeline:
        """The answers for ``region`` over time: one per span between the days any value along the chain starts or
        ends (the day after its end)."""
        cuts = {date.min}
        for code in self._codes(param, region):
            rules = self.regions.get(code)
            for value in rules.parameters.get(param.name, ()) if rules else ():
                cuts.add(value.since)
                if value.end is not None and value.end < date.max:
                    cuts.add(value.end + timedelta(days=1))
        starts = tuple(sorted(cuts))
        return _Timeline(starts, tuple(self._find(param, region, start) for start in starts))

    def _find(self, param: Parameter[T], region: str, on: date) -> Resolved[T] | None:
        for code in self._codes(param, region):
            rules = self.regions.get(code)
            if rules is None or param.name not in rules.parameters:
                continue
            current = _in_effect(rules.parameters[param.name], on)
            if current is None or current.value is None:
                continue
            trace = RuleTrace(
                parameter=param.name,
                parameter_zh=param.zh,
                requested_region=region,
                region=code,
                region_zh=region_name(code),
                since=current.since,
                end=current.end,
                reference_title=current.reference.title,
                reference_address=current.reference.address,
                confidence=current.confidence,
            )
            value: T = current.value
            return Resolved(value, trace)
        return None

    def resolve(self, param: Parameter[T], region: str, on: date) -> Resolved[T]:
        """Like :meth:`find`, but a missing value is a refusal (``RULE_MISSING``) naming the parameter."""
        found = self.find(param, region, on)
        if found is None:
            raise Refused(
                ErrorCode.RULE_MISSING,
                parameter=Text(param.zh, param.en, param.name),
                region=region,
                on=on.isoformat(),
            )
        return found

    def effective(self, region: str, on: date) -> list[tuple[Parameter[Any], Resolved[Any] | None]]:
        """Every parameter of the catalogue with its value in effect (or ``None``), in catalogue order."""
        return [(param, self.find(param, region, on)) for param in PARAMETERS.values()]

    def diff(
        self, region_a: str, region_b: str, on: date
    ) -> list[tuple[Parameter[Any], Resolved[Any] | None, Resolved[Any] | None]]:
        """The parameters whose values in effect differ between two regions on a date."""
        rows = []
        for param in PARAMETERS.values():
            a, b = self.find(param, region_a, on), self.find(param, region_b, on)
            if (a.value if a else None) != (b.value if b else None):
                rows.append((param, a, b))
        return rows

    def confidence_counts(self) -> Counter[str]:
        """How many dated values are ``official`` and how many ``unverified`` (stops not counted)."""
        counts: Counter[str] = Counter()
        for rules in self.regions.values():
            for values in rules.parameters.values():
                counts.update(v.confidence for v in values if v.value is not None)
        return counts


@cache
def default_rule_book() -> RuleBook:
    """The rule book of the package's data plus ``GONGJI_RULES_DIR`` (an operator's own files), loaded once."""
    extra = os.environ.get("GONGJI_RULES_DIR")
    return RuleBook.load([Path(extra)] if extra else None)
