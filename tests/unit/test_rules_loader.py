"""The rules loader is strict: every broken file is reported with its file, key and line."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode, Refused
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.rules.loader import DATA_DIR, RuleDataError, load_region_files
from gongji.rules.schema import HospitalLevel, InsuredCategory, match_row

REF = '{title: "测试文件", address: "https://example.org/rule"}'


def _entry(value: str, since: str = "2022-01-01", extra: str = "") -> str:
    return f"    - since: {since}\n      value: {value}\n      reference: {REF}\n      confidence: unverified\n{extra}"


def _region_file(code: str, name: str, body: str) -> str:
    return f'region: "{code}"\nname: {name}\nparameters:\n{body}'


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A directory with the real national file, to which each test adds a (broken) regional file."""
    shutil.copy(DATA_DIR / "100000.yaml", tmp_path / "100000.yaml")
    return tmp_path


def _problems(directory: Path) -> list[str]:
    with pytest.raises(RuleDataError) as error:
        load_region_files([directory])
    return [str(problem) for problem in error.value.problems]


def _write(directory: Path, code: str, name: str, body: str) -> None:
    (directory / f"{code}.yaml").write_text(_region_file(code, name, body), encoding="utf-8")


def test_a_valid_file_loads_and_falls_back_in_order(rules_dir: Path) -> None:
    _write(rules_dir, "130000", "河北省", "  authoriser_min_balance_fen:\n" + _entry("50000"))
    _write(rules_dir, "130100", "石家庄市", "  waiting_period_days:\n" + _entry("30"))
    book = RuleBook(load_region_files([rules_dir]))
    city = book.resolve(params.AUTHORISER_MIN_BALANCE_FEN, "130100", date(2026, 1, 1))
    assert (city.value, city.trace.region, city.trace.requested_region) == (50_000, "130000", "130100")
    assert city.trace.reference_address == "https://example.org/rule"
    assert book.resolve(params.WAITING_PERIOD_DAYS, "130100", date(2026, 1, 1)).trace.region == "130100"
    assert book.resolve(params.WAITING_PERIOD_DAYS, "130200", date(2026, 1, 1)).trace.region == "100000"
    # Before the regional value starts, the national one answers.
    assert book.resolve(params.WAITING_PERIOD_DAYS, "130100", date(2021, 12, 31)).value == 0


def test_an_unknown_key_is_named_with_its_line(rules_dir: Path) -> None:
    body = "  waiting_period_days:\n    - sinse: 2022-01-01\n      since: 2022-01-01\n      value: 3\n"
    body += f"      reference: {REF}\n      confidence: unverified\n"
    _write(rules_dir, "130100", "石家庄市", body)
    assert _problems(rules_dir) == ["130100.yaml:5: parameters.waiting_period_days[0].sinse: unknown key"]


def test_a_wrong_unit_is_explained(rules_dir: Path) -> None:
    _write(rules_dir, "130100", "石家庄市", "  authoriser_min_balance_yuan:\n" + _entry("1000"))
    (problem,) = _problems(rules_dir)
    assert problem.startswith("130100.yaml:4: parameters.authoriser_min_balance_yuan: wrong unit")
    assert "_fen" in problem


def test_an_amount_must_be_whole_fen(rules_dir: Path) -> None:
    _write(rules_dir, "130100", "石家庄市", "  authoriser_min_balance_fen:\n" + _entry("1000.50"))
    (problem,) = _problems(rules_dir)
    assert problem.startswith("130100.yaml:6: parameters.authoriser_min_balance_fen[0].value:")
    assert "integer fen" in problem


def test_a_rate_above_100_percent_is_refused(rules_dir: Path) -> None:
    body = "  quota_annual_share_bp:\n" + _entry("12000")
    _write(rules_dir, "130100", "石家庄市", body)
    (problem,) = _problems(rules_dir)
    assert "quota_annual_share_bp[0].value" in problem
    assert "basis points" in problem


def test_an_unknown_parameter_suggests_the_near_one(rules_dir: Path) -> None:
    _write(rules_dir, "130100", "石家庄市", "  waiting_period_day:\n" + _entry("3"))
    (problem,) = _problems(rules_dir)
    assert (
        problem == "130100.yaml:4: parameters.waiting_period_day: unknown parameter (did you mean waiting_period_days?)"
    )


