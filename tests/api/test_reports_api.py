"""The analysts' reports over REST: the catalogue, a report's rows for the regions the caller may see, the same as
CSV and charts, and specific refusals (no export yet, an unknown report, a region not granted, a period backwards)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from gongji.analytics.export import export
from gongji.store import tables as t
from gongji.store.refusal_tables import refusals
from tests.api.conftest import Api, assert_problem


@pytest.fixture
def exported(api: Api, tmp_path: Path) -> Api:
    export(api.engine, tmp_path, now=api.clock.now())
    api.app.state.analytics_dir = tmp_path
    return api


def test_the_catalogue_names_every_report_with_its_breakdowns(api: Api) -> None:
    listed = api.get("/reports", as_="analyst")
    assert listed.status_code == 200, listed.text
    by_name = {r["name"]: r for r in listed.json()}
    assert {"mutual-aid", "share", "beneficiaries", "refusals", "wallet"} <= set(by_name)
    assert by_name["mutual-aid"]["breakdowns"] == ["relation", "med-type", "insutype"]
    assert "mutual-aid-by-relation" not in by_name  # a breakdown is asked for with ?by=
    assert_problem(api.get("/reports", as_="hospital"), 403, "ROLE_NOT_ALLOWED")


def test_an_analyst_reads_every_region_and_an_operator_his_own(exported: Api) -> None:
    with exported.engine.connect() as conn:
        by_region = dict(
            conn.execute(
                select(t.settlements.c.region, func.sum(t.settlements.c.acct_mulaid_pay_fen))
                .where(t.settlements.c.acct_mulaid_pay_fen > 0, t.settlements.c.reversal_journal_id.is_(None))
                .group_by(t.settlements.c.region)
            ).all()
        )
        logged = conn.execute(select(func.count()).select_from(refusals)).scalar_one()
    analyst = exported.get("/reports/mutual-aid", as_="analyst")
    assert analyst.status_code == 200, analyst.text
    body = analyst.json()
    assert body["regions"] is None
    assert {row["region"]: 0 for row in body["rows"]}.keys() == by_region.keys()
    assert sum(row["mutual_aid_fen"] for row in body["rows"]) == sum(by_region.values())

    beijing = exported.get("/reports/refusals", as_="beijing").json()
    assert beijing["regions"] == ["110000"]
    assert {row["region"] for row in beijing["rows"]} == {"110000"}
    everyone = exported.get("/reports/refusals", as_="analyst").json()
    assert sum(row["refusals"] for row in everyone["rows"]) == logged
    assert_problem(
        exported.get("/reports/mutual-aid", params={"region": "130100"}, as_="beijing"), 403, "REGION_NOT_GRANTED"
    )


def test_a_report_as_csv_and_as_charts(exported: Api) -> None:
    csv = exported.get("/reports/mutual-aid", params={"by": "relation", "format": "csv"}, as_="analyst")
    assert csv.status_code == 200, csv.text
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("region,region_zh,month,relation_type")
    svg = exported.get("/reports/share", params={"format": "svg"}, as_="analyst")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "个人账户支出中共济给亲属的占比" in svg.text
    png = exported.get("/reports/wallet", params={"format": "png"}, as_="operator")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_what_a_report_cannot_answer_is_refused_by_name(api: Api, tmp_path: Path) -> None:
    api.app.state.analytics_dir = tmp_path / "never-exported"
    assert_problem(api.get("/reports/mutual-aid", as_="analyst"), 404, "EXPORT_MISSING")
    problem = assert_problem(api.get("/reports/nonsense", as_="analyst"), 404, "REPORT_NOT_FOUND")
    assert "mutual-aid" in problem["detail_en"]
    assert_problem(api.get("/reports/share", params={"by": "relation"}, as_="analyst"), 404, "REPORT_NOT_FOUND")
    backwards = {"from": "2026-12", "to": "2026-01"}
    assert_problem(api.get("/reports/share", params=backwards, as_="analyst"), 400, "REPORT_PERIOD_INVALID")
    assert_problem(api.get("/reports/share", params={"format": "pdf"}, as_="analyst"), 422, "REQUEST_INVALID")
