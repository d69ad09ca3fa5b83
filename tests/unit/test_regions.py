"""Every GB/T 2260 region code, current and historical, with dated lookups and the parent chain.

The dated cases are real changes, read from the Ministry of Civil Affairs' yearly lists as compiled in the data set
areacodes (github.com/yescallop/areacodes, result.csv, commit eed219a0678d36bacaa717f62443b10e869f0291), the source of
``gongji/domain/data/region_codes.csv``:

- Beijing: 崇文区 ``110103`` merged into 东城区 ``110101`` in 2010 (absent from the 2010 list, present in 2009's).
- Baoding: 北市区 ``130603`` and 南市区 ``130604`` merged into the new 莲池区 ``130606`` in 2015; 新市区 kept its code
  ``130602`` and was renamed 竞秀区 the same year.
- Baoding 地区 ``132400`` (the prefecture before the city took it over) ended in 1994, and the list names no code for
  it.
"""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.regions import (
    NATIONAL,
    all_regions,
    chain_of,
    parent_of,
    parse_region,
    pooling_chain_of,
    pooling_region_of,
    province_of,
    region_name,
    region_spans,
    region_term,
)
from gongji.rules.loader import DATA_DIR


def _refusal(code: str, on: date | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_region(code, on)
    return caught.value


# --- the list -------------------------------------------------------------------------------------------------


def test_the_list_holds_the_thousands_of_codes_of_the_country() -> None:
    current = all_regions(date(2025, 1, 1))
    codes = {region.code for region in current}
    # The 2024 list: 34 province-level, 333 prefecture-level and 2,846 county-level codes.
    assert 3_000 < len(current) < 4_000
    assert sum(1 for code in codes if not code.endswith("00")) > 2_500
    assert sum(1 for code in codes if code.endswith("0000")) == 35  # the 34 and the national level
    # Historical codes add thousands more.
    assert len(all_regions()) > len(current) + 2_000


def test_baoding_and_its_counties_are_known() -> None:
    assert parse_region("130600").zh == "保定市"
    assert parse_region("130602", date(2026, 11, 22)).zh == "竞秀区"
    assert parse_region("130606", date(2026, 11, 22)).zh == "莲池区"
    assert parse_region("130682").zh == "定州市"
    assert parse_region("429021").zh == "神农架林区"


def test_names_in_english_are_kept_and_the_others_show_the_chinese_name() -> None:
    assert parse_region("130100").en == "Shijiazhuang"
    assert region_term("130100").en == "130100 Shijiazhuang"
    baoding = parse_region("130600")
    assert baoding.en == "保定市"
    assert region_term("130600").en == "130600 保定市"


@pytest.mark.parametrize("code", ["429000", "110100", "130190", "139999", "109900", "100099"])
def test_codes_that_name_no_region_are_unknown(code: str) -> None:
    assert _refusal(code).code is ErrorCode.CODE_UNKNOWN
    assert _refusal(code, date(2026, 1, 1)).code is ErrorCode.CODE_UNKNOWN


def test_every_rules_file_names_a_region_in_force_under_its_own_name() -> None:
    files = sorted(DATA_DIR.glob("*.yaml"))
    assert len(files) > 20
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert parse_region(data["region"], date(2026, 1, 1)).zh == data["name"], path.name


def test_every_listed_code_lies_in_a_listed_province_and_every_successor_is_listed() -> None:
    listed = {region.code for region in all_regions()}
    for code in listed:
        assert province_of(code) in listed, code
        for span in region_spans(code):
            assert set(span.successors) <= listed, span


# --- dated lookups --------------------------------------------------------------------------------------------


def test_a_merged_district_parses_until_the_year_it_ended_and_then_names_its_successor() -> None:
    assert parse_region("110103", date(2009, 6, 1)).zh == "崇文区"
    # The list dates a change only to its year: in that year both the old and the new code are accepted.
    assert parse_region("110103", date(2010, 12, 31)).zh == "崇文区"
    assert parse_region("110103").zh == "崇文区"  # no date: a code of any time

    error = _refusal("110103", date(2011, 1, 1))
    assert error.code is ErrorCode.REGION_NOT_IN_FORCE
    shown = error.to_dict()["params"]
    assert shown["region"] == "110103"
    assert shown["ended"] == 2010
    assert shown["successor"] == "110101"
    assert "崇文区" in error.message_zh
    assert "2010" in error.message_zh
    assert "110101 东城区" in error.message_zh
    assert "110101 东城区" in error.message_en


def test_two_districts_merged_into_a_new_one_name_it() -> None:
    error = _refusal("130604", date(2016, 3, 1))
    assert error.code is ErrorCode.REGION_NOT_IN_FORCE
    assert error.to_dict()["params"]["successor"] == "130606"
    assert "南市区" in error.message_zh
    assert "130606 莲池区" in error.message_zh


def test_a_code_before_its_first_year_is_not_yet_in_force() -> None:
    error = _refusal("130606", date(2014, 12, 31))
    assert error.code is ErrorCode.REGION_NOT_YET_IN_FORCE
    assert error.to_dict()["params"]["since"] == 2015
    assert "莲池区" in error.message_zh
    assert parse_region("130606", date(2015, 1, 1)).zh == "莲池区"


def test_a_renamed_code_has_the_name_of_the_day() -> None:
    assert parse_region("130602", date(2014, 6, 1)).zh == "新市区"
    assert parse_region("130602", date(2016, 6, 1)).zh == "竞秀区"
    assert region_name("130602") == "竞秀区"
    assert [span.zh for span in region_spans("130602")] == ["新市区", "竞秀区"]


def test_an_abolished_code_without_a_successor_says_so() -> None:
    error = _refusal("132400", date(2000, 1, 1))
    assert error.code is ErrorCode.REGION_NOT_IN_FORCE
    assert "保定地区" in error.message_zh
    assert "successor" not in error.to_dict()["params"]
    assert "no successor" in error.message_en


def test_a_code_of_the_first_list_is_taken_as_in_force_before_it() -> None:
    assert parse_region("130000", date(1975, 1, 1)).zh == "河北省"
    assert parse_region(NATIONAL, date(1950, 1, 1)).zh == "全国"


def test_all_regions_of_a_day_parse_on_that_day() -> None:
    day = date(2012, 7, 1)
    regions = all_regions(day)
    assert "110103" not in {r.code for r in regions}
    assert "130603" in {r.code for r in regions}
    for region in regions:
        assert parse_region(region.code, day) == region


# --- parents --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("130602", "130600"),
        ("130600", "130000"),
        ("130000", NATIONAL),
        ("429021", "420000"),  # 直辖县级: 429000 is no region
        ("419001", "410000"),  # 济源市
        ("110101", "110000"),  # Beijing's districts: 110100 is no region in the list
        ("441900", "440000"),
        (NATIONAL, None),
    ],
)
def test_the_parent_of_a_region(code: str, parent: str | None) -> None:
    assert parent_of(code) == parent


