"""The 医保码 page in a real browser: 张建国 shows his code (a QR image that loads, and its text), refreshes it, and
shows his mother's through the 亲情账户 he holds — in English with no Chinese left but names and the glossary."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, expect

from gongji.service.credentials import resolve_credential
from gongji.service.demo import GUILAN, JIANGUO
from tests.e2e.conftest import DESKTOP, PortalServer, assert_english, new_page, sign_in

_TOKEN = re.compile(r"[0-9]{6}ec[a-z2-7]{32}")


def test_showing_refreshing_and_showing_a_mothers_code(
    server: PortalServer, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    page = new_page(browser, contexts)
    sign_in(page, server, JIANGUO)
    page.get_by_role("link", name="医保码").first.click()
    page.goto(server.url("/portal/code?lang=en"))
    assert_english(page, server)
    page.locator("#show-code").click()
    qr = page.locator("#voucher-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('#voucher-qr').naturalWidth") > 100  # the SVG loaded under the CSP
    first = page.locator("#voucher-token").inner_text()
    assert _TOKEN.fullmatch(first)
    assert_english(page, server)
    target = Path(os.environ.get("GONGJI_SCREENSHOTS") or tmp_path)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    page.screenshot(path=str(target / f"code-en-{server.backend}.png"), full_page=True)
    page.locator("#voucher-refresh").click()
    expect(page.locator("#voucher-token")).not_to_have_text(first)
    assert resolve_credential(server.ctx, "01", page.locator("#voucher-token").inner_text()).certno == JIANGUO
    page.goto(server.url("/portal/code"))
    page.locator("#relatives button").first.click()
    expect(page.locator("#voucher")).to_contain_text("赵桂兰")
    assert resolve_credential(server.ctx, "01", page.locator("#voucher-token").inner_text()).certno == GUILAN
