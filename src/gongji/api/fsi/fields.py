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

This module holds the readers of codes, text, flags and rows; it also offers, under the same names, the readers
of numbers (:func:`amount_fen`, :func:`price`, :func:`quantity` from :mod:`gongji.api.fsi.fields_numbers`, which
reads amounts without any float arithmetic), of times (:func:`timestamp` from :mod:`gongji.api.fsi.time_text`) and
the refusals they share (:class:`FsiInputError`, :func:`refusal`, :func:`shown`, :func:`field_name` from
:mod:`gongji.api.fsi.fields_base`). Callers use them all as ``from gongji.api.fsi import fields as f``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, overload

from gongji.api.fsi.fields_base import (
    FsiInputError,
    field_name,
    lookup,
    missing,
    present,
    refusal,
    shown,
    within,
    wrong_type,
)
from gongji.api.fsi.fields_numbers import PRICE_MAX_DECIMALS, QUANTITY_MAX_DECIMALS, amount_fen, price, quantity
from gongji.api.fsi.time_text import timestamp

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
    field, value = lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, str):
        result = value.strip()
    elif isinstance(value, int) and not isinstance(value, bool):
        result = str(value)
    elif isinstance(value, Decimal | float) and _is_whole(value):
        result = str(int(value))
    else:
        raise wrong_type(field, value, "代码（文字或整数）", "a code (text or a whole number)")
    return within(field, result, max_len)


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
    field, value = lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, str):
        result = value.strip()
    elif _is_number(value):
        result = str(value)
    else:
        raise wrong_type(field, value, "文字", "text")
    return within(field, result, max_len)


def flag(node: Mapping[str, Any], name: str, *, default: bool | None = None, path: str = "") -> bool:
    """A 0/1 flag (``acct_used_flag``, ``mid_setl_flag``): ``"0"``, ``"1"``, ``0``, ``1`` or a JSON boolean.

    A missing flag reads as ``default``; without a default it is refused.
    """
    field = field_name(name, path)
    value = present(node, name)
    if value is None:
        if default is None:
            raise missing(field)
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
    value = present(node, name)
    if isinstance(value, Mapping):
        found: list[object] = [value]
    elif isinstance(value, list):
        found = list(value)
    elif value is None:
        found = []
    else:
        raise wrong_type(field, value, "对象数组", "an array of objects")
    if not found and required:
        raise missing(field)
    if len(found) > max_rows:
        raise refusal(
            field, f"超过 {max_rows} 行（收到 {len(found)} 行）", f"more than {max_rows} rows (got {len(found)})"
        )
    result: list[dict[str, Any]] = []
    for index, row in enumerate(found):
        if not isinstance(row, Mapping):
            raise wrong_type(f"{field}[{index}]", row, "对象", "an object")
        result.append(dict(row))
    return result
