"""A what-if: every settlement of a period replayed under the rules in force and under an overlay, in the order they
were made (:mod:`gongji.service.whatif.replay`), and the differences gathered — per region, per relation type, per
patient and for the fund, with the refusals that appear or vanish.

The replay under the rules in force is the check: it must give every stored settlement back to the fen (amounts and
what each account paid); a settlement it does not is counted as a mismatch and named, never hidden.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from gongji.rules.book import RuleBook
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.whatif.memory import FamilyMemory
from gongji.service.whatif.replay import Outcome, Situation, outcome, situation

__all__ = [
    "NAMED_CHANGES",
    "Change",
    "FamilyDelta",
    "ReplayProgress",
    "Totals",
    "WhatIf",
    "settlements_by_family",
    "what_if",
]

#: How many mismatched settlements are named (all are counted).
NAMED_MISMATCHES = 20
#: How many changed settlements a what-if keeps whole by default: those whose cash changes most (all are counted, and
#: summed by family).
NAMED_CHANGES = 20
#: How many settlements a replay replays between two reports of its progress (and after its last family).
PROGRESS_EVERY = 2_000

#: Told how far a replay has come: the settlements replayed (or skipped) so far and how many its part holds — at the
#: start, every :data:`PROGRESS_EVERY` settlements or so, and at the end. Both are counts from the start, so a
#: replay begun again (a transient database error) simply reports from zero.
ReplayProgress = Callable[[int, int], None]


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

    @property
    def rank(self) -> tuple[int, int, str]:
        """The order of :attr:`WhatIf.changes`: the largest change of cash first, then of mutual aid."""
        cash = abs(self.over.cash_fen - self.base.cash_fen)
        aid = abs(self.over.mutual_aid_fen - self.base.mutual_aid_fen)
        return -cash, -aid, self.setl_id


@dataclass
class FamilyDelta:
    """What the overlay changes for one family (people linked by relations, named by its least person id) over the
    period: how many of its settlements, and the sums of fen under the overlay less those under the rules in force."""

    family: int
    settlements: int = 0
    cash_fen: int = 0
    mutual_aid_fen: int = 0
    own_fen: int = 0
    fund_fen: int = 0

    def add(self, base: Outcome, over: Outcome) -> None:
        """Count one changed settlement of the family."""
        self.settlements += 1
        self.cash_fen += over.cash_fen - base.cash_fen
        self.mutual_aid_fen += over.mutual_aid_fen - base.mutual_aid_fen
        self.own_fen += (over.acct_pay_fen - over.mutual_aid_fen) - (base.acct_pay_fen - base.mutual_aid_fen)
        self.fund_fen += over.fund_fen - base.fund_fen


@dataclass
class WhatIf:
    """A what-if's result (see the module docstring). Every changed settlement is counted and summed into its
    family's :class:`FamilyDelta`; only the ``kept`` that change most are held whole (``changes``), so a province's
    year fits in memory."""

    replayed: int = 0
    skipped: int = 0
    mismatched: int = 0
    mismatches: list[str] = field(default_factory=list)
    by_region: dict[str, Totals] = field(default_factory=dict)
    by_relation_type: dict[str, tuple[int, int]] = field(default_factory=dict)
    changed: int = 0
    changes: list[Change] = field(default_factory=list)
    kept: int = NAMED_CHANGES
    families: dict[int, FamilyDelta] = field(default_factory=dict)
    more_cash: int = 0
    less_cash: int = 0
    refusals_appear: Counter[str] = field(default_factory=Counter)
    refusals_vanish: Counter[str] = field(default_factory=Counter)

    def keep(self, changes: list[Change], *, finally_: bool = False) -> None:
        """Hold ``changes`` beside those held; of all, the :attr:`kept` that change most stay (trimmed now and then,
        and always when ``finally_``)."""
        self.changes.extend(changes)
        if finally_ or len(self.changes) > 2 * self.kept:
            self.changes.sort(key=lambda change: change.rank)
            del self.changes[self.kept :]

    def merge(self, other: WhatIf) -> None:
        """Add ``other``'s settlements (another part's) to these."""
        self.replayed += other.replayed
        self.skipped += other.skipped
        self.mismatched += other.mismatched
        self.mismatches = (self.mismatches + other.mismatches)[:NAMED_MISMATCHES]
        self.changed += other.changed
        self.keep(other.changes, finally_=True)
        self.families |= other.families
        self.more_cash += other.more_cash
        self.less_cash += other.less_cash
        for region, totals in other.by_region.items():
            mine = self.by_region.setdefault(region, Totals())
            for name in vars(mine):
                setattr(mine, name, getattr(mine, name) + getattr(totals, name))
        for kind, (base, over) in other.by_relation_type.items():
            before, after = self.by_relation_type.get(kind, (0, 0))
            self.by_relation_type[kind] = (before + base, after + over)
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
        return self.more_cash, self.less_cash


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


def _tally(result: WhatIf, seen: Situation, base: Outcome, over: Outcome) -> Change | None:
    """Count one settlement into ``result``; the change the overlay makes to it (``None``: none)."""
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
        return Change(record.setl_id, record.person_id, record.region, record.settled_at, base, over)
    return None


class _Families:
    """People linked by relations, as a union-find over an array indexed by person id (8 bytes a person, however
    many relations: a 10-million-person province's families fit in 80 MB in every process). A family is named by its
    least person id; someone in no relation is a family of his own."""

    def __init__(self, pairs: Iterable[tuple[int, int]]) -> None:
        self._parent = array("q")
        for a, b in pairs:
            first, second = self.of(a), self.of(b)
            if first != second:
                self._grow(max(first, second))
                self._parent[max(first, second)] = min(first, second)

    def _grow(self, person: int) -> None:
        parent = self._parent
        if person >= len(parent):
            parent.extend(range(len(parent), max(person + 1, len(parent) + len(parent) // 4)))

    def of(self, person: int) -> int:
        """The person's family (the least person id of those linked to him)."""
        parent = self._parent
        if person >= len(parent):
            return person
        while parent[person] != person:
            parent[person] = parent[parent[person]]
            person = parent[person]
        return person


def settlements_by_family(
    uow: UnitOfWork, since: datetime, until: datetime, regions: Collection[str] | None, part: tuple[int, int]
) -> dict[int, list[str]]:
    """The period's settlements (结算ID) of each family of ``part`` by family (its least person id), each family's in
    the order they were made; the families in the order of their first settlement. Only ``part``'s are held: the
    period's settlements are streamed past."""
    index, count = part
    families = _Families(uow.replays.relation_pairs())
    grouped: dict[int, list[str]] = {}
    for _, setl_id, patient in uow.replays.settlements_between(since, until, regions):
        family = families.of(patient)
        if family % count == index:
            grouped.setdefault(family, []).append(setl_id)
    return grouped


def _replay(
    ctx: Context,
    uow: UnitOfWork,
    overlay: RuleBook,
    memory: FamilyMemory,
    deltas: Counter[str],
    setl_id: str,
    result: WhatIf,
) -> Change | None:
    """One settlement under both books, counted into ``result``; what the overlay moved differently is carried in
    ``deltas`` to the family's later settlements. The change it makes (``None``: none)."""
    seen = situation(uow, memory, setl_id)
    if seen is None:
        result.skipped += 1
        return None
    base = outcome(uow, ctx.rules, seen, {}, memory)
    over = outcome(uow, overlay, seen, deltas, memory)
    result.replayed += 1
    if not _matches(seen, base):
        result.mismatched += 1
        if len(result.mismatches) < NAMED_MISMATCHES:
            result.mismatches.append(setl_id)
    for code in set(base.effects) | set(over.effects):
        deltas[code] += over.effects.get(code, 0) - base.effects.get(code, 0)
    return _tally(result, seen, base, over)


def _replay_family(
    ctx: Context, uow: UnitOfWork, overlay: RuleBook, family: int, setl_ids: list[str], result: WhatIf
) -> None:
    """One family's settlements replayed in order, its changes summed (:class:`FamilyDelta`) and its patients counted
    as paying more or less cash."""
    memory = FamilyMemory(uow)
    memory.expect(setl_ids)
    deltas: Counter[str] = Counter()
    changes = []
    for setl_id in setl_ids:
        change = _replay(ctx, uow, overlay, memory, deltas, setl_id, result)
        if change is not None:
            changes.append(change)
    if not changes:
        return
    summed = result.families[family] = FamilyDelta(family)
    cash: Counter[int] = Counter()
    for change in changes:
        summed.add(change.base, change.over)
        cash[change.patient_id] += change.over.cash_fen - change.base.cash_fen
    result.changed += len(changes)
    result.more_cash += sum(1 for fen in cash.values() if fen > 0)
    result.less_cash += sum(1 for fen in cash.values() if fen < 0)
    result.keep(changes)


def what_if(
    ctx: Context,
    overlay: RuleBook,
    *,
    since: datetime,
    until: datetime,
    regions: Collection[str] | None = None,
    part: tuple[int, int] = (0, 1),
    kept: int = NAMED_CHANGES,
    progress: ReplayProgress | None = None,
) -> WhatIf:
    """Replay every settlement made from ``since`` (included) to ``until`` (excluded) in ``regions`` (``None``: all)
    under the rules in force and under ``overlay``, in one read-only snapshot; nothing is written.

    Money moves only within a family (people linked by relations), so families are replayed one after another, each
    family's settlements in the order they were made, and what was read of a family is kept while it is replayed
    (:class:`~gongji.service.whatif.memory.FamilyMemory`). ``part`` (index, count) replays only the families whose
    number falls to ``index`` of ``count``: parts replayed apart, on several cores, add up to the whole
    (:meth:`WhatIf.merge`). ``kept``: how many of the changed settlements to hold whole (those that change most);
    ``progress``, told how far the replay has come."""

    def handler(uow: UnitOfWork) -> WhatIf:
        result = WhatIf(kept=kept)
        grouped = settlements_by_family(uow, since, until, regions, part)
        total = sum(len(setl_ids) for setl_ids in grouped.values())
        done = reported = 0
        if progress is not None:
            progress(0, total)
        for family, setl_ids in grouped.items():
            _replay_family(ctx, uow, overlay, family, setl_ids, result)
            done += len(setl_ids)
            if progress is not None and (done - reported >= PROGRESS_EVERY or done == total):
                progress(done, total)
                reported = done
        result.keep([], finally_=True)
        return result

    return ctx.read(handler)
