"""Times as real clients of the national interface write them, read into Asia/Shanghai (pure: no I/O).

:func:`parse_time_text` reads the text; :func:`timestamp` is the field reader built on it (used as
``fields.timestamp``, see :mod:`gongji.api.fsi.fields`), which refuses what it cannot read with
:class:`~gongji.api.fsi.fields_base.FsiInputError`.

The national shape is ``yyyy-MM-dd HH:mm:ss``; the platform's compact ``yyyyMMddHHmmss`` and the dates
``yyyy-MM-dd`` / ``yyyyMMdd`` occur too. Clients add what their JSON library writes for a date-time value:

- Newtonsoft.Json's default for a .NET ``DateTime`` (ISO 8601 with up to seven fractional digits and, for
  ``DateTime.Now``, the local offset): ``2026-12-02T12:52:03.9978530+08:00``. newtouch-cloud/openhis (commit
  1f9b5713a7d21cfbe005ddf9825df6a1793fed59) serialises with these defaults: ``ToJson(object, string?)`` in
  ``Newtouch.HIS.Lib/NewtouchHIS.Lib.Base/Extension/JsonExtensions.cs`` calls ``JsonConvert.SerializeObject(obj)``
  without a converter whenever a format *is* given (its test is inverted). A ``DateTime`` of kind UTC ends in ``Z``;
  one of kind Unspecified has no offset. Its ASP.NET hosts set ``yyyy-MM-dd HH:mm:ss.fff``
  (``Newtouch.HIS.WebAPI.Manage/NewtouchHIS.WebAPI.Manage/Program.cs``).
- idoku-test/HN-YBJ-SDK (commit 2ffe3fea28e630993f4c132a3ddc1f40d4d8808a) sends ``begntime = DateTime.Now``
  through an ``IsoDateTimeConverter`` formatted ``yyyy-MM-dd HH:mm:ss`` (``HN-YBJ-SDK.Core/FD/JsonHelper.cs``).
- fengzaiqishi11/hsa-his (commit 1fcd557940391a10c84c139f1e65846eef69a664) formats every time with
  ``SimpleDateFormat("yyyy-MM-dd HH:mm:ss")`` (``hsa-com/src/main/java/cn/hsa/util/DateUtils.java``, ``Y_M_DH_M_S``)
  and dates with ``yyyy-MM-dd``; Java's own ``LocalDateTime.toString()`` writes ``T`` and up to nine digits.

A time with an offset is converted to Shanghai time (``12:52:03Z`` is ``20:52:03`` in Shanghai); a time without one
is Shanghai time. Fractions of a second are dropped: the interface's times are to the second.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal, overload

from gongji.api.fsi.fields_base import lookup, refusal, shown, wrong_type
from gongji.service.clock import SHANGHAI

__all__ = ["NotARealTime", "NotATime", "parse_time_text", "timestamp"]

_DASHED = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d{1,9})?(Z|[+-]\d{2}:?\d{2})?)?$",
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$")
#: The largest UTC offset in use anywhere (Kiribati, +14:00).
_MAX_OFFSET = timedelta(hours=14)


class NotATime(ValueError):
    """The text has none of the accepted shapes."""


class NotARealTime(ValueError):
    """The text has an accepted shape but names a day, time or offset that does not exist (``2021-02-30``)."""


def parse_time_text(written: str) -> datetime:
    """``written`` (already stripped) as an aware ``datetime`` in Asia/Shanghai, to the second.

    Raises :class:`NotATime` for another shape and :class:`NotARealTime` for an impossible value.
    """
    match = _DASHED.match(written) or _COMPACT.match(written)
    if match is None:
        raise NotATime(written)
    groups = match.groups()
    numbers = [int(group) for group in groups[:6] if group is not None]
    year, month, day, hour, minute, second = numbers + [0] * (6 - len(numbers))  # a date is at midnight
    zone = _zone(groups[6]) if len(groups) > 6 and groups[6] is not None else SHANGHAI
    try:
        stated = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        raise NotARealTime(written) from None
    return stated.astimezone(SHANGHAI)


def _zone(offset: str) -> timezone:
    """``Z``, ``+08:00``, ``+0800`` or ``-05:00`` as a fixed zone; an offset beyond ±14:00 or with minutes ≥ 60
    exists nowhere."""
    if offset == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if minutes >= 60:
        raise NotARealTime(offset)
    delta = timedelta(hours=hours, minutes=minutes)
    if delta > _MAX_OFFSET:
        raise NotARealTime(offset)
    return timezone(-delta if offset.startswith("-") else delta)


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

    Accepted shapes (see this module's docstring for which client writes which): ``yyyy-MM-dd HH:mm:ss``
    (the national one; also with ``T``, with up to nine fractional digits, which are dropped, and with an offset
    such as ``+08:00`` or ``Z``, converted to Shanghai time), ``yyyy-MM-dd`` (midnight), ``yyyyMMddHHmmss`` and
    ``yyyyMMdd`` (as text or as a JSON number). A shape that is not one of these, or a day, time or offset that
    does not exist (``2021-02-30``), is refused.
    """
    field, value = lookup(node, name, required=required, path=path)
    if value is None:
        return None
    if isinstance(value, str):
        written = value.strip()
    elif isinstance(value, int) and not isinstance(value, bool):
        written = str(value)
    else:
        raise wrong_type(field, value, "时间文字（yyyy-MM-dd HH:mm:ss）", "a time as text (yyyy-MM-dd HH:mm:ss)")
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
