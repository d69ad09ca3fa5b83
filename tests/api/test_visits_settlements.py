"""Visits and settlements over the REST API: an institution at its own counter, an operator within its regions."""

from __future__ import annotations

from typing import Any

from gongji.service.demo import HOSPITAL, PHARMACY
from tests.api.conftest import Api, assert_problem
from tests.helpers import JIANGUO, XIUYING, ZHANGLI

CONSULTATION = {"feedetl_sn": "1", "item_code": "001102000010000", "quantity": "1", "unit_price_fen": 1_000}
ATORVASTATIN = {"feedetl_sn": "2", "item_code": "XC10AAA129A001010100004", "quantity": "2", "unit_price_fen": 3_580}


def _visit_with_fees(api: Api, *, as_: str = "hospital", person: str = XIUYING) -> dict[str, Any]:
    opened = api.post("/visits", json={"person": person, "med_type": "11"}, as_=as_)
    assert opened.status_code == 201, opened.text
    mdtrt_id = opened.json()["mdtrt_id"]
    uploaded = api.post(f"/visits/{mdtrt_id}/fees", json={"lines": [CONSULTATION, ATORVASTATIN]}, as_=as_)
    assert uploaded.status_code == 200, uploaded.text
    body: dict[str, Any] = uploaded.json()
    return body


def test_a_hospital_opens_uploads_previews_settles_explains_and_reverses(api: Api) -> None:
    visit = _visit_with_fees(api)
    assert visit["institution"] == HOSPITAL
    assert [line["total_fen"] for line in visit["lines"]] == [1_000, 7_160]
    mdtrt_id = visit["mdtrt_id"]
    assert api.get(f"/visits/{mdtrt_id}", as_="hospital").json() == visit
    balance_before = api.get(f"/people/{JIANGUO}/balances").json()["personal_account_fen"]

    preview = api.post("/settlements/preview", json={"mdtrt_id": mdtrt_id}, as_="hospital", key=False)
    assert preview.status_code == 200, preview.text
    assert preview.json()["previewed"] is True
    assert preview.json()["setl_id"] is None

    settled = api.post("/settlements", json={"mdtrt_id": mdtrt_id, "medfee_sumamt_fen": 8_160}, as_="hospital")
    assert settled.status_code == 201, settled.text
    body = settled.json()
    assert body["amounts"]["medfee_sumamt_fen"] == 8_160
    assert body["amounts_yuan"]["medfee_sumamt"] == "81.60"
    assert body["amounts"]["acct_mulaid_pay_fen"] == body["amounts"]["acct_pay_fen"] > 0
    assert [(p["payer"], p["relation_zh"]) for p in body["payers"]] == [("张建国", "配偶")]
    amounts = body["amounts"]
    assert (
        amounts["medfee_sumamt_fen"] == amounts["hifp_pay_fen"] + amounts["acct_pay_fen"] + amounts["psn_cash_pay_fen"]
    )
    paid = api.get(f"/people/{JIANGUO}/balances").json()["personal_account_fen"]
    assert paid == balance_before - amounts["acct_mulaid_pay_fen"]
    for name in ("acct_pay", "psn_cash_pay", "hifp_pay"):
        assert preview.json()["amounts"][f"{name}_fen"] == body["amounts"][f"{name}_fen"]

    setl_id = body["setl_id"]
    shown = api.get(f"/settlements/{setl_id}", as_="hospital")
    assert shown.json()["amounts"] == body["amounts"]
    explanation = api.get(f"/settlements/{setl_id}/explanation", as_="hospital")
    assert explanation.status_code == 200, explanation.text
    assert [purse["payer"] for purse in explanation.json()["purses"]] == ["张建国"]  # a resident has no account
    assert all(rule["reference_address"] for rule in explanation.json()["rules"])

    reversed_ = api.post(f"/settlements/{setl_id}/reversal", json={"reason": "患者退费"}, as_="hospital")
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["status"] == "reversed"
    assert api.get(f"/people/{JIANGUO}/balances").json()["personal_account_fen"] == balance_before
    assert_problem(
        api.post(f"/settlements/{setl_id}/reversal", json={"reason": "再撤"}, as_="hospital"),
        422,
        "SETTLEMENT_ALREADY_REVERSED",
    )
    assert api.get(f"/visits/{mdtrt_id}", as_="hospital").json()["status"] == "open"


def test_a_total_other_than_the_fee_lines_is_refused(api: Api) -> None:
    visit = _visit_with_fees(api)
    body = {"mdtrt_id": visit["mdtrt_id"], "medfee_sumamt_fen": 9_999}
    problem = assert_problem(api.post("/settlements", json=body, as_="hospital"), 422, "BILL_TOTAL_MISMATCH")
    assert problem["params"]["expected"] == "99.99"