def test_overlapping_and_unordered_dates_are_refused(rules_dir: Path) -> None:
    overlap = (
        "  waiting_period_days:\n" + _entry("3", "2022-01-01", "      end: 2022-06-30\n") + _entry("5", "2022-06-01")
    )
    _write(rules_dir, "130100", "石家庄市", overlap)
    (problem,) = _problems(rules_dir)
    assert problem.startswith("130100.yaml:5: parameters.waiting_period_days[0]: overlaps the next value")
    assert "2022-05-31" in problem
    unordered = "  waiting_period_days:\n" + _entry("3", "2023-01-01") + _entry("5", "2022-06-01")
    _write(rules_dir, "130100", "石家庄市", unordered)
    (problem,) = _problems(rules_dir)
    assert problem.startswith("130100.yaml:9: parameters.waiting_period_days[1]: dates out of order")


def test_a_value_without_reference_is_refused(rules_dir: Path) -> None:
    body = "  waiting_period_days:\n    - since: 2022-01-01\n      value: 3\n      confidence: official\n"
    _write(rules_dir, "130100", "石家庄市", body)
    assert _problems(rules_dir) == ["130100.yaml:5: parameters.waiting_period_days[0].reference: missing (required)"]


def test_unknown_codes_regions_and_names_are_refused(rules_dir: Path) -> None:
    _write(rules_dir, "130100", "石家庄市", "  allowed_relations:\n" + _entry("[spouse, cousin]"))
    (problem,) = _problems(rules_dir)
    assert problem.startswith("130100.yaml:6: parameters.allowed_relations[0].value[1]: Input should be")
    (rules_dir / "130100.yaml").unlink()
    _write(rules_dir, "139999", "某市", "  waiting_period_days:\n" + _entry("3"))
    assert _problems(rules_dir) == ["139999.yaml:1: region: unknown region code 139999"]
    (rules_dir / "139999.yaml").unlink()
    _write(rules_dir, "130100", "石家庄", "  waiting_period_days:\n" + _entry("3"))
    assert _problems(rules_dir) == ["130100.yaml:2: name: region 130100 is named 石家庄市, not 石家庄"]


def test_a_file_must_hold_the_region_it_is_named_for(rules_dir: Path) -> None:
    (rules_dir / "130200.yaml").write_text(
        _region_file("130100", "石家庄市", "  waiting_period_days:\n" + _entry("3")), encoding="utf-8"
    )
    assert _problems(rules_dir) == ["130200.yaml:1: region: file 130200.yaml must hold region 130200"]


def test_duplicate_keys_stops_first_and_broken_yaml_are_refused(rules_dir: Path) -> None:
    body = "  waiting_period_days:\n" + _entry("3") + "  waiting_period_days:\n" + _entry("4")
    _write(rules_dir, "130100", "石家庄市", body)
    assert "130100.yaml:9: parameters.waiting_period_days: duplicate key" in _problems(rules_dir)
    _write(rules_dir, "130100", "石家庄市", "  waiting_period_days:\n" + _entry("null"))
    assert _problems(rules_dir) == [
        "130100.yaml:5: parameters.waiting_period_days[0]: a parameter cannot start with a stop (null)"
    ]
    (rules_dir / "130100.yaml").write_text("region: [unclosed\n", encoding="utf-8")
    (problem,) = _problems(rules_dir)
    assert problem.startswith("130100.yaml:")
    assert "not valid YAML" in problem


def test_every_problem_in_every_file_is_reported_at_once(rules_dir: Path) -> None:
    _write(rules_dir, "130100", "石家庄市", "  waiting_period_day:\n" + _entry("3"))
    _write(rules_dir, "110000", "北京市", "  authoriser_min_balance_fen:\n" + _entry("'a lot'"))
    problems = _problems(rules_dir)
    assert [p.split(":")[0] for p in problems] == ["110000.yaml", "130100.yaml"]


