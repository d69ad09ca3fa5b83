"""The portal's parts without a database: signed sessions, CSRF, one-time codes, the sign-in throttle, the message
catalogue and the templates (every visible word comes from the catalogue, in both languages)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gongji.api.portal import csrf
from gongji.api.portal.chart import bar_chart
from gongji.api.portal.i18n import CATALOGUE, CJK, GLOSSARY, Lang, Translator, parse_lang
from gongji.api.portal.otp import CodeRecipient, OneTimeCodes, RecordingCodeSender
from gongji.api.portal.person import KINDS
from gongji.api.portal.render import TEMPLATES_DIR
from gongji.api.portal.session import RevokedSessions, Session, SessionCodec, SubjectKind, derive_key, secret_from
from gongji.api.portal.throttle import FailureThrottle
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


def test_a_signed_out_session_is_refused_until_it_would_have_expired() -> None:
    clock = Clock()
    revoked = RevokedSessions(100, clock)
    revoked.revoke("s1")
    assert revoked.is_revoked("s1")
    assert not revoked.is_revoked("s2")
    clock.now += 101
    assert not revoked.is_revoked("s1")


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


# --- one-time codes --------------------------------------------------------------------------------------------------

ZHANG = CodeRecipient("张建国", "**************0019", "13803110019")


def codes(clock: Clock, sender: RecordingCodeSender) -> OneTimeCodes:
    return OneTimeCodes(b"o" * 32, sender, ttl_s=300, max_attempts=3, resend_after_s=60, clock=clock)


def test_a_code_is_six_digits_sent_once_and_signs_in_once() -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(clock, sender)
    issued = store.issue("130102197503150019", 1, ZHANG)
    assert issued.challenge
    code = sender.last_code(ZHANG.masked_certno)
    assert re.fullmatch(r"\d{6}", code)
    assert store.check(issued.challenge, code).person_id == 1
    assert store.check(issued.challenge, code).problem == "expired"  # spent


def test_codes_are_stored_hashed() -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(clock, sender)
    store.issue("130102197503150019", 1, ZHANG)
    code = sender.last_code(ZHANG.masked_certno)
    stored = repr(store.__dict__)
    assert code not in stored
    assert "130102197503150019" not in stored


def test_a_code_expires_after_five_minutes() -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(clock, sender)
    issued = store.issue("130102197503150019", 1, ZHANG)
    assert issued.challenge
    clock.now += 301
    assert store.check(issued.challenge, sender.last_code(ZHANG.masked_certno)).problem == "expired"


def test_wrong_codes_spend_the_challenge() -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(clock, sender)
    issued = store.issue("130102197503150019", 1, ZHANG)
    assert issued.challenge
    right = sender.last_code(ZHANG.masked_certno)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert [store.check(issued.challenge, wrong).problem for _ in range(3)] == ["wrong", "wrong", "wrong"]
    assert store.check(issued.challenge, right).person_id is None


def test_a_number_nobody_holds_gets_a_challenge_but_no_code() -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(clock, sender)
    issued = store.issue("130102199001011237", None, None)
    assert issued.challenge
    assert not sender.sent
    assert store.check(issued.challenge, "000000").person_id is None


def test_asking_again_at_once_is_refused_with_a_wait() -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(clock, sender)
    assert store.issue("130102197503150019", 1, ZHANG).challenge
    again = store.issue("130102197503150019", 1, ZHANG)
    assert again.challenge is None
    assert 0 < again.wait_s <= 60
    clock.now += 61
    assert store.issue("130102197503150019", 1, ZHANG).challenge


# --- throttle --------------------------------------------------------------------------------------------------------


def test_failures_past_the_free_ones_double_the_wait_up_to_a_lockout() -> None:
    clock = Clock()
    throttle = FailureThrottle(free_failures=3, base_delay_s=2, max_delay_s=60, window_s=900, clock=clock)
    waits = []
    for _ in range(9):
        throttle.failed(["certno:x", "client:a"])
        waits.append(throttle.retry_after_s(["certno:x"]))
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60]
    assert throttle.retry_after_s(["client:a"]) == 60
    assert throttle.retry_after_s(["certno:other", "client:b"]) == 0
    clock.now += 60
    assert throttle.retry_after_s(["certno:x"]) == 0


def test_success_clears_the_number_but_not_the_client() -> None:
    clock = Clock()
    throttle = FailureThrottle(free_failures=0, base_delay_s=5, clock=clock)
    throttle.failed(["certno:x", "client:a"])
    throttle.succeeded("certno:x")
    assert throttle.retry_after_s(["certno:x"]) == 0
    assert throttle.retry_after_s(["client:a"]) == 5


def test_failures_are_forgotten_after_the_window() -> None:
    clock = Clock()
    throttle = FailureThrottle(free_failures=0, base_delay_s=5, window_s=100, clock=clock)
    throttle.failed(["k"])
    clock.now += 101
    throttle.failed(["k"])
    assert throttle.retry_after_s(["k"]) == 5  # counted from one again


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
