"""Rules (values in effect with their references) and aggregates (no personal data) over the REST API."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Api, assert_problem
from tests.helpers import JIANGUO


@pytest.mark.parametrize("role", ["operator", "hospital", "analyst"])
def test_every_role_reads_the_rules_in_effect_with_their_references(api: Api, role: str) -> None:
    regions = api.get("/rules", as_=role)
    assert regions.status_code == 200, regions.text
    by_code = {r["code"]: r for r in regions.json()}
    assert by_code["130100"]["has_rules"] is True
    assert by_code["130100"]["zh"] == "石家庄市"

    effective = api.get("/rules/130100", params={"on": "2026-11-22"}, as_=role)
    assert effective.status_code == 200, effective.text
    body = effective.json()
    assert body["chain"] == ["130100", "130000", "100000"]
    values = {p["parameter"]: p for p in body["parameters"]}
    enabled = values["mutual_aid_enabled"]
    assert enabled["value"] is True
    assert enabled["value_text"] == "是"
    assert enabled["source"]["reference_title"]
    assert enabled["source"]["reference_address"]
    assert enabled["source"]["region"] in body["chain"]

    one = api.get("/rules/130100/mutual_aid_enabled", as_=role)
    assert one.json() == enabled


def test_unknown_regions_and_parameters_are_refused(api: Api) -> None:
    assert_problem(api.get("/rules/999999"), 400, "CODE_UNKNOWN")
    assert_problem(api.get("/rules/130100/no_such_parameter"), 400, "CODE_UNKNOWN")


def test_an_analyst_reads_settlements_and_mutual_aid_by_region_and_month(api: Api) -> None:
    response = api.get("/aggregates/settlements", params={"start": "2026-10", "end": "2026-11"}, as_="analyst")
    assert response.status_code == 200, response.text
    rows = response.json()
    # The demo: four settlements in Shijiazhuang in November 2026, one of them reversed; three paid by mutual aid (the
    # fourth, 赵桂兰's pharmacy purchase of 97.80, through the wallet from her daughter in Beijing).
    assert [(r["month"], r["region"], r["kind"]) for r in rows] == [("2026-11", "130100", "medical")]
    [row] = rows
    assert (row["settlements"], row["reversed"], row["mutual_aid_settlements"]) == (4, 1, 3)
    # 张建国 for his wife and son, 张德福 for his grandson, 张丽 (through the wallet) for her mother.
    assert row["acct_mulaid_pay_fen"] == 5_438 + 5_000 + 3_020 + 9_780
    assert row["acct_mulaid_pay_yuan"] == "232.38"
    assert row["medfee_sumamt_fen"] == row["acct_pay_fen"] + row["hifp_pay_fen"] + row["psn_cash_pay_fen"]
    text = json.dumps(rows, ensure_ascii=False)
    assert "张" not in text
    assert JIANGUO not in text

    relations = api.get("/aggregates/relations", as_="analyst")
    assert relations.json() == [
        {
            "region": "130100",
            "region_zh": "石家庄市",
            "by_status": {"requested": 0, "active": 3, "ended": 0, "expired": 0, "declined": 0},
            "total": 3,
        }
    ]
    assert_problem(
        api.get("/aggregates/settlements", params={"start": "2020-01", "end": "2026-11"}, as_="analyst"),
        400,
        "FIELD_INVALID",
    )


def test_an_operator_reads_the_aggregates_of_its_own_regions_only(api: Api) -> None:
    assert len(api.get("/aggregates/settlements").json()) == 1
    assert api.get("/aggregates/settlements", as_="beijing").json() == []
    assert api.get("/aggregates/relations", as_="beijing").json() == []
    assert_problem(
        api.get("/aggregates/settlements", params={"region": "130100"}, as_="beijing"), 403, "REGION_NOT_GRANTED"
    )
    assert_problem(api.get("/aggregates/settlements", as_="hospital"), 403, "ROLE_NOT_ALLOWED")