def test_a_stop_falls_back_and_an_end_date_ends_a_value(rules_dir: Path) -> None:
    body = "  waiting_period_days:\n" + _entry("30", "2022-01-01") + "    - since: 2023-01-01\n      value: null\n"
    body += f"      reference: {REF}\n      confidence: unverified\n"
    body += "  changes_per_year_count:\n" + _entry("2", "2022-01-01", "      end: 2022-12-31\n")
    _write(rules_dir, "130100", "石家庄市", body)
    book = RuleBook(load_region_files([rules_dir]))
    assert book.resolve(params.WAITING_PERIOD_DAYS, "130100", date(2022, 12, 31)).value == 30
    stopped = book.resolve(params.WAITING_PERIOD_DAYS, "130100", date(2023, 1, 1))
    assert (stopped.value, stopped.trace.region) == (0, "100000")
    assert book.resolve(params.CHANGES_PER_YEAR_COUNT, "130100", date(2022, 12, 31)).value == 2
    assert book.resolve(params.CHANGES_PER_YEAR_COUNT, "130100", date(2023, 1, 1)).value == "unlimited"


def test_an_operator_directory_overrides_the_package(tmp_path: Path) -> None:
    _write(tmp_path, "130100", "石家庄市", "  waiting_period_days:\n" + _entry("7", "2026-01-01"))
    book = RuleBook.load([tmp_path])
    assert book.resolve(params.WAITING_PERIOD_DAYS, "130100", date(2026, 6, 1)).value == 7
    # The package's own values for the region are kept where the operator's file does not speak.
    assert book.find(params.POOLING_ANNUAL_CAP_FEN, "130100", date(2026, 6, 1)) is not None


def test_a_missing_rule_is_a_refusal_naming_it() -> None:
    book = RuleBook.load()
    with pytest.raises(Refused) as refused:
        book.resolve(params.CATEGORY_B_SELF_PAY_DEFAULT_BP, "131100", date(2026, 1, 1))
    assert refused.value.code is ErrorCode.RULE_MISSING
    assert refused.value.to_dict()["params"]["parameter"] == "category_b_self_pay_default_bp"
    assert "乙类先行自付比例" in refused.value.message_zh


def test_pooling_rows_match_the_first_row_that_applies() -> None:
    book = RuleBook.load()
    caps = book.resolve(params.POOLING_ANNUAL_CAP_FEN, "130100", date(2026, 11, 22)).value
    outpatient = MedType.GENERAL_OUTPATIENT
    level3 = HospitalLevel.LEVEL_3
    assert match_row(caps, outpatient, level3, InsuredCategory.IN_SERVICE, 44).amount_fen == 350_000  # type: ignore[union-attr]
    assert match_row(caps, outpatient, level3, InsuredCategory.IN_SERVICE, 45).amount_fen == 450_000  # type: ignore[union-attr]
    assert match_row(caps, outpatient, level3, InsuredCategory.RETIRED, 70).amount_fen == 600_000  # type: ignore[union-attr]
    # Residents: 400.00 at a level-1 clinic, 200.00 where the first matching row is the one for levels 2 and 3.
    level1 = HospitalLevel.LEVEL_1
    assert match_row(caps, outpatient, level1, InsuredCategory.RESIDENT, 30).amount_fen == 40_000  # type: ignore[union-attr]
    assert match_row(caps, outpatient, level3, InsuredCategory.RESIDENT, 30).amount_fen == 20_000  # type: ignore[union-attr]
    assert match_row(caps, MedType.CHRONIC_SPECIAL_OUTPATIENT, level3, InsuredCategory.RETIRED, 70) is None
    ratios = book.resolve(params.POOLING_RATIO_BP, "130100", date(2026, 11, 22)).value
    chronic = MedType.CHRONIC_SPECIAL_OUTPATIENT
    # A row for level 3 also covers a level-3 hospital that a region splits further.
    assert match_row(ratios, chronic, HospitalLevel.LEVEL_3_MUNICIPAL, InsuredCategory.RETIRED, 70).ratio_bp == 8000  # type: ignore[union-attr]
    assert match_row(ratios, chronic, None, InsuredCategory.RETIRED, 70) is None


def test_the_shipped_rules_load_and_every_value_names_its_source() -> None:
    book = RuleBook.load()
    assert "100000" in book.regions
    for rules in book.regions.values():
        for name, values in rules.parameters.items():
            for value in values:
                assert value.reference.title.strip(), (rules.region, name)
                assert value.reference.address.strip(), (rules.region, name)
                assert value.confidence in {"official", "unverified"}
