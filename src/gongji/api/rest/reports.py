"""``/reports``: the analysts' reports over the analytical export (``gongji export``; the server reads the directory
``GONGJI_ANALYTICS_DIR``) — mutual-aid money, the share of personal-account spending that went to relatives,
beneficiaries per authoriser, the refusals people met, wallet transfers — as JSON rows, CSV, or a chart (SVG, PNG).
Analysts read every region; an operator his own. No person is named: the export holds none."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from gongji.analytics.ask import Form, ask, catalogue, report_or_refusal
from gongji.analytics.report_types import Report
from gongji.api.rest.auth import OperatorOrAnalyst
from gongji.api.rest.models.reports import ReportColumnOut, ReportOut, ReportRowsOut
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.domain.regions import parse_region

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports 报表"], responses=PROBLEM_RESPONSES)

_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
NamePath = Annotated[str, Path(pattern=r"^[a-z][a-z-]{0,39}$", description="报表 Report", examples=["mutual-aid"])]
MonthQuery = Annotated[str | None, Query(pattern=_MONTH, description="月份 Month YYYY-MM")]


def _out(report: Report, breakdowns: tuple[str, ...] = ()) -> ReportOut:
    columns = [ReportColumnOut(name=f.name, zh=f.zh, en=f.en, kind=f.kind) for f in report.fields]
    return ReportOut(
        name=report.name,
        title_zh=report.title_zh,
        title_en=report.title_en,
        columns=columns,
        breakdowns=list(breakdowns),
    )


@router.get("", summary="报表目录 The reports")
def listing(principal: OperatorOrAnalyst) -> list[ReportOut]:
    """Every report, with its columns and breakdowns."""
    return [_out(report, breakdowns) for report, breakdowns in catalogue()]


@router.get(
    "/{name}",
    summary="报表 One report, as JSON rows, CSV or a chart",
    response_model=ReportRowsOut,
    responses={200: {"content": {"text/csv": {}, "image/svg+xml": {}, "image/png": {}}}},
)
def one(
    request: Request,
    principal: OperatorOrAnalyst,
    name: NamePath,
    by: Annotated[str | None, Query(pattern=r"^[a-z-]{1,20}$", description="细分 Breakdown")] = None,
    region: Annotated[list[str] | None, Query(max_length=50, description="统筹区 Regions (repeat)")] = None,
    first: Annotated[str | None, Query(alias="from", pattern=_MONTH, description="起始月份 First month")] = None,
    last: Annotated[str | None, Query(alias="to", pattern=_MONTH, description="截止月份 Last month")] = None,
    form: Annotated[Form, Query(alias="format", description="json, csv, svg or png")] = "json",
) -> Response | ReportRowsOut:
    """The report for the months and regions asked for (default: every month, every region the caller may see)."""
    report = report_or_refusal(name, by)
    regions = principal.visible_regions()
    if region:
        codes = frozenset(parse_region(code).code for code in region)
        for code in sorted(codes):
            principal.require_region(code, "查看报表", "read this region's reports")
        regions = codes
    directory = FilePath(request.app.state.analytics_dir)
    answer = ask(directory, report, regions=regions, first=first, last=last, form=form)
    if answer.body is not None:
        filename = f"{report.name}.{form}"
        headers = {"Content-Disposition": f'inline; filename="{filename}"'}
        return Response(answer.body, media_type=answer.media_type, headers=headers)
    return ReportRowsOut(
        report=_out(report),
        from_month=first,
        to_month=last,
        regions=sorted(regions) if regions is not None else None,
        rows=answer.rows,
    )
