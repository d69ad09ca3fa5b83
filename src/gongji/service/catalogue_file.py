"""Reading a catalogue file (医保目录) and checking it row by row, before anything is written.

The file
--------

CSV, in UTF-8 (with or without a BOM) or GB18030 (as Excel saves it on a Chinese system). Blank lines are skipped,
and a line whose first character is ``#`` is a comment. The first other line is the header: it names these nine
columns, each exactly once, in any order, and no other column (a file with another header is refused whole)::

    column           value                                                              blank means
    ---------------  -----------------------------------------------------------------  ----------------------
    code             national item code: 1–50 visible ASCII characters                  (refused)
    name             item name, at most 200 characters                                  (refused)
    category         A / B / C, or 甲 / 乙 / 丙 (甲类 / 乙类 / 丙类)                      (refused)
    kind             drug / test / service / consumable                                 (refused)
                     (or 药品 / 检查检验 / 医疗服务 / 医用耗材)
    unit             the unit of one quantity (盒, 次, 支), at most 20 characters       no unit
    self_pay_pct     category B only: 先行自付比例 as a percentage, at most 2 decimals  the region's default
                     (``10``, ``12.5``, ``15%``), 0 to 100
    price_cap_yuan   限价 per unit, in yuan, at most 2 decimals, above zero               no price cap
    account_payable  whether the personal account may pay it: true/false, 1/0, 是/否     (refused)
    sample           whether the row is sample data: true/false, 1/0, 是/否              false

The words a file may use for a category, a kind or yes and no are the domain's
(:mod:`gongji.domain.catalogue`).

A row is rejected when any of its values is wrong, when it has more or fewer fields than the header, or when its
code appeared on an earlier row of the file (the earlier row stands or falls on its own). Every problem of a
rejected row is reported with its line number, column and a reason (a term, worded where it is shown).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from pathlib import Path
from typing import Any

from gongji.domain.catalogue import PERCENT_SIGNS, CatalogueItem, ItemCategory, ItemKind, parse_flag
from gongji.domain.errors import ErrorCode, GongjiError, InvalidInput
from gongji.domain.money import parse_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said, Term

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "ParsedCatalogue",
    "RowProblem",
    "parse_catalogue",
    "read_lines",
]

#: The most data rows one file may hold (the national catalogue is well under this).
MAX_ROWS = 1_000_000

#: The columns of a catalogue file, in the order the shipped files use.
COLUMNS = (
    "code",
    "name",
    "category",
    "kind",
    "unit",
    "self_pay_pct",
    "price_cap_yuan",
    "account_payable",
    "sample",
)

_MAX_CODE_CHARS = 50
_MAX_NAME_CHARS = 200
_MAX_UNIT_CHARS = 20
_VISIBLE = re.compile(r"^[\x21-\x7e]+$")
_PERCENT = re.compile(r"^[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class RowProblem:
    """Why a row of a catalogue file was rejected: its line, the column (``*`` for the whole row) and the reason,
    a term (a :class:`~gongji.domain.phrases.Phrase`, or one with its values)."""

    line: int
    column: str
    value: str
    reason: Term


@dataclass
class ParsedCatalogue:
    """A catalogue file checked row by row: the valid items with their line numbers, and every problem."""

    source: str
    rows_read: int = 0
    items: list[tuple[int, CatalogueItem]] = field(default_factory=list)
    rejected_lines: set[int] = field(default_factory=set)
    problems: list[RowProblem] = field(default_factory=list)


def _said(phrase: Phrase, **args: Any) -> Said:
    return Said(phrase, args)


def _parse_percent_bp(text: str) -> int | Phrase:
    """A percentage with at most two decimals as basis points, or the reason it is not one."""
    cleaned = text.strip()
    for sign in PERCENT_SIGNS:
        cleaned = cleaned.removesuffix(sign)
    cleaned = cleaned.strip()
    if not _PERCENT.match(cleaned):
        return Phrase.PERCENT_FORMAT
    value = Decimal(cleaned)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return Phrase.PERCENT_TWO_DECIMALS
    if value > 100:
        return Phrase.PERCENT_RANGE
    return int(value * 100)


class _Row:
    """One data row being checked: its values by column, and the problems found so far."""

    def __init__(self, line: int, values: dict[str, str]) -> None:
        self.line = line
        self.values = values
        self.problems: list[RowProblem] = []

    def bad(self, column: str, reason: Term) -> None:
        """Record that ``column`` is wrong, and why."""
        self.problems.append(RowProblem(self.line, column, self.values[column], reason))

    def text(self, column: str) -> str:
        """The column's value without surrounding blanks."""
        return self.values[column].strip()


