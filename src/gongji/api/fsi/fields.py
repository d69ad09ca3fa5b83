"""Tolerant readers of the fields of a national-interface message (定点医药机构接口 input nodes).

Real hospital and pharmacy systems write the same field in several ways: a code as ``"310"`` or ``310``, an
amount as ``12.3``, ``"12.30"`` or ``""``, a quantity as ``2``, ``"2.0"`` or ``"0.5"``, a time as
``"2021-11-29 18:09:52"`` or ``"20211129180952"``. Each reader here accepts every such habit, returns one
canonical Python value, and refuses anything else with :class:`FsiInputError` naming the field (with its path
inside the message, such as ``feedetail[2].pric``) in Chinese and English.

Common conventions of every reader:

- ``node`` is a JSON object as parsed (a ``Mapping``); ``name`` is the national field name.
- ``None`` (JSON ``null``), an absent key and a string of blanks are all *missing*. A missing field is refused
  when ``required`` (the default) and read as ``None`` otherwise.
- ``path`` is where ``node`` sits in the message, used only to name the field in a refusal.
- Booleans are never numbers or codes here: ``true`` for an amount is refused, not read as 1.

Amounts are read without any float arithmetic: a JSON number arrives as ``Decimal`` (see
:func:`gongji.api.fsi.envelope.parse_envelope`) or, from other callers, as a ``float`` read through its shortest
decimal text (``4.52`` → ``"4.52"`` → 452 fen, where ``int(4.52 * 100)`` would give 451).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, overload

from gongji.api.fsi.time_text import NotARealTime, NotATime, parse_time_text
from gongji.domain.errors import InvalidInput
from gongji.domain.money import parse_yuan
from gongji.domain.wording import localise

__all__ = [
    "CODE_MAX_LEN",
    "MAX_ROWS",
    "PRICE_MAX_DECIMALS",
    "QUANTITY_MAX_DECIMALS",
    "TEXT_MAX_LEN",
    "FsiInputError",
    "amount_fen",
    "code",
    "field_name",
    "flag",
    "price",
    "quantity",
    "refusal",
    "rows",
    "shown",
    "text",
    "timestamp",
]

#: Longest code accepted by :func:`code` unless the caller says otherwise (national codes are at most 50).
CODE_MAX_LEN = 100
#: Longest text accepted by :func:`text` unless the caller says otherwise.
TEXT_MAX_LEN = 1000
#: Most rows accepted by :func:`rows` unless the caller says otherwise (a limit on everything).
MAX_ROWS = 1000
#: Quantities (``cnt``) are national ``数值型(16,4)``: at most four decimals and twelve integer digits.
QUANTITY_MAX_DECIMALS = 4
_QUANTITY_MAX_INTEGER_DIGITS = 12
#: Unit prices (``pric``) are national ``数值型(16,6)``: at most six decimals.
PRICE_MAX_DECIMALS = 6
_PRICE_MAX_INTEGER_DIGITS = 8  # below 100 million yuan, the limit of any amount

_SHOWN_MAX_LEN = 40
#: Longest number written as text that is read at all (an amount or quantity never needs more).
_NUMBER_TEXT_MAX_LEN = 40
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")


class FsiInputError(Exception):
    """A national-interface request that cannot be read: which field, and why, in Chinese and English.

    ``field`` is the field's path in the message (``infno``, ``input.signIn``, ``feedetail[2].cnt``) or
    ``body`` when the message as a whole is unreadable. The interface answers it with ``infcode = -2`` and
    ``message_zh`` as ``err_msg``.
    """

    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        self.field = field
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(message_en)


def field_name(name: str, path: str = "") -> str:
    """The name of field ``name`` of a node at ``path``, as refusals show it (``feedetail[2].pric``)."""
    return f"{path}.{name}" if path else name


def shown(value: object) -> str:
    """A value as quoted in a refusal, cut short so that a refusal never carries a whole message back."""
    text = str(value)
    return text if len(text) <= _SHOWN_MAX_LEN else text[:_SHOWN_MAX_LEN] + "…"


def refusal(field: str, reason_zh: str, reason_en: str) -> FsiInputError:
    """A refusal of ``field``: ``字段 feedetail[2].cnt：<reason>`` and ``feedetail[2].cnt: <reason>``."""
    return FsiInputError(field, f"字段 {field}：{reason_zh}", f"{field}: {reason_en}")


def _missing(field: str) -> FsiInputError:
    return refusal(field, "缺失或为空", "missing or empty")


def _wrong_type(field: str, value: object, expected_zh: str, expected_en: str) -> FsiInputError:
    return refusal(
        field,
        f"应为{expected_zh}，收到 {_json_type_zh(value)}",
        f"must be {expected_en}; got {_json_type_en(value)}",
    )


def _json_type_zh(value: object) -> str:
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, Mapping):
        return "对象"
    if isinstance(value, list | tuple):
        return "数组"
    if isinstance(value, str):
        return f"文字“{shown(value)}”"
    return f"数字 {shown(value)}"


def _json_type_en(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, str):
        return f"the text '{shown(value)}'"
    return f"the number {shown(value)}"


def _present(node: Mapping[str, Any], name: str) -> object | None:
    """The value of ``name``, or ``None`` when it is absent, null or a string of blanks."""
    value = node.get(name)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _lookup(node: Mapping[str, Any], name: str, *, required: bool, path: str) -> tuple[str, object | None]:
    """The field's name as refusals show it, and its value (``None`` when missing; refused if ``required``)."""
    field = field_name(name, path)
    value = _present(node, name)
    if value is None and required:
        raise _missing(field)
    return field, value


