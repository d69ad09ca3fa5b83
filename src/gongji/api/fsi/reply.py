"""The response envelope of the national interface, and a JSON encoder that writes amounts as exact numbers.

A response is one JSON object, in the order the real platform writes it::

    {"infcode": 0, "inf_refmsgid": "500000202107141108170000514555", "refmsg_time": "20210713230809297",
     "respond_time": "20210713230810282", "enctype": "", "signtype": "", "err_msg": null, "warn_msg": null,
     "output": {...}}

- ``infcode`` is a JSON integer: 0 success, -1 a fault of the system (the client then sends 2601 冲正 to undo
  whatever may have happened), -2 a business error (the client shows ``err_msg``; nothing happened). A request
  that cannot be read is a business error: nothing happened, and there is nothing to undo.
- ``inf_refmsgid`` is the receiver's region (6 digits) + ``yyyyMMddHHmmss`` + a 10-digit sequence: 30 characters.
- ``refmsg_time`` (when the request was received) and ``respond_time`` are ``yyyyMMddHHmmssSSS`` in Beijing time.
- ``enctype`` and ``signtype`` are empty, as the platform writes them when nothing is encrypted or signed.

Amounts are answered as JSON numbers with two decimals (``12.30``), computed from integer fen by :func:`yuan`
and written by :func:`dumps`, which writes a ``Decimal`` as the number literal it is and refuses floats.
"""

from __future__ import annotations

import codecs
import json
import re
import threading
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any, overload

from gongji.domain.money import fen_to_decimal
from gongji.service.clock import SHANGHAI

__all__ = [
    "SEQUENCE_LIMIT",
    "Infcode",
    "RefMsgIds",
    "dumps",
    "inf_refmsgid",
    "national_time",
    "reply",
    "yuan",
]

#: The 10-digit sequence of ``inf_refmsgid`` runs below this and then starts again at 0.
SEQUENCE_LIMIT = 10**10

_REGION = re.compile(r"^[0-9]{6}$")


class Infcode(IntEnum):
    """``infcode``: the outcome of a call, written as a JSON integer."""

    SUCCESS = 0
    #: A fault of the system: the outcome is unknown to the client, who sends 2601 (冲正) to undo it.
    FAULT = -1
    #: A business error (or an unreadable request): nothing happened; ``err_msg`` says why.
    BUSINESS_ERROR = -2


def national_time(at: datetime) -> str:
    """``at`` as ``yyyyMMddHHmmssSSS`` in Asia/Shanghai (``refmsg_time``, ``respond_time``); naive is Shanghai."""
    local = at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at.astimezone(SHANGHAI)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"


def inf_refmsgid(region: str, at: datetime, sequence: int) -> str:
    """The 30-character ``inf_refmsgid``: ``region`` (6 digits) + ``yyyyMMddHHmmss`` + ``sequence`` (10 digits).

    ``at`` is read in Asia/Shanghai (naive is Shanghai). Raises ``ValueError`` for a region that is not six
    digits or a sequence outside ``[0, SEQUENCE_LIMIT)``: both are programming errors.
    """
    if not _REGION.match(region):
        raise ValueError(f"the receiver region must be 6 digits, not {region!r}")
    if isinstance(sequence, bool) or not 0 <= sequence < SEQUENCE_LIMIT:
        raise ValueError(f"the sequence must be in [0, {SEQUENCE_LIMIT}), not {sequence!r}")
    return region + national_time(at)[:14] + f"{sequence:010d}"


class RefMsgIds:
    """Hands out ``inf_refmsgid`` values of one receiver region with a sequence shared by all threads.

    The sequence starts at ``start`` and wraps at :data:`SEQUENCE_LIMIT`; with the second in the id, two ids of
    one process repeat only after ten billion replies within one second. Processes that answer for the same
    region should start at different points (for example, a process number times a billion).
    """

    def __init__(self, region: str, *, start: int = 0) -> None:
        inf_refmsgid(region, datetime(2000, 1, 1), start)  # validates both, the same way every id is built
        self._region = region
        self._next = start
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        """The receiver region the ids start with."""
        return self._region

    def next(self, at: datetime, region: str | None = None) -> str:
        """The next id, stamped with ``at``, starting with ``region`` (6 digits; this one's region when ``None``).

        One sequence serves every region, so two ids of one process never share a sequence number within a second.
        """
        with self._lock:
            sequence = self._next
            self._next = (sequence + 1) % SEQUENCE_LIMIT
        return inf_refmsgid(region or self._region, at, sequence)