def _check_code_and_name(row: _Row) -> tuple[str, str]:
    code = row.text("code")
    if not code:
        row.bad("code", Phrase.ROW_CODE_MISSING)
    elif len(code) > _MAX_CODE_CHARS or not _VISIBLE.match(code):
        row.bad("code", _said(Phrase.ROW_CODE_FORMAT, max=_MAX_CODE_CHARS))
    name = row.text("name")
    if not name:
        row.bad("name", Phrase.ROW_NAME_MISSING)
    elif len(name) > _MAX_NAME_CHARS or not name.isprintable():
        row.bad("name", _said(Phrase.ROW_NAME_FORMAT, max=_MAX_NAME_CHARS))
    return code, name


def _check_self_pay(row: _Row, category: ItemCategory | None) -> int | None:
    if not row.text("self_pay_pct"):
        return None
    parsed = _parse_percent_bp(row.values["self_pay_pct"])
    if isinstance(parsed, Phrase):
        row.bad("self_pay_pct", parsed)
        return None
    if category is not None and category is not ItemCategory.B:
        row.bad("self_pay_pct", _said(Phrase.SELF_PAY_ONLY_CATEGORY_B, category=category))
        return None
    return parsed


def _check_price_cap(row: _Row) -> int | None:
    if not row.text("price_cap_yuan"):
        return None
    try:
        return parse_yuan(row.values["price_cap_yuan"], allow_zero=False)
    except GongjiError as error:
        row.bad("price_cap_yuan", error.params["reason"])
        return None


def _check_row(line: int, values: dict[str, str]) -> tuple[CatalogueItem | None, list[RowProblem]]:
    """One data row as an item, or every problem it has."""
    row = _Row(line, values)
    code, name = _check_code_and_name(row)
    category = ItemCategory.parse(values["category"])
    if category is None:
        row.bad("category", Phrase.ROW_CATEGORY_UNKNOWN)
    kind = ItemKind.parse(values["kind"])
    if kind is None:
        row.bad("kind", Phrase.ROW_KIND_UNKNOWN)
    unit = row.text("unit") or None
    if unit is not None and (len(unit) > _MAX_UNIT_CHARS or not unit.isprintable()):
        row.bad("unit", _said(Phrase.ROW_UNIT_TOO_LONG, max=_MAX_UNIT_CHARS))
    self_pay_bp = _check_self_pay(row, category)
    price_cap_fen = _check_price_cap(row)
    account_payable = parse_flag(values["account_payable"])
    if account_payable is None:
        row.bad("account_payable", Phrase.FLAG_FORMAT)
    sample = parse_flag(values["sample"]) if row.text("sample") else False
    if sample is None:
        row.bad("sample", Phrase.FLAG_OR_BLANK_FORMAT)
    if row.problems:
        return None, row.problems
    assert category is not None
    assert kind is not None
    assert account_payable is not None
    assert sample is not None
    item = CatalogueItem(
        code=code,
        name=name,
        category=category,
        kind=kind,
        unit=unit,
        self_pay_bp=self_pay_bp,
        price_cap_fen=price_cap_fen,
        account_payable=account_payable,
        sample=sample,
    )
    return item, []


