"""The portal's translator: how a page picks its language, and its words in that language.

The words themselves — every visible string, in Chinese (the default) and English — live in ``messages.yaml`` beside
this module (how to add one is written at its top); :mod:`gongji.api.portal.messages` reads and checks it once, into
:data:`CATALOGUE`.

A page's language is ``?lang=zh`` / ``?lang=en`` when the link carries it (and is then remembered in a cookie), else
the cookie, else Chinese. Templates never hold words: they call ``_("key", **params)``; names of code values (relation
types, states, account parts, medical types, regions, rule parameters) come from :class:`Translator`'s helpers, which
read the national code lists' own names. Refusals from the service carry both languages and are shown with
:meth:`Translator.pick`; terms the service gives (a relation event's note) with :meth:`Translator.term`.

English text may quote a few Chinese terms on purpose — the words a person meets in the national app and at the
counter — listed in :data:`GLOSSARY`; nothing else in an English string is Chinese (a test checks the catalogue, and
the browser tests check every rendered page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from markupsafe import Markup, escape

from gongji.api.portal.messages import load_catalogue
from gongji.domain.codes import Insutype, MedType, RelationType, Sex
from gongji.domain.errors import GongjiError
from gongji.domain.explanation import render
from gongji.domain.ledger import AccountKind, JournalKind
from gongji.domain.regions import parse_region
from gongji.domain.wallet import TransferStatus, WalletEventKind
from gongji.domain.wording import is_term, localise
from gongji.rules.schema import PARAMETERS

__all__ = [
    "CATALOGUE",
    "CJK",
    "DEFAULT_LANG",
    "GLOSSARY",
    "LANGUAGE_NAMES",
    "LANG_COOKIE",
    "LANG_PARAM",
    "Lang",
    "Translator",
    "parse_lang",
]

LANG_COOKIE = "gongji_lang"
LANG_PARAM = "lang"

#: Chinese characters (CJK unified ideographs and the full-width punctuation Chinese text uses).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

#: Chinese terms English text may quote, as people meet them in the national app and at the counter.
GLOSSARY: tuple[str, ...] = (
    "家庭共济",
    "亲情账户",
    "共济",
    "历年",
    "当年",
    "承诺书",
    "医保钱包",
    "医保码",
    "职工医保",
    "近亲属",
)


class Lang(StrEnum):
    """The portal's languages."""

    ZH = "zh"
    EN = "en"

    @property
    def html(self) -> str:
        """The value of the page's ``lang`` attribute."""
        return "zh-CN" if self is Lang.ZH else "en"


DEFAULT_LANG = Lang.ZH

#: Each language named in itself (the switch shows "中文" on English pages too: a language's own name is not
#: translated; the link carries ``lang="zh-CN"``).
LANGUAGE_NAMES: dict[Lang, str] = {Lang.ZH: "中文", Lang.EN: "English"}


def parse_lang(value: str | None) -> Lang | None:
    """A language from a query parameter or cookie (``None`` when absent or unknown)."""
    if value is None:
        return None
    try:
        return Lang(value.strip().lower())
    except ValueError:
        return None


#: key → (Chinese, English), from ``messages.yaml`` (read and checked once, here). Parameters are ``str.format``
#: fields; both languages name the same fields.
CATALOGUE: dict[str, tuple[str, str]] = load_catalogue()


class _Named(Protocol):
    """Anything named in both languages (code values, regions, rule parameters)."""

    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...


