"""``/rules``: the regional rules in effect on a day, each value with the region that set it and its reference
(every role may read them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path

from gongji.api.rest.auth import AnyPrincipal, ContextDep
from gongji.api.rest.models import RegionOut, RegionRulesOut, RuleSourceOut, RuleValueOut
from gongji.api.rest.params import DayQuery, RegionPath
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.regions import all_regions, parse_region
from gongji.rules.book import Resolved
from gongji.rules.present import format_value, plain_value
from gongji.rules.schema import PARAMETERS, Parameter

__all__ = ["router"]

router = APIRouter(prefix="/rules", tags=["rules 地区规则"], responses=PROBLEM_RESPONSES)


def _value(param: Parameter[Any], found: Resolved[Any] | None) -> RuleValueOut:
    return RuleValueOut(
        parameter=param.name,
        parameter_zh=param.zh,
        parameter_en=param.en,
        value=plain_value(found.value) if found else None,
        value_text=format_value(param, found.value) if found else "（未设定 not set）",
        source=RuleSourceOut.model_validate(found.trace) if found else None,
    )


@router.get("", summary="地区列表 Regions and whether each has its own rules file")
def regions(ctx: ContextDep, principal: AnyPrincipal) -> list[RegionOut]:
    """Every region code in force today; a region without its own file falls back along its chain (prefecture,
    province, nation)."""
    own = set(ctx.rules.regions)
    return [RegionOut(code=r.code, zh=r.zh, en=r.en, has_rules=r.code in own) for r in all_regions(ctx.clock.today())]


@router.get("/{region}", summary="地区有效规则 The values in effect for a region, with references")
def effective(region: RegionPath, ctx: ContextDep, principal: AnyPrincipal, on: DayQuery = None) -> RegionRulesOut:
    """Every parameter with its value in effect on a day (default today), the region whose file set it, since when,
    and the document it rests on."""
    place = parse_region(region)
    day: date = on or ctx.clock.today()
    return RegionRulesOut(
        region=place.code,
        region_zh=place.zh,
        on=day,
        chain=ctx.rules.chain(place.code),
        parameters=[_value(param, found) for param, found in ctx.rules.effective(place.code, day)],
    )


@router.get("/{region}/{parameter}", summary="单项规则 One parameter's value in effect, with its reference")
def one(
    region: RegionPath,
    parameter: Annotated[str, Path(pattern=r"^[a-z0-9_]{1,80}$", description="参数 Parameter name")],
    ctx: ContextDep,
    principal: AnyPrincipal,
    on: DayQuery = None,
) -> RuleValueOut:
    """One parameter (``gongji rules show`` lists their names)."""
    code = parse_region(region).code
    param = PARAMETERS.get(parameter)
    if param is None:
        raise InvalidInput(
            ErrorCode.CODE_UNKNOWN, code_list_zh="规则参数", code_list_en="rule parameter", value=parameter
        )
    return _value(param, ctx.rules.find(param, code, on or ctx.clock.today()))
