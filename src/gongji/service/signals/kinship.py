"""The rule ``implausible_relation``: a relation whose stated kinship the parties' ID numbers, or the family's other
relations, contradict (seed 000 warns of fictitious relatives bound to use an account). Pure, like the other rules.

What it finds, each with its evidence and a share of the score:

- **ages** that cannot be the stated relation: a parent fewer than 14 years older than his child, a grandparent
  fewer than 30 years older than the grandchild (either way round: the beneficiary is the authoriser's parent, or his
  child), a spouse under 18 on the day of the binding (the legal age of marriage is 20 and 22);
- **sexes**: a spouse of the authoriser's own sex (a Chinese marriage is between a man and a woman);
- **too many**: more than two people bound as one person's parents, or as his paternal (maternal) grandparents, or
  as his parents-in-law — whether by him, or by several authorisers naming the same beneficiary as their child;
- **contradictions**: two people each bound as the other's parent, or as the other's child.

The ages and sexes are those the ID numbers carry (the facts hold birth dates and sexes, never the numbers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from gongji.service.signals.rules import Found, subjects

__all__ = ["Kin", "Tie", "each_party", "implausible_relation"]

#: The least age gap a parent and child can have, and a grandparent and grandchild (years).
PARENT_GAP = 14
GRANDPARENT_GAP = 30
#: The youngest a spouse can plausibly be (the legal ages are 20 and 22; 18 leaves room for errors of record).
SPOUSE_AGE = 18

# Who the beneficiary is to the authoriser, by relation type: an elder of his (+1 generation, +2), a descendant (−1,
# −2), or a spouse (0).
_GENERATION = {
    "parent": 1,
    "parent_in_law": 1,
    "paternal_grandparent": 2,
    "maternal_grandparent": 2,
    "child": -1,
    "paternal_grandchild": -2,
    "maternal_grandchild": -2,
    "spouse": 0,
}
# The statuses of a relation that state a kinship (a request declined or left to expire is no claim).
_LIVE = frozenset({"requested", "active", "ended"})
# The kinds a person can have at most two of (his parents, each side's grandparents, the spouse's parents).
_AT_MOST_TWO = ("parent", "paternal_grandparent", "maternal_grandparent", "parent_in_law")


@dataclass(frozen=True, slots=True)
class Tie:
    """A relation as the rule reads the family's other relations: who bound whom as what, and its status."""

    relation_id: int
    authoriser_id: int
    beneficiary_id: int
    relation_type: str
    status: str


@dataclass(frozen=True, slots=True)
class Kin:
    """A relation with what the parties' ID numbers say of them."""

    relation_id: int
    authoriser_id: int
    beneficiary_id: int
    region: str
    relation_type: str
    status: str
    requested_at: datetime
    authoriser_born: date
    authoriser_sex: str
    beneficiary_born: date
    beneficiary_sex: str

    @property
    def tie(self) -> Tie:
        """The relation without its parties' ages and sexes."""
        return Tie(self.relation_id, self.authoriser_id, self.beneficiary_id, self.relation_type, self.status)


def _years(older: date, younger: date) -> int:
    """Whole years from ``older`` to ``younger`` (negative when ``older`` is the younger)."""
    return younger.year - older.year - ((younger.month, younger.day) < (older.month, older.day))


def _age_problem(kin: Kin) -> str | None:
    generation = _GENERATION.get(kin.relation_type)
    if generation is None:
        return None
    if generation == 0:
        youngest = min(
            _years(kin.authoriser_born, kin.requested_at.date()), _years(kin.beneficiary_born, kin.requested_at.date())
        )
        return f"spouse aged {youngest}" if youngest < SPOUSE_AGE else None
    elder, junior = (
        (kin.beneficiary_born, kin.authoriser_born) if generation > 0 else (kin.authoriser_born, kin.beneficiary_born)
    )
    gap = _years(elder, junior)
    least = PARENT_GAP if abs(generation) == 1 else GRANDPARENT_GAP
    return f"{kin.relation_type} {gap} years apart" if gap < least else None


