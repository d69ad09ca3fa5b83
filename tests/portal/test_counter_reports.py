"""The reports page, on SQLite and PostgreSQL: an operator reads his regions' reports as a chart and a table and
downloads them; an analyst signs in at the counter with his token, reads every region's, and nothing else of the
counter; before any export the page says so."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from starlette.routing import Mount

from gongji.analytics.export import export
from gongji.api.portal import PORTAL_PREFIX
from gongji.service import api_tokens
from tests.portal.conftest import Site, Visitor, counter_operator

_KEYS = itertools.count()


@contextmanager
def _reading(site: Site, directory: Path) -> Iterator[None]:
    """The portal reads the export in ``directory`` within this block."""
    [portal_app] = [r.app for r in site.app.routes if isinstance(r, Mount) and r.path == PORTAL_PREFIX]
    before = portal_app.state.analytics_dir
    portal_app.state.analytics_dir = directory
    try:
        yield
    finally:
        portal_app.state.analytics_dir = before


@pytest.fixture
def exported(site: Site, tmp_path: Path) -> Iterator[Site]:
    export(site.engine, tmp_path, now=site.clock.now())
    with _reading(site, tmp_path):
        yield site


def _analyst(site: Site) -> Visitor:
    issued = api_tokens.issue_token(
        site.ctx, api_tokens.IssueToken(api_tokens.Role.ANALYST, label="政策分析"), key=f"analyst:{next(_KEYS)}"
    )
    assert issued.token
    visitor = site.visitor()
    visitor.get("/portal/counter/sign-in")
    answer = visitor.post("/portal/counter/sign-in", {"token": issued.token})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/counter/reports"
    return visitor


def test_an_operator_reads_his_regions_reports_as_a_chart_and_a_table(exported: Site) -> None:
    visitor, _ = counter_operator(exported, "110000")
    page = visitor.get("/portal/counter/reports?report=wallet")
    assert page.status_code == 200, page.text
    assert "医保钱包划转" in page.text
    assert "500.00" in page.text  # 张丽's transfer to her mother in the demo
    assert 'value="130100"' not in page.text  # only his own region is offered
    chart = visitor.get("/portal/counter/reports/file?report=wallet&format=svg")
    assert chart.headers["content-type"] == "image/svg+xml"
    assert "医保钱包划转" in chart.text
    csv = visitor.get("/portal/counter/reports/file?report=wallet&format=csv")
    assert csv.content.decode("utf-8-sig").startswith("region,region_zh,month")
    assert visitor.get("/portal/counter/reports?report=wallet&region=130100").status_code == 403


def test_an_analyst_reads_every_region_and_nothing_else_of_the_counter(exported: Site) -> None:
    visitor = _analyst(exported)
    page = visitor.get("/portal/counter/reports?report=mutual-aid-by-relation")
    assert page.status_code == 200, page.text
    assert 'value="130100"' in page.text
    assert 'value="110000"' in page.text
    assert "配偶 spouse" in page.text
    assert f"{'/portal/counter/signals'}" not in page.text  # no link to what he may not open
    find = visitor.get("/portal/counter")
    assert find.status_code == 303
    assert visitor.get(find.headers["location"]).headers.get("location") == "/portal/counter/reports"
    assert visitor.get("/portal/counter/signals").status_code == 303


def test_before_any_export_the_page_says_what_to_do(site: Site, tmp_path: Path) -> None:
    with _reading(site, tmp_path / "never"):
        visitor, _ = counter_operator(site, "130100")
        page = visitor.get("/portal/counter/reports")
    assert page.status_code == 200
    assert "gongji export" in page.text
