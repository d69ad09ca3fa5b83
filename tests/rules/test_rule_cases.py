"""Rule cases written as data: "region, date, parameter → expected value (and where it comes from)".

(The key is ``date``, not ``on``: YAML reads a bare ``on`` as the boolean true.)

Every ``*.yaml`` file beside this one holds a list of ``cases``; each case becomes one test::

    cases:
      - region: "130100"
        date: 2024-08-06        # the day before a change takes effect …
        parameter: allowed_relations
        expected: [spouse, parent, child]
        from_region: "100000"   # optional: which file must answer (tests the fallback)
        confidence: official    # optional
      - region: "510100"
        date: 2026-11-22
        parameter: pooling_deductible_fen
        expected: missing       # no region, province or national value
      - region: "130100"
        date: 2026-11-22
        parameter: pooling_ratio_bp
        bill: {med_type: "21", level: "2", category: retired, age: 70}
        expected: 8800          # the fund's tables: the value of the row a bill of this kind matches
                                # (amount_fen or ratio_bp; ``no_row`` when none does)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from gongji.domain.codes import MedType
from gongji.rules.book import RuleBook, default_rule_book
from gongji.rules.schema import PARAMETERS, HospitalLevel, InsuredCategory, RatioRow, match_row

CASES_DIR = Path(__file__).parent


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for index, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]):
            label = f"{path.stem}[{index}]:{case['region']}:{case['parameter']}@{case['date']}"
            found.append(pytest.param(case, id=label))
    return found


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return default_rule_book()


@pytest.mark.parametrize("case", _cases())
def test_rule_case(book: RuleBook, case: dict[str, Any]) -> None:
    assert set(case) <= {"region", "date", "parameter", "expected", "from_region", "confidence", "why", "bill"}, case
    param = PARAMETERS[case["parameter"]]
    on = case["date"]
    assert isinstance(on, date)
    resolved = book.find(param, str(case["region"]), on)
    if case["expected"] == "missing":
        assert resolved is None, f"expected no value, got {resolved}"
        return
    assert resolved is not None, "expected a value, found none"
    if "bill" in case:
        _check_row(resolved.value, case["bill"], case["expected"])
    else:
        assert resolved.value == param.validate(case["expected"])
    if "from_region" in case:
        assert resolved.trace.region == str(case["from_region"])
    if "confidence" in case:
        assert resolved.trace.confidence == case["confidence"]


def _check_row(rows: Any, bill: dict[str, Any], expected: int | str) -> None:
    """The row of a fund table that a bill of this kind matches holds ``expected`` (its amount or ratio)."""
    level = HospitalLevel(str(bill["level"])) if bill.get("level") is not None else None
    row = match_row(rows, MedType(str(bill["med_type"])), level, InsuredCategory(bill["category"]), int(bill["age"]))
    if expected == "no_row":
        assert row is None, f"expected no row for {bill}, got {row}"
        return
    assert row is not None, f"expected a row for {bill}, found none"
    value = row.ratio_bp if isinstance(row, RatioRow) else row.amount_fen
    assert value == expected, f"{bill}: {value} != {expected} (row {row})"
