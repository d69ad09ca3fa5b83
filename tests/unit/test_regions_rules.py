"""The rules' fallback chain follows the region chain: county → prefecture → province → national."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from gongji.domain.errors import ErrorCode
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.rules.loader import DATA_DIR, load_region_files
from gongji.service.checks import RuleReader, geography_open

DAY = date(2026, 11, 22)
REF = '{title: "测试文件", address: "https://example.org/rule"}'


def _write(directory: Path, code: str, name: str, parameter: str, value: str) -> None:
    entry = f"    - since: 2022-01-01\n      value: {value}\n      reference: {REF}\n      confidence: unverified\n"
    body = f"  {parameter}:\n{entry}"
    (directory / f"{code}.yaml").write_text(f'region: "{code}"\nname: {name}\nparameters:\n{body}', encoding="utf-8")


def test_a_county_asks_its_prefecture_then_its_province_then_the_nation() -> None:
    book = RuleBook.load()
    assert book.chain("130602") == ["130602", "130600", "130000", "100000"]
    assert book.chain("429021") == ["429021", "420000", "100000"]
    assert book.chain("130100") == ["130100", "130000", "100000"]
    # Hebei's own file sets how many relatives one may help at once (8): a Baoding county, without a file of its own
    # or of its city, reads it from the province; the national file answers what Hebei does not set.
    at_once = book.resolve(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, "130602", DAY)
    assert (at_once.value, at_once.trace.region, at_once.trace.requested_region) == (8, "130000", "130602")
    assert book.resolve(params.WALLET_ENABLED, "130602", DAY).trace.region == "100000"


def test_a_prefecture_file_answers_for_its_counties(tmp_path: Path) -> None:
    shutil.copy(DATA_DIR / "130000.yaml", tmp_path / "130000.yaml")
    _write(tmp_path, "130600", "保定市", "max_beneficiaries_at_once_count", "5")
    book = RuleBook(load_region_files([DATA_DIR, tmp_path]))
    county = book.resolve(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, "130602", DAY)
    assert (county.value, county.trace.region, county.trace.region_zh) == (5, "130600", "保定市")
    assert book.resolve(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, "130600", DAY).trace.region == "130600"
    # A county of another city of the province still reads the province; a city with its own file keeps it.
    assert book.resolve(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, "130202", DAY).trace.region == "130000"


def test_a_county_file_comes_before_its_prefecture(tmp_path: Path) -> None:
    _write(tmp_path, "130600", "保定市", "max_beneficiaries_at_once_count", "5")
    _write(tmp_path, "130602", "竞秀区", "max_beneficiaries_at_once_count", "3")
    book = RuleBook(load_region_files([DATA_DIR, tmp_path]))
    assert book.resolve(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, "130602", DAY).value == 3
    assert book.resolve(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, "130606", DAY).value == 5


def test_the_pooling_fund_of_a_county_is_its_citys_and_never_the_provinces(tmp_path: Path) -> None:
    ratio = '[{med_types: ["11"], ratio_bp: 5000}]'
    _write(tmp_path, "130600", "保定市", "pooling_ratio_bp", ratio)
    _write(tmp_path, "130000", "河北省", "pooling_ratio_bp", '[{med_types: ["11"], ratio_bp: 9000}]')
    _write(tmp_path, "110000", "北京市", "pooling_ratio_bp", ratio)
    book = RuleBook(load_region_files([DATA_DIR, tmp_path]))
    county = book.find(params.POOLING_RATIO_BP, "130602", DAY)
    assert county is not None
    assert county.trace.region == "130600"
    # A city without a file of its own gets nothing from Hebei's 省本级 values; nor does a 直辖县级 region.
    assert book.find(params.POOLING_RATIO_BP, "130200", DAY) is None
    assert book.find(params.POOLING_RATIO_BP, "130202", DAY) is None
    assert book.find(params.POOLING_RATIO_BP, "429021", DAY) is None
    # A district of a municipality is pooled by the municipality.
    district = book.find(params.POOLING_RATIO_BP, "110105", DAY)
    assert district is not None
    assert district.trace.region == "110000"


def test_two_districts_of_one_city_are_one_pooling_region_for_mutual_aid() -> None:
    # Yunnan sets no geography of its own: the national rule (same pooling region) applies to Kunming's districts.
    reader = RuleReader(RuleBook.load(), DAY)
    assert geography_open(reader, "530102", "530103") == []  # 五华区 and 盘龙区, both of 昆明市 530100
    assert geography_open(reader, "530102", "530100") == []
    refused = geography_open(reader, "530102", "530302")  # 麒麟区 of 曲靖市 530300
    assert [finding.code for finding in refused] == [ErrorCode.GEOGRAPHY_NOT_OPEN]
