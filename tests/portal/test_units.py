"""The portal's parts without a database: signed sessions, CSRF, the message catalogue and the templates (every visible
word comes from the catalogue, in both languages). Sign-outs, one-time codes and the sign-in throttle keep their state
in the database: ``test_access_state``."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gongji.api.portal import csrf
from gongji.api.portal.chart import bar_chart
from gongji.api.portal.i18n import CATALOGUE, CJK, GLOSSARY, Lang, Translator, parse_lang
from gongji.api.portal.person import KINDS
from gongji.api.portal.render import TEMPLATES_DIR
from gongji.api.portal.session import Session, SessionCodec, SubjectKind, derive_key, secret_from
from gongji.domain.errors import ErrorCode


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


# --- sessions ------------------------------------------------------------------------------------------------------


def test_a_session_survives_its_cookie_and_a_forged_one_does_not() -> None:
    clock = Clock()
    codec = SessionCodec(derive_key(b"k" * 32, "session"), max_age_s=3600, clock=clock)
    session = Session.signed_in_as(SubjectKind.PERSON, 7, "13010200000000000001", "张建国", "****0019", int(clock.now))
    value = codec.encode(session)
    assert codec.decode(value) == session
    version, payload, signature = value.split(".")
    assert codec.decode(f"{version}.{payload}.{signature[:-2]}AA") is None
    other = SessionCodec(derive_key(b"x" * 32, "session"), max_age_s=3600, clock=clock)
    assert other.decode(value) is None
    assert codec.decode("v1.e30.") is None
    assert codec.decode("garbage") is None
    assert codec.decode("v1." + "A" * 3000 + ".x") is None


def test_a_session_expires_after_its_lifetime() -> None:
    clock = Clock()
    codec = SessionCodec(b"k" * 32, max_age_s=60, clock=clock)
    value = codec.encode(Session.fresh(int(clock.now)))
    clock.now += 59
    assert codec.decode(value) is not None
    clock.now += 2
    assert codec.decode(value) is None


def test_signing_in_gives_a_new_session_id_and_csrf_secret() -> None:
    anonymous = Session.fresh(0).with_challenge("c")
    signed = Session.signed_in_as(SubjectKind.PERSON, 1, "p", "n", "m", 0)
    assert (signed.sid, signed.csrf) != (anonymous.sid, anonymous.csrf)
    assert signed.challenge is None
    assert signed.signed_in
    assert not anonymous.signed_in


def test_the_secret_comes_from_the_setting_or_is_made_per_process(caplog: pytest.LogCaptureFixture) -> None:
    assert secret_from("abc") == secret_from(" abc ")
    assert secret_from(None) != secret_from(None)
    assert "GONGJI_SECRET_KEY is not set" in caplog.text
    assert derive_key(b"s", "session") != derive_key(b"s", "otp")


# --- CSRF ----------------------------------------------------------------------------------------------------------


def test_csrf_needs_the_sessions_own_token() -> None:
    session = Session.fresh(0)
    csrf.verify(session, session.csrf)
    for wrong in (None, "", session.csrf + "x", Session.fresh(0).csrf):
        with pytest.raises(csrf.CsrfRefused):
            csrf.verify(session, wrong)
    with pytest.raises(csrf.CsrfRefused):
        csrf.verify(None, session.csrf)


def test_a_post_from_another_site_is_not_same_origin() -> None:
    assert csrf.same_origin(None, "http", "gongji.test")
    assert csrf.same_origin("http://gongji.test", "http", "gongji.test")
    assert not csrf.same_origin("https://evil.example", "http", "gongji.test")
    assert not csrf.same_origin("http://gongji.test", "https", "gongji.test")
    assert not csrf.same_origin("null", "http", "gongji.test")


# --- the catalogue and the templates --------------------------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_languages_with_the_same_fields() -> None:
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip(), key
        assert en.strip(), key
        assert _fields(zh) == _fields(en), key


def test_english_messages_quote_no_chinese_beyond_the_glossary() -> None:
    for key, (_, en) in CATALOGUE.items():
        rest = en
        for term in sorted(GLOSSARY, key=len, reverse=True):
            rest = rest.replace(term, "")
        assert not CJK.search(rest), f"{key}: {en}"


def test_chinese_messages_are_chinese() -> None:
    exempt = {"common.dash", "family.who", "common.yuan"}
    for key, (zh, _) in CATALOGUE.items():
        if key not in exempt:
            assert CJK.search(zh), key


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TAG = re.compile(r"<[^>]*>", re.DOTALL)
#: Characters a template may hold as text of its own: layout punctuation, never words.
_ALLOWED_TEXT = set(" \n\t·—→().:|%#-,/0123456789")


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES_DIR.glob("*.html")))
def test_templates_hold_no_words_of_their_own(template: str) -> None:
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    text = _TAG.sub(" ", _JINJA.sub(" ", source)).replace("&nbsp;", " ")
    assert set(text) <= _ALLOWED_TEXT, f"{template}: {sorted(set(text) - _ALLOWED_TEXT)}"
    for attribute in re.findall(r'\b(?:placeholder|title|alt|aria-label)="([^"]*)"', source):
        assert attribute.startswith("{{"), f"{template}: {attribute}"


def test_every_key_a_template_names_is_in_the_catalogue() -> None:
    keys = set()
    for path in TEMPLATES_DIR.glob("*.html"):
        keys |= set(re.findall(r"""_\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    assert keys
    missing = sorted(k for k in keys if not k.endswith(".") and k not in CATALOGUE)  # "x." ~ y is built
    assert not missing


