"""Masking personal data before a message or a request is written to a log.

What is shown of each kind of value, and why:

- **ID numbers** (``certno``, ``mdtrt_cert_no`` …): the first 6 characters (the issuing area, which an auditor
  needs and which identifies nobody) and the last 4, as the public samples and paper receipts do:
  ``130102199003070012`` → ``130102********0012``. Numbers of 7 to 14 characters (passports, card numbers)
  keep 2 and 2; 6 or fewer are masked whole.
- **Names** (``psn_name`` …): the first character, and the last when there are three or more:
  ``张三`` → ``张*``, ``张三明`` → ``张*明``, ``欧阳娜娜`` → ``欧**娜``.
- **Phone numbers** (``tel``, ``mob`` …): the first 3 and last 4 characters: ``13812345678`` → ``138****5678``;
  6 or fewer are masked whole.
- **Card serial numbers** (``card_sn``): the first 2 characters, as the public samples do.
- **Secrets** (``cainfo``, which may carry an encrypted card password, passwords, tokens): six asterisks,
  whatever the length, so that not even the length is logged.

Fields are masked **by name** (:data:`MASKED_FIELDS`, matched ignoring case and underscores: ``psn_name``,
``psnName``, ``PSN_NAME``), whatever the value's JSON type: every text or number inside a name field sent as an
array or an object is masked as a name. Every other text (and number) is masked **by value** (:func:`mask_text`):
a resident ID number (6 digits, a birth date ``yyyyMMdd``, 3 digits and a digit or ``X``; spaces or dashes between
the parts allowed) and a mainland mobile number (``1[3-9]`` and 9 more digits, with or without ``+86``) are masked
wherever they are, under any field name (``sfzh``, ``id_no``) and inside free text (``memo``). The birth date is
what tells an ID number from gongji's own 18-digit identifiers (``mdtrt_id``, ``setl_id``: a region and a
sequence), which stay readable; a number inside a longer run of digits (a ``msgid``) is not an ID number.

**Files** a message carries (9101's ``fsUploadIn.in``: the file's bytes as base64 text, or an array of byte values,
possibly megabytes and possibly personal data) are not logged at all: the value becomes a short placeholder that
states its length (``<file 12345 bytes base64>``, ``<file 300 bytes>``); see :data:`FILE_FIELDS`.

Staff names (``opter_name``, ``dr_name``) and institution fields are not masked: they are what an operator
searches the log for. ``psn_no`` is not masked either: it is a pseudonymous number that ties log lines to
records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "FILE_FIELDS",
    "MASKED_FIELDS",
    "mask_card",
    "mask_certno",
    "mask_file",
    "mask_name",
    "mask_payload",
    "mask_phone",
    "mask_secret",
    "mask_text",
]

_STAR = "*"

#: A resident ID number anywhere in a text: area, birth date, sequence and check character (spaces or dashes allowed
#: between the parts), not inside a longer run of digits.
_ID_NUMBER = re.compile(
    r"(?<![0-9])(?P<area>[0-9]{6})[ -]?"
    r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[ -]?"
    r"(?P<tail>[0-9]{3}[0-9Xx])(?![0-9])"
)
#: A mainland mobile number anywhere in a text (``+86`` allowed), not glued to a code of letters and digits
#: (an institution code such as ``H13010400001`` is not a phone number) nor inside a longer run of digits.
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?P<prefix>\+?86[ -]?)?(?P<head>1[3-9][0-9])[ -]?[0-9]{4}[ -]?(?P<tail>[0-9]{4})(?![0-9])"
)
_SHORTEST_MATCH = 11


def mask_certno(value: str) -> str:
    """An ID or certificate number with the first 6 and last 4 characters shown (2 and 2 when shorter)."""
    if len(value) >= 15:
        return _keep(value, 6, 4)
    if len(value) >= 7:
        return _keep(value, 2, 2)
    return _STAR * len(value)


def mask_name(value: str) -> str:
    """A person's name with the first character shown, and the last one too from three characters on."""
    if len(value) <= 1:
        return _STAR * len(value)
    if len(value) == 2:
        return value[0] + _STAR
    return _keep(value, 1, 1)


def mask_phone(value: str) -> str:
    """A phone number with the first 3 and last 4 characters shown; short ones masked whole."""
    if len(value) <= 6:
        return _STAR * len(value)
    return _keep(value, 3, 4)


def mask_card(value: str) -> str:
    """A card serial number with the first 2 characters shown."""
    return _keep(value, 2, 0) if len(value) > 2 else _STAR * len(value)


def mask_secret(value: str) -> str:
    """A secret: six asterisks whatever it was (an empty value stays empty)."""
    return _STAR * 6 if value else value


