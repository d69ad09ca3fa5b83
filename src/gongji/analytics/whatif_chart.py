"""A what-if's charts — relatives' money by region or by relation type, or the fund's part by region, under the rules
in force and under the overlay — drawn as a report is (:func:`gongji.analytics.charts.chart_bytes`), so they have the
same font, labels and formats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from gongji.analytics.report_types import Chart, Field, Report, code_names
from gongji.domain.codes import RelationType

if TYPE_CHECKING:
    from gongji.service.whatif.run import WhatIf

__all__ = ["CHARTS", "WhatIfChart", "whatif_chart"]

WhatIfChart = Literal["region", "relation", "fund"]
#: The charts a what-if draws, by name.
CHARTS: tuple[WhatIfChart, ...] = ("region", "relation", "fund")

_BOOKS = {"base": ("现行规则", "rules in force"), "overlay": ("规则覆盖后", "under the overlay")}

_BOOK = Field("book", "规则", "Rules", "code", code_names(None, _BOOKS))
_MUTUAL_AID = Field("mutual_aid_fen", "共济金额", "Mutual-aid amount", "fen")
_REGION = Field("region", "统筹区", "Region", "region")
_RELATION = Field("relation_type", "关系类型", "Relation type", "code", code_names(RelationType, {}))
_FUND = Field("fund_fen", "统筹基金支付", "Fund's part", "fen")


def _before_and_after(name: str, zh: str, en: str, x: Field, y: Field) -> Report:
    """A chart of ``y`` by ``x``, a bar under the rules in force and one under the overlay."""
    return Report(name, zh, en, "", (x, _BOOK, y), Chart("bar", x.name, y.name, "book"))


_REPORTS: dict[WhatIfChart, Report] = {
    "region": _before_and_after(
        "whatif", "规则覆盖前后的家庭共济金额", "Mutual aid under the rules in force and under the overlay",
        _REGION, _MUTUAL_AID,
    ),
    "relation": _before_and_after(
        "whatif-relation", "规则覆盖前后：按关系类型的共济金额", "Mutual aid by relation type, before and after",
        _RELATION, _MUTUAL_AID,
    ),
    "fund": _before_and_after(
        "whatif-fund", "规则覆盖前后：统筹基金支付", "The fund's part, before and after", _REGION, _FUND
    ),
}  # fmt: skip


def _rows(result: WhatIf, by: WhatIfChart) -> list[dict[str, Any]]:
    if by == "relation":
        return [
            {"relation_type": kind, "book": book, "mutual_aid_fen": fen}
            for kind, (base, over) in sorted(result.by_relation_type.items())
            for book, fen in (("base", base), ("overlay", over))
        ]
    name, base_of, over_of = (
        ("fund_fen", "fund_base", "fund_over")
        if by == "fund"
        else ("mutual_aid_fen", "mutual_aid_base", "mutual_aid_over")
    )
    return [
        {"region": region, "book": book, name: getattr(totals, of)}
        for region, totals in sorted(result.by_region.items())
        for book, of in (("base", base_of), ("overlay", over_of))
    ]


def whatif_chart(result: WhatIf, form: str, by: WhatIfChart = "region") -> bytes:
    """The chart ``by`` of ``result`` as SVG or PNG bytes."""
    # Drawing needs the reports' machinery (DuckDB, Arrow: some 80 MB); naming the charts does not.
    from gongji.analytics.charts import chart_bytes
    from gongji.analytics.reports import ReportResult, Scope

    return chart_bytes(ReportResult(_REPORTS[by], Scope(), _rows(result, by)), form)
