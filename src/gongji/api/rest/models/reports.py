"""Analysts' reports: which there are, and one report's answer (its columns and rows)."""

from __future__ import annotations

from typing import Any

from gongji.api.rest.models.common import ResponseModel

__all__ = ["ReportColumnOut", "ReportOut", "ReportRowsOut"]


class ReportColumnOut(ResponseModel):
    """A column of a report: its name in the rows, its headings, and its kind (``fen`` is an integer of fen, ``bp``
    an integer of basis points, ``count`` a count; ``region``, ``month`` and ``code`` are texts)."""

    name: str
    zh: str
    en: str
    kind: str


class ReportOut(ResponseModel):
    """A report: its name (the path's), titles, columns and the breakdowns it offers (``?by=``)."""

    name: str
    title_zh: str
    title_en: str
    columns: list[ReportColumnOut]
    breakdowns: list[str]


class ReportRowsOut(ResponseModel):
    """A report's answer: the report, the months and regions asked for, its columns and its rows."""

    report: ReportOut
    from_month: str | None
    to_month: str | None
    regions: list[str] | None
    rows: list[dict[str, Any]]