@overload
def yuan(amount_fen: int) -> Decimal: ...
@overload
def yuan(amount_fen: None) -> None: ...
def yuan(amount_fen: int | None) -> Decimal | None:
    """Fen as yuan with exactly two decimals (``1230`` → ``Decimal("12.30")``; ``None`` stays ``None``).

    Exact: no float is involved. :func:`dumps` writes the result as the JSON number ``12.30``.
    """
    if amount_fen is None:
        return None
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise TypeError(f"an amount of fen must be an int, not {type(amount_fen).__name__}")
    return fen_to_decimal(amount_fen)


def reply(
    infcode: Infcode | int,
    *,
    inf_refmsgid: str,
    received_at: datetime,
    responded_at: datetime,
    output: Any = None,
    err_msg: str | None = None,
    warn_msg: str | None = None,
) -> dict[str, Any]:
    """The response envelope as a dict, ready for :func:`dumps`.

    ``err_msg`` (Chinese, for the person at the counter) is required for an error and must be absent on
    success; ``output`` is the transaction's nodes (``None`` is written as ``null``). Raises ``ValueError`` when
    these do not fit together, or when ``inf_refmsgid`` is not 30 characters: both are programming errors.
    """
    code = Infcode(infcode)
    if code is Infcode.SUCCESS and err_msg:
        raise ValueError("a successful reply carries no err_msg")
    if code is not Infcode.SUCCESS and not (err_msg and err_msg.strip()):
        raise ValueError("an error reply must say why in err_msg")
    if len(inf_refmsgid) != 30:
        raise ValueError(f"inf_refmsgid must be 30 characters, not {len(inf_refmsgid)}")
    return {
        "infcode": int(code),
        "inf_refmsgid": inf_refmsgid,
        "refmsg_time": national_time(received_at),
        "respond_time": national_time(responded_at),
        "enctype": "",
        "signtype": "",
        "err_msg": err_msg or None,
        "warn_msg": warn_msg or None,
        "output": output,
    }


def dumps(obj: object, charset: str = "utf-8") -> bytes:
    """``obj`` as compact JSON in ``charset`` (a Python codec; UTF-8 unless the client declared another):
    ``Decimal`` as a bare number literal, Chinese unescaped, ``None`` as null.

    Accepts dicts (string keys) and other mappings, lists and tuples, strings (``StrEnum`` members too),
    integers (``IntEnum`` members as their value), booleans, ``None`` and finite ``Decimal`` values, written in
    plain notation (``Decimal("12.30")`` → ``12.30``, never ``1.23E+1``). Floats are refused with ``TypeError``:
    gongji has none in its answers, and a float would write ``4.52`` as whatever its binary value prints as.
    A character ``charset`` cannot hold is written as its JSON escape (``\\uXXXX``, a pair of them beyond the
    Basic Multilingual Plane): such characters are only ever inside strings (keys and literals are ASCII), where
    the escape reads back as the same character. So is a lone surrogate (possible when a client sent one escaped),
    so the output is always valid in its charset.
    """
    parts: list[str] = []
    _write(obj, parts)
    return "".join(parts).encode(charset, errors=_JSON_ESCAPE)


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler of :func:`dumps`: the characters that could not be encoded, as JSON escapes."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for character in error.object[error.start : error.end]:
        point = ord(character)
        if point > 0xFFFF:
            point -= 0x10000
            escaped.append(f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{point:04x}")
    return "".join(escaped), error.end


_JSON_ESCAPE = "gongji-json-escape"
codecs.register_error(_JSON_ESCAPE, _json_escape)


def _write(obj: object, parts: list[str]) -> None:
    if obj is None:
        parts.append("null")
    elif obj is True:
        parts.append("true")
    elif obj is False:
        parts.append("false")
    elif isinstance(obj, str):
        parts.append(_string(obj))
    elif isinstance(obj, int):
        parts.append(str(int(obj)))
    elif isinstance(obj, Decimal):
        parts.append(_number(obj))
    elif isinstance(obj, float):
        raise TypeError(f"floats are not written ({obj!r}); pass a Decimal, for amounts yuan(fen)")
    elif isinstance(obj, Mapping):
        parts.append("{")
        for index, (key, value) in enumerate(obj.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            if index:
                parts.append(",")
            parts.append(_string(key))
            parts.append(":")
            _write(value, parts)
        parts.append("}")
    elif isinstance(obj, list | tuple):
        parts.append("[")
        for index, item in enumerate(obj):
            if index:
                parts.append(",")
            _write(item, parts)
        parts.append("]")
    elif isinstance(obj, Enum):
        _write(obj.value, parts)
    else:
        raise TypeError(f"{type(obj).__name__} is not written as JSON here; convert it first")


def _string(text: str) -> str:
    # str(...) because a StrEnum member is a str whose own __str__ may differ from its value.
    return json.dumps(str.__str__(text), ensure_ascii=False)


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    if value.is_zero():
        value = abs(value)  # no "-0.00" in an answer
    return format(value, "f")
