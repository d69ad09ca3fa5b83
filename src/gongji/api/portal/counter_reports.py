"""The reports page for counter staff and policy analysts (报表): a report of the analytical export
(:mod:`gongji.analytics.ask`, as the REST API gives it) as a chart and a table, with the CSV and PNG to download.

::

    GET  /counter/reports                 the form, and the report asked for (?report=&region=&from=&to=)
    GET  /counter/reports/file            the same report as ?format=svg|png|csv (the page's chart is its SVG)

An operator sees his regions; an analyst (signed in at the counter with his analyst token) every region, and nothing
else of the counter: the export names nobody.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gongji.analytics.ask import Answer, Form, ask, catalogue, report_or_refusal
from gongji.analytics.duck import partition_values
from gongji.analytics.render import cell
from gongji.analytics.report_types import Report
from gongji.api.portal.deps import CurrentStaff, PortalDep, Staff
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.middleware import request_lang
from gongji.api.portal.render import render
from gongji.domain.errors import GongjiError

__all__ = ["router"]

router = APIRouter(prefix="/counter")

_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
ReportQuery = Annotated[str, Query(pattern=r"^[a-z][a-z-]{0,59}$")]
RegionQuery = Annotated[str | None, Query(pattern=r"^[0-9]{6}$")]
MonthQuery = Annotated[str | None, Query(pattern=_MONTH)]


def _regions(request: Request, staff: Staff, region: str | None) -> frozenset[str] | None:
    """The regions to report: the one chosen (his own, for an operator), else all he may see."""
    if region is not None:
        if staff.regions is not None and region not in staff.regions:
            raise Forbidden()
        return frozenset({region})
    return None if staff.regions is None else frozenset(staff.regions)


def _choices(request: Request, staff: Staff) -> list[str]:
    """The regions the form offers: an operator's own; for an analyst, those the export holds."""
    if staff.regions is not None:
        return list(staff.regions)
    return partition_values(FilePath(request.app.state.analytics_dir), "region")


def _answer(
    request: Request, staff: Staff, name: str, region: str | None, first: str | None, last: str | None, form: Form
) -> Answer:
    report = report_or_refusal(name, None)
    directory = FilePath(request.app.state.analytics_dir)
    return ask(directory, report, regions=_regions(request, staff, region), first=first, last=last, form=form)


def _table(report: Report, rows: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list[str]], list[int]]:
    headings = []
    for field in report.fields:
        unit = {"fen": " (元)" if lang == "zh" else " (yuan)", "bp": " (%)"}.get(field.kind, "")
        headings.append((field.zh if lang == "zh" else field.en) + unit)
    cells = [[cell(field, row.get(field.name)) for field in report.fields] for row in rows]
    numeric = [i for i, field in enumerate(report.fields) if field.kind in {"fen", "bp", "count"}]
    return headings, cells, numeric


@router.get("/reports")
def reports_page(
    request: Request,
    portal: PortalDep,
    staff: CurrentStaff,
    report: ReportQuery = "mutual-aid",
    region: RegionQuery = None,
    first: Annotated[str | None, Query(alias="from", pattern=_MONTH)] = None,
    last: Annotated[str | None, Query(alias="to", pattern=_MONTH)] = None,
) -> Response:
    """The form, and the report asked for as a chart and a table."""
    lang = request_lang(request)
    options = [
        (r.name, r) for base, bys in catalogue() for r in [base, *(report_or_refusal(base.name, b) for b in bys)]
    ]
    asked = {"report": report, "region": region or "", "from": first or "", "to": last or ""}
    query = urlencode({k: v for k, v in asked.items() if v})
    values: dict[str, Any] = {"error": None, "table": None, "chosen": None}
    try:
        answer = _answer(request, staff, report, region, first, last, "json")
    except GongjiError as refusal:
        values["error"] = refusal.message_zh if lang == "zh" else refusal.message_en
    else:
        values["chosen"] = answer.result.report
        values["table"] = _table(answer.result.report, answer.rows, lang)
    return render(
        request, "counter_reports.html", nav="counter-reports", options=options, asked=asked, query=query,
        regions=_choices(request, staff), analyst=staff.is_analyst, **values,
    )  # fmt: skip


@router.get("/reports/file")
def report_file(
    request: Request,
    portal: PortalDep,
    staff: CurrentStaff,
    report: ReportQuery,
    form: Annotated[Form, Query(alias="format")],
    region: RegionQuery = None,
    first: Annotated[str | None, Query(alias="from", pattern=_MONTH)] = None,
    last: Annotated[str | None, Query(alias="to", pattern=_MONTH)] = None,
) -> Response:
    """The report as a chart (SVG, PNG) or a CSV file."""
    if form == "json":
        raise Forbidden()
    answer = _answer(request, staff, report, region, first, last, form)
    assert answer.body is not None
    disposition = "attachment" if form == "csv" else "inline"
    headers = {"Content-Disposition": f'{disposition}; filename="{answer.result.report.name}.{form}"'}
    return Response(answer.body, media_type=answer.media_type, headers=headers)
