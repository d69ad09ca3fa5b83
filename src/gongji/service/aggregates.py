"""Aggregates for analysts: settlements and mutual aid by pooling region and month, relations by region and state.

Nothing here names a person: only regions, months, kinds, counts and sums in fen. A month is a calendar month in
Asia/Shanghai; a settlement counts in the month it was made, and one reversed since is counted apart and left out of
the sums, so that the sums are what was paid and stayed paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.phrases import Phrase
from gongji.domain.regions import region_name
from gongji.domain.relations import RelationStatus
from gongji.domain.wording import Said
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork

__all__ = [
    "MAX_MONTHS",
    "RelationTotalsView",
    "SettlementMonthView",
    "relation_totals",
    "settlement_months",
]

#: The longest period one request of monthly totals may cover.
MAX_MONTHS = 36


@dataclass
class SettlementMonthView:
    """Settlements of one kind made in one region and month: how many, how many reversed since, how many paid by
    mutual aid, and the sums (in fen) of those still in force."""

    month: str
    region: str
    region_zh: str
    kind: str
    settlements: int = 0
    reversed: int = 0
    mutual_aid_settlements: int = 0
    medfee_sumamt_fen: int = 0
    hifp_pay_fen: int = 0
    acct_pay_fen: int = 0
    acct_mulaid_pay_fen: int = 0
    psn_cash_pay_fen: int = 0


@dataclass
class RelationTotalsView:
    """How many mutual-aid relations of a region (the authoriser's) are in each status today: each relation counted
    once, a request that expired unconfirmed as expired (not requested), a relation past its end date as ended."""

    region: str
    region_zh: str
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0


def _month_start(day: date) -> datetime:
    return datetime.combine(day.replace(day=1), time.min, tzinfo=SHANGHAI)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def settlement_months(
    ctx: Context, start: date, end: date, *, regions: frozenset[str] | None = None
) -> list[SettlementMonthView]:
    """Monthly settlement totals from the month of ``start`` to the month of ``end`` (both included), by region and
    kind; ``regions`` restricts them (``None``: every region). At most :data:`MAX_MONTHS` months."""
    first, last = start.replace(day=1), end.replace(day=1)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="period",
            reason=Said(Phrase.AGGREGATE_PERIOD_MONTHS, {"max": MAX_MONTHS}),
        )

    def handler(uow: UnitOfWork) -> list[SettlementMonthView]:
        rows: list[SettlementMonthView] = []
        month = first
        for _ in range(months):
            following = _next_month(month)
            found: dict[tuple[str, str], SettlementMonthView] = {}
            for totals in uow.reports.settlement_totals(_month_start(month), _month_start(following), regions):
                view = found.setdefault(
                    (totals.region, totals.kind),
                    SettlementMonthView(f"{month:%Y-%m}", totals.region, region_name(totals.region), totals.kind),
                )
                view.settlements += totals.count
                if totals.status == "reversed":
                    view.reversed += totals.count
                    continue
                view.mutual_aid_settlements += totals.mutual_aid_count
                view.medfee_sumamt_fen += totals.medfee_sumamt_fen
                view.hifp_pay_fen += totals.hifp_pay_fen
                view.acct_pay_fen += totals.acct_pay_fen
                view.acct_mulaid_pay_fen += totals.acct_mulaid_pay_fen
                view.psn_cash_pay_fen += totals.psn_cash_pay_fen
            rows += [found[k] for k in sorted(found)]
            month = following
        return rows

    return ctx.read(handler)


def relation_totals(ctx: Context, *, regions: frozenset[str] | None = None) -> list[RelationTotalsView]:
    """Relations by region and status as of now (every status listed, zero included)."""

    def handler(uow: UnitOfWork) -> list[RelationTotalsView]:
        found: dict[str, RelationTotalsView] = {}
        for totals in uow.reports.relation_totals(regions, ctx.clock.now()):
            view = found.setdefault(
                totals.region,
                RelationTotalsView(totals.region, region_name(totals.region), {s.value: 0 for s in RelationStatus}),
            )
            view.by_status[totals.status] = view.by_status.get(totals.status, 0) + totals.count
            view.total += totals.count
        return [found[k] for k in sorted(found)]

    return ctx.read(handler)
