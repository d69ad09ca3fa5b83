"""The portal in a real browser: Debian's Chromium (``/usr/bin/chromium``, never a downloaded one) driven by Playwright,
against the real server (uvicorn in a thread on a free local port) on SQLite and PostgreSQL.

Each test module gets its own server per backend, with the demo family loaded at 2026-11-22 10:00 (Shanghai) and the
clock then two hours later, when the family's relations are in force. Sign-in codes go to a
:class:`RecordingCodeSender`, which the tests read as a person would read his phone. One browser serves the whole
session; every person gets a browser context of his own (his own cookies).

``.ci/run`` installs ``chromium`` and ``fonts-noto-cjk`` (Debian packages): without a CJK font every Chinese character
is drawn as a box.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from sqlalchemy import Engine

from gongji.api.app import create_app
from gongji.api.fsi.client import FsiClient
from gongji.api.portal import portal_state
from gongji.api.portal.i18n import CJK, GLOSSARY
from gongji.api.portal.otp import RecordingCodeSender
from gongji.bootstrap import Settings
from gongji.domain.codes import MedType
from gongji.domain.identity import mask_id_number
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.demo import PHARMACY
from gongji.service.institution_access import institution_credentials
from gongji.service.people import MAX_PAGE_SIZE, list_people
from tests.conftest import BACKENDS
from tests.serving import demo_database, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

_MESSAGE_SEQUENCE = itertools.count()


class Pharmacy(FsiClient):
    """The demo pharmacy's system, calling the national interface (message ids from one sequence per test run)."""

    def new_msgid(self) -> str:
        """Institution code + time + the next number of the sequence."""
        stamp = f"{datetime.now(SHANGHAI):%Y%m%d%H%M%S}"
        return f"{self.fixmedins_code[:12]:<12}{stamp}{next(_MESSAGE_SEQUENCE) % 10_000:04d}"


@dataclass
class PortalServer:
    """A running server with the demo family, and what tests need around it."""

    backend: str
    base_url: str
    engine: Engine
    ctx: Context
    clock: FixedClock
    sender: RecordingCodeSender
    http: httpx.Client

    def url(self, path: str) -> str:
        """The full address of a portal path."""
        return self.base_url + path

    def pharmacy(self) -> Pharmacy:
        """The demo pharmacy's system, signed in to the national interface."""
        credentials = institution_credentials(self.ctx, PHARMACY)
        client = Pharmacy(self.base_url, PHARMACY, credentials.paasid, credentials.token, http=self.http)
        client.sign_in()
        return client

    def names(self) -> list[str]:
        """Every registered person's name (names are data: the English check leaves them alone)."""
        return [p.name for p in list_people(self.ctx, limit=MAX_PAGE_SIZE, offset=0)]


def serve(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PortalServer]:
    """The demo on a fresh database of ``backend``, served by uvicorn on a free port until the caller is done."""
    with demo_database(backend, request, tmp_path_factory) as (engine, ctx, clock):
        sender = RecordingCodeSender()
        app = create_app(ctx, settings=Settings(secret_key="e2e-secret"), code_sender=sender)
        portal_state(app).codes.resend_after_s = 0  # the same person signs in from several browser contexts
        with serving(app, f"e2e-{backend}") as base_url, httpx.Client(base_url=base_url, timeout=30.0) as http:
            yield PortalServer(backend, base_url, engine, ctx, clock, sender, http)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    """A server per backend for the test module."""
    yield from serve(str(request.param), request, tmp_path_factory)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's driver for the session."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium and fonts-noto-cjk (see .ci/run)")
    found = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield found
    found.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts a test opens (closed after it)."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def new_page(browser: Browser, contexts: list[BrowserContext], *, viewport: dict[str, int] = PHONE) -> Page:
    """A page in a fresh browser context (no cookies): a person's own phone."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


def sign_in(page: Page, server: PortalServer, certno: str) -> None:
    """Sign in as a person would: the ID number, the code from the phone, and on to My family."""
    page.goto(server.url("/portal/sign-in"))
    page.locator("#certno").fill(certno)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/sign-in/code"))
    page.locator("#code").fill(server.sender.last_code(mask_id_number(certno)))
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/family"))
    expect(page.locator("h1")).to_have_count(1)


#: What a page shows or reads out, outside what is marked as not to be translated (names, ``translate="no"``) or
#: as Chinese data inside the page (``lang="zh-CN"`` below ``<html>``: rule sources, notes, the language switch's
#: "中文"): visible text, the title, and the attributes people see or hear.
_SHOWN_TEXT_JS = """
() => {
  // the page's own language (on <html>) does not exempt anything: only parts marked inside it do
  const skip = (el) => {
    if (!el || el.closest('[translate="no"], script, style')) return true;
    const marked = el.closest('[lang]');
    return marked !== null && marked !== document.documentElement && marked.lang.startsWith('zh');
  };
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (skip(node.parentElement)) continue;
    const text = node.textContent.trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], [alt]')) {
    if (skip(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label', 'alt']) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  return texts;
}
"""

#: The official Chinese names of the national medical types: a service text may quote one beside its code (the
#: settlement's fund steps say "41 定点药店购药"), which is data like a name.
CODE_NAMES = tuple(m.zh for m in MedType)


def chinese_left(page: Page, names: list[str]) -> list[str]:
    """Texts of an English page that still hold Chinese once names, code names and the glossary are taken out."""
    left = []
    allowed = sorted({*names, *GLOSSARY}, key=len, reverse=True)
    for text in page.evaluate(_SHOWN_TEXT_JS):
        rest = text
        for word in allowed:
            rest = rest.replace(word, "")
        if CJK.search(rest):
            left.append(text)
    return left


def assert_english(page: Page, server: PortalServer) -> None:
    """The page is in English and no Chinese is left but names and data (see :func:`chinese_left`)."""
    assert page.locator("html").get_attribute("lang") == "en"
    left = chinese_left(page, server.names())
    assert not left, f"{page.url}: {left}"