def test_the_why_page_has_words_for_every_reason_a_payment_can_fail() -> None:
    reasons = {
        ErrorCode.MUTUAL_AID_NOT_AVAILABLE,
        ErrorCode.AUTHORISER_NOT_ELIGIBLE,
        ErrorCode.NOT_AN_EMPLOYEE,
        ErrorCode.BENEFICIARY_NOT_INSURED,
        ErrorCode.BENEFICIARY_STATUS_NOT_NORMAL,
        ErrorCode.RELATION_TYPE_NOT_ALLOWED,
        ErrorCode.GEOGRAPHY_NOT_OPEN,
        ErrorCode.MIRROR_BINDING_MISSING,
        ErrorCode.NO_RELATION,
        ErrorCode.PROXY_LINK_IS_NOT_MUTUAL_AID,
        ErrorCode.RELATION_NOT_CONFIRMED,
        ErrorCode.RELATION_NOT_YET_EFFECTIVE,
        ErrorCode.RELATION_ENDED,
        ErrorCode.REQUEST_EXPIRED,
        ErrorCode.AUTHORISER_BALANCE_ZERO,
        ErrorCode.BALANCE_BELOW_MINIMUM,
        ErrorCode.QUOTA_EXHAUSTED,
        ErrorCode.OUTSIDE_ACCOUNT_SCOPE,
    }
    for code in reasons:
        assert f"why.title.{code.name}" in CATALOGUE, code.name
        assert f"why.todo.{code.name}" in CATALOGUE, code.name
    for kind in KINDS:
        assert f"why.kind.{kind}" in CATALOGUE
        assert f"why.kind_in.{kind}" in CATALOGUE


def test_the_translator_escapes_text_and_keeps_names_as_markup() -> None:
    from markupsafe import Markup

    t = Translator(Lang.EN, html=True)
    shown = t("family.proxy_line", owner=Markup("<b>A</b>"), relative="<script>", since="2026-01-01")
    assert "<b>A</b>" in shown
    assert "&lt;script&gt;" in shown
    assert Translator(Lang.EN)("nav.why") == "Why can't it pay?"
    assert parse_lang("EN") is Lang.EN
    assert parse_lang("fr") is None
    assert parse_lang(None) is None


def test_the_chart_draws_the_largest_amount_longest() -> None:
    chart = bar_chart([("张建国", 10_000), ("李秀英", 2_500), ("张小明", 0)])
    widths = [bar.width for bar in chart.bars]
    assert widths[0] > widths[1] > widths[2] == 0
    assert chart.bars[1].value_text == "25.00"
    assert chart.height > chart.bars[-1].y
    assert bar_chart([]).bars == []


def test_templates_dir_is_shipped_with_the_package() -> None:
    assert (TEMPLATES_DIR / "base.html").is_file()
    assert (Path(TEMPLATES_DIR).parent / "static" / "htmx.min.js").is_file()
