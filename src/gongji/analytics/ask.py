"""A report asked for over the network (the REST API, the portal's reports page): checked, run over the server's
export directory, and given as JSON-ready rows, CSV, SVG or PNG. Refusals are the use cases' errors
(:class:`~gongji.domain.errors.GongjiError`), so each edge shows them as it shows any other.

Which regions: the ones asked for, each of which the caller must be allowed to see (the edge checks that), or — when
none is named — every region the caller may see (``None``: all of them, the refusals without a region included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gongji.analytics.duck import ExportMissing
from gongji.analytics.reports import BREAKDOWNS, REPORTS, Report, ReportResult, Scope, UnknownReport, report_named
from gongji.analytics.reports import run_report as _run
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused

__all__ = ["MEDIA_TYPES", "Answer", "Form", "ask", "catalogue", "report_or_refusal"]

Form = Literal["json", "csv", "svg", "png"]
#: The media type of each form a report is given in.
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
}


@dataclass(frozen=True)
class Answer:
    """A report's answer in the form asked for: ``rows`` for JSON, ``body`` (bytes) for the others."""

    result: ReportResult
    media_type: str
    body: bytes | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows, by column name (amounts in fen, shares in basis points)."""
        return self.result.rows


def catalogue() -> list[tuple[Report, tuple[str, ...]]]:
    """Every report with the breakdowns it offers (a breakdown is listed under its report, not on its own)."""
    broken_down = {f"{name}-by-{by}" for name, bys in BREAKDOWNS.items() for by in bys}
    return [(report, BREAKDOWNS.get(report.name, ())) for report in REPORTS if report.name not in broken_down]


def report_or_refusal(name: str, by: str | None) -> Report:
    """The report ``name`` (broken down ``by``), or ``REPORT_NOT_FOUND`` naming the choices."""
    try:
        return report_named(name, by)
    except UnknownReport:
        choices = ", ".join(report.name + (f" (by {'/'.join(bys)})" if bys else "") for report, bys in catalogue())
        raise NotFound(
            ErrorCode.REPORT_NOT_FOUND, name=name if by is None else f"{name} by {by}", choices=choices
        ) from None


def ask(
    directory: Path,
    report: Report,
    *,
    regions: frozenset[str] | None,
    first: str | None,
    last: str | None,
    form: Form = "json",
) -> Answer:
    """Run ``report`` over the export in ``directory`` for the months ``first`` to ``last`` (``YYYY-MM``, either
    open) and ``regions`` (``None``: every region), in ``form``."""
    if first and last and first > last:
        raise InvalidInput(ErrorCode.REPORT_PERIOD_INVALID, first=first, last=last)
    scope = Scope(first, last, tuple(sorted(regions)) if regions is not None else ())
    if regions is not None and not regions:
        scope = Scope(first, last, ("",))  # no region at all: nothing, never everything
    try:
        result = _run(directory, report, scope)
    except ExportMissing:
        raise NotFound(ErrorCode.EXPORT_MISSING) from None
    if form == "json":
        return Answer(result, MEDIA_TYPES[form])
    if form == "csv":
        from gongji.analytics.render import csv_bytes

        return Answer(result, MEDIA_TYPES[form], csv_bytes(result))
    from gongji.analytics.charts import NoCjkFont, chart_bytes

    try:
        return Answer(result, MEDIA_TYPES[form], chart_bytes(result, form))
    except NoCjkFont:
        raise Refused(ErrorCode.CHART_FONT_MISSING) from None
