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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from gongji.service.signals.rules import Found

__all__ = ["Kin", "implausible_relation"]

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
# The kinds a person can have at most two of (his parents, each side's grandparents, the spouse's parents).
_AT_MOST_TWO = ("parent", "paternal_grandparent", "maternal_grandparent", "parent_in_law")


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


def _too_many(live: Iterable[Kin]) -> dict[int, list[str]]:
    """Relations naming a third parent (grandparent, parent-in-law) of somebody, by relation id."""
    claims: dict[tuple[int, str], dict[int, list[int]]] = defaultdict(dict)  # whose, what → elder → relations
    for kin in live:
        if kin.relation_type in _AT_MOST_TWO:
            key, elder = (kin.authoriser_id, kin.relation_type), kin.beneficiary_id
        elif kin.relation_type == "child":  # the authoriser is a parent of the beneficiary
            key, elder = (kin.beneficiary_id, "parent"), kin.authoriser_id
        else:
            continue
        claims[key].setdefault(elder, []).append(kin.relation_id)
    found: dict[int, list[str]] = defaultdict(list)
    for (_, kind), elders in claims.items():
        if len(elders) > 2:
            for relations in elders.values():
                for relation_id in relations:
                    found[relation_id].append(f"{len(elders)} people bound as {kind} of one person")
    return found


def _contradictions(live: Iterable[Kin]) -> dict[int, list[str]]:
    """Relations of two people who are each the other's parent (or child)."""
    stated = {
        (k.authoriser_id, k.beneficiary_id, k.relation_type): k.relation_id
        for k in live
        if k.relation_type in ("parent", "child")
    }
    found: dict[int, list[str]] = defaultdict(list)
    for (a, b, kind), relation_id in stated.items():
        if (b, a, kind) in stated:
            found[relation_id].append(f"each bound as the other's {kind}")
    return found


def implausible_relation(relations: Iterable[Kin], at: date) -> list[Found]:
    """Relations (requested, active, or ended within the data) that their parties' ages and sexes, or the other
    relations, contradict; the score grows with the number of contradictions."""
    live = [k for k in relations if k.status in ("requested", "active", "ended")]
    by_family = _too_many(live)
    crossed = _contradictions(live)
    found = []
    for kin in live:
        problems = _own(kin) + by_family.get(kin.relation_id, []) + crossed.get(kin.relation_id, [])
        if not problems:
            continue
        evidence = {
            "relation_id": kin.relation_id,
            "relation_type": kin.relation_type,
            "authoriser_id": kin.authoriser_id,
            "beneficiary_id": kin.beneficiary_id,
            "problems": problems,
        }
        score = min(100, 50 + 25 * (len(problems) - 1))
        day = kin.requested_at.date()
        found.append(Found("implausible_relation", kin.region, "relation", kin.relation_id, score, day, day, evidence))
    return found
