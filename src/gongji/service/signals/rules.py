"""Fraud signals as named rules: each reads plain facts (visits, mutual-aid payments, bindings) and says whom it
finds, with its evidence and a score from 0 to 100 — never a verdict. Pure: the facts are read by the store.

The rules follow what seeds 000 and 001 warn of (a lent card, fictitious relatives, an account emptied by others):

- ``card_many_buyers`` (代买药): a card's pharmacy purchases made by two or more other buyers within an hour; more for
  more buyers, and late at night;
- ``card_two_regions``: a card used at institutions of two regions within three hours (one card, two places);
- ``account_drained``: a relative's account paying half or more of what it held for one beneficiary, in three
  settlements or more within 48 hours;
- ``many_beneficiaries``: one authoriser paying for six people or more at once;
- ``binding_churn``: an authoriser who ended two bindings or more within a year.

The facts come grouped by their subject — ordered by it, as the store reads them — so that a province's year of
visits and payments streams through a rule one person (or relation) at a time and is never held whole; a rule given
facts out of that order refuses them (:class:`FactsOutOfOrder`) rather than find a person twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby, pairwise
from typing import Any, TypeVar

from gongji.domain.identity import mask_id_number

__all__ = [
    "RULES",
    "AidPayment",
    "Binding",
    "BuyerVisit",
    "FactsOutOfOrder",
    "Found",
    "PlacedVisit",
    "account_drained",
    "binding_churn",
    "card_many_buyers",
    "card_two_regions",
    "many_beneficiaries",
    "subjects",
]

#: Every rule, by code, and the injected pattern (``gongji synth --fraud``) it is to find (``None``: none is injected);
#: their names are :data:`gongji.domain.signal_names.SIGNAL_NAMES`.
RULES: dict[str, str | None] = {
    "card_many_buyers": "card_lent",
    "card_two_regions": "distant",
    "account_drained": "drain",
    "many_beneficiaries": None,
    "binding_churn": None,
    "implausible_relation": "fictitious",  # gongji.service.signals.kinship
}


@dataclass(frozen=True)
class Found:
    """A signal: the rule, the region whose operators review it, whom it is about, its score and evidence, and the
    days the evidence spans."""

    rule: str
    region: str
    subject_kind: str
    subject_id: int
    score: int
    window_from: date
    window_to: date
    evidence: dict[str, Any] = field(compare=False)

    @property
    def fingerprint(self) -> str:
        """What makes it the same signal when the rules run again."""
        return f"{self.rule}:{self.subject_kind}:{self.subject_id}:{self.window_from}:{self.window_to}"


@dataclass(frozen=True, slots=True)
class BuyerVisit:
    """A pharmacy purchase on a person's card made by someone else (买药人)."""

    person_id: int
    region: str
    at: datetime
    buyer_certno: str
    mdtrt_id: str


@dataclass(frozen=True, slots=True)
class PlacedVisit:
    """A visit of a person (insured in ``region``) at an institution of ``place``."""

    person_id: int
    region: str
    at: datetime
    place: str
    mdtrt_id: str


@dataclass(frozen=True, slots=True)
class AidPayment:
    """What a relative's account paid of a beneficiary's settlement, and what it held before."""

    relation_id: int
    payer_id: int
    beneficiary_id: int
    region: str
    at: datetime
    amount_fen: int
    balance_before_fen: int
    setl_id: str


@dataclass(frozen=True, slots=True)
class Binding:
    """A relation as the rules on bindings read it."""

    relation_id: int
    authoriser_id: int
    beneficiary_id: int
    region: str
    status: str
    requested_at: datetime
    ended_at: datetime | None
    ended_by_authoriser: bool


class FactsOutOfOrder(ValueError):
    """Facts given to a rule not ordered by their subject (a store's bug, never the data's)."""


_Fact = TypeVar("_Fact", BuyerVisit, PlacedVisit, AidPayment, Binding)
_Any = TypeVar("_Any")


def subjects(facts: Iterable[_Any], subject: Callable[[_Any], int]) -> Iterator[tuple[int, Iterator[_Any]]]:
    """Each subject's facts, in the order given (``facts`` ordered by subject: :class:`FactsOutOfOrder` otherwise)."""
    last: int | None = None
    for key, mine in groupby(facts, key=subject):
        if last is not None and key <= last:
            raise FactsOutOfOrder(f"subject {key} after {last}")
        last = key
        yield key, mine


def _by_subject(facts: Iterable[_Fact], subject: Callable[[_Fact], int]) -> Iterator[tuple[int, list[_Fact]]]:
    """Each subject's facts (``facts`` ordered by subject), each subject's in time order."""
    for key, mine in subjects(facts, subject):
        yield key, sorted(mine, key=_moment)


def _moment(fact: BuyerVisit | PlacedVisit | AidPayment | Binding) -> datetime:
    return fact.requested_at if isinstance(fact, Binding) else fact.at


def _late(at: datetime) -> bool:
    return at.hour >= 21 or at.hour < 7


