"""Balances, statements, credits, the wallet and journals over the REST API."""

from __future__ import annotations

from tests.api.conftest import Api, assert_problem
from tests.helpers import DEFU, JIANGUO, XIUYING, ZHANGLI


def test_balances_now_and_at_the_end_of_a_day(api: Api) -> None:
    now = api.get(f"/people/{JIANGUO}/balances")
    assert now.status_code == 200, now.text
    body = now.json()
    # 3,800.00 less 54.38 for 李秀英 (her 106.60 bill less the fund's 47.22 and the 5.00 over the price cap) and
    # 50.00 (his quota) for 张小明.
    assert body["personal_account_fen"] == 369_562
    assert body["personal_account_yuan"] == "3695.62"
    assert {a["kind"] for a in body["accounts"]} >= {"personal_prior", "personal_current"}
    before = api.get(f"/people/{JIANGUO}/balances", params={"on": "2026-11-21"})
    assert before.json()["personal_account_fen"] == 0


def test_statement_lists_every_movement_with_whom_it_paid_for(api: Api) -> None:
    response = api.get(f"/people/{JIANGUO}/statement", params={"start": "2026-01-01", "end": "2026-11-22"})
    assert response.status_code == 200, response.text
    lines = response.json()["lines"]
    assert [(line["amount_fen"], line["paid_for"]) for line in lines] == [
        (300_000, None),
        (80_000, None),
        (-5_438, "李秀英"),
        (-5_000, "张小明"),
    ]
    assert lines[2]["amount_yuan"] == "-54.38"
    assert response.json()["closing_yuan"] == "3695.62"
    assert api.get(f"/people/{JIANGUO}/statement").json()["closing_fen"] == 369_562
    assert_problem(
        api.get(f"/people/{JIANGUO}/statement", params={"start": "2026-11-22", "end": "2026-01-01"}),
        400,
        "FIELD_INVALID",
    )


def test_credit_then_reverse_it(api: Api) -> None:
    def balance() -> int:
        fen: int = api.get(f"/people/{DEFU}/balances").json()["personal_account_fen"]
        return fen

    before = balance()
    credited = api.post(f"/people/{DEFU}/credits", json={"amount_fen": 12_345, "reference": "2026-11 划入"})
    assert credited.status_code == 201, credited.text
    assert balance() == before + 12_345
    journal = credited.json()
    assert journal["kind"] == "contribution"
    assert journal["transfers"][0]["amount_yuan"] == "123.45"
    shown = api.get(f"/journals/{journal['journal_id']}")
    assert shown.status_code == 200
    assert shown.json()["transfers"] == journal["transfers"]
    reversed_ = api.post(f"/journals/{journal['journal_id']}/reversal", json={"reason": "录入错误"})
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["reverses_journal_id"] == journal["journal_id"]
    assert balance() == before  # the mirror journal takes back exactly what the credit gave
    again = api.post(f"/journals/{journal['journal_id']}/reversal", json={"reason": "录入错误"})
    assert_problem(again, 422, "JOURNAL_ALREADY_REVERSED")


def test_a_resident_has_no_personal_account_to_credit(api: Api) -> None:
    body = assert_problem(
        api.post(f"/people/{XIUYING}/credits", json={"amount_fen": 100, "reference": "x"}), 422, "NOT_AN_EMPLOYEE"
    )
    assert "李秀英" in body["detail"]
    assert_problem(
        api.post(f"/people/{XIUYING}/credits", json={"amount_fen": 0, "reference": "x"}), 422, "REQUEST_INVALID"
    )


def test_open_the_wallet_twice_changes_nothing(api: Api) -> None:
    first = api.post(f"/people/{XIUYING}/wallet")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "open"
    accounts = api.get(f"/people/{XIUYING}/balances").json()["accounts"]
    assert "wallet" in {a["kind"] for a in accounts}
    second = api.post(f"/people/{XIUYING}/wallet")
    assert second.json() == first.json()
    assert api.get(f"/people/{XIUYING}/balances").json()["accounts"] == accounts


def test_journals_belong_to_the_regions_of_the_accounts_they_moved(api: Api) -> None:
    credited = api.post(f"/people/{ZHANGLI}/credits", json={"amount_fen": 100, "reference": "x"}, as_="beijing")
    assert credited.status_code == 201, credited.text
    journal_id = credited.json()["journal_id"]
    assert_problem(api.get(f"/journals/{journal_id}"), 403, "REGION_NOT_GRANTED")
    assert api.get(f"/journals/{journal_id}", as_="beijing").status_code == 200
    assert_problem(api.get("/journals/999999"), 404, "JOURNAL_NOT_FOUND")
