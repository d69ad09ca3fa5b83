"""Masking personal data before a national-interface message is written to a log.

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

Staff names (``opter_name``, ``dr_name``) and institution fields are not masked: they are what an operator
searches the log for. ``psn_no`` is not masked either: it is a pseudonymous number that ties log lines to
records. Field names are matched ignoring case and underscores (``psn_name``, ``psnName``, ``PSN_NAME``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "MASKED_FIELDS",
    "mask_card",
    "mask_certno",
    "mask_name",
    "mask_payload",
    "mask_phone",
    "mask_secret",
]

_STAR = "*"


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


def _keep(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    return value[:head] + _STAR * hidden + (value[len(value) - tail :] if tail else "")


def _normal(name: str) -> str:
    return name.replace("_", "").casefold()


_BY_KIND: dict[Callable[[str], str], tuple[str, ...]] = {
    mask_certno: (
        "certno",
        "cert_no",
        "psn_cert_no",
        "mdtrt_cert_no",
        "buyer_certno",
        "payer_certno",
        "agnter_certno",
        "agnter_cert_no",
        "idcard",
    ),
    mask_name: ("psn_name", "buyer_name", "payer_name", "patn_name", "agnter_name"),
    mask_phone: ("tel", "mob", "mobile", "phone", "coner_tel", "agnter_tel", "psn_tel"),
    mask_card: ("card_sn", "card_no"),
    mask_secret: ("cainfo", "pwd", "password", "passwd", "token"),
}

#: Field name (as normalised: lower case, no underscores) → how its value is masked.
MASKED_FIELDS: Mapping[str, Callable[[str], str]] = {
    _normal(name): masker for masker, names in _BY_KIND.items() for name in names
}


def mask_payload(obj: Any, *, extra: Mapping[str, Callable[[str], str]] | None = None) -> Any:
    """A copy of a JSON-like structure with the values of the fields in :data:`MASKED_FIELDS` masked.

    Walks dicts and lists at any depth; the original is left untouched. A masked field's text or whole number
    is masked as text; ``null``, ``""`` and other values are kept. ``extra`` adds or overrides field names
    (any spelling; matched like the others).
    """
    maskers = dict(MASKED_FIELDS)
    if extra:
        maskers.update({_normal(name): masker for name, masker in extra.items()})
    return _walk(obj, maskers)


def _walk(obj: Any, maskers: Mapping[str, Callable[[str], str]]) -> Any:
    if isinstance(obj, Mapping):
        result: dict[Any, Any] = {}
        for key, value in obj.items():
            masker = maskers.get(_normal(key)) if isinstance(key, str) else None
            result[key] = _walk(value, maskers) if masker is None else _masked(value, masker, maskers)
        return result
    if isinstance(obj, list | tuple):
        return [_walk(item, maskers) for item in obj]
    return obj


def _masked(value: Any, masker: Callable[[str], str], maskers: Mapping[str, Callable[[str], str]]) -> Any:
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return masker(str(value))
    return _walk(value, maskers)
