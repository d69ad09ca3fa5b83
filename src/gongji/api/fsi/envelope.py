"""The request envelope of the national interface: from the body's bytes to an :class:`Envelope`.

Every request is one JSON object: the envelope fields (``infno``, ``msgid``, the regions, the operator, the
institution, ``sign_no`` …) and ``input``, the transaction's own nodes. :func:`parse_envelope` reads it the
way real clients write it:

- codes as text or as numbers (``"infno": 9001`` or ``"9001"``); a blank string is the same as no field;
- unknown extra fields (``serv_code``, ``serv_sign``, ``return_invono`` …) are ignored;
- JSON numbers are kept exactly as written (as ``Decimal``), so that amounts never pass through a float;
- ``input`` holds the transaction's node under its own name (``signIn`` for 9001, ``feedetail`` for 2204 and
  2301, ``mdtrtinfo``/``diseinfo`` for 2401, ``dscginfo``/``diseinfo`` for 2402) or under ``data``:
  :meth:`Envelope.node` and :meth:`Envelope.rows` look for the name and fall back to ``data``.

Only what the envelope needs to be routed is checked here: ``infno`` is four digits; ``msgid`` is present,
at most 30 visible ASCII characters (the national form is exactly 30: institution code 12 + ``yyyyMMddHHmmss``
+ a 4-digit sequence, but clients with shorter institution codes exist, and the id's only use here is as an
idempotency key); the other envelope fields are text or numbers of bounded length. Every text of the message (keys
too) must be writable as UTF-8 and free of NUL, and the message at most :data:`MAX_DEPTH` levels deep
(:func:`check_text`): a lone surrogate escaped as ``"\\ud800"`` would otherwise fail wherever the text is hashed,
stored or logged. The two regions (``mdtrtarea_admvs``, ``insuplc_admdvs``), when given, must be region codes of
the list (:mod:`gongji.domain.regions`: GB/T 2260 of any year since 1981, or ``100000``). What the other fields
*mean* (a valid sign-in) is the use case's to judge. Every problem
raises :class:`FsiInputError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn

from gongji.api.fsi.fields import MAX_ROWS, FsiInputError, code, field_name, refusal, rows, shown
from gongji.domain.errors import InvalidInput
from gongji.domain.regions import parse_region

__all__ = [
    "ENVELOPE_FIELD_MAX_LEN",
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "MSGID_MAX_LEN",
    "Envelope",
    "FsiInputError",
    "check_text",
    "parse_envelope",
]

#: Largest request body read at all: a 2204 upload of 500 fee lines is about 500 KiB.
MAX_BODY_BYTES = 4 * 1024 * 1024
#: Longest ``msgid`` accepted (the national form is exactly this long).
MSGID_MAX_LEN = 30
#: Longest value of an envelope field other than ``cainfo`` and ``dev_safe_info``.
ENVELOPE_FIELD_MAX_LEN = 200
_LONG_FIELD_MAX_LEN = 4096  # cainfo (a signature or an encrypted card password) and dev_safe_info
#: Deepest nesting of a message read: envelope → input → node → row → field is 4; extensions add a level or two.
MAX_DEPTH = 16

_INFNO = re.compile(r"^[0-9]{4}[A-Z]?$")  # 2203A, 4101A: a later version of a transaction
_MSGID = re.compile(r"^[!-~]+$")  # visible ASCII: the msgid is an idempotency key and appears in logs
_ADMDVS = re.compile(r"^[0-9]{6}$")

_OPTIONAL_FIELDS: tuple[tuple[str, int], ...] = (
    ("mdtrtarea_admvs", ENVELOPE_FIELD_MAX_LEN),
    ("insuplc_admdvs", ENVELOPE_FIELD_MAX_LEN),
    ("recer_sys_code", ENVELOPE_FIELD_MAX_LEN),
    ("dev_no", ENVELOPE_FIELD_MAX_LEN),
    ("dev_safe_info", _LONG_FIELD_MAX_LEN),
    ("cainfo", _LONG_FIELD_MAX_LEN),
    ("signtype", ENVELOPE_FIELD_MAX_LEN),
    ("infver", ENVELOPE_FIELD_MAX_LEN),
    ("opter_type", ENVELOPE_FIELD_MAX_LEN),
    ("opter", ENVELOPE_FIELD_MAX_LEN),
    ("opter_name", ENVELOPE_FIELD_MAX_LEN),
    ("inf_time", ENVELOPE_FIELD_MAX_LEN),
    ("fixmedins_code", ENVELOPE_FIELD_MAX_LEN),
    ("fixmedins_name", ENVELOPE_FIELD_MAX_LEN),
    ("sign_no", ENVELOPE_FIELD_MAX_LEN),
)


@dataclass(frozen=True)
class Envelope:
    """A national-interface request as read: the envelope fields, and ``input`` as the client sent it.

    Optional envelope fields are ``None`` when absent, null or blank. ``inf_time`` is kept as written (read it
    with :func:`gongji.api.fsi.fields.timestamp` when a use case needs it). ``input`` holds JSON numbers as
    ``Decimal``. ``input``, ``cainfo`` and ``dev_safe_info`` are left out of ``repr`` so that logging an
    envelope never writes personal data or card secrets.
    """

    infno: str
    msgid: str
    mdtrtarea_admvs: str | None = None
    insuplc_admdvs: str | None = None
    recer_sys_code: str | None = None
    dev_no: str | None = None
    dev_safe_info: str | None = field(default=None, repr=False)
    cainfo: str | None = field(default=None, repr=False)
    signtype: str | None = None
    infver: str | None = None
    opter_type: str | None = None
    opter: str | None = None
    opter_name: str | None = None
    inf_time: str | None = None
    fixmedins_code: str | None = None
    fixmedins_name: str | None = None
    sign_no: str | None = None
    input: dict[str, Any] = field(default_factory=dict, repr=False)

    def node(self, name: str = "data", *, fallback: str | None = "data") -> dict[str, Any]:
        """The object node ``name`` of ``input`` (``signIn``, ``mdtrtinfo``, ``data`` …).

        Looked up by its name (exactly, then ignoring case: ``signin`` for ``signIn``); when absent, in
        ``input[fallback]`` (``data`` unless told otherwise): the node named ``name`` inside it if it has one,
        else the fallback node itself. A list holding exactly one object is read as that object. A missing
        node, or one that is not an object, is refused as ``input.<name>``.
        """
        where = field_name(name, "input")
        value = _find(self.input, name, fallback)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, Mapping):
            return dict(value)
        if value is None or value == [] or value == "":
            if fallback is None or fallback == name:
                raise refusal(where, "缺失", "missing")
            raise refusal(where, f"缺失（input.{fallback} 中也没有）", f"missing (not in input.{fallback} either)")
        raise refusal(where, "应为一个对象", "must be one object")

    def rows(
        self,
        name: str,
        *,
        fallback: str | None = "data",
        required: bool = True,
        max_rows: int = MAX_ROWS,
    ) -> list[dict[str, Any]]:
        """The list node ``name`` of ``input`` (``feedetail``, ``diseinfo``) as a list of objects.

        Found as :meth:`node` finds a node; a single object reads as a list of one. Pass ``fallback=None`` for
        a second node of a transaction whose main node may be ``data`` (``diseinfo`` of 2401), so that the
        main node is never read as rows of the second. Refusals name the field ``input.<name>``.
        """
        found = _find(self.input, name, fallback)
        return rows({name: found}, name, required=required, max_rows=max_rows, path="input")


def _find(node: Mapping[str, Any], name: str, fallback: str | None) -> object | None:
    """``node[name]`` (any case), else ``node[fallback][name]``, else ``node[fallback]``; ``None`` if none."""
    value = _lookup(node, name)
    if value is not None or fallback is None or fallback == name:
        return value
    spare = _lookup(node, fallback)
    if isinstance(spare, Mapping):
        inner = _lookup(spare, name)
        if inner is not None:
            return inner
    return spare


def _lookup(node: Mapping[str, Any], name: str) -> object | None:
    value: object | None = node.get(name)
    if value is not None:
        return value
    wanted = name.casefold()
    candidate: object | None
    for key, candidate in node.items():
        if isinstance(key, str) and key.casefold() == wanted and candidate is not None:
            return candidate
    return None


def parse_envelope(body: bytes | str, *, charset: str = "utf-8") -> Envelope:
    """Read a request body into an :class:`Envelope`, or raise :class:`FsiInputError` saying what is wrong.

    ``charset`` is the body's encoding when it is bytes (from the request's ``Content-Type``; a UTF-8 byte
    order mark is skipped). The body must be one JSON object of at most :data:`MAX_BODY_BYTES`; ``NaN`` and
    ``Infinity`` are not JSON and are refused.
    """
    text, document = _decode(body, charset)
    if not isinstance(document, dict):
        kind_zh, kind_en = _kind(document)
        raise FsiInputError(
            "body", f"请求体须为 JSON 对象，收到{kind_zh}", f"The body must be a JSON object; got {kind_en}"
        )
    # Decoded bytes hold neither NUL nor a lone surrogate (JSON refuses a raw control character), but escapes may.
    check_text(document, characters=isinstance(body, str) or "\\u" in text)

    infno = code(document, "infno", max_len=ENVELOPE_FIELD_MAX_LEN)
    if not _INFNO.match(infno):
        raise refusal(
            "infno",
            f"应为 4 位数字交易编号（新版可带一个大写字母，如 2203A），收到“{shown(infno)}”",
            f"must be a 4-digit code (a later version adds a capital letter, as 2203A); got '{shown(infno)}'",
        )
    msgid = code(document, "msgid", max_len=ENVELOPE_FIELD_MAX_LEN)
    if len(msgid) > MSGID_MAX_LEN or not _MSGID.match(msgid):
        raise refusal(
            "msgid",
            f"应为不超过 {MSGID_MAX_LEN} 个字符的报文编号（字母、数字或符号，不含空格），收到“{shown(msgid)}”",
            f"must be a message id of at most {MSGID_MAX_LEN} visible ASCII characters; got '{shown(msgid)}'",
        )

    optional = {name: code(document, name, required=False, max_len=limit) for name, limit in _OPTIONAL_FIELDS}
    for region_field in ("mdtrtarea_admvs", "insuplc_admdvs"):
        _check_region(region_field, optional[region_field])
    raw_input = document.get("input")
    if raw_input is None or raw_input == "":
        given: dict[str, Any] = {}
    elif isinstance(raw_input, dict):
        given = raw_input
    else:
        kind_zh, kind_en = _kind(raw_input)
        raise refusal("input", f"应为 JSON 对象，收到{kind_zh}", f"must be a JSON object; got {kind_en}")
    return Envelope(infno=infno, msgid=msgid, input=given, **optional)


def _check_region(name: str, value: str | None) -> None:
    """Refuse an envelope region that is not a 6-digit code of the region list (blank or absent is no region).
    Known codes of any year are accepted: the envelope has no date of its own to judge them by."""
    if value is None:
        return
    if not _ADMDVS.match(value):
        raise refusal(
            name, f"应为 6 位医保区划代码，收到“{shown(value)}”", f"must be a 6-digit region code; got '{shown(value)}'"
        )
    try:
        parse_region(value)
    except InvalidInput:
        raise refusal(
            name, f"医保区划代码“{value}”不存在（GB/T 2260）", f"'{value}' is not a region code (GB/T 2260)"
        ) from None


def _decode(body: bytes | str, charset: str) -> tuple[str, object]:
    """The body's text and the JSON document it holds."""
    size = len(body.encode("utf-8", "surrogatepass")) if isinstance(body, str) else len(body)
    if size > MAX_BODY_BYTES:
        raise FsiInputError(
            "body",
            f"请求体过大：{size} 字节，上限 {MAX_BODY_BYTES} 字节",
            f"The body is too large: {size} bytes, at most {MAX_BODY_BYTES}",
        )
    if isinstance(body, str):
        text = body
    else:
        try:
            text = body.decode("utf-8-sig" if charset.lower().replace("_", "-") in ("utf-8", "utf8") else charset)
        except (UnicodeDecodeError, LookupError):
            raise FsiInputError(
                "body", f"请求体不是 {charset} 编码的文字", f"The body is not text in the {charset} encoding"
            ) from None
    if not text.strip():
        raise FsiInputError("body", "请求体为空", "The body is empty")
    try:
        return text, json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except FsiInputError:
        raise
    except json.JSONDecodeError as error:
        raise FsiInputError(
            "body",
            f"请求体不是合法的 JSON：第 {error.lineno} 行第 {error.colno} 列，{error.msg}",
            f"The body is not valid JSON: line {error.lineno} column {error.colno}: {error.msg}",
        ) from None
    except (ValueError, RecursionError):
        # Integers of thousands of digits and absurdly deep nesting: not a message any client sends.
        raise FsiInputError("body", "请求体不是合法的 JSON", "The body is not valid JSON") from None


