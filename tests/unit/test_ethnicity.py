"""The national ethnicity code list (民族, GB/T 3304) and its validation at registration."""

from __future__ import annotations

from datetime import date

import pytest

from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.people import ETHNICITIES, validate_naty, validate_new_person

ZHANG = "130102199001011237"


def test_the_list_has_the_56_groups_and_the_three_special_codes() -> None:
    assert len(ETHNICITIES) == 59
    assert (ETHNICITIES["01"], ETHNICITIES["03"], ETHNICITIES["56"]) == ("汉族", "回族", "基诺族")
    assert {"97", "98", "99"} <= set(ETHNICITIES)
    assert [code for code in ETHNICITIES if not code.isdigit() or len(code) != 2] == []


@pytest.mark.parametrize(("given", "code"), [("01", "01"), ("1", "01"), (3, "03"), (" 56 ", "56"), ("99", "99")])
def test_a_code_is_read_as_its_two_digits(given: str | int, code: str) -> None:
    assert validate_naty(given) == code


@pytest.mark.parametrize("given", ["00", "57", "96", "100", "汉族", "", "0x1"])
def test_anything_else_is_refused_naming_the_list_and_the_value(given: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_naty(given)

    assert caught.value.code is ErrorCode.CODE_UNKNOWN
    assert caught.value.params["code_list"].zh == "民族"
    assert caught.value.params["value"] == given.strip()


def test_a_registration_records_a_stated_ethnicity_and_none_when_not_stated() -> None:
    today = date(2026, 12, 2)

    assert validate_new_person(ZHANG, "张伟", today=today, naty="3").naty == "03"
    assert validate_new_person(ZHANG, "张伟", today=today).naty is None
    assert validate_new_person(ZHANG, "张伟", today=today, naty=" ").naty is None
    with pytest.raises(InvalidInput):
        validate_new_person(ZHANG, "张伟", today=today, naty="60")