def test_fee_lines_and_a_visit_are_cancelled(api: Api) -> None:
    visit = _visit_with_fees(api)
    mdtrt_id = visit["mdtrt_id"]
    cancelled = api.post(f"/visits/{mdtrt_id}/fees/cancel", json={"feedetl_sns": ["2"]}, as_="hospital")
    assert [line["cancelled"] for line in cancelled.json()["lines"]] == [False, True], cancelled.text
    ended = api.post(f"/visits/{mdtrt_id}/cancel", as_="hospital")
    assert ended.json()["status"] == "cancelled", ended.text
    assert_problem(
        api.post(f"/visits/{mdtrt_id}/fees", json={"lines": [CONSULTATION]}, as_="hospital"), 422, "VISIT_NOT_OPEN"
    )


def test_an_institution_touches_only_its_own_visits_and_settlements(api: Api) -> None:
    visit = _visit_with_fees(api)
    mdtrt_id = visit["mdtrt_id"]
    assert_problem(
        api.post("/visits", json={"person": XIUYING, "med_type": "11", "institution": HOSPITAL}, as_="pharmacy"),
        403,
        "INSTITUTION_NOT_GRANTED",
    )
    assert_problem(api.get(f"/visits/{mdtrt_id}", as_="pharmacy"), 403, "VISIT_OF_OTHER_INSTITUTION")
    assert_problem(
        api.post(f"/visits/{mdtrt_id}/fees", json={"lines": [CONSULTATION]}, as_="pharmacy"),
        403,
        "VISIT_OF_OTHER_INSTITUTION",
    )
    assert_problem(
        api.post("/settlements/preview", json={"mdtrt_id": mdtrt_id}, as_="pharmacy", key=False),
        403,
        "VISIT_OF_OTHER_INSTITUTION",
    )
    assert_problem(
        api.post("/settlements", json={"mdtrt_id": mdtrt_id}, as_="pharmacy"), 403, "VISIT_OF_OTHER_INSTITUTION"
    )
    setl_id = api.post("/settlements", json={"mdtrt_id": mdtrt_id}, as_="hospital").json()["setl_id"]
    assert_problem(api.get(f"/settlements/{setl_id}", as_="pharmacy"), 403, "VISIT_OF_OTHER_INSTITUTION")
    assert_problem(
        api.post(f"/settlements/{setl_id}/reversal", json={"reason": "x"}, as_="pharmacy"),
        403,
        "VISIT_OF_OTHER_INSTITUTION",
    )
    # A pharmacy opens pharmacy purchases at itself, for any insured patient (张丽 is insured in Beijing).
    purchase = api.post("/visits", json={"person": ZHANGLI, "med_type": "41"}, as_="pharmacy")
    assert purchase.status_code == 201, purchase.text
    assert purchase.json()["institution"] == PHARMACY


def test_an_operator_acts_on_visits_of_its_regions_only(api: Api) -> None:
    opened = api.post("/visits", json={"person": JIANGUO, "med_type": "11", "institution": HOSPITAL})
    assert opened.status_code == 201, opened.text
    mdtrt_id = opened.json()["mdtrt_id"]
    assert api.get(f"/visits/{mdtrt_id}").status_code == 200
    assert_problem(api.get(f"/visits/{mdtrt_id}", as_="beijing"), 403, "REGION_NOT_GRANTED")
    assert_problem(api.post("/visits", json={"person": JIANGUO, "med_type": "11"}), 400, "FIELD_INVALID")
    assert_problem(
        api.post("/visits", json={"person": JIANGUO, "med_type": "11", "institution": HOSPITAL}, as_="beijing"),
        403,
        "REGION_NOT_GRANTED",
    )
    assert_problem(api.get("/visits/130100999999999"), 404, "VISIT_NOT_FOUND")
    assert_problem(api.get("/settlements/130100999999999"), 404, "SETTLEMENT_NOT_FOUND")


def test_a_bill_above_the_largest_amount_is_refused_at_upload(api: Api) -> None:
    visit = _visit_with_fees(api)
    huge = {"feedetl_sn": "9", "item_code": "001102000010000", "quantity": "1000000", "unit_price_fen": 10_000_000_000}
    body = assert_problem(
        api.post(f"/visits/{visit['mdtrt_id']}/fees", json={"lines": [huge]}, as_="hospital"), 422, "REQUEST_INVALID"
    )
    assert "above" in body["errors"][0]["msg"]
