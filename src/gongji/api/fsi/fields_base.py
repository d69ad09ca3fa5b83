"""What every reader of :mod:`gongji.api.fsi.fields` shares: the refusal naming a field, and the lookup of a field.

A field is *missing* when it is ``None`` (JSON ``null``), absent or a string of blanks; :func:`lookup` refuses a
missing field when it is required. A refusal names the field by its path inside the message (``feedetail[2].pric``)
and quotes the value it got cut short (:func:`shown`), in Chinese and English. The readers themselves are
:mod:`gongji.api.fsi.fields` (codes, text, flags, rows), :mod:`gongji.api.fsi.fields_numbers` (amounts, prices,
quantities) and :mod:`gongji.api.fsi.time_text` (times); callers use them through :mod:`gongji.api.fsi.fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "FsiInputError",
    "field_name",
    "lookup",
    "missing",
    "present",
    "refusal",
    "shown",
    "within",
    "wrong_type",
]

_SHOWN_MAX_LEN = 40


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


def missing(field: str) -> FsiInputError:
    """The refusal of a required field that is missing or empty."""
    return refusal(field, "缺失或为空", "missing or empty")


def wrong_type(field: str, value: object, expected_zh: str, expected_en: str) -> FsiInputError:
    """The refusal of a value of the wrong JSON type, saying what was expected and which type came."""
    got_zh, got_en = _json_type(value)
    return refusal(field, f"应为{expected_zh}，收到 {got_zh}", f"must be {expected_en}; got {got_en}")


def _json_type(value: object) -> tuple[str, str]:
    """The JSON type of ``value`` as a refusal names it, in Chinese and English (text and numbers quoted)."""
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}", f"the boolean {str(value).lower()}"
    if isinstance(value, Mapping):
        return "对象", "an object"
    if isinstance(value, list | tuple):
        return "数组", "an array"
    if isinstance(value, str):
        return f"文字“{shown(value)}”", f"the text '{shown(value)}'"
    return f"数字 {shown(value)}", f"the number {shown(value)}"


def present(node: Mapping[str, Any], name: str) -> object | None:
    """The value of ``name``, or ``None`` when it is absent, null or a string of blanks."""
    value = node.get(name)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def lookup(node: Mapping[str, Any], name: str, *, required: bool, path: str) -> tuple[str, object | None]:
    """The field's name as refusals show it, and its value (``None`` when missing; refused if ``required``)."""
    field = field_name(name, path)
    value = present(node, name)
    if value is None and required:
        raise missing(field)
    return field, value


def within(field: str, result: str, max_len: int) -> str:
    """``result``, refused when longer than ``max_len`` characters."""
    if len(result) > max_len:
        raise refusal(field, f"超过 {max_len} 个字符", f"longer than {max_len} characters")
    return result