def card_many_buyers(visits: Iterable[BuyerVisit], within: timedelta = timedelta(hours=1)) -> list[Found]:
    """Cards whose purchases by others gathered two buyers or more within ``within`` (``visits`` ordered by
    person)."""
    found = []
    for person_id, ordered in _by_subject(visits, lambda v: v.person_id):
        best: list[BuyerVisit] = []
        for start, first in enumerate(ordered):
            window = [v for v in ordered[start:] if v.at - first.at <= within]
            if len({v.buyer_certno for v in window}) > len({v.buyer_certno for v in best}):
                best = window
        buyers = {v.buyer_certno for v in best}
        if len(buyers) < 2:
            continue
        score = min(100, 30 * len(buyers) + (20 if any(_late(v.at) for v in best) else 0))
        evidence = {
            "buyers": sorted(mask_id_number(b) for b in buyers),
            "visits": [v.mdtrt_id for v in best],
            "from": best[0].at.isoformat(),
            "to": best[-1].at.isoformat(),
            "all_purchases_by_others": len(ordered),
        }
        found.append(
            Found(
                "card_many_buyers",
                best[0].region,
                "person",
                person_id,
                score,
                best[0].at.date(),
                best[-1].at.date(),
                evidence,
            )
        )
    return found


def card_two_regions(visits: Iterable[PlacedVisit], within: timedelta = timedelta(hours=3)) -> list[Found]:
    """Cards used at institutions of two regions within ``within`` of each other (``visits`` ordered by person)."""
    found = []
    for person_id, ordered in _by_subject(visits, lambda v: v.person_id):
        pairs = [(a, b) for a, b in pairwise(ordered) if a.place != b.place and b.at - a.at <= within]
        if not pairs:
            continue
        evidence = {
            "pairs": [
                {"first": a.mdtrt_id, "at": a.at.isoformat(), "place": a.place, "then": b.mdtrt_id,
                 "then_at": b.at.isoformat(), "then_place": b.place}
                for a, b in pairs
            ],
        }  # fmt: skip
        first, last = pairs[0][0].at.date(), pairs[-1][1].at.date()
        found.append(
            Found(
                "card_two_regions",
                ordered[0].region,
                "person",
                person_id,
                min(100, 45 * len(pairs)),
                first,
                last,
                evidence,
            )
        )
    return found


def account_drained(
    payments: Iterable[AidPayment], within: timedelta = timedelta(hours=48), share_bp: int = 5_000, at_least: int = 3
) -> list[Found]:
    """Relatives' accounts that paid ``share_bp`` or more of what they held for one beneficiary in ``at_least``
    settlements or more within ``within`` (1,000 元 at least: one large hospital bill is not a drain); the subject
    is the beneficiary, whose card was used (``payments`` ordered by relation)."""
    found = []
    for _, ordered in _by_subject(payments, lambda p: p.relation_id):
        for start, first in enumerate(ordered):
            window = [p for p in ordered[start:] if p.at - first.at <= within]
            spent = sum(p.amount_fen for p in window)
            enough = len(window) >= at_least and spent >= 100_000
            if not enough or first.balance_before_fen <= 0 or spent * 10_000 < share_bp * first.balance_before_fen:
                continue
            share = spent * 100 // first.balance_before_fen
            evidence = {
                "relation_id": first.relation_id,
                "payer_id": first.payer_id,
                "held_fen": first.balance_before_fen,
                "spent_fen": spent,
                "settlements": [p.setl_id for p in window],
            }
            found.append(
                Found(
                    "account_drained",
                    first.region,
                    "person",
                    first.beneficiary_id,
                    min(100, int(share)),
                    first.at.date(),
                    window[-1].at.date(),
                    evidence,
                )
            )
            break
    return found


def many_beneficiaries(bindings: Iterable[Binding], at: date, limit: int = 6) -> list[Found]:
    """Authorisers with ``limit`` or more active relations on ``at`` (``bindings`` ordered by authoriser). Six is one
    more than the most an honest family of a spouse, two children and two parents binds (the most any authoriser of an
    honest synthetic province of 20,000 people had: 5); the first threshold, 4, flagged 3.7 % of that province's
    authorisers."""
    found = []
    for authoriser_id, mine in _by_subject(bindings, lambda b: b.authoriser_id):
        relations = [b for b in mine if b.status == "active"]
        if len(relations) < limit:
            continue
        evidence = {"relations": [b.relation_id for b in relations], "beneficiaries": len(relations)}
        score = min(100, 15 * len(relations))
        found.append(Found("many_beneficiaries", relations[0].region, "person", authoriser_id, score, at, at, evidence))
    return found


def binding_churn(bindings: Iterable[Binding], at: date, times: int = 2) -> list[Found]:
    """Authorisers who ended ``times`` bindings or more in the year before ``at`` (``bindings`` ordered by
    authoriser)."""
    found = []
    since = at - timedelta(days=365)
    for authoriser_id, mine in _by_subject(bindings, lambda b: b.authoriser_id):
        relations = [b for b in mine if b.ended_by_authoriser and b.ended_at is not None and b.ended_at.date() > since]
        if len(relations) < times:
            continue
        evidence = {"ended": [b.relation_id for b in relations]}
        score = min(100, 30 * len(relations))
        found.append(Found("binding_churn", relations[0].region, "person", authoriser_id, score, since, at, evidence))
    return found
