"""How the clients' JSON libraries write a message: key order, nulls, numbers and times.

- **Newtonsoft.Json** (the C# clients): properties in declaration order, ``null`` written out
  (``NullValueHandling.Include`` is the default), ``decimal`` as a number keeping its scale (``10.00m`` → ``10.00``),
  ``DateTime`` in ISO 8601 with up to seven fraction digits, trailing zeros dropped, and the local offset
  (``2026-12-02T12:52:03.997853+08:00``) unless a converter with a fixed format is given.
- **fastjson** (the Java client): a ``HashMap`` is written in its iteration order — by bucket (the key's
  ``String.hashCode`` spread and masked by the table size), then by insertion — and ``null`` values are left out
  (``WriteMapNullValue`` is off by default); ``BigDecimal`` as a number keeping its scale; a Java ``double`` 0.00
  as ``0.0``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "JavaDouble",
    "Raw",
    "java_hashmap_order",
    "java_string_hash",
    "newtonsoft_datetime",
    "write_json",
]


class Raw(str):
    """JSON text already written (a nested part written with other conventions): copied as it is."""


class JavaDouble(float):
    """A Java ``double`` (fastjson writes ``0.00`` as ``0.0``)."""


def java_string_hash(text: str) -> int:
    """``String.hashCode()``: ``s[0]*31^(n-1) + … + s[n-1]`` over UTF-16 code units, as a 32-bit int."""
    value = 0
    units = text.encode("utf-16-be")
    for index in range(0, len(units), 2):
        value = (31 * value + int.from_bytes(units[index : index + 2], "big")) & 0xFFFFFFFF
    return value


def java_hashmap_order(keys: Sequence[str], initial_capacity: int = 16) -> list[str]:
    """The iteration order of a ``java.util.HashMap`` into which ``keys`` were put in this order.

    The table starts at the power of two at or above ``initial_capacity`` and doubles whenever the size passes
    three quarters of it; a key's bucket is ``(h ^ (h >>> 16)) & (capacity - 1)``; within a bucket, insertion order
    holds (resizing splits buckets without reordering). Buckets of eight or more keys, which Java turns into trees,
    do not occur in these messages.
    """
    capacity = 1
    while capacity < initial_capacity:
        capacity *= 2
    while len(keys) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        h = java_string_hash(key)
        return (h ^ (h >> 16)) & (capacity - 1)

    position = {key: index for index, key in enumerate(keys)}
    return sorted(keys, key=lambda key: (bucket(key), position[key]))


def newtonsoft_datetime(moment: datetime, ticks: int | None = None) -> str:
    """Newtonsoft's default ISO writing of a local ``DateTime``: ``yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz`` (the fraction's
    trailing zeros and a bare dot dropped). ``ticks`` are the 100 ns units within the second (from the microseconds
    when not given)."""
    units = moment.microsecond * 10 if ticks is None else ticks
    fraction = f"{units:07d}".rstrip("0")
    offset = moment.strftime("%z")
    zone = f"{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{'.' + fraction if fraction else ''}{zone}"


def write_json(
    value: Any,
    *,
    omit_null: bool = False,
    order: Callable[[Sequence[str]], Sequence[str]] | None = None,
) -> str:
    """Write ``value`` as the client's library would: dict keys in ``order`` (insertion order when none), null map
    values left out when ``omit_null``, ``Decimal`` as a number with its own scale, strings unescaped (UTF-8)."""
    if value is None:
        return "null"
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JavaDouble):
        return repr(float(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        keys = [key for key in value if not (omit_null and value[key] is None)]
        ordered = order(keys) if order else keys
        items = (
            f"{json.dumps(key, ensure_ascii=False)}:{write_json(value[key], omit_null=omit_null, order=order)}"
            for key in ordered
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(write_json(item, omit_null=omit_null, order=order) for item in value) + "]"
    raise TypeError(f"the client writes no {type(value).__name__}: convert it first")
