"""The review queue of fraud signals: run the rules over a period, list what they found for a region's operators,
mark one confirmed or dismissed, and measure the rules against a synthetic province's ground truth.

A run is idempotent: the same facts give the same signals, kept once each (by fingerprint), and a reviewed signal is
never reopened. A review is a write with an idempotency key, refused (``SIGNAL_ALREADY_REVIEWED``) for a signal that
was reviewed already; an operator sees and reviews only his regions' signals (``SIGNAL_NOT_FOUND`` otherwise).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.signal_ports import SignalRow
from gongji.service.signals.kinship import implausible_relation
from gongji.service.signals.rules import (
    RULES,
    Found,
    account_drained,
    binding_churn,
    card_many_buyers,
    card_two_regions,
    many_beneficiaries,
)

__all__ = [
    "MAX_LISTED",
    "Accuracy",
    "RunReport",
    "every_signal",
    "list_signals",
    "measure",
    "review_signal",
    "run_signals",
    "show_signal",
]

#: The most signals one listing returns.
MAX_LISTED = 500
REVIEWED = ("confirmed", "dismissed")


@dataclass
class RunReport:
    """What a run found, and how much of it was new, by rule."""

    found: dict[str, int] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)


def _found(uow: UnitOfWork, since: datetime, until: datetime) -> list[Found]:
    facts = uow.signals
    day = (until - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    return [
        *card_many_buyers(facts.buyer_visits(since, until)),
        *card_two_regions(facts.placed_visits(since, until)),
        *account_drained(facts.aid_payments(since, until)),
        *many_beneficiaries(facts.bindings(), day),
        *binding_churn(facts.bindings(), day),
        *implausible_relation(facts.kin(), facts.ties(), day),
    ]


def run_signals(ctx: Context, *, year: int, key: str) -> RunReport:
    """Run every rule over the visits, payments and bindings of ``year`` and keep what is new (idempotent by
    construction; ``key`` answers a repeated request as the first was answered)."""
    since = datetime.combine(datetime(year, 1, 1).date(), time(), SHANGHAI)
    until = datetime.combine(datetime(year + 1, 1, 1).date(), time(), SHANGHAI)

    def handler(uow: UnitOfWork) -> RunReport:
        report = RunReport()
        found = _found(uow, since, until)
        report.found.update(Counter(f.rule for f in found))
        for rule in RULES:
            mine = [f for f in found if f.rule == rule]
            report.new[rule] = uow.signals.keep(mine, ctx.clock.now())
        return report

    request = {"year": year}
    return ctx.write(key=key, operation="signals.run", request=request, result_type=RunReport, handler=handler)


def list_signals(
    ctx: Context,
    *,
    regions: Collection[str] | None = None,
    status: str | None = None,
    rule: str | None = None,
    limit: int = 100,
) -> list[SignalRow]:
    """The signals of ``regions`` (every region: ``None``), highest score first."""
    wanted = max(1, min(limit, MAX_LISTED))
    return ctx.read(lambda uow: uow.signals.listing(regions, status, rule, wanted))


def show_signal(ctx: Context, signal_id: int, *, regions: Collection[str] | None = None) -> SignalRow:
    """One signal of ``regions`` (every region: ``None``), with its evidence."""

    def handler(uow: UnitOfWork) -> SignalRow:
        found = uow.signals.get(signal_id)
        if found is None or (regions is not None and found.region not in regions):
            raise NotFound(ErrorCode.SIGNAL_NOT_FOUND, signal_id=signal_id)
        return found

    return ctx.read(handler)


def every_signal(ctx: Context) -> list[SignalRow]:
    """Every signal of every region, whatever its status (to measure the rules, not to show)."""
    return ctx.read(lambda uow: uow.signals.listing(None, None, None, 10**9))


def review_signal(
    ctx: Context,
    signal_id: int,
    status: str,
    *,
    operator: str,
    note: str | None = None,
    regions: Collection[str] | None = None,
    key: str,
) -> SignalRow:
    """Mark a signal ``confirmed`` or ``dismissed``, by ``operator`` of ``regions`` (every region: ``None``)."""
    if status not in REVIEWED:
        raise InvalidInput(ErrorCode.SIGNAL_STATUS_INVALID, status=status)

    def handler(uow: UnitOfWork) -> SignalRow:
        found = uow.signals.get(signal_id)
        if found is None or (regions is not None and found.region not in regions):
            raise NotFound(ErrorCode.SIGNAL_NOT_FOUND, signal_id=signal_id)
        if found.status != "open":
            at = f"{found.reviewed_at:%Y-%m-%d %H:%M}" if found.reviewed_at else "—"
            raise Refused(
                ErrorCode.SIGNAL_ALREADY_REVIEWED, signal_id=signal_id, by=found.reviewed_by, at=at, status=found.status
            )
        uow.signals.review(signal_id, status, operator, ctx.clock.now(), (note or "").strip()[:500] or None)
        reviewed = uow.signals.get(signal_id)
        assert reviewed is not None
        return reviewed

    request = {"signal_id": signal_id, "status": status, "operator": operator, "note": note}
    return ctx.write(key=key, operation="signal.review", request=request, result_type=SignalRow, handler=handler)


@dataclass(frozen=True)
class Accuracy:
    """How a rule did against the injected truth, person by person: flagged and truly injected (``hits``), flagged
    only, and injected but missed."""

    rule: str
    pattern: str
    hits: int
    false_alarms: int
    missed: int

    @property
    def precision(self) -> float | None:
        """The share of flagged people who were injected."""
        flagged = self.hits + self.false_alarms
        return self.hits / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        """The share of injected people who were flagged."""
        injected = self.hits + self.missed
        return self.hits / injected if injected else None


def measure(signals: Iterable[SignalRow], truth: Iterable[tuple[int, str]]) -> list[Accuracy]:
    """Each rule that has an injected pattern, against the ground truth ``(person id, pattern)``; a signal about a
    relation counts for its beneficiary (the relative the truth names)."""
    flagged: dict[str, set[int]] = {}
    for signal in signals:
        if signal.subject_kind == "person":
            flagged.setdefault(signal.rule, set()).add(signal.subject_id)
        elif "beneficiary_id" in signal.evidence:
            flagged.setdefault(signal.rule, set()).add(int(signal.evidence["beneficiary_id"]))
    injected: dict[str, set[int]] = {}
    for person_id, pattern in truth:
        injected.setdefault(pattern, set()).add(person_id)
    found = []
    for rule, injected_as in RULES.items():
        if injected_as is None:
            continue
        mine, true = flagged.get(rule, set()), injected.get(injected_as, set())
        found.append(Accuracy(rule, injected_as, len(mine & true), len(mine - true), len(true - mine)))
    return found