def mask_text(value: str) -> str:
    """``value`` with every resident ID number and mainland mobile number in it masked, wherever they stand.

    ``身份证 130102197503150019，电话 13803110019`` → ``身份证 130102********0019，电话 138****0019``.
    """
    if len(value) < _SHORTEST_MATCH:
        return value
    masked = _ID_NUMBER.sub(lambda m: m["area"] + _STAR * 8 + m["tail"], value)
    return _MOBILE.sub(lambda m: (m["prefix"] or "") + m["head"] + _STAR * 4 + m["tail"], masked)


def _keep(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    return value[:head] + _STAR * hidden + (value[len(value) - tail :] if tail else "")


def _normal(name: str) -> str:
    return name.replace("_", "").casefold()


_BY_KIND: dict[Callable[[str], str], tuple[str, ...]] = {
    mask_certno: (
        *("certno", "cert_no", "psn_cert_no", "mdtrt_cert_no", "buyer_certno", "payer_certno", "agnter_certno"),
        *("agnter_cert_no", "idcard", "id_card", "idcard_no", "id_no", "id_number", "sfzh", "zjhm"),
    ),
    mask_name: (
        *("psn_name", "name", "buyer_name", "payer_name", "patn_name", "patient_name", "agnter_name"),
        *("coner_name", "insu_psn_name", "xm", "hzxm", "brxm"),
    ),
    mask_phone: (
        *("tel", "mob", "mobile", "phone", "coner_tel", "agnter_tel", "psn_tel", "phone_no", "mobile_no"),
        *("sjhm", "lxdh"),
    ),
    mask_card: ("card_sn", "card_no"),
    # ecToken / ecQrCode: the electronic voucher (1162, mdtrt_cert_type 01), a password until it lapses.
    mask_secret: ("cainfo", "pwd", "password", "passwd", "token", "ec_token", "ec_qr_code"),
}

#: Field name (as normalised: lower case, no underscores) → how its value is masked.
MASKED_FIELDS: Mapping[str, Callable[[str], str]] = {
    _normal(name): masker for masker, names in _BY_KIND.items() for name in names
}


#: Fields that carry a file, as (object, field) names normalised like :data:`MASKED_FIELDS`: 9101's ``fsUploadIn.in``.
FILE_FIELDS: frozenset[tuple[str, str]] = frozenset({(_normal("fsUploadIn"), _normal("in"))})


def mask_file(value: Any) -> Any:
    """A file's content as a placeholder that states its length: base64 text by its characters, an array by its
    items; ``null`` and ``""`` kept (they carry nothing), anything else a bare placeholder."""
    if value is None or value == "":
        return value
    if isinstance(value, str):
        return f"<file {len(value)} bytes base64>"
    if isinstance(value, list | tuple):
        return f"<file {len(value)} bytes>"
    return "<file>"


def mask_payload(obj: Any, *, extra: Mapping[str, Callable[[str], str]] | None = None) -> Any:
    """A copy of a JSON-like structure with personal data masked, by field name and by value.

    Walks dicts and lists at any depth; the original is left untouched. Under a field of :data:`MASKED_FIELDS`,
    every text or number at any depth is masked by that field's masker (a number becomes its masked text);
    ``null``, ``""`` and booleans are kept. A file (:data:`FILE_FIELDS`) becomes a placeholder (:func:`mask_file`).
    Every other text, key and number goes through :func:`mask_text`.
    ``extra`` adds or overrides field names (any spelling; matched like the others).
    """
    maskers = dict(MASKED_FIELDS)
    if extra:
        maskers.update({_normal(name): masker for name, masker in extra.items()})
    return _walk(obj, maskers, "")


def _walk(obj: Any, maskers: Mapping[str, Callable[[str], str]], parent: str) -> Any:
    """``obj`` masked; ``parent`` is the normalised name of the field it is the value of (``""`` at the top)."""
    if isinstance(obj, Mapping):
        result: dict[Any, Any] = {}
        for key, value in obj.items():
            name = _normal(key) if isinstance(key, str) else ""
            masker = maskers.get(name) if name else None
            shown_key = mask_text(key) if isinstance(key, str) else key
            if (parent, name) in FILE_FIELDS:
                result[shown_key] = mask_file(value)
            else:
                result[shown_key] = _walk(value, maskers, name) if masker is None else _under(value, masker)
        return result
    if isinstance(obj, list | tuple):
        return [_walk(item, maskers, parent) for item in obj]
    if isinstance(obj, str):
        return mask_text(obj)
    text = _number_text(obj)
    if text is None:
        return obj
    masked = mask_text(text)
    return obj if masked == text else masked


def _under(value: Any, masker: Callable[[str], str]) -> Any:
    """Every text and number inside a masked field, at any depth, masked by the field's masker."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, Mapping):
        return {mask_text(k) if isinstance(k, str) else k: _under(v, masker) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_under(item, masker) for item in value]
    text = _number_text(value)
    return value if text is None else masker(text)


def _number_text(value: object) -> str | None:
    """A JSON number as the text it was written as; ``None`` for anything else (booleans, ``null``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        return repr(value) if isinstance(value, float) else str(value)
    except ValueError:  # an integer too long to write as text is no ID or phone number
        return _STAR * 6