def _within(field: str, result: str, max_len: int) -> str:
    """``result``, refused when longer than ``max_len`` characters."""
    if len(result) > max_len:
        raise refusal(field, f"超过 {max_len} 个字符", f"longer than {max_len} characters")
    return result


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# --- codes and text ----------------------------------------------------------------------------------------


@overload
def code(
    node: Mapping[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    max_len: int = ...,
    path: str = ...,
) -> str: ...
@overload
def code(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    max_len: int = ...,
    path: str = ...,
) -> str | None: ...
def code(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    max_len: int = CODE_MAX_LEN,
    path: str = "",
) -> str | None:
    """A code or identifier (``insutype``, ``mdtrt_id``, ``infno``): text or a whole JSON number, stripped.

    ``310`` and ``"310"`` both read as ``"310"``. A code with leading zeros sent as a number (``2`` for
    ``"02"``) reads as ``"2"``: code lists that know their width pad it (``NationalCode.parse``). Fractions,
    booleans, objects and arrays are refused, as is a code longer than ``max_len``.
    """
    field, value = _lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, str):
        result = value.strip()
    elif isinstance(value, int) and not isinstance(value, bool):
        result = str(value)
    elif isinstance(value, Decimal | float) and _is_whole(value):
        result = str(int(value))
    else:
        raise _wrong_type(field, value, "代码（文字或整数）", "a code (text or a whole number)")
    return _within(field, result, max_len)


def _is_whole(value: Decimal | float) -> bool:
    """A number written as ``9001`` or ``1E+3`` that some encoders give for an integer; not ``9001.5``."""
    number = Decimal(repr(value)) if isinstance(value, float) else value
    # adjusted(), not abs(): arithmetic on 1E+999999999 (valid JSON) overflows the decimal context.
    big = not number.is_finite() or (not number.is_zero() and number.adjusted() >= 30)
    return not big and number == number.to_integral_value()


@overload
def text(
    node: Mapping[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    max_len: int = ...,
    path: str = ...,
) -> str: ...
@overload
def text(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    max_len: int = ...,
    path: str = ...,
) -> str | None: ...
def text(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    max_len: int = TEXT_MAX_LEN,
    path: str = "",
) -> str | None:
    """Free text (``psn_name``, ``dept_name``, ``memo``), stripped; a JSON number is read as its text.

    Objects, arrays and booleans are refused, as is text longer than ``max_len`` characters.
    """
    field, value = _lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, str):
        result = value.strip()
    elif _is_number(value):
        result = str(value)
    else:
        raise _wrong_type(field, value, "文字", "text")
    return _within(field, result, max_len)


def flag(node: Mapping[str, Any], name: str, *, default: bool | None = None, path: str = "") -> bool:
    """A 0/1 flag (``acct_used_flag``, ``mid_setl_flag``): ``"0"``, ``"1"``, ``0``, ``1`` or a JSON boolean.

    A missing flag reads as ``default``; without a default it is refused.
    """
    field = field_name(name, path)
    value = _present(node, name)
    if value is None:
        if default is None:
            raise _missing(field)
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.strip()
    if value in ("0", 0):
        return False
    if value in ("1", 1):
        return True
    raise refusal(field, f"应为 0 或 1，收到“{shown(value)}”", f"must be 0 or 1; got '{shown(value)}'")