def check_text(document: Mapping[str, Any], *, characters: bool = True) -> None:
    """Refuse a message nested deeper than :data:`MAX_DEPTH`, or (unless ``characters`` is false: the caller knows
    there is no ``\\u`` escape in the JSON text) holding text that cannot be written as UTF-8 (a lone surrogate,
    which JSON can escape as ``\\ud800``) or NUL (which PostgreSQL cannot store), in a value or a key. The refusal
    names the first such field (``input.signIn.mac``). Walks without recursion; paths are spelt only to refuse."""
    pending: list[tuple[Mapping[str, Any] | list[Any], _Link, int]] = [(document, None, 0)]
    while pending:
        node, link, depth = pending.pop()
        if depth >= MAX_DEPTH and node:
            raise refusal(shown(_path(link)), f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels")
        items = node.items() if isinstance(node, Mapping) else enumerate(node)
        for key, item in items:
            if characters and isinstance(key, str) and (bad := _BAD_CHARACTER.search(key)):
                _refuse_character(bad, (link, key), key=True)
            if isinstance(item, dict | list):
                pending.append((item, (link, key), depth + 1))
            elif characters and isinstance(item, str) and (bad := _BAD_CHARACTER.search(item)):
                _refuse_character(bad, (link, key), key=False)


#: Where a node sits: ``None`` for the document, else (the parent's link, the key or index in the parent).
_Link = tuple[Any, str | int] | None
#: NUL, which PostgreSQL cannot store in text, and the surrogates, which no UTF-8 text holds alone.
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _path(link: _Link) -> str:
    """``input.feedetail[2].pric`` from a node's link."""
    parts: list[str | int] = []
    while link is not None:
        link, step = link
        parts.append(step)
    path = ""
    for step in reversed(parts):
        path = f"{path}[{step}]" if isinstance(step, int) else field_name(_printable(step), path)
    return path


def _printable(text: str) -> str:
    """``text`` as a refusal may quote it: cut short, a lone surrogate or NUL written as its escape."""
    return shown(text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000"))


def _refuse_character(found: re.Match[str], link: _Link, *, key: bool) -> NoReturn:
    field, code_point = _path(link), ord(found.group())
    zh, en = ("字段名", "the key ") if key else ("", "")
    if code_point == 0:
        raise refusal(field, f"{zh}含有空字符 U+0000", f"{en}contains the NUL character U+0000")
    raise refusal(
        field,
        f"{zh}含有无法编码的字符（单独的代理码位 U+{code_point:04X}），文字须为有效的 Unicode",
        f"{en}contains a character that cannot be encoded (a lone surrogate U+{code_point:04X})",
    )


def _refuse_constant(name: str) -> NoReturn:
    raise FsiInputError(
        "body",
        f"请求体不是合法的 JSON：{name} 不是 JSON 的数",
        f"The body is not valid JSON: {name} is not a JSON number",
    )


def _kind(value: object) -> tuple[str, str]:
    if isinstance(value, list):
        return "数组", "an array"
    if isinstance(value, str):
        return "文字", "text"
    if isinstance(value, bool):
        return "布尔值", "a boolean"
    if value is None:
        return "空值 null", "null"
    return "数字", "a number"
