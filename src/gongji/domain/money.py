"""Money: an ``int`` of fen (分) inside, yuan (元) strings only at the edges.

Inside gongji every amount is a plain ``int`` of fen and its name ends in ``_fen``. This module is the one
door between yuan as people and client systems write them (``"12.3"``, ``12.30``, ``"¥1,200.00"``) and fen,
and the one place where a rate is applied and rounded (half up, to the fen).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from gongji.domain.errors import ErrorCode, InvalidInput

__all__ = [
    "FEN_PER_YUAN",
    "MAX_AMOUNT_FEN",
    "apply_rate_bp",
    "divide_half_up",
    "fen_to_decimal",
    "format_yuan",
    "parse_yuan",
    "round_half_up",
]

FEN_PER_YUAN = 100
#: The largest amount gongji accepts anywhere: 100 million yuan. Anything larger is a typo or an attack.
MAX_AMOUNT_FEN = 100_000_000 * FEN_PER_YUAN

_CURRENCY_PREFIXES = ("¥", "￥", "CNY", "RMB")
_CURRENCY_SUFFIXES = ("元",)
_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]*)?$|^\.[0-9]+$")


def _invalid(value: object, zh: str, en: str) -> InvalidInput:
    return InvalidInput(ErrorCode.AMOUNT_INVALID, value=str(value), reason_zh=zh, reason_en=en)


def parse_yuan(value: str | int | float | Decimal, *, allow_zero: bool = True) -> int:
    """Parse an amount in yuan into fen.

    Accepts ``int``, ``Decimal``, ``float`` (as a JSON number arrives; read through its shortest decimal form)
    and strings with an optional currency sign and thousands separators: ``"12.3"``, ``"¥1,200.00"``, ``"8元"``.
    Refuses negative amounts, NaN and infinities, more than two decimals, and anything above
    :data:`MAX_AMOUNT_FEN`, each with its own reason.
    """
    if isinstance(value, bool):
        raise _invalid(value, "不是金额", "not an amount")
    if isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        amount = _parse_text(value)
    else:
        raise _invalid(value, "不是金额", "not an amount")

    if amount.is_nan() or amount.is_infinite():
        raise _invalid(value, "不是有限的数", "not a finite number")
    if amount.is_signed() and amount != 0:
        raise _invalid(value, "不能为负数", "must not be negative")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise _invalid(value, "最多两位小数（精确到分）", "at most two decimals (to the fen)")
    if amount > Decimal(MAX_AMOUNT_FEN) / FEN_PER_YUAN:
        raise _invalid(value, "超过上限 1 亿元", "above the limit of 100 million yuan")
    fen = int(amount * FEN_PER_YUAN)
    if fen == 0 and not allow_zero:
        raise _invalid(value, "必须大于零", "must be greater than zero")
    return fen


def _parse_text(text: str) -> Decimal:
    cleaned = text.strip().replace(" ", "")
    for prefix in _CURRENCY_PREFIXES:
        if cleaned.upper().startswith(prefix):
            cleaned = cleaned[len(prefix) :]
            break
    for suffix in _CURRENCY_SUFFIXES:
        if cleaned.endswith(suffix):
            cleaned = cleaned[: -len(suffix)]
    if cleaned.startswith("-"):
        raise _invalid(text, "不能为负数", "must not be negative")
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if cleaned.lower() in {"nan", "inf", "infinity"}:
        raise _invalid(text, "不是有限的数", "not a finite number")
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif not _PLAIN.match(cleaned):
        raise _invalid(text, "不是金额格式（例如 12.30）", "not an amount (for example 12.30)")
    if len(cleaned) > 40:
        raise _invalid(text, "超过上限 1 亿元", "above the limit of 100 million yuan")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the patterns above admit only valid decimals
        raise _invalid(text, "不是金额格式（例如 12.30）", "not an amount (for example 12.30)") from None


def fen_to_decimal(amount_fen: int) -> Decimal:
    """Fen as a ``Decimal`` of yuan with two places (``1234`` → ``Decimal("12.34")``), for the edges."""
    return (Decimal(amount_fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(amount_fen: int, *, grouping: bool = True, symbol: bool = False) -> str:
    """Fen as yuan text: ``123456`` → ``"1,234.56"`` (or ``"¥1,234.56"``, or ``"1234.56"`` without grouping)."""
    sign = "-" if amount_fen < 0 else ""
    whole, cents = divmod(abs(amount_fen), FEN_PER_YUAN)
    whole_text = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{'¥' if symbol else ''}{whole_text}.{cents:02d}"


def round_half_up(value: Fraction | Decimal | int) -> int:
    """Round an exact amount of fen half up (away from zero at .5) to a whole fen.

    This is the only rounding rule in gongji: every rate or share of an amount goes through here, or through
    :func:`divide_half_up` when it is a ratio of two integers (the same rule, without building a fraction).
    """
    exact = Fraction(value)
    return divide_half_up(exact.numerator, exact.denominator)


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` fen rounded half up (away from zero at .5) to a whole fen: :func:`round_half_up`
    of the ratio, in integers (a settlement takes a dozen rates and shares; a ``Fraction`` costs microseconds each)."""
    if denominator == 0:
        raise ZeroDivisionError("a share of nothing")
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    whole, remainder = divmod(abs(numerator), abs(denominator))
    if 2 * remainder >= abs(denominator):
        whole += 1
    return sign * whole


def apply_rate_bp(amount_fen: int, rate_bp: int) -> int:
    """``amount_fen × rate_bp / 10000``, rounded half up to the fen (rates are basis points: 6000 = 60 %)."""
    return divide_half_up(amount_fen * rate_bp, 10_000)