def _uncommented(lines: Iterable[str]) -> Iterator[str]:
    """Comment lines become blank lines, so that the CSV reader still counts every physical line."""
    for text in lines:
        yield "\n" if text.startswith("#") else text


def _check_header(source: str, line: int, header: list[str]) -> list[str]:
    names = [name.lstrip("\ufeff").strip().lower() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in COLUMNS if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems = [
        _said(phrase, columns=", ".join(columns))
        for phrase, columns in (
            (Phrase.COLUMNS_UNKNOWN, unknown),
            (Phrase.COLUMNS_MISSING, missing),
            (Phrase.COLUMNS_REPEATED, repeated),
        )
        if columns
    ]
    if problems:
        joined = reduce(lambda first, then: _said(Phrase.SEMICOLON_JOINED, first=first, then=then), problems)
        raise InvalidInput(
            ErrorCode.CATALOGUE_HEADER_INVALID,
            source=source,
            line=line,
            reason=_said(Phrase.HEADER_WRONG, problems=joined, expected=",".join(COLUMNS)),
        )
    return names


def _file_invalid(source: str, reason: Term) -> InvalidInput:
    return InvalidInput(ErrorCode.CATALOGUE_FILE_INVALID, source=source, reason=reason)


def _add_row(
    parsed: ParsedCatalogue, line: int, record: list[str], header: list[str], first_line_of: dict[str, int]
) -> None:
    """Check one data row and file it among the items or the problems."""
    if len(record) != len(header):
        parsed.rejected_lines.add(line)
        reason = _said(Phrase.ROW_FIELD_COUNT, fields=len(record), header=len(header))
        parsed.problems.append(RowProblem(line, "*", ",".join(record), reason))
        return
    values = dict(zip(header, record, strict=True))
    item, problems = _check_row(line, values)
    code = values["code"].strip()
    if code and code in first_line_of:
        problems.append(RowProblem(line, "code", code, _said(Phrase.ROW_CODE_REPEATS, line=first_line_of[code])))
    elif code:
        first_line_of[code] = line
    if problems:
        parsed.rejected_lines.add(line)
        parsed.problems.extend(problems)
    else:
        assert item is not None
        parsed.items.append((line, item))


def parse_catalogue(lines: Iterable[str], *, source: str = "<rows>") -> ParsedCatalogue:
    """Check every row of a catalogue file (its text lines); a wrong header raises ``CATALOGUE_HEADER_INVALID``."""
    parsed = ParsedCatalogue(source=source)
    reader = csv.reader(_uncommented(lines), strict=True)
    header: list[str] | None = None
    first_line_of: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = _check_header(source, line, record)
                continue
            parsed.rows_read += 1
            if parsed.rows_read > MAX_ROWS:
                raise _file_invalid(source, _said(Phrase.FILE_TOO_MANY_ROWS, max=MAX_ROWS))
            _add_row(parsed, line, record, header, first_line_of)
    except csv.Error as exc:
        raise _file_invalid(source, _said(Phrase.FILE_LINE_NOT_CSV, line=reader.line_num, error=str(exc))) from None
    if header is None:
        raise InvalidInput(
            ErrorCode.CATALOGUE_HEADER_INVALID,
            source=source,
            line=0,
            reason=_said(Phrase.HEADER_MISSING, expected=",".join(COLUMNS)),
        )
    return parsed


def read_lines(path: Path) -> list[str]:
    """A file's lines: UTF-8 (BOM or not), else GB18030; anything else is refused (``CATALOGUE_FILE_INVALID``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _file_invalid(str(path), _said(Phrase.FILE_UNREADABLE, error=str(exc.strerror or exc))) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).splitlines(keepends=True)
        except UnicodeDecodeError:
            continue
    raise _file_invalid(str(path), Phrase.FILE_ENCODING_UNKNOWN)
