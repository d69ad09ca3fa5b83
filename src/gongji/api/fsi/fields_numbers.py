"""Tolerant readers of the numbers of a national-interface message: amounts in fen, unit prices, quantities.

Each accepts a JSON number or text, returns one exact value and refuses anything else with
:class:`~gongji.api.fsi.fields_base.FsiInputError` naming the field, following the conventions of
:mod:`gongji.api.fsi.fields` (through which callers use them: ``f.amount_fen``, ``f.price``, ``f.quantity``).

Amounts are read without any float arithmetic: a JSON number arrives as ``Decimal`` (see
:func:`gongji.api.fsi.envelope.parse_envelope`) or, from other callers, as a ``float`` read through its shortest
decimal text (``4.52`` → ``"4.52"`` → 452 fen, where ``int(4.52 * 100)`` would give 451).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, overload

from gongji.api.fsi.fields_base import lookup, refusal, shown, wrong_type
from gongji.domain.errors import InvalidInput
from gongji.domain.money import parse_yuan
from gongji.domain.wording import localise

__all__ = ["PRICE_MAX_DECIMALS", "QUANTITY_MAX_DECIMALS", "amount_fen", "price", "quantity"]

#: Quantities (``cnt``) are national ``数值型(16,4)``: at most four decimals and twelve integer digits.
QUANTITY_MAX_DECIMALS = 4
_QUANTITY_MAX_INTEGER_DIGITS = 12
#: Unit prices (``pric``) are national ``数值型(16,6)``: at most six decimals.
PRICE_MAX_DECIMALS = 6
_PRICE_MAX_INTEGER_DIGITS = 8  # below 100 million yuan, the limit of any amount

#: Longest number written as text that is read at all (an amount or quantity never needs more).
_NUMBER_TEXT_MAX_LEN = 40
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")


@overload
def amount_fen(
    node: Mapping[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    allow_negative: bool = ...,
    allow_zero: bool = ...,
    path: str = ...,
) -> int: ...
@overload
def amount_fen(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    allow_negative: bool = ...,
    allow_zero: bool = ...,
    path: str = ...,
) -> int | None: ...
def amount_fen(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    allow_negative: bool = False,
    allow_zero: bool = True,
    path: str = "",
) -> int | None:
    """An amount in yuan (``medfee_sumamt``, ``det_item_fee_sumamt``) as an ``int`` of fen.

    Accepts a JSON number (``Decimal``, ``int`` or ``float``) or text (``"12.30"``, ``"12.3"``, ``"12"``;
    ``""`` is missing). Refuses booleans, text that is not a number, more than two decimals, anything above
    100 million yuan (:data:`gongji.domain.money.MAX_AMOUNT_FEN`), a negative amount unless
    ``allow_negative`` (returns, reversals) and zero when not ``allow_zero``.
    """
    field, value = lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise wrong_type(field, value, "金额（数字或文字，如 12.30）", "an amount (a number or text such as 12.30)")
    negative = _is_negative(value)
    magnitude = _magnitude(value) if negative else value
    if _beyond_any_amount(magnitude):
        raise refusal(
            field,
            f"金额“{shown(value)}”无效：超过上限 1 亿元",
            f"amount '{shown(value)}' is invalid: above the limit of 100 million yuan",
        )
    if _finer_than_fen(magnitude):
        # parse_yuan checks this too, but after Decimal.normalize, which rounds to 28 digits first.
        raise refusal(
            field,
            f"金额“{shown(value)}”无效：最多两位小数（精确到分）",
            f"amount '{shown(value)}' is invalid: at most two decimals (to the fen)",
        )
    try:
        fen = parse_yuan(magnitude, allow_zero=allow_zero)
    except InvalidInput as error:
        raise refusal(
            field,
            f"金额“{shown(value)}”无效：{localise(error.params['reason'], 'zh')}",
            f"amount '{shown(value)}' is invalid: {localise(error.params['reason'], 'en')}",
        ) from None
    if negative and fen and not allow_negative:  # "-0.00" is zero, not a negative amount
        raise refusal(field, f"金额“{shown(value)}”不能为负数", f"amount '{shown(value)}' must not be negative")
    return -fen if negative else fen


def _beyond_any_amount(value: str | int | float | Decimal) -> bool:
    """More than 20 integer digits: refused before ``parse_yuan``'s arithmetic overflows on ``1E+999999999``."""
    number = _plain_decimal(value)
    return number is not None and number.is_finite() and not number.is_zero() and number.adjusted() >= 20


def _finer_than_fen(value: str | int | float | Decimal) -> bool:
    """Whether a plain number has a non-zero digit beyond the second decimal; other text is parse_yuan's to judge."""
    number = _plain_decimal(value)
    if number is None or not number.is_finite():
        return False
    exponent = _without_trailing_zeros(number).as_tuple().exponent
    return isinstance(exponent, int) and exponent < -2


def _plain_decimal(value: object) -> Decimal | None:
    """A JSON number, or text that is a plain decimal number (``"2.50"``, ``".5"``), as an exact ``Decimal``.

    ``None`` for other text and other types. A float is read through its shortest text (``4.52`` → ``"4.52"``).
    """
    if isinstance(value, str):
        cleaned = value.strip()
        if not _PLAIN_NUMBER.match(cleaned) or len(cleaned) > _NUMBER_TEXT_MAX_LEN:
            return None
        return Decimal(cleaned)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return None


def _is_negative(value: str | int | float | Decimal) -> bool:
    if isinstance(value, str):
        return value.strip().startswith("-")
    if isinstance(value, Decimal):
        return value.is_signed() and not value.is_nan()
    return value < 0


