"""A report's rows as people read them (a table: 元 with two decimals, shares in per cent, codes named) and as
machines read them (CSV: exact integers — amounts in fen, shares in basis points — with the codes' Chinese names in a
column beside them).

The CSV is UTF-8 with a byte-order mark, which spreadsheet programs need to read Chinese correctly; its column names
are the report's own (``mutual_aid_fen``, ``share_bp``), so the unit is in the name as everywhere in gongji.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from gongji.analytics.reports import Field, ReportResult
from gongji.domain.money import format_yuan
from gongji.domain.regions import region_name

__all__ = ["cell", "csv_bytes", "csv_columns", "display_table", "write_csv"]


def _named(field: Field, value: Any) -> str | None:
    """The Chinese name of a region or code value (``None`` for other kinds)."""
    if value is None:
        return None
    if field.kind == "region":
        return region_name(value)
    if field.kind == "code" and field.codes is not None:
        return field.codes(value)[0]
    return None


def cell(field: Field, value: Any) -> str:
    """One value as a table shows it."""
    if value is None:
        return "—"
    if field.kind == "fen":
        return format_yuan(int(value))
    if field.kind == "bp":
        return f"{int(value) / 100:.2f}%"
    if field.kind == "count":
        return f"{int(value):,}"
    if field.kind == "region":
        return f"{value} {region_name(value)}"
    if field.kind == "code" and field.codes is not None:
        zh, en = field.codes(value)
        return zh if zh == en else f"{zh} {en}"
    return str(value)


def display_table(result: ReportResult) -> tuple[list[str], list[list[str]], list[int]]:
    """Headings, rows of cells, and the positions of the numeric columns."""
    fields = result.report.fields
    headings = [field.heading for field in fields]
    rows = [[cell(field, row.get(field.name)) for field in fields] for row in result.rows]
    numeric = [i for i, field in enumerate(fields) if field.kind in {"fen", "bp", "count"}]
    return headings, rows, numeric


def csv_columns(result: ReportResult) -> list[str]:
    """The CSV's column names: each field's, and ``<name>_zh`` after a region or code."""
    names: list[str] = []
    for field in result.report.fields:
        names.append(field.name)
        if field.kind in {"region", "code"}:
            names.append(f"{field.name}_zh")
    return names


def write_csv(result: ReportResult, path: Path) -> None:
    """Write the report's rows to ``path`` as CSV (see the module docstring)."""
    path.write_bytes(csv_bytes(result))


def csv_bytes(result: ReportResult) -> bytes:
    """The report's rows as a CSV file's bytes (see the module docstring)."""
    with io.StringIO(newline="") as out:
        writer = csv.writer(out)
        writer.writerow(csv_columns(result))
        for row in result.rows:
            line: list[Any] = []
            for field in result.report.fields:
                value = row.get(field.name)
                line.append("" if value is None else value)
                if field.kind in {"region", "code"}:
                    line.append(_named(field, value) or "")
            writer.writerow(line)
        return out.getvalue().encode("utf-8-sig")