@dataclass(frozen=True)
class Translator:
    """The strings of one language: ``_("key", **params)`` in templates, and names of code values.

    With ``html`` set (templates), a text comes back as markup: the catalogue's text escaped, plain parameters
    escaped, and parameters that are already markup (a name wrapped in ``<span translate="no">``) kept as they are.
    """

    lang: Lang
    html: bool = False

    def __call__(self, key: str, **params: Any) -> str:
        """The catalogue's text for ``key`` in this language, with ``params`` filled in."""
        zh, en = CATALOGUE[key]
        text = zh if self.lang is Lang.ZH else en
        if self.html:
            return Markup(escape(text)).format(**params) if params else Markup(escape(text))
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether the catalogue holds ``key``."""
        return key in CATALOGUE

    def pick(self, zh: str, en: str) -> str:
        """One of two texts the service gave in both languages."""
        return zh if self.lang is Lang.ZH else en

    def is_term(self, value: Any) -> bool:
        """Whether the service gave ``value`` as a term (a phrase, a code value), not as text written as it is."""
        return is_term(value)

    def term(self, value: Any) -> str:
        """A term the service gave (a relation event's note, a phrase) in this language."""
        return str(localise(value, "zh" if self.lang is Lang.ZH else "en"))

    def step(self, code: str, params: dict[str, Any]) -> str:
        """A settlement explanation's step (a code with parameters) in this language."""
        return render(code, params, "zh" if self.lang is Lang.ZH else "en")

    def named(self, value: _Named) -> str:
        """A code value's, region's or parameter's own name in this language (its ``zh`` or ``en``)."""
        return self.pick(value.zh, value.en)

    def error(self, error: GongjiError) -> str:
        """A refusal's message in this language."""
        return self.pick(error.message_zh, error.message_en)

    def relation(self, value: str) -> str:
        """A relation type (``child`` → 子女 / child)."""
        return self.named(RelationType(value))

    def relation_list(self, values: list[str]) -> str:
        """Several relation types, joined as the language lists things (配偶、父母 / spouse, parent)."""
        return str(self("common.list_sep")).join(self.relation(v) for v in values)

    def state(self, value: str) -> str:
        """A relation's state on a day."""
        return self(f"state.{value}")

    def end_reason(self, value: str | None) -> str:
        """Why a relation ended."""
        return self(f"end.{value}") if value else self("common.dash")

    def insutype(self, value: str | None) -> str:
        """An insurance type (``310`` → 职工基本医疗保险 / employee basic medical insurance)."""
        if value is None:
            return self("common.dash")
        return self.named(Insutype.parse(value))

    def med_type(self, value: str | None) -> str:
        """A medical type (``41`` → 定点药店购药 / designated pharmacy purchase)."""
        if value is None:
            return self("common.dash")
        return self.named(MedType.parse(value))

    def sex(self, value: str) -> str:
        """A sex code."""
        return self.named(Sex.parse(value))

    def account(self, value: str) -> str:
        """An account kind (``personal_prior`` → 个人账户（历年） / personal account, prior years)."""
        return self.named(AccountKind(value))

    def journal(self, value: str) -> str:
        """A journal kind (``settlement`` → 医疗费用结算 / settlement)."""
        return self.named(JournalKind(value))

    def transfer_status(self, value: str) -> str:
        """Where a wallet transfer stands (``pending`` → 待接收 / waiting to be accepted)."""
        return self.named(TransferStatus(value))

    def wallet_event(self, value: str) -> str:
        """What happened to a wallet transfer (``accepted`` → 接收 / accepted)."""
        return self.named(WalletEventKind(value))

    def region(self, code: str | None) -> str:
        """A region's name (its code when the code is not known)."""
        if code is None:
            return self("common.dash")
        try:
            region = parse_region(code)
        except GongjiError:
            return code
        return self.named(region)

    def regions(self, codes: Iterable[str]) -> str:
        """Regions' names as one list, in this language's way of listing."""
        return self("common.list_sep").join(self.region(code) for code in codes)

    def param(self, name: str, fallback_zh: str = "") -> str:
        """A rule parameter's name."""
        found = PARAMETERS.get(name)
        if found is None:
            return fallback_zh or name
        return self.named(found)

    def limit(self, value: int | str) -> str:
        """A count limit (``"unlimited"`` → 不限 / no limit)."""
        return str(value) if isinstance(value, int) else self("common.unlimited")
