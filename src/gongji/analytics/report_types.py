"""The parts a report is declared with (:mod:`gongji.analytics.reports` lists the reports): its columns, its chart,
its SQL and title."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from gongji.domain.codes import NationalCode

__all__ = ["SCOPE_JOIN", "Chart", "Field", "FieldKind", "Report", "code_names"]

#: How a report's SQL reaches the period asked for (``report_scope``: see :mod:`gongji.analytics.reports`).
SCOPE_JOIN = "CROSS JOIN report_scope AS sc"

FieldKind = Literal["region", "month", "count", "fen", "bp", "code"]


@dataclass(frozen=True)
class Field:
    """A column of a report: its name in the SQL, its headings, and how its values read (``fen`` and ``bp`` are
    integers shown as 元 and as a percentage; ``code`` values are named through ``codes``)."""

    name: str
    zh: str
    en: str
    kind: FieldKind
    codes: Callable[[str], tuple[str, str]] | None = None

    @property
    def heading(self) -> str:
        """Chinese first, then English (and the unit)."""
        unit = {"fen": " (元)", "bp": " (%)"}.get(self.kind, "")
        return f"{self.zh} {self.en}{unit}"


@dataclass(frozen=True)
class Chart:
    """How a report is drawn: ``line`` (a line per series over ``x``) or ``bar`` (grouped bars per ``x``), or
    ``stacked`` (bars of ``x`` stacked by ``series``, summed over everything else, regions included)."""

    kind: Literal["line", "bar", "stacked"]
    x: str
    y: str
    series: str


@dataclass(frozen=True)
class Report:
    """One report: its name on the command line, its title, its SQL, its columns and its chart. ``derive`` adds
    computed columns to each row (a share from two sums)."""

    name: str
    title_zh: str
    title_en: str
    sql: str
    fields: tuple[Field, ...]
    chart: Chart
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def title(self) -> str:
        """Chinese first, then English."""
        return f"{self.title_zh} {self.title_en}"

    def field(self, name: str) -> Field:
        """The column called ``name``."""
        return next(f for f in self.fields if f.name == name)


def code_names(codes: type[NationalCode] | None, extra: dict[str, tuple[str, str]]) -> Callable[[str], tuple[str, str]]:
    """The names (Chinese, English) of a code's values: ``extra`` first, then the national code table; a value
    neither knows is named by itself."""

    def named(value: str) -> tuple[str, str]:
        if value in extra:
            return extra[value]
        if codes is None:
            return value, value
        try:
            member = codes(value)
        except ValueError:
            return value, value
        return member.zh, member.en

    return named
