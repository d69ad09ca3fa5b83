"""Counter staff in a real browser: an operator binds a sibling where the region allows it (Shijiazhuang, which
follows the national list) and is refused, with the reason, where it does not (Beijing: spouse, parents and children
only); the counter pages switch wholly to English."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Browser, BrowserContext, Page, expect

from gongji.service import api_tokens
from gongji.service.demo import JIANGUO
from gongji.service.relations import queries
from tests.e2e.conftest import DESKTOP, PortalServer, assert_english, new_page
from tests.portal.conftest import new_person


def _operator(server: PortalServer, region: str) -> str:
    issued = api_tokens.issue_token(
        server.ctx,
        api_tokens.IssueToken(api_tokens.Role.OPERATOR, regions=(region,), label=f"柜台 {region}"),
        key=f"e2e-counter:{server.backend}:{region}",
    )
    assert issued.token
    return issued.token


def _sign_in(page: Page, server: PortalServer, token: str) -> None:
    page.goto(server.url("/portal/counter/sign-in"))
    page.locator("#token").fill(token)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/counter$"))


def _bind_sibling(page: Page, server: PortalServer, psn_no: str, sibling: str) -> None:
    page.goto(server.url(f"/portal/counter/people/{psn_no}"))
    page.locator("#relation_type").select_option("sibling")
    page.locator("#bind-relative").fill(sibling)
    page.locator("#proof_reference").fill("户口簿（窗口核验）")
    page.locator("#bind-relative").press("Enter")


def test_a_sibling_is_bound_where_the_region_allows_it_and_refused_where_it_does_not(
    server: PortalServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    brother = new_person(server.ctx, "石大", date(1978, 4, 1), prior_fen=30_000, region="130100")
    sister = new_person(server.ctx, "石二", date(1981, 6, 1), female=True, region="130100")
    page = new_page(browser, contexts, viewport=DESKTOP)
    _sign_in(page, server, _operator(server, "130100"))
    _bind_sibling(page, server, queries.family(server.ctx, brother).psn_no, sister)
    page.wait_for_url(re.compile(r"notice=bind"))
    assert [r.state for r in queries.family(server.ctx, brother).i_pay_for] == ["effective"]
    expect(page.locator("main")).to_contain_text("石二")

    first = new_person(server.ctx, "京甲", date(1976, 1, 1), prior_fen=30_000, region="110000")
    second = new_person(server.ctx, "京乙", date(1979, 2, 1), female=True, region="110000")
    beijing = new_page(browser, contexts, viewport=DESKTOP)
    _sign_in(beijing, server, _operator(server, "110000"))
    _bind_sibling(beijing, server, queries.family(server.ctx, first).psn_no, second)
    # The refusal says which relations the region allows, in words the person at the counter can repeat.
    expect(beijing.locator("main")).to_contain_text("不允许与兄弟姐妹共济")
    expect(beijing.locator("main")).to_contain_text("配偶、父母、子女")
    assert queries.family(server.ctx, first).i_pay_for == []

    # The same pages in English.
    beijing.goto(server.url(f"/portal/counter/people/{queries.family(server.ctx, first).psn_no}?lang=en"))
    assert_english(beijing, server)
    beijing.goto(server.url("/portal/counter/audit"))
    assert_english(beijing, server)
    # and Shijiazhuang's: the demo father's whole picture and a settlement's explanation, in English
    jianguo = queries.family(server.ctx, JIANGUO).psn_no
    page.goto(server.url(f"/portal/counter/people/{jianguo}?lang=en"))
    assert_english(page, server)
    page.locator("a[href*='/portal/counter/settlements/']").first.click()
    expect(page.locator("h1")).to_be_visible()
    assert "/portal/counter/settlements/" in page.url
    assert_english(page, server)
