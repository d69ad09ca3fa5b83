"""Words as data: terms that are rendered in the reader's language only where they are shown.

The service layer never writes a sentence. Where a refusal or an explanation needs words beyond numbers and
names, it passes a *term*: a code list member (``Insutype.RESIDENT_BASIC``, ``RelationType.SPOUSE``), a
:class:`Phrase` from the catalogue below, or a phrase with arguments (:class:`Said`). The edges — CLI, REST,
portal, national interface — render a term with :func:`localise` in Chinese or English.

A term is anything with ``zh`` and ``en`` text. Terms are stored (an idempotent refusal's outcome, a skipped
account's step) with :func:`encode`, which writes the term's class and code, and read back with :func:`decode`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Protocol, runtime_checkable

from gongji.domain.phrases import Phrase

__all__ = [
    "Lang",
    "Phrase",
    "Said",
    "Term",
    "Text",
    "code_of",
    "decode",
    "encode",
    "fold_pairs",
    "is_term",
    "localise",
    "shown",
    "texts",
]

Lang = Literal["zh", "en"]


@runtime_checkable
class Term(Protocol):
    """Anything that has a Chinese and an English text."""

    @property
    def zh(self) -> str:
        """The Chinese text."""

    @property
    def en(self) -> str:
        """The English text."""


@dataclass(frozen=True)
class Said:
    """A phrase with arguments (``Said(Phrase.AT_MOST_CHARS, {"max": 200})``); the arguments may be terms."""

    phrase: Phrase
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def zh(self) -> str:
        """The phrase in Chinese, its arguments filled in."""
        return self.text("zh")

    @property
    def en(self) -> str:
        """The phrase in English, its arguments filled in."""
        return self.text("en")

    def text(self, lang: Lang) -> str:
        """The phrase in ``lang``."""
        template = self.phrase.zh if lang == "zh" else self.phrase.en
        return template.format(**{name: localise(value, lang) for name, value in self.args.items()})


@dataclass(frozen=True)
class Text:
    """A term given by its two texts, with a code where it has one: words written at the edges or in the domain
    (``reason_zh=…, reason_en=…`` become one), and outcomes stored by versions before terms."""

    zh: str
    en: str
    code: str | None = None


def is_term(value: object) -> bool:
    """Whether ``value`` is rendered per language (a term, or a list of terms)."""
    if isinstance(value, list | tuple):
        return bool(value) and all(is_term(item) for item in value)
    return (isinstance(value, Enum) or not isinstance(value, str)) and isinstance(value, Term)


def localise(value: Any, lang: Lang) -> Any:
    """``value`` as a reader of ``lang`` sees it: a term's text, a list of terms joined; anything else as it is."""
    if isinstance(value, list | tuple) and is_term(value):
        return ("、" if lang == "zh" else ", ").join(localise(item, lang) for item in value)
    if isinstance(value, Said):
        return value.text(lang)
    if is_term(value):
        return value.zh if lang == "zh" else value.en
    return value


def code_of(value: Any) -> Any:
    """The stable code of a term for client systems (``"310"``, ``"AT_MOST_CHARS"``; ``None`` for words without
    one); a list of them for a list."""
    if isinstance(value, list | tuple):
        return [code_of(item) for item in value]
    if isinstance(value, Said):
        return value.phrase.name
    if isinstance(value, Text):
        return value.code
    if isinstance(value, Phrase):
        return value.name
    if isinstance(value, Enum):
        return value.value
    return value


def encode(value: Any) -> Any:
    """A JSON-ready form of ``value`` that :func:`decode` turns back into the same term."""
    if isinstance(value, list | tuple) and is_term(value):
        return [encode(item) for item in value]
    if isinstance(value, Said):
        return {"term": "said", "code": value.phrase.name, "args": {k: encode(v) for k, v in value.args.items()}}
    if isinstance(value, Text):
        return {"term": "text", "code": value.code, "zh": value.zh, "en": value.en}
    if isinstance(value, Phrase):
        return {"term": "phrase", "code": value.name}
    if isinstance(value, Enum) and is_term(value):
        cls = type(value)
        return {"term": f"{cls.__module__}:{cls.__qualname__}", "code": value.value}
    return value


def decode(value: Any) -> Any:
    """The term :func:`encode` wrote; anything else as it is."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, Mapping) or "term" not in value:
        return value
    kind, code = str(value["term"]), value["code"]
    if kind == "said":
        return Said(Phrase[code], {k: decode(v) for k, v in value.get("args", {}).items()})
    if kind == "phrase":
        return Phrase[code]
    if kind == "text":
        return Text(str(value["zh"]), str(value["en"]), None if code is None else str(code))
    module, _, name = kind.partition(":")
    if not module.startswith("gongji."):
        raise ValueError(f"not a gongji term: {kind}")
    cls = getattr(importlib.import_module(module), name)
    return cls(code)


def fold_pairs(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters with every ``x_zh``/``x_en`` pair made one :class:`Text` term ``x`` (its code the value of ``x``
    where there is one): how words given in both languages, a client's view of an error, or an outcome stored by
    an older version become a term."""
    folded = dict(params)
    for name in list(params):
        base = name.removesuffix("_zh")
        if name.endswith("_zh") and f"{base}_en" in params:
            zh, en = folded.pop(name), folded.pop(f"{base}_en")
            code = params.get(base)
            folded[base] = Text(str(zh), str(en), None if code is None else str(code))
    return folded


def shown(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as client systems see them (stored terms decoded first): a term as its code, with ``name_zh``
    and ``name_en`` beside it; anything else as it is."""
    out: dict[str, Any] = {}
    for name, raw in params.items():
        value = decode(raw)
        if is_term(value):
            code = code_of(value)
            if code is not None:
                out[name] = code
            out[f"{name}_zh"], out[f"{name}_en"] = texts(value)
        else:
            out[name] = value
    return out


def texts(value: Any) -> tuple[str, str]:
    """A term's Chinese and English text (for code that shows both side by side)."""
    return str(localise(value, "zh")), str(localise(value, "en"))
