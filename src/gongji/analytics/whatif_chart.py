"""A what-if's chart: mutual aid by region under the rules in force and under the overlay, drawn as a report is
(:func:`gongji.analytics.charts.chart_bytes`), so it has the same font, labels and formats."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongji.analytics.charts import chart_bytes
from gongji.analytics.report_types import Chart, Field, Report, code_names
from gongji.analytics.reports import ReportResult, Scope

if TYPE_CHECKING:
    from gongji.service.whatif.run import WhatIf

__all__ = ["whatif_chart"]

_BOOKS = {"base": ("现行规则", "rules in force"), "overlay": ("规则覆盖后", "under the overlay")}

_REPORT = Report(
    "whatif",
    "规则覆盖前后的家庭共济金额",
    "Mutual aid under the rules in force and under the overlay",
    "",
    (
        Field("region", "统筹区", "Region", "region"),
        Field("book", "规则", "Rules", "code", code_names(None, _BOOKS)),
        Field("mutual_aid_fen", "共济金额", "Mutual-aid amount", "fen"),
    ),
    Chart("bar", "region", "mutual_aid_fen", "book"),
)


def whatif_chart(result: WhatIf, form: str) -> bytes:
    """The chart of ``result`` as SVG or PNG bytes."""
    rows = []
    for region, totals in sorted(result.by_region.items()):
        rows.append({"region": region, "book": "base", "mutual_aid_fen": totals.mutual_aid_base})
        rows.append({"region": region, "book": "overlay", "mutual_aid_fen": totals.mutual_aid_over})
    return chart_bytes(ReportResult(_REPORT, Scope(), rows), form)
