"""The checks that binding and paying share: who the parties are, what rules they read, and the failed checks.

A check is pure: it reads people, enrollments, relations and the rule book as of a date, and returns
:class:`Finding` objects — one per failed check, each with its refusal code, its parameters and the rule values it
read. :mod:`gongji.service.binding_checks` asks "may X bind Y?"; :mod:`gongji.service.eligibility` asks "may X's
account pay for Y now?". Both use the checks here.

All limits and switches come from the rules of the regions involved: the authoriser's region for what his account
may do, the beneficiary's region for what the beneficiary may accept (how many authorisers), and both regions for
geography.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from gongji.domain.codes import BASIC_INSUTYPES, Insutype, RelationType
from gongji.domain.enrollment import Enrollment
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.once import once
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.regions import pooling_region_of, province_of, region_term
from gongji.domain.relations import (
    Relation,
)
from gongji.domain.wording import Said
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook, RuleTrace
from gongji.rules.schema import UNLIMITED, Geography, Parameter
from gongji.service.views import RuleTraceView

__all__ = [
    "Finding",
    "Party",
    "RuleReader",
    "beneficiary_insured",
    "eligible_authoriser",
    "geography_open",
    "limit_reached",
    "open_now",
    "relation_allowed",
    "rule_trace_views",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    """A failed check: its code, the parameters of its message, and the rule values it rests on."""

    code: ErrorCode
    params: dict[str, Any]
    traces: tuple[RuleTrace, ...] = ()

    def refusal(self) -> Refused:
        """The refusal a request gets for this finding."""
        return Refused(self.code, **self.params)


class RuleReader:
    """Reads rule values for one date and remembers every value it read (for explanations)."""

    def __init__(self, book: RuleBook, on: date) -> None:
        self.book = book
        self.on = on
        self.traces: list[RuleTrace] = []

    def get(self, param: Parameter[T], region: str) -> T:
        """The value in effect (``RULE_MISSING`` refusal when no file sets it)."""
        found = self.book.find(param, region, self.on)
        if found is None:
            found = self.book.resolve(param, region, self.on)  # refuses, naming the parameter
        self.traces.append(found.trace)
        return found.value

    def find(self, param: Parameter[T], region: str) -> T | None:
        """The value in effect, or ``None`` where no file sets it (recorded only when found)."""
        found = self.book.find(param, region, self.on)
        if found is None:
            return None
        self.traces.append(found.trace)
        return found.value

    def last(self, count: int = 1) -> tuple[RuleTrace, ...]:
        """The traces of the last ``count`` values read."""
        return tuple(self.traces[-count:])


def rule_trace_views(traces: Iterable[RuleTrace]) -> list[RuleTraceView]:
    """The rule values read, once each (by parameter and answering region), as shown to people."""
    seen: dict[tuple[str, str], RuleTraceView] = {}
    for t in traces:
        seen[(t.parameter, t.region)] = RuleTraceView(
            parameter=t.parameter,
            parameter_zh=t.parameter_zh,
            region=t.region,
            region_zh=t.region_zh,
            since=t.since,
            reference_title=t.reference_title,
            reference_address=t.reference_address,
            confidence=t.confidence,
        )
    return list(seen.values())


@dataclass(frozen=True)
class Party:
    """A person with their enrollments and every relation they are in (either side)."""

    person: Person
    enrollments: Sequence[Enrollment]
    relations: Sequence[Relation] = field(default=())

    @once
    def basic(self) -> Enrollment | None:
        """The active basic enrollment (310/390 …), if any (looked up once: a party does not change)."""
        return next((e for e in self.enrollments if e.is_active and e.insutype in BASIC_INSUTYPES), None)

    @once
    def region(self) -> str | None:
        """The pooling region of the active basic enrollment."""
        basic = self.basic
        return basic.pooling_region if basic else None

    def active_in(self, insutypes: Sequence[Insutype]) -> Enrollment | None:
        """The active enrollment in one of ``insutypes``."""
        return next((e for e in self.enrollments if e.is_active and e.insutype in insutypes), None)


def limit_reached(limit: int | str, count: int) -> bool:
    """Whether ``count`` has reached a count limit of the rules (never, where the limit is ``unlimited``)."""
    return limit != UNLIMITED and isinstance(limit, int) and count >= limit


def eligible_authoriser(reader: RuleReader, party: Party) -> tuple[str | None, list[Finding]]:
    """The authoriser's pooling region, or the finding that says why he cannot authorise."""
    region = party.region
    if region is None:
        shown = {"name": party.person.name, "insutypes": [Insutype.EMPLOYEE_BASIC], "found": Phrase.NOT_INSURED}
        return None, [Finding(ErrorCode.AUTHORISER_NOT_ELIGIBLE, shown)]
    allowed = reader.get(params.AUTHORISER_INSUTYPES, region)
    enrollment = party.active_in(allowed)
    if enrollment is None or not enrollment.is_normal:
        found = enrollment or party.basic
        assert found is not None
        shown = {
            "name": party.person.name,
            "insutypes": list(allowed),
            "found": Said(Phrase.INSUTYPE_IN_STATUS, {"insutype": found.insutype, "status": found.status}),
        }
        return region, [Finding(ErrorCode.AUTHORISER_NOT_ELIGIBLE, shown, reader.last())]
    return enrollment.pooling_region, []


def beneficiary_insured(reader: RuleReader, authoriser_region: str, party: Party) -> list[Finding]:
    """The beneficiary holds, in normal status, an insurance type the authoriser's region lets him be bound with."""
    allowed = reader.get(params.BENEFICIARY_INSUTYPES, authoriser_region)
    enrollment = party.active_in(allowed)
    if enrollment is None:
        shown = {"name": party.person.name, "insutypes": list(allowed)}
        return [Finding(ErrorCode.BENEFICIARY_NOT_INSURED, shown, reader.last())]
    if not enrollment.is_normal:
        shown = {"name": party.person.name, "status": enrollment.status}
        return [Finding(ErrorCode.BENEFICIARY_STATUS_NOT_NORMAL, shown)]
    return []


def relation_allowed(reader: RuleReader, region: str, relation_type: RelationType) -> list[Finding]:
    """The region lets an authoriser bind a relative of this type."""
    allowed = reader.get(params.ALLOWED_RELATIONS, region)
    if relation_type in allowed:
        return []
    shown = {"region": region, "on": reader.on.isoformat(), "relation": relation_type, "allowed": list(allowed)}
    return [Finding(ErrorCode.RELATION_TYPE_NOT_ALLOWED, shown, reader.last())]


def _opened(geography: Geography, a: str, b: str) -> bool:
    if geography is Geography.NATIONAL:
        return True
    if geography is Geography.SAME_PROVINCE:
        return province_of(a) == province_of(b)
    return pooling_region_of(a) == pooling_region_of(b)  # two districts of one city are one pooling region


def geography_open(reader: RuleReader, a_region: str, b_region: str) -> list[Finding]:
    """Mutual aid reaches between the two regions, by the geography rule of each."""
    for rule_region in (a_region, b_region):
        geography = reader.get(params.GEOGRAPHY, rule_region)
        if not _opened(geography, a_region, b_region):
            shown = {
                "a_region": region_term(a_region),
                "b_region": region_term(b_region),
                "rule_region": rule_region,
                "geography": geography,
            }
            return [Finding(ErrorCode.GEOGRAPHY_NOT_OPEN, shown, reader.last())]
    return []


def open_now(relations: Sequence[Relation], moment: datetime) -> list[Relation]:
    """Relations that still count: requested (not expired) or active (not past an end date)."""
    return [r for r in relations if r.is_live_at(moment)]
