"""Screenshots of the main pages in both languages, on a phone and a desktop screen (SQLite; the pages are the same
on PostgreSQL).

They go to ``GONGJI_SCREENSHOTS`` when it is set (``make screenshots`` sets it to ``docs/screenshots``), else to the
test's temporary directory: the test always proves every main page can be shown in both languages and sizes; the
pictures are only kept when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from gongji.domain.codes import RelationType
from gongji.service import household, relations
from gongji.service.demo import DEFU, GUILAN, JIANGUO
from tests.e2e.conftest import DESKTOP, PHONE, PortalServer, new_page, serve, sign_in


@pytest.fixture(scope="module")
def sqlite_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    """The demo on SQLite, with one request waiting for 赵桂兰 (from her husband 张德福) to show the confirm page."""
    for found in serve("sqlite", request, tmp_path_factory):
        relations.request_binding(
            found.ctx,
            relations.RequestBinding(DEFU, GUILAN, RelationType.SPOUSE, commitment=True),
            key="screenshots:defu-guilan",
        )
        yield found


def _id(server: PortalServer, certno: str) -> int:
    identity = household.sign_in_identity(server.ctx, certno)
    assert identity is not None
    return identity.person_id


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
        "why": f"/portal/why?relative={_id(server, JIANGUO)}&direction=they_pay&kind=pharmacy",
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
