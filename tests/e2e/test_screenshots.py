"""Screenshots of the main pages in both languages, on a phone and a desktop screen (SQLite; the pages are the same
on PostgreSQL).

They go to ``GONGJI_SCREENSHOTS`` when it is set (``make screenshots`` sets it to ``docs/screenshots``), else to the
test's temporary directory: the test always proves every main page can be shown in both languages and sizes; the
pictures are only kept when asked for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from gongji.domain.codes import RelationType
from gongji.service import household
from gongji.service.demo import DEFU, GUILAN, JIANGUO, ZHANGLI, demo_counter_token
from gongji.service.relations import lifecycle, queries
from tests.e2e.conftest import DESKTOP, PHONE, PortalServer, new_page, serve, sign_in
from tests.helpers import person_id


@pytest.fixture(scope="module")
def sqlite_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    """The demo on SQLite, with one request waiting for 赵桂兰 (from her husband 张德福) to show the confirm page."""
    for found in serve("sqlite", request, tmp_path_factory):
        lifecycle.request_binding(
            found.ctx,
            lifecycle.RequestBinding(DEFU, GUILAN, RelationType.SPOUSE, commitment=True),
            key="screenshots:defu-guilan",
        )
        yield found


def _shoot(page: Page, target: Path, name: str) -> None:
    expect(page.locator("h1")).to_be_visible()
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)


def test_screenshots_of_the_main_pages(
    sqlite_server: PortalServer, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    server = sqlite_server
    target = Path(os.environ.get("GONGJI_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    pending = household.awaiting(server.ctx, GUILAN)[0].relation.id
    setl_id = household.records(server.ctx, JIANGUO, 2026).settlements[-1].setl_id
    father_pages = {
        "family": "/portal/family",
        "bind": "/portal/bind",
        "records": "/portal/records",
        "settlement": f"/portal/settlements/{setl_id}",
    }
    mother_pages = {
        "why": f"/portal/why?relative={person_id(server.ctx, JIANGUO)}&direction=they_pay&kind=pharmacy",
        "confirm": f"/portal/relations/{pending}/confirm",
    }
    taken = []
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        anonymous = new_page(browser, contexts, viewport=viewport)
        father = new_page(browser, contexts, viewport=viewport)
        mother = new_page(browser, contexts, viewport=viewport)
        sign_in(father, server, JIANGUO)
        sign_in(mother, server, GUILAN)
        for lang in ("zh", "en"):
            anonymous.goto(server.url(f"/portal/sign-in?lang={lang}"))
            _shoot(anonymous, target, f"sign-in-{lang}-{size}")
            taken.append(f"sign-in-{lang}-{size}")
            for page, pages in ((father, father_pages), (mother, mother_pages)):
                for name, path in pages.items():
                    page.goto(server.url(f"{path}{'&' if '?' in path else '?'}lang={lang}"))
                    _shoot(page, target, f"{name}-{lang}-{size}")
                    taken.append(f"{name}-{lang}-{size}")
    assert len(taken) == 28
    assert all((target / f"{name}.png").stat().st_size > 10_000 for name in taken)


def test_screenshots_of_the_counter_pages(
    sqlite_server: PortalServer, browser: Browser, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    """The counter as ``make run`` offers it: the demo counter's token (Shijiazhuang and Beijing), a search by name,
    张建国's whole picture, his sister's binding refused on the page, and the audit trail of it all."""
    server = sqlite_server
    target = Path(os.environ.get("GONGJI_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    token = demo_counter_token(server.ctx, key="screenshots:counter").token
    assert token is not None
    jianguo = queries.family(server.ctx, JIANGUO).psn_no
    taken = []

    def shoot(page: Page, name: str) -> None:
        _shoot(page, target, name)
        taken.append(name)

    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        anonymous = new_page(browser, contexts, viewport=viewport)
        operator = new_page(browser, contexts, viewport=viewport)
        operator.goto(server.url("/portal/counter/sign-in"))
        operator.locator("#token").fill(token)
        operator.locator("main button[type=submit]").click()
        operator.wait_for_url(re.compile(r"/portal/counter$"))
        for lang in ("zh", "en"):
            anonymous.goto(server.url(f"/portal/counter/sign-in?lang={lang}"))
            shoot(anonymous, f"counter-sign-in-{lang}-{size}")
            operator.goto(server.url(f"/portal/counter?lang={lang}"))
            operator.locator("#q").fill("张")
            operator.locator("#q").press("Enter")
            expect(operator.locator("ul.results li")).to_have_count(4)  # 张建国, 张小明, 张德福 and 张丽
            shoot(operator, f"counter-find-{lang}-{size}")
            operator.goto(server.url(f"/portal/counter/people/{jianguo}?lang={lang}"))
            shoot(operator, f"counter-person-{lang}-{size}")
            operator.locator("#relation_type").select_option("sibling")
            operator.locator("#bind-relative").fill(ZHANGLI)
            operator.locator("#proof_reference").fill("户口簿（窗口核验）")
            operator.locator("#bind-relative").press("Enter")
            expect(operator.locator("[role=alert]")).to_be_visible()
            shoot(operator, f"counter-refused-{lang}-{size}")
            operator.goto(server.url(f"/portal/counter/audit?lang={lang}"))
            shoot(operator, f"counter-audit-{lang}-{size}")
    assert len(taken) == 20
    assert all((target / f"{name}.png").stat().st_size > 10_000 for name in taken)