def test_the_chain_runs_from_county_to_the_nation() -> None:
    assert chain_of("130602") == ["130602", "130600", "130000", NATIONAL]
    assert chain_of("429021") == ["429021", "420000", NATIONAL]
    assert chain_of(NATIONAL) == [NATIONAL]
    assert chain_of("130602", date(2026, 1, 1)) == ["130602", "130600", "130000", NATIONAL]


def test_a_historical_county_has_its_historical_prefecture_on_its_day() -> None:
    # 132401 was 定州市, a city inside 保定地区 132400, from 1986 until 1994 (then 130682 under the city of Baoding).
    assert parent_of("132401", date(1990, 1, 1)) == "132400"
    assert chain_of("132401", date(1990, 1, 1)) == ["132401", "132400", "130000", NATIONAL]


def test_an_unknown_code_has_no_chain() -> None:
    with pytest.raises(InvalidInput) as caught:
        chain_of("999999")
    assert caught.value.code is ErrorCode.CODE_UNKNOWN


# --- medical-insurance own levels (本级) -------------------------------------------------------------------------


def test_a_prefecture_and_a_province_have_their_own_levels() -> None:
    # 130399 as a real Hebei 1101 answer names it (tests/fsi/samples/1101_response_hebei_multi_insutype.json).
    qinhuangdao = parse_region("130399", date(2026, 1, 1))
    assert qinhuangdao.zh == "秦皇岛市本级"
    assert chain_of("130399") == ["130399", "130300", "130000", NATIONAL]
    assert parse_region("439900").zh == "湖南省本级"
    assert chain_of("439900") == ["439900", "430000", NATIONAL]
    assert parse_region("130199").en == "Shijiazhuang (city level)"


def test_an_own_level_is_in_force_while_its_region_is() -> None:
    # 132499 would be the own level of 保定地区, which ended in 1994.
    assert parse_region("132499", date(1990, 1, 1)).zh == "保定地区本级"
    assert _refusal("132499", date(2000, 1, 1)).code is ErrorCode.REGION_NOT_IN_FORCE
    assert "132499" not in {region.code for region in all_regions()}


@pytest.mark.parametrize(
    ("code", "pooling"),
    [
        ("130602", ["130602", "130600"]),
        ("130600", ["130600"]),
        ("130100", ["130100"]),
        ("130000", ["130000"]),
        ("110105", ["110105", "110000"]),
        ("500103", ["500103", "500000"]),
        ("429021", ["429021"]),
        (NATIONAL, [NATIONAL]),
    ],
)
def test_the_pooling_chain_stops_below_the_provinces(code: str, pooling: list[str]) -> None:
    assert pooling_chain_of(code) == pooling


def test_the_pooling_region_of_a_district_is_its_city() -> None:
    assert pooling_region_of("130602") == pooling_region_of("130606") == "130600"
    assert pooling_region_of("110105") == "110000"
    assert pooling_region_of("429021") == "429021"
    assert pooling_region_of("130399") == "130300"
