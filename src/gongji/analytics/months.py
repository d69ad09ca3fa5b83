"""Months, the time grain of the analytical store: a calendar month in Asia/Shanghai, written ``YYYY-MM``.

The month of a stored moment is computed by the database, so that the exporter can group and select whole partitions
without reading rows: :class:`shanghai_month` compiles to ``strftime`` on SQLite (which stores UTC text; Shanghai has
kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for every date gongji holds) and to
``to_char(… AT TIME ZONE 'Asia/Shanghai')`` on PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["MONTH_PATTERN", "BadMonth", "parse_month", "shanghai_month"]

#: A month as the store writes it and the reports take it.
MONTH_PATTERN = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])")


class BadMonth(ValueError):
    """A month given by a person is not ``YYYY-MM``."""

    def __init__(self, text: str) -> None:
        super().__init__(f"not a month (YYYY-MM): {text!r}")
        self.text = text


def parse_month(text: str) -> str:
    """``text`` as a month ``YYYY-MM`` (surrounding spaces ignored), or :class:`BadMonth`."""
    stripped = text.strip()
    if not MONTH_PATTERN.fullmatch(stripped):
        raise BadMonth(text)
    return stripped


class shanghai_month(FunctionElement[str]):  # noqa: N801 - a SQL function, named like one
    """``YYYY-MM`` of a timestamp column in Asia/Shanghai, computed by the database (NULL stays NULL)."""

    type = String()
    inherit_cache = True
    name = "shanghai_month"

    def __init__(self, moment: ColumnElement[Any]) -> None:
        super().__init__(moment)


@compiles(shanghai_month, "sqlite")
def _sqlite_month(element: shanghai_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(shanghai_month, "postgresql")
def _postgresql_month(element: shanghai_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