# --- amounts and quantities ------------------------------------------------------------------------------


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
    field, value = _lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _wrong_type(field, value, "金额（数字或文字，如 12.30）", "an amount (a number or text such as 12.30)")
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
    field, value = _lookup(node, name, required=required, path=path)
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
        raise _wrong_type(field, value, "数量（数字或文字）", "a quantity (a number or text)")
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
    field, value = _lookup(node, name, required=required, path=path)
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
        raise _wrong_type(field, value, "单价（数字或文字）", "a price (a number or text)")
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


# --- times -------------------------------------------------------------------------------------------------


@overload
def timestamp(
    node: Mapping[str, Any],
    name: str,
    *,
    required: Literal[True] = ...,
    path: str = ...,
) -> datetime: ...
@overload
def timestamp(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool,
    path: str = ...,
) -> datetime | None: ...
def timestamp(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    path: str = "",
) -> datetime | None:
    """A time (``begntime``, ``fee_ocur_time``, ``inf_time``) as an aware ``datetime`` in Asia/Shanghai.

    Accepted shapes (see :mod:`gongji.api.fsi.time_text` for which client writes which): ``yyyy-MM-dd HH:mm:ss``
    (the national one; also with ``T``, with up to nine fractional digits, which are dropped, and with an offset
    such as ``+08:00`` or ``Z``, converted to Shanghai time), ``yyyy-MM-dd`` (midnight), ``yyyyMMddHHmmss`` and
    ``yyyyMMdd`` (as text or as a JSON number). A shape that is not one of these, or a day, time or offset that
    does not exist (``2021-02-30``), is refused.
    """
    field, value = _lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, str):
        written = value.strip()
    elif isinstance(value, int) and not isinstance(value, bool):
        written = str(value)
    else:
        raise _wrong_type(field, value, "时间文字（yyyy-MM-dd HH:mm:ss）", "a time as text (yyyy-MM-dd HH:mm:ss)")
    try:
        return parse_time_text(written)
    except NotARealTime:
        raise refusal(
            field, f"“{shown(value)}”不是存在的日期或时间", f"'{shown(value)}' is not a real date or time"
        ) from None
    except NotATime:
        raise refusal(
            field,
            f"“{shown(value)}”不是时间格式"
            "（yyyy-MM-dd HH:mm:ss、yyyy-MM-ddTHH:mm:ss+08:00、yyyy-MM-dd 或 yyyyMMddHHmmss）",
            f"'{shown(value)}' is not a time (yyyy-MM-dd HH:mm:ss, yyyy-MM-ddTHH:mm:ss+08:00, yyyy-MM-dd or "
            "yyyyMMddHHmmss)",
        ) from None


# --- nodes -------------------------------------------------------------------------------------------------


def rows(
    node: Mapping[str, Any],
    name: str,
    *,
    required: bool = False,
    max_rows: int = MAX_ROWS,
    path: str = "",
) -> list[dict[str, Any]]:
    """A list node (``diseinfo``, ``feedetail``, ``setldetail``) as a list of objects.

    Clients send a list of objects, or a single object when there is one row: both read as a list. A missing
    node (absent, null, ``[]`` or ``""``) reads as ``[]``, or is refused when ``required``. Rows that are not
    objects are refused by their index (``diseinfo[1]``), as is a list longer than ``max_rows``.
    """
    field = field_name(name, path)
    value = _present(node, name)
    if isinstance(value, Mapping):
        found: list[object] = [value]
    elif isinstance(value, list):
        found = list(value)
    elif value is None:
        found = []
    else:
        raise _wrong_type(field, value, "对象数组", "an array of objects")
    if not found and required:
        raise _missing(field)
    if len(found) > max_rows:
        raise refusal(
            field, f"超过 {max_rows} 行（收到 {len(found)} 行）", f"more than {max_rows} rows (got {len(found)})"
        )
    result: list[dict[str, Any]] = []
    for index, row in enumerate(found):
        if not isinstance(row, Mapping):
            raise _wrong_type(f"{field}[{index}]", row, "对象", "an object")
        result.append(dict(row))
    return result