def _magnitude(value: str | int | float | Decimal) -> str | int | float | Decimal:
    if isinstance(value, str):
        return value.strip()[1:]
    if isinstance(value, Decimal):
        return value.copy_negate()  # exact: unary minus rounds to the context and may overflow
    return -value


@overload
def quantity(
    node: Mapping[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    allow_negative: bool = ...,
    path: str = ...,
) -> str: ...
@overload
def quantity(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    allow_negative: bool = ...,
    path: str = ...,
) -> str | None: ...
def quantity(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    allow_negative: bool = False,
    path: str = "",
) -> str | None:
    """A quantity (``cnt``) as canonical decimal text: ``2``, ``"2.0"``, ``2.00`` → ``"2"``; ``".5"`` → ``"0.5"``.

    The text has no exponent, no trailing zeros and no ``+``; it is what :class:`FeeInput` stores. Zero is
    refused (a fee line of nothing); a negative quantity only when ``allow_negative`` (a return line of 2301
    with ``init_feedetl_sn``). At most four decimals and twelve integer digits (national ``数值型(16,4)``).
    """
    field, value = lookup(node, name, required=required, path=path)
    if value is None:
        return None
    number = _quantity_number(field, value)
    if number.is_zero():
        raise refusal(field, "数量不能为零", "quantity must not be zero")
    if number < 0 and not allow_negative:
        raise refusal(field, f"数量“{shown(value)}”不能为负数", f"quantity '{shown(value)}' must not be negative")
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -QUANTITY_MAX_DECIMALS:
        raise refusal(
            field,
            f"数量“{shown(value)}”最多 {QUANTITY_MAX_DECIMALS} 位小数",
            f"quantity '{shown(value)}' has more than {QUANTITY_MAX_DECIMALS} decimals",
        )
    if number.adjusted() >= _QUANTITY_MAX_INTEGER_DIGITS:  # |number| ≥ 10¹², without arithmetic that may overflow
        raise refusal(field, f"数量“{shown(value)}”过大", f"quantity '{shown(value)}' is too large")
    return format(number, "f")


def _quantity_number(field: str, value: object) -> Decimal:
    """The quantity as a finite ``Decimal`` without trailing zeros, or a refusal."""
    number = _plain_decimal(value)
    if number is None and isinstance(value, str):
        raise refusal(
            field,
            f"“{shown(value)}”不是数量（例如 2 或 0.5）",
            f"'{shown(value)}' is not a quantity (such as 2 or 0.5)",
        )
    if number is None:
        raise wrong_type(field, value, "数量（数字或文字）", "a quantity (a number or text)")
    if not number.is_finite():
        raise refusal(field, "不是有限的数", "not a finite number")
    return _without_trailing_zeros(number)


def _without_trailing_zeros(number: Decimal) -> Decimal:
    """``number`` without trailing zeros after the point (``2.500`` → ``2.5``), exactly.

    ``Decimal.normalize`` would do this but rounds to the context's 28 digits first, so that
    ``1.00000000000000000000000000001`` became ``1``; this works on the digits and never rounds.
    """
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):  # pragma: no cover - callers pass finite numbers only
        return number
    kept = list(digits)
    while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    return Decimal((sign, tuple(kept), exponent))


@overload
def price(
    node: Mapping[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    path: str = ...,
) -> Decimal: ...
@overload
def price(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    path: str = ...,
) -> Decimal | None: ...
def price(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    path: str = "",
) -> Decimal | None:
    """A unit price in yuan (``pric``) as an exact ``Decimal`` without trailing zeros (``"3.3300"`` → ``3.33``).

    The specification gives ``pric`` six decimals (``数值型(16,6)``): a tablet of a pack of twelve costs
    ``0.0833``, and real clients send it as a JSON number or as text. Refuses booleans, text that is not a plain
    number, a negative price, more than :data:`PRICE_MAX_DECIMALS` decimals and anything from 100 million yuan
    up. Zero is a price (an item given free). The line's amount, not the price, is what is paid.
    """
    field, value = lookup(node, name, required=required, path=path)
    if value is None:
        return None
    number = _plain_decimal(value)
    if number is None and isinstance(value, str):
        raise refusal(
            field,
            f"“{shown(value)}”不是单价（例如 12.5 或 0.0833）",
            f"'{shown(value)}' is not a price (such as 12.5 or 0.0833)",
        )
    if number is None:
        raise wrong_type(field, value, "单价（数字或文字）", "a price (a number or text)")
    if not number.is_finite():
        raise refusal(field, "不是有限的数", "not a finite number")
    number = _without_trailing_zeros(number)
    if number.is_signed() and not number.is_zero():
        raise refusal(field, f"单价“{shown(value)}”不能为负数", f"price '{shown(value)}' must not be negative")
    if not number.is_zero() and number.adjusted() >= _PRICE_MAX_INTEGER_DIGITS:  # ≥ 10⁸ yuan, without arithmetic
        raise refusal(
            field,
            f"单价“{shown(value)}”无效：超过上限 1 亿元",
            f"price '{shown(value)}' is invalid: above the limit of 100 million yuan",
        )
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number
    if exponent < -PRICE_MAX_DECIMALS:
        raise refusal(
            field,
            f"单价“{shown(value)}”无效：最多 {PRICE_MAX_DECIMALS} 位小数",
            f"price '{shown(value)}' is invalid: at most {PRICE_MAX_DECIMALS} decimals",
        )
    if number.is_zero():
        return Decimal(0)
    return Decimal(int(number)) if exponent > 0 else number  # 1E+2 (a JSON number) as 100
