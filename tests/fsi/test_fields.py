"""Tolerant field readers: every habit of real clients read to one value, everything else refused by name."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from gongji.api.fsi.fields import FsiInputError, amount_fen, code, flag, quantity, rows, text, timestamp
from gongji.service.clock import SHANGHAI


def amount_refused(value: object, **options: Any) -> FsiInputError:
    with pytest.raises(FsiInputError) as caught:
        amount_fen({"medfee_sumamt": value}, "medfee_sumamt", **options)
    assert caught.value.field == "medfee_sumamt"
    assert caught.value.message_zh.startswith("字段 medfee_sumamt：")
    assert caught.value.message_en.startswith("medfee_sumamt: ")
    return caught.value


# --- amounts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("12.30", 1230),
        ("12.3", 1230),
        ("12", 1200),
        (" 12.30 ", 1230),
        (12.3, 1230),
        (12, 1200),
        (0, 0),
        ("0.00", 0),
        (Decimal("12.30"), 1230),
        (Decimal("12.300"), 1230),  # trailing zeros are not precision beyond the fen
        (26933.88, 2693388),  # a balance from the Hebei 1101 sample
        ("100000000.00", 10_000_000_000),  # exactly the limit
    ],
)
def test_amounts_as_numbers_or_text_are_read_in_fen(value: object, fen: int) -> None:
    assert amount_fen({"medfee_sumamt": value}, "medfee_sumamt") == fen


@pytest.mark.parametrize("value", [4.52, 0.29, 1.15, 8.2, 19.99])
def test_float_amounts_are_read_through_their_decimal_text_not_float_arithmetic(value: float) -> None:
    # int(value * 100) gives one fen less for every one of these: 4.52 * 100 == 451.99999999999994.
    assert int(value * 100) != round(value * 100)

    assert amount_fen({"x": value}, "x") == round(value * 100)


@pytest.mark.parametrize("value", ["", "   ", None])
def test_a_blank_or_null_amount_is_missing(value: object) -> None:
    assert amount_fen({"invono_amt": value}, "invono_amt", required=False) is None
    with pytest.raises(FsiInputError) as caught:
        amount_fen({"invono_amt": value}, "invono_amt")
    assert caught.value.message_zh == "字段 invono_amt：缺失或为空"


def test_an_absent_amount_is_missing() -> None:
    assert amount_fen({}, "acct_pay", required=False) is None
    with pytest.raises(FsiInputError):
        amount_fen({}, "acct_pay")


@pytest.mark.parametrize("value", ["-1", -1, Decimal("-0.01"), -25.1])
def test_a_negative_amount_is_refused_unless_allowed(value: object) -> None:
    error = amount_refused(value)

    assert "不能为负数" in error.message_zh
    assert "must not be negative" in error.message_en


@pytest.mark.parametrize("value", ["-0.00", Decimal("-0"), -0.0])
def test_a_negative_zero_is_zero_not_a_negative_amount(value: object) -> None:
    assert amount_fen({"x": value}, "x") == 0


@pytest.mark.parametrize(("value", "fen"), [("-1", -100), (-25.1, -2510), (Decimal("-0.23"), -23), (" -24.87", -2487)])
def test_a_negative_amount_is_read_where_allowed(value: object, fen: int) -> None:
    assert amount_fen({"x": value}, "x", allow_negative=True) == fen


@pytest.mark.parametrize(
    "value", ["1.234", 1.234, Decimal("1.001"), 0.30000000000000004, Decimal("1.00000000000000000000000000001")]
)
def test_an_amount_finer_than_the_fen_is_refused(value: object) -> None:
    error = amount_refused(value)

    assert "最多两位小数" in error.message_zh
    assert "at most two decimals" in error.message_en


@pytest.mark.parametrize("value", [1e12, Decimal("1E+12"), "100000000.01", 10**9])
def test_an_absurd_amount_is_refused(value: object) -> None:
    error = amount_refused(value)

    assert "超过上限 1 亿元" in error.message_zh


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_not_an_amount(value: bool) -> None:
    error = amount_refused(value)

    assert "布尔值" in error.message_zh
    assert "boolean" in error.message_en


@pytest.mark.parametrize("value", ["abc", "12,3", "1e3", "NaN", "12.30元x"])
def test_text_that_is_not_an_amount_is_refused(value: str) -> None:
    error = amount_refused(value)

    assert f"“{value}”" in error.message_zh


@pytest.mark.parametrize("value", [{"v": 1}, [1]])
def test_an_object_or_array_is_not_an_amount(value: object) -> None:
    error = amount_refused(value)

    assert "应为金额" in error.message_zh


def test_zero_is_refused_where_it_must_be_positive() -> None:
    error = amount_refused("0.00", allow_zero=False)

    assert "必须大于零" in error.message_zh


def test_a_refusal_names_the_field_with_its_path() -> None:
    with pytest.raises(FsiInputError) as caught:
        amount_fen({"pric": "1.234"}, "pric", path="feedetail[2]")

    assert caught.value.field == "feedetail[2].pric"
    assert caught.value.message_zh.startswith("字段 feedetail[2].pric：")


# --- codes, text, flags ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "read"),
    [("310", "310"), (310, "310"), (" 310 ", "310"), (Decimal("9001"), "9001"), ("I10.x00", "I10.x00"), (-1, "-1")],
)
def test_codes_as_text_or_whole_numbers(value: object, read: str) -> None:
    assert code({"insutype": value}, "insutype") == read


@pytest.mark.parametrize(
    ("value", "got"), [(True, "布尔值"), (Decimal("3.5"), "数字"), ({"a": 1}, "对象"), ([310], "数组")]
)
def test_a_code_of_the_wrong_type_is_refused(value: object, got: str) -> None:
    with pytest.raises(FsiInputError) as caught:
        code({"insutype": value}, "insutype")

    assert caught.value.field == "insutype"
    assert "应为代码" in caught.value.message_zh
    assert got in caught.value.message_zh


def test_a_code_missing_or_too_long() -> None:
    assert code({"insutype": ""}, "insutype", required=False) is None
    with pytest.raises(FsiInputError, match="missing"):
        code({}, "insutype")
    with pytest.raises(FsiInputError, match="longer than 5"):
        code({"insutype": "310310"}, "insutype", max_len=5)


def test_text_is_stripped_and_numbers_are_read_as_text() -> None:
    assert text({"dept_name": " 内科 "}, "dept_name") == "内科"
    assert text({"memo": 12}, "memo") == "12"
    assert text({"memo": ""}, "memo", required=False) is None
    with pytest.raises(FsiInputError, match="must be text"):
        text({"memo": ["a"]}, "memo")
    with pytest.raises(FsiInputError, match="longer than 3"):
        text({"memo": "四个字符"}, "memo", max_len=3)


@pytest.mark.parametrize(
    ("value", "read"), [("1", True), (1, True), ("0", False), (0, False), (" 1 ", True), (True, True)]
)
def test_flags_as_text_numbers_or_booleans(value: object, read: bool) -> None:
    assert flag({"acct_used_flag": value}, "acct_used_flag") is read


@pytest.mark.parametrize("value", ["2", 2, "Y", "true", Decimal("0.5")])
def test_a_flag_that_is_not_zero_or_one_is_refused(value: object) -> None:
    with pytest.raises(FsiInputError) as caught:
        flag({"acct_used_flag": value}, "acct_used_flag")

    assert "应为 0 或 1" in caught.value.message_zh


def test_a_missing_flag_reads_as_its_default_or_is_refused() -> None:
    assert flag({}, "mid_setl_flag", default=False) is False
    assert flag({"mid_setl_flag": ""}, "mid_setl_flag", default=True) is True
    with pytest.raises(FsiInputError, match="missing"):
        flag({}, "acct_used_flag")


# --- quantities ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("2", "2"),
        (2, "2"),
        ("2.0", "2"),
        (Decimal("2.50"), "2.5"),
        (0.5, "0.5"),
        (".5", "0.5"),
        ("100", "100"),
        (Decimal("1E+2"), "100"),  # a JSON number written as 1e2: plain text, never an exponent
        (Decimal("120.0000"), "120"),
        ("0.0001", "0.0001"),
        ("+3", "3"),
    ],
)
def test_quantities_are_read_as_canonical_decimal_text(value: object, read: str) -> None:
    assert quantity({"cnt": value}, "cnt") == read


@pytest.mark.parametrize("value", ["-1", -2, Decimal("-0.5")])
def test_a_negative_quantity_is_refused_unless_asked_for(value: object) -> None:
    with pytest.raises(FsiInputError, match="must not be negative"):
        quantity({"cnt": value}, "cnt")

    assert quantity({"cnt": value}, "cnt", allow_negative=True).startswith("-")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0", "不能为零"),
        (0, "不能为零"),
        ("0.00", "不能为零"),
        ("1.23456", "最多 4 位小数"),
        ("1.00000000000000000000000000001", "最多 4 位小数"),
        ("1000000000000", "过大"),
        ("abc", "不是数量"),
        ("1e3", "不是数量"),
        ("2个", "不是数量"),
        (True, "应为数量"),
        (Decimal("NaN"), "不是有限的数"),
    ],
)
def test_quantities_that_cannot_be_a_fee_line_are_refused(value: object, reason: str) -> None:
    with pytest.raises(FsiInputError) as caught:
        quantity({"cnt": value}, "cnt", path="feedetail[0]")

    assert caught.value.field == "feedetail[0].cnt"
    assert reason in caught.value.message_zh


# --- times -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-11-29 18:09:52", datetime(2021, 11, 29, 18, 9, 52)),
        ("2021-11-29T18:09:52", datetime(2021, 11, 29, 18, 9, 52)),
        ("2021-11-29 18:09:52.123", datetime(2021, 11, 29, 18, 9, 52)),
        ("2021-11-29", datetime(2021, 11, 29)),
        ("20211129180952", datetime(2021, 11, 29, 18, 9, 52)),
        (20211129180952, datetime(2021, 11, 29, 18, 9, 52)),
        ("20211129", datetime(2021, 11, 29)),
    ],
)
def test_times_in_every_national_shape_are_read_as_beijing_time(value: object, expected: datetime) -> None:
    read = timestamp({"begntime": value}, "begntime")

    assert read == expected.replace(tzinfo=SHANGHAI)
    assert read.utcoffset() is not None
    assert read.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2021-02-30", "不是存在的日期或时间"),
        ("2021-11-29 24:00:00", "不是存在的日期或时间"),
        ("2021/11/29", "不是时间格式"),
        ("2021-1-9", "不是时间格式"),
        ("29.11.2021", "不是时间格式"),
        (1638180592, "不是时间格式"),  # Unix seconds are not one of the interface's shapes
        (True, "应为时间文字"),
    ],
)
def test_times_that_are_not_real_or_not_in_a_national_shape_are_refused(value: object, reason: str) -> None:
    with pytest.raises(FsiInputError) as caught:
        timestamp({"begntime": value}, "begntime")

    assert caught.value.field == "begntime"
    assert reason in caught.value.message_zh


def test_a_missing_time_is_none_when_optional() -> None:
    assert timestamp({"endtime": ""}, "endtime", required=False) is None
    with pytest.raises(FsiInputError, match="missing"):
        timestamp({"endtime": None}, "endtime")


# --- rows ------------------------------------------------------------------------------------------------


def test_rows_as_a_list_a_single_object_or_nothing() -> None:
    row = {"diag_code": "I10.x00"}

    assert rows({"diseinfo": [row, row]}, "diseinfo") == [row, row]
    assert rows({"diseinfo": row}, "diseinfo") == [row]
    assert rows({"diseinfo": None}, "diseinfo") == []
    assert rows({}, "diseinfo") == []


def test_rows_refusals_name_the_field_and_the_row() -> None:
    with pytest.raises(FsiInputError) as caught:
        rows({"diseinfo": [{"diag_code": "I10"}, 7]}, "diseinfo", path="input")
    assert caught.value.field == "input.diseinfo[1]"

    with pytest.raises(FsiInputError, match="must be an array of objects"):
        rows({"diseinfo": "I10"}, "diseinfo")
    with pytest.raises(FsiInputError, match="missing"):
        rows({"diseinfo": []}, "diseinfo", required=True)


def test_rows_are_copies_so_a_reader_cannot_change_the_message() -> None:
    row = {"diag_code": "I10.x00"}

    rows({"diseinfo": [row]}, "diseinfo")[0]["diag_code"] = "changed"

    assert row["diag_code"] == "I10.x00"


@pytest.mark.parametrize("number", ["1E+999999999999", "-1E+999999999999", "1E+400", "123456789012345678901"])
@pytest.mark.parametrize("reader", [code, amount_fen, quantity])
def test_numbers_beyond_any_field_are_refused_never_overflowing(reader: Any, number: str) -> None:
    """Valid JSON numbers whose exponent is beyond the decimal context's: refused, not ``decimal.Overflow``."""
    value = Decimal(number)
    if reader is code and abs(value.adjusted()) < 30:
        assert reader({"x": value}, "x") == str(int(value))
        return
    with pytest.raises(FsiInputError):
        reader({"x": value}, "x", **({} if reader is code else {"allow_negative": True}))