def _own(kin: Kin) -> list[str]:
    """What the relation's own parties contradict."""
    problems = [problem] if (problem := _age_problem(kin)) else []
    if kin.relation_type == "spouse" and kin.authoriser_sex == kin.beneficiary_sex:
        problems.append("spouse of the same sex")
    return problems


def each_party(ties: Iterable[Tie]) -> list[tuple[int, Tie]]:
    """Every relation under each of its two parties, ordered by the party, then the relation: the order
    :func:`implausible_relation` reads its ties in (the store reads the same order in SQL; this is for a few relations
    in memory)."""
    sides = [(side, tie) for tie in ties for side in {tie.authoriser_id, tie.beneficiary_id}]
    return sorted(sides, key=lambda side: (side[0], side[1].relation_id))


def _parties(ties: Iterable[tuple[int, Tie]]) -> Iterator[tuple[int, list[Tie]]]:
    """Each person's live relations (``ties`` ordered by the person), once each, in the order of their ids."""
    for person, mine in subjects(ties, lambda side: side[0]):
        live = {tie.relation_id: tie for _, tie in mine if tie.status in _LIVE}
        yield person, [live[relation_id] for relation_id in sorted(live)]


def _too_many(person: int, ties: Iterable[Tie]) -> dict[int, str]:
    """Relations naming a third parent (grandparent, parent-in-law) of ``person``, by relation id."""
    claims: dict[str, dict[int, list[int]]] = defaultdict(dict)  # what → elder → relations
    for tie in ties:
        if tie.authoriser_id == person and tie.relation_type in _AT_MOST_TWO:
            kind, elder = tie.relation_type, tie.beneficiary_id
        elif tie.beneficiary_id == person and tie.relation_type == "child":  # the authoriser is his parent
            kind, elder = "parent", tie.authoriser_id
        else:
            continue
        claims[kind].setdefault(elder, []).append(tie.relation_id)
    return {
        relation_id: f"{len(elders)} people bound as {kind} of one person"
        for kind, elders in claims.items()
        if len(elders) > 2
        for relations in elders.values()
        for relation_id in relations
    }


def _crossed(person: int, ties: Iterable[Tie]) -> dict[int, str]:
    """The relations ``person`` authorised whose relative is bound as his parent (or child) too: each would be the
    other's, by relation id."""
    stated = {
        (tie.authoriser_id, tie.beneficiary_id, tie.relation_type): tie.relation_id
        for tie in ties
        if tie.relation_type in ("parent", "child")
    }
    return {
        relation_id: f"each bound as the other's {kind}"
        for (a, b, kind), relation_id in stated.items()
        if a == person and (b, a, kind) in stated
    }


def implausible_relation(relations: Iterable[Kin], ties: Iterable[tuple[int, Tie]], at: date) -> list[Found]:
    """Relations (requested, active, or ended within the data) that their parties' ages and sexes, or the other
    relations, contradict; the score grows with the number of contradictions.

    ``ties`` are every relation under each of its parties, ordered by the party (:func:`each_party`): a person's
    relations are read together, and only what they contradict is kept, so that a province's relations stream through
    the rule and are never held whole; ``relations`` then give each relation's parties' ages and sexes, in any order."""
    by_family: dict[int, str] = {}
    crossed: dict[int, str] = {}
    for person, mine in _parties(ties):
        by_family.update(_too_many(person, mine))
        crossed.update(_crossed(person, mine))
    found = []
    for kin in relations:
        if kin.status not in _LIVE:
            continue
        problems = _own(kin) + _listed(by_family.get(kin.relation_id)) + _listed(crossed.get(kin.relation_id))
        if problems:
            found.append(_signal(kin, problems))
    return found


def _listed(problem: str | None) -> list[str]:
    return [problem] if problem else []


def _signal(kin: Kin, problems: list[str]) -> Found:
    evidence = {
        "relation_id": kin.relation_id,
        "relation_type": kin.relation_type,
        "authoriser_id": kin.authoriser_id,
        "beneficiary_id": kin.beneficiary_id,
        "problems": problems,
    }
    score = min(100, 50 + 25 * (len(problems) - 1))
    day = kin.requested_at.date()
    return Found("implausible_relation", kin.region, "relation", kin.relation_id, score, day, day, evidence)
