"""``/aggregates``: counts and sums for analysts — settlements and mutual aid by pooling region and month,
relations by region and status. No person is named. Analysts read every region; operators only their own."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from gongji.api.rest.auth import ContextDep, OperatorOrAnalyst, Principal
from gongji.api.rest.models import RelationTotalsOut, SettlementMonthOut
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.regions import parse_region
from gongji.service import aggregates

__all__ = ["router"]

router = APIRouter(prefix="/aggregates", tags=["aggregates 统计"], responses=PROBLEM_RESPONSES)

_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MonthQuery = Annotated[str | None, Query(pattern=_MONTH, description="月份 Month YYYY-MM")]
RegionQuery = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="统筹区 Only this pooling region")]


def _month(text: str, field: str) -> date:
    year, month = (int(part) for part in text.split("-"))
    if not 1900 <= year <= 2199:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field=field,
            reason_zh="年份须在 1900 到 2199 之间",
            reason_en="a year 1900 to 2199",
        )
    return date(year, month, 1)


def _regions(principal: Principal, region: str | None) -> frozenset[str] | None:
    """The regions to report: the one asked (if the caller may see it), else every region the caller may see."""
    if region is None:
        return principal.visible_regions()
    code = parse_region(region).code
    principal.require_region(code, "查看统计", "read aggregates of this region")
    return frozenset({code})


@router.get("/settlements", summary="结算与共济统计 Settlements and mutual aid by region and month")
def settlements(
    ctx: ContextDep,
    principal: OperatorOrAnalyst,
    start: MonthQuery = None,
    end: MonthQuery = None,
    region: RegionQuery = None,
) -> list[SettlementMonthOut]:
    """For each month (default: January to this month) and region: settlements made, reversed since, paid by mutual
    aid, and the sums (fen) of those still in force — medical fees, pooling fund, accounts, mutual aid, cash."""
    today = ctx.clock.today()
    first = _month(start, "start") if start else date(today.year, 1, 1)
    last = _month(end, "end") if end else today
    views = aggregates.settlement_months(ctx, first, last, regions=_regions(principal, region))
    return [SettlementMonthOut.model_validate(view) for view in views]


@router.get("/relations", summary="共济关系统计 Relations by region and status")
def relations(ctx: ContextDep, principal: OperatorOrAnalyst, region: RegionQuery = None) -> list[RelationTotalsOut]:
    """How many relations of each region (the authoriser's) are requested, active, ended, expired or declined."""
    views = aggregates.relation_totals(ctx, regions=_regions(principal, region))
    return [RelationTotalsOut.model_validate(view) for view in views]
