"""Known fraud patterns injected into a synthetic province's year of care (``gongji synth --fraud RATE``), with the
ground truth kept apart from the province's tables, so that fraud signals can be measured against it.

Seeds 000 and 001 warn of lent cards and of relatives' money spent by others. Each relative an employee asks to bind
is, with probability ``RATE``, the subject of one pattern; the visits it adds go through the same use cases as any
other, so the rules decide what they are paid with:

- ``card_lent`` (代买药): the relative's card is used at pharmacies by other people — bursts of two to five purchases
  in half an hour late in the evening, at different pharmacies, each by another buyer (买药人, recorded with the
  visit as 2201 records it);
- ``drain``: three to six large purchases at one pharmacy within two days, as if the relative's binding were there
  to empty an account;
- ``distant``: the card is used at top-level hospitals of two regions within two hours, twice or more;
- ``fictitious`` (a family, with probability ``RATE``): an employee binds someone of his family under a kinship that
  is not theirs (his brother as his child, his mother-in-law as his mother…), as seed 000 warns of relatives
  invented to reach an account; the case is the relation, if the region binds the kind stated.

The ground truth (:class:`Truth`) names the person, the pattern and when it began; it is written to a CSV file of its
own, never into the database the analyses read.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from gongji.domain.codes import MedType, RelationType
from gongji.domain.identity import CHECK_CHARACTERS, ID_WEIGHTS
from gongji.domain.settlement import BillParts
from gongji.service.clock import SHANGHAI

__all__ = ["Injected", "Pattern", "Request", "Truth", "fictitious", "inject"]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力春梅宇浩然"


class Pattern(StrEnum):
    """A fraud pattern a synthetic province can be given."""

    CARD_LENT = "card_lent"
    DRAIN = "drain"
    DISTANT = "distant"
    FICTITIOUS = "fictitious"


#: The patterns a relative's year of care is given (a fictitious relative is a binding: :func:`fictitious`).
_CARE_PATTERNS = (Pattern.CARD_LENT, Pattern.DRAIN, Pattern.DISTANT)
#: The kinds a fictitious relative is stated as.
_STATED = (
    RelationType.SPOUSE,
    RelationType.PARENT,
    RelationType.CHILD,
    RelationType.SIBLING,
    RelationType.PATERNAL_GRANDPARENT,
    RelationType.MATERNAL_GRANDPARENT,
    RelationType.PATERNAL_GRANDCHILD,
    RelationType.MATERNAL_GRANDCHILD,
)


@dataclass(frozen=True)
class Truth:
    """One injected case: whose card, which pattern, from when, and how many visits it added."""

    person_id: int
    pattern: Pattern
    began_at: datetime
    visits: int


@dataclass(frozen=True)
class Injected:
    """A visit a pattern adds: when, what, at which level in which region, its bill, and who bought (``None``: the
    patient)."""

    at: datetime
    med_type: MedType
    region: str
    level: str
    parts: BillParts
    buyer: tuple[str, str] | None = None


def _buyer(rng: random.Random, region: str) -> tuple[str, str]:
    """Another person's name and a valid ID number of the region (a buyer who is not the patient)."""
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
    first = f"{region[:4]}{rng.randrange(1, 30):02d}{born:%Y%m%d}{rng.randrange(1000):03d}"
    check = CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first, ID_WEIGHTS, strict=True)) % 11]
    return name, first + check


def _purchase(total: int) -> BillParts:
    """A pharmacy bill of ``total``: 70 % in the policy range, 30 % own-pay (as the year of care's purchases)."""
    own = total * 3 // 10
    return BillParts(fulamt_ownpay_fen=own, overlmt_fen=0, preselfpay_fen=0, inscp_fen=total - own)


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(360))


def _card_lent(rng: random.Random, region: str, year: int) -> list[Injected]:
    found = []
    for _ in range(rng.randint(1, 3)):
        at = datetime.combine(_day(rng, year), time(22, rng.randrange(30)), SHANGHAI)
        for _ in range(rng.randint(2, 5)):
            at += timedelta(minutes=rng.randint(3, 10))
            total = round(rng.lognormvariate(0, 0.5) * 30_000)
            found.append(
                Injected(at, MedType.PHARMACY_PURCHASE, region, "pharmacy", _purchase(total), _buyer(rng, region))
            )
    return found


def _drain(rng: random.Random, region: str, year: int) -> list[Injected]:
    at = datetime.combine(_day(rng, year), time(rng.randrange(9, 18), rng.randrange(60)), SHANGHAI)
    found = []
    for _ in range(rng.randint(3, 6)):
        at += timedelta(minutes=rng.randint(20, 600))
        total = round(rng.lognormvariate(0, 0.3) * 80_000)
        found.append(Injected(at, MedType.PHARMACY_PURCHASE, region, "pharmacy", _purchase(total)))
    return found


def _distant(rng: random.Random, region: str, regions: tuple[str, ...], year: int) -> list[Injected]:
    elsewhere = [r for r in regions if r != region] or [region]
    found = []
    for _ in range(rng.randint(2, 3)):
        at = datetime.combine(_day(rng, year), time(rng.randrange(8, 14), rng.randrange(60)), SHANGHAI)
        for place in (region, rng.choice(elsewhere)):
            total = round(rng.lognormvariate(0, 0.5) * 36_100)
            parts = BillParts(fulamt_ownpay_fen=0, overlmt_fen=0, preselfpay_fen=0, inscp_fen=total)
            found.append(Injected(at, MedType.GENERAL_OUTPATIENT, place, "3", parts))
            at += timedelta(minutes=rng.randint(30, 110))
    return found


def inject(
    rng: random.Random, rate: float, person_id: int, region: str, regions: tuple[str, ...], year: int
) -> tuple[list[Injected], Truth | None]:
    """With probability ``rate``, one pattern's visits for the relative ``person_id`` of ``region``, and its truth."""
    if rate <= 0 or rng.random() >= rate:
        return [], None
    pattern = rng.choice(_CARE_PATTERNS)
    if pattern is Pattern.CARD_LENT:
        visits = _card_lent(rng, region, year)
    elif pattern is Pattern.DRAIN:
        visits = _drain(rng, region, year)
    else:
        visits = _distant(rng, region, regions, year)
    visits.sort(key=lambda v: v.at)
    return visits, Truth(person_id, pattern, visits[0].at, len(visits))


Request = tuple[datetime, tuple[int, int, RelationType]]


def fictitious(
    rng: random.Random,
    rate: float,
    members: list[tuple[int, bool]],
    asked: list[Request],
    true_kind: Callable[[int, int], RelationType | None],
    year: int,
) -> list[Request]:
    """With probability ``rate``, one binding request of a fictitious relative: an employee of the family (``members``:
    person id and whether an employee) asks, during ``year``, to bind someone of the family he has not asked for,
    stating a kinship that is not theirs (``true_kind``: who the other truly is to him). Whether a region binds that
    kind is for the rules to say; a request they refuse is no case."""
    if rate <= 0 or rng.random() >= rate:
        return []
    employees = [pid for pid, employed in members if employed]
    if not employees:
        return []
    authoriser = rng.choice(employees)
    taken = {b for _, (a, b, _) in asked if a == authoriser}
    others = [pid for pid, _ in members if pid != authoriser and pid not in taken]
    if not others:
        return []
    beneficiary = rng.choice(others)
    stated = rng.choice([kind for kind in _STATED if kind is not true_kind(authoriser, beneficiary)])
    at = datetime.combine(_day(rng, year), time(rng.randrange(9, 21), rng.randrange(60)), SHANGHAI)
    return [(at, (authoriser, beneficiary, stated))]
