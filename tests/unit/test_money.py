"""Money at the edges: yuan text in, fen inside, half-up rounding of rates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.money import (
    FEN_PER_YUAN,
    MAX_AMOUNT_FEN,
    apply_rate_bp,
    divide_half_up,
    fen_to_decimal,
    format_yuan,
    parse_yuan,
    round_half_up,
)

REASON_NEGATIVE = "must not be negative"
REASON_NOT_FINITE = "not a finite number"
REASON_DECIMALS = "at most two decimals (to the fen)"
REASON_ABOVE_LIMIT = "above the limit of 100 million yuan"
REASON_NOT_AN_AMOUNT = "not an amount"
REASON_MALFORMED = "not an amount (for example 12.30)"
REASON_ZERO = "must be greater than zero"


def refusal(value: object, *, allow_zero: bool = True) -> InvalidInput:
    """Parse ``value`` expecting a refusal; check its code and that it explains itself."""
    with pytest.raises(InvalidInput) as caught:
        parse_yuan(value, allow_zero=allow_zero)  # type: ignore[arg-type]
    error = caught.value
    assert error.code is ErrorCode.AMOUNT_INVALID
    assert error.params["reason"].en
    assert error.params["reason"].zh
    assert error.params["value"] == str(value)
    assert error.params["reason"].en in error.message_en
    assert error.params["reason"].zh in error.message_zh
    return error


# --- parse_yuan: accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("12.3", 1230),
        ("12.30", 1230),
        ("12", 1200),
        ("0.01", 1),
        ("0.1", 10),
        (".5", 50),
        ("12.", 1200),
        ("+5", 500),
        ("  12.30  ", 1230),
        ("¥1,200.00", 120000),
        ("￥8元", 800),
        ("8元", 800),
        ("CNY 12.50", 1250),
        ("rmb5", 500),
        ("1,234,567.89", 123456789),
        ("1 234.50", 123450),
        ("12.340", 1234),
        ("0", 0),
        ("0.00", 0),
        ("100000000", MAX_AMOUNT_FEN),
        ("100,000,000.00", MAX_AMOUNT_FEN),
    ],
)
def test_yuan_text_is_read_into_fen(value: str, fen: int) -> None:
    assert parse_yuan(value) == fen


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        (12.30, 1230),
        (12.34, 1234),
        (0.01, 1),
        (0.29, 29),
        (1.15, 115),
        (19.99, 1999),
        (1e8, MAX_AMOUNT_FEN),
        (0.0, 0),
    ],
)
def test_a_json_number_is_read_through_its_shortest_decimal_form(value: float, fen: int) -> None:
    assert parse_yuan(value) == fen


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        (Decimal("12.30"), 1230),
        (Decimal("12.3"), 1230),
        (Decimal("0.05"), 5),
        (Decimal("1E+2"), 10000),
        (Decimal("12.300"), 1230),
    ],
)
def test_a_decimal_is_read_exactly(value: Decimal, fen: int) -> None:
    assert parse_yuan(value) == fen


@pytest.mark.parametrize(("value", "fen"), [(0, 0), (1, 100), (12, 1200), (100_000_000, MAX_AMOUNT_FEN)])
def test_an_int_counts_whole_yuan(value: int, fen: int) -> None:
    assert parse_yuan(value) == fen


def test_parse_yuan_returns_a_plain_int() -> None:
    assert type(parse_yuan("12.30")) is int
    assert type(parse_yuan(Decimal("12.30"))) is int
    assert type(parse_yuan(12.3)) is int


# --- parse_yuan: refused --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "-0.01", "¥-5", " -12.30", -1, -0.01, Decimal("-3")])
def test_a_negative_amount_is_refused(value: object) -> None:
    assert refusal(value).params["reason"].en == REASON_NEGATIVE


@pytest.mark.parametrize(
    "value",
    ["NaN", "nan", "inf", "Infinity", "+inf", float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity")],
)
def test_nan_and_infinity_are_refused(value: object) -> None:
    assert refusal(value).params["reason"].en == REASON_NOT_FINITE


def test_negative_infinity_is_refused() -> None:
    refusal("-inf")
    refusal(float("-inf"))


@pytest.mark.parametrize("value", ["12.345", "0.001", "1,200.001", 0.001, 12.345, 1e-7, Decimal("0.005")])
def test_more_than_two_decimals_is_refused(value: object) -> None:
    assert refusal(value).params["reason"].en == REASON_DECIMALS


@pytest.mark.parametrize("value", ["100000000.01", "100,000,001", 100_000_001, 1e16, Decimal("1E+9"), "9" * 30])
def test_an_amount_above_one_hundred_million_yuan_is_refused(value: object) -> None:
    assert refusal(value).params["reason"].en == REASON_ABOVE_LIMIT


@pytest.mark.parametrize(
    "value",
    ["1,20.00", "1,2345.00", ",100", "1,,000", "12,", "", "   ", "¥", "元", "abc", "12a", "1e5", "1_000", "1.2.3", "."],
)
def test_malformed_text_is_refused(value: str) -> None:
    assert refusal(value).params["reason"].en == REASON_MALFORMED


@pytest.mark.parametrize("value", [True, False, None, [12], {"yuan": 12}, b"12", object()])
def test_things_that_are_not_amounts_are_refused(value: object) -> None:
    assert refusal(value).params["reason"].en == REASON_NOT_AN_AMOUNT


@pytest.mark.parametrize("value", ["0", "0.00", "¥0", 0, 0.0, Decimal("0.00")])
def test_zero_is_refused_when_not_allowed(value: object) -> None:
    assert refusal(value, allow_zero=False).params["reason"].en == REASON_ZERO


def test_zero_is_accepted_by_default_and_one_fen_even_when_zero_is_not() -> None:
    assert parse_yuan("0") == 0
    assert parse_yuan("0.01", allow_zero=False) == 1


def test_a_refusal_names_the_value_as_given() -> None:
    error = refusal("¥12.345")
    assert error.message_en == "Amount '¥12.345' is invalid: at most two decimals (to the fen)"
    assert error.message_zh == "金额“¥12.345”无效：最多两位小数（精确到分）"


# --- format_yuan and fen_to_decimal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (50, "0.50"),
        (100, "1.00"),
        (123456, "1,234.56"),
        (99999, "999.99"),
        (100000, "1,000.00"),
        (MAX_AMOUNT_FEN, "100,000,000.00"),
        (-123456, "-1,234.56"),
        (-5, "-0.05"),
    ],
)
def test_format_yuan_groups_thousands(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


def test_format_yuan_without_grouping() -> None:
    assert format_yuan(123456, grouping=False) == "1234.56"
    assert format_yuan(MAX_AMOUNT_FEN, grouping=False) == "100000000.00"
    assert format_yuan(-123456, grouping=False) == "-1234.56"


def test_format_yuan_with_symbol_puts_the_sign_before_it() -> None:
    assert format_yuan(123456, symbol=True) == "¥1,234.56"
    assert format_yuan(-123456, symbol=True) == "-¥1,234.56"
    assert format_yuan(7, symbol=True, grouping=False) == "¥0.07"


def test_fen_to_decimal_has_two_places() -> None:
    assert fen_to_decimal(1234) == Decimal("12.34")
    assert str(fen_to_decimal(1200)) == "12.00"
    assert str(fen_to_decimal(-5)) == "-0.05"


# --- rounding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exact", "fen"),
    [
        (Fraction(5, 2), 3),
        (Fraction(3, 2), 2),
        (Fraction(1, 2), 1),
        (Fraction(7, 3), 2),
        (Fraction(8, 3), 3),
        (Decimal("2.4999"), 2),
        (Decimal("2.5"), 3),
        (Decimal("199.8"), 200),
        (Fraction(-5, 2), -3),
        (Fraction(-1, 2), -1),
        (Decimal("-2.5"), -3),
        (Decimal("-2.4999"), -2),
        (Fraction(-7, 3), -2),
        (Fraction(-8, 3), -3),
        (7, 7),
        (-7, -7),
        (0, 0),
    ],
)
def test_round_half_up_goes_away_from_zero_at_one_half(exact: Fraction | Decimal | int, fen: int) -> None:
    assert round_half_up(exact) == fen
    assert type(round_half_up(exact)) is int


@pytest.mark.parametrize(
    ("numerator", "denominator", "fen"),
    [(5, 2, 3), (-5, 2, -3), (5, -2, -3), (-5, -2, 3), (7, 3, 2), (-8, 3, -3), (1, 2, 1), (1, 3, 0), (0, 7, 0)],
)
def test_a_ratio_rounds_half_up_away_from_zero(numerator: int, denominator: int, fen: int) -> None:
    assert divide_half_up(numerator, denominator) == fen


@given(st.integers(-(10**15), 10**15), st.integers(-(10**6), 10**6).filter(bool))
def test_a_ratio_rounds_as_decimal_arithmetic_rounds_it_half_up(numerator: int, denominator: int) -> None:
    """Against an independent reference: the quotient to 60 digits, rounded by ``decimal``'s ROUND_HALF_UP (away
    from zero at .5); and the same as the exact fraction rounded."""
    with localcontext(prec=60):
        reference = int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert divide_half_up(numerator, denominator) == reference
    assert round_half_up(Fraction(numerator, denominator)) == reference


def test_a_share_of_nothing_is_an_error_not_a_fen() -> None:
    with pytest.raises(ZeroDivisionError):
        divide_half_up(1, 0)


@pytest.mark.parametrize(
    ("amount_fen", "rate_bp", "fen"),
    [
        (333, 6000, 200),  # 199.8
        (125, 5000, 63),  # 62.5
        (124, 5000, 62),
        (10000, 6000, 6000),
        (1, 4999, 0),  # 0.4999
        (1, 5000, 1),  # 0.5
        (12345, 10000, 12345),
        (12345, 0, 0),
        (0, 6000, 0),
        (-125, 5000, -63),
        (-333, 6000, -200),
    ],
)
def test_apply_rate_bp_rounds_half_up_to_the_fen(amount_fen: int, rate_bp: int, fen: int) -> None:
    assert apply_rate_bp(amount_fen, rate_bp) == fen


@given(st.integers(min_value=-MAX_AMOUNT_FEN, max_value=MAX_AMOUNT_FEN), st.integers(min_value=0, max_value=10_000))
def test_apply_rate_bp_is_within_half_a_fen_of_the_exact_share(amount_fen: int, rate_bp: int) -> None:
    exact = Fraction(amount_fen * rate_bp, 10_000)
    rounded = apply_rate_bp(amount_fen, rate_bp)
    assert abs(rounded - exact) <= Fraction(1, 2)
    assert apply_rate_bp(-amount_fen, rate_bp) == -rounded


# --- round trip -----------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_FEN))
def test_formatted_yuan_parses_back_to_the_same_fen(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
    assert parse_yuan(format_yuan(fen, grouping=False)) == fen
    assert parse_yuan(format_yuan(fen, symbol=True)) == fen
    assert parse_yuan(fen_to_decimal(fen)) == fen


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_FEN // FEN_PER_YUAN))
def test_whole_yuan_as_float_parses_exactly(yuan: int) -> None:
    assert parse_yuan(float(yuan)) == yuan * FEN_PER_YUAN
