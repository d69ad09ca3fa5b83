"""A what-if: every settlement of a period replayed under the rules in force and under an overlay, in the order they
were made (:mod:`gongji.service.whatif.replay`), and the differences gathered — per region, per relation type, per
patient and for the fund, with the refusals that appear or vanish.

The replay under the rules in force is the check: it must give every stored settlement back to the fen (amounts and
what each account paid); a settlement it does not is counted as a mismatch and named, never hidden.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from gongji.rules.book import RuleBook
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.whatif.memory import FamilyMemory
from gongji.service.whatif.replay import Outcome, Situation, outcome, situation

__all__ = ["Change", "Totals", "WhatIf", "settlements_by_family", "what_if"]

#: How many mismatched settlements are named (all are counted).
NAMED_MISMATCHES = 20


@dataclass
class Totals:
    """Sums of fen under the rules in force (``base``) and under the overlay (``over``)."""

    settlements: int = 0
    mutual_aid_base: int = 0
    mutual_aid_over: int = 0
    own_base: int = 0
    own_over: int = 0
    cash_base: int = 0
    cash_over: int = 0
    fund_base: int = 0
    fund_over: int = 0

    def add(self, base: Outcome, over: Outcome) -> None:
        """Count one settlement under both books."""
        self.settlements += 1
        self.mutual_aid_base += base.mutual_aid_fen
        self.mutual_aid_over += over.mutual_aid_fen
        self.own_base += base.acct_pay_fen - base.mutual_aid_fen
        self.own_over += over.acct_pay_fen - over.mutual_aid_fen
        self.cash_base += base.cash_fen
        self.cash_over += over.cash_fen
        self.fund_base += base.fund_fen
        self.fund_over += over.fund_fen


@dataclass(frozen=True)
class Change:
    """One settlement the overlay changes: whose, where, and both outcomes."""

    setl_id: str
    patient_id: int
    region: str
    settled_at: datetime
    base: Outcome
    over: Outcome


@dataclass
class WhatIf:
    """A what-if's result (see the module docstring)."""

    replayed: int = 0
    skipped: int = 0
    mismatched: int = 0
    mismatches: list[str] = field(default_factory=list)
    by_region: dict[str, Totals] = field(default_factory=dict)
    by_relation_type: dict[str, tuple[int, int]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    refusals_appear: Counter[str] = field(default_factory=Counter)
    refusals_vanish: Counter[str] = field(default_factory=Counter)

    def merge(self, other: WhatIf) -> None:
        """Add ``other``'s settlements (another part's) to these."""
        self.replayed += other.replayed
        self.skipped += other.skipped
        self.mismatched += other.mismatched
        self.mismatches = (self.mismatches + other.mismatches)[:NAMED_MISMATCHES]
        for region, totals in other.by_region.items():
            mine = self.by_region.setdefault(region, Totals())
            for name in vars(mine):
                setattr(mine, name, getattr(mine, name) + getattr(totals, name))
        for kind, (base, over) in other.by_relation_type.items():
            before, after = self.by_relation_type.get(kind, (0, 0))
            self.by_relation_type[kind] = (before + base, after + over)
        self.changes.extend(other.changes)
        self.refusals_appear.update(other.refusals_appear)
        self.refusals_vanish.update(other.refusals_vanish)

    @property
    def total(self) -> Totals:
        """Every region together."""
        whole = Totals()
        for part in self.by_region.values():
            for name in vars(whole):
                setattr(whole, name, getattr(whole, name) + getattr(part, name))
        return whole

    def patients(self) -> tuple[int, int]:
        """How many patients pay more in cash under the overlay, and how many less (over the whole period)."""
        cash: Counter[int] = Counter()
        for change in self.changes:
            cash[change.patient_id] += change.over.cash_fen - change.base.cash_fen
        return sum(1 for v in cash.values() if v > 0), sum(1 for v in cash.values() if v < 0)


def _matches(seen: Situation, base: Outcome) -> bool:
    """Whether the replay under the rules in force gives the stored settlement back, to the fen."""
    record, amounts = seen.record, seen.record.amounts
    if base.refused is not None:
        return False
    paid: Counter[int | None] = Counter()
    for payer in record.payers:
        paid[payer.relation_id] += payer.prior_years_fen + payer.current_year_fen
    same = (
        amounts.acct_pay_fen == base.acct_pay_fen
        and amounts.acct_mulaid_pay_fen == base.mutual_aid_fen
        and amounts.psn_cash_pay_fen == base.cash_fen
        and amounts.hifp_pay_fen == base.fund_fen
    )
    return same and +paid == +Counter(base.by_relation)


def _tally(result: WhatIf, seen: Situation, base: Outcome, over: Outcome) -> None:
    record = seen.record
    result.by_region.setdefault(record.region, Totals()).add(base, over)
    kinds = {relation.id: relation.relation_type.value for relation in seen.family.relations}
    for relation_id in set(base.by_relation) | set(over.by_relation):
        if relation_id is None:
            continue
        kind = kinds.get(relation_id, "unknown")
        before, after = result.by_relation_type.get(kind, (0, 0))
        result.by_relation_type[kind] = (
            before + base.by_relation.get(relation_id, 0),
            after + over.by_relation.get(relation_id, 0),
        )
    if base.refused != over.refused:
        if over.refused is not None:
            result.refusals_appear[over.refused] += 1
        if base.refused is not None:
            result.refusals_vanish[base.refused] += 1
    if (base.acct_pay_fen, base.cash_fen, base.fund_fen, base.refused) != (
        over.acct_pay_fen,
        over.cash_fen,
        over.fund_fen,
        over.refused,
    ) or dict(base.by_relation) != dict(over.by_relation):
        result.changes.append(Change(record.setl_id, record.person_id, record.region, record.settled_at, base, over))


def _families(pairs: list[tuple[int, int]]) -> dict[int, int]:
    """Each person's family: the least person id of those linked to him by relations (union-find)."""
    parent: dict[int, int] = {}

    def root(person: int) -> int:
        while parent.setdefault(person, person) != person:
            parent[person] = parent[parent[person]]
            person = parent[person]
        return person

    for a, b in pairs:
        first, second = root(a), root(b)
        if first != second:
            parent[max(first, second)] = min(first, second)
    return {person: root(person) for person in parent}


def settlements_by_family(
    uow: UnitOfWork, since: datetime, until: datetime, regions: Collection[str] | None, part: tuple[int, int]
) -> list[list[str]]:
    """The period's settlements (结算ID) of each family of ``part``, each family's in the order they were made; the
    families in the order of their first settlement."""
    index, count = part
    families = _families(uow.replays.relation_pairs())
    grouped: dict[int, list[str]] = {}
    for _, setl_id, patient in uow.replays.settlements_between(since, until, regions):
        family = families.get(patient, patient)
        if family % count == index:
            grouped.setdefault(family, []).append(setl_id)
    return list(grouped.values())


def _replay(
    ctx: Context,
    uow: UnitOfWork,
    overlay: RuleBook,
    memory: FamilyMemory,
    deltas: Counter[str],
    setl_id: str,
    result: WhatIf,
) -> None:
    """One settlement under both books, counted into ``result``; what the overlay moved differently is carried in
    ``deltas`` to the family's later settlements."""
    seen = situation(uow, memory, setl_id)
    if seen is None:
        result.skipped += 1
        return
    base = outcome(ctx, uow, ctx.rules, seen, {}, memory)
    over = outcome(ctx, uow, overlay, seen, deltas, memory)
    result.replayed += 1
    if not _matches(seen, base):
        result.mismatched += 1
        if len(result.mismatches) < NAMED_MISMATCHES:
            result.mismatches.append(setl_id)
    for code in set(base.effects) | set(over.effects):
        deltas[code] += over.effects.get(code, 0) - base.effects.get(code, 0)
    _tally(result, seen, base, over)


def what_if(
    ctx: Context,
    overlay: RuleBook,
    *,
    since: datetime,
    until: datetime,
    regions: Collection[str] | None = None,
    part: tuple[int, int] = (0, 1),
) -> WhatIf:
    """Replay every settlement made from ``since`` (included) to ``until`` (excluded) in ``regions`` (``None``: all)
    under the rules in force and under ``overlay``, in one read-only snapshot; nothing is written.

    Money moves only within a family (people linked by relations), so families are replayed one after another, each
    family's settlements in the order they were made, and what was read of a family is kept while it is replayed
    (:class:`~gongji.service.whatif.memory.FamilyMemory`). ``part`` (index, count) replays only the families whose
    number falls to ``index`` of ``count``: parts replayed apart, on several cores, add up to the whole
    (:meth:`WhatIf.merge`)."""

    def handler(uow: UnitOfWork) -> WhatIf:
        result = WhatIf()
        for setl_ids in settlements_by_family(uow, since, until, regions, part):
            memory = FamilyMemory(uow)
            memory.expect(setl_ids)
            deltas: Counter[str] = Counter()
            for setl_id in setl_ids:
                _replay(ctx, uow, overlay, memory, deltas, setl_id, result)
        return result

    return ctx.read(handler)
