"""The fraud signals' review queue over the REST API: analysts read every region, operators their own, and an
operator marks a signal of his region confirmed or dismissed, once."""

from __future__ import annotations

from datetime import date, datetime

from gongji.service.clock import SHANGHAI
from gongji.service.signals.rules import Found
from tests.api.conftest import Api, assert_problem


def _found(api: Api) -> None:
    day = date(2026, 11, 2)
    found = [
        Found("card_many_buyers", "130100", "person", 11, 90, day, day, {"buyers": ["**0019", "**0027"]}),
        Found("card_two_regions", "130100", "person", 12, 45, day, day, {"pairs": []}),
        Found("card_many_buyers", "110000", "person", 13, 60, day, day, {"buyers": ["**0035", "**0043"]}),
    ]

    def keep(uow: object) -> None:
        uow.signals.keep(found, datetime(2026, 11, 22, 10, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
        uow.commit()  # type: ignore[attr-defined]

    api.ctx.transaction(keep)


def test_analysts_read_every_region_and_operators_their_own_highest_score_first(api: Api) -> None:
    _found(api)
    every = api.get("/signals", as_="analyst")
    assert every.status_code == 200, every.text
    assert [(s["region"], s["score"]) for s in every.json()] == [("130100", 90), ("110000", 60), ("130100", 45)]
    assert every.json()[0]["rule_zh"] == "多人持卡购药（代买药）"
    mine = api.get("/signals", as_="operator")
    assert [s["subject_id"] for s in mine.json()] == [11, 12]
    assert_problem(api.get("/signals", params={"region": "110000"}, as_="operator"), 403, "REGION_NOT_GRANTED")
    other = next(s for s in every.json() if s["region"] == "110000")
    assert_problem(api.get(f"/signals/{other['id']}", as_="operator"), 404, "SIGNAL_NOT_FOUND")
    assert api.get(f"/signals/{other['id']}", as_="beijing").json()["evidence"] == {"buyers": ["**0035", "**0043"]}
    assert_problem(api.get("/signals", as_="hospital"), 403, "ROLE_NOT_ALLOWED")


def test_an_operator_reviews_a_signal_of_his_region_once(api: Api) -> None:
    _found(api)
    top = api.get("/signals", as_="operator").json()[0]
    body = {"status": "confirmed", "operator": "窗口01", "note": "持卡人承认出借"}
    assert_problem(api.post(f"/signals/{top['id']}/review", json=body, as_="beijing"), 404, "SIGNAL_NOT_FOUND")
    assert_problem(api.post(f"/signals/{top['id']}/review", json=body, as_="analyst"), 403, "ROLE_NOT_ALLOWED")
    done = api.post(f"/signals/{top['id']}/review", json=body, key="review-1")
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["reviewed_by"]) == ("confirmed", "窗口01")
    assert api.post(f"/signals/{top['id']}/review", json=body, key="review-1").json() == done.json()
    again = api.post(f"/signals/{top['id']}/review", json={**body, "status": "dismissed"})
    assert_problem(again, 422, "SIGNAL_ALREADY_REVIEWED")
    assert top["id"] not in [s["id"] for s in api.get("/signals", as_="operator").json()]
    assert api.post(f"/signals/{top['id']}/review", json={**body, "status": "guilty"}).status_code == 422


def test_a_run_over_a_year_keeps_what_it_finds_once(api: Api) -> None:
    first = api.post("/signals/run", json={"year": 2026}, as_="analyst")
    assert first.status_code == 200, first.text
    again = api.post("/signals/run", json={"year": 2026}, as_="analyst").json()
    assert again["found"] == first.json()["found"]
    assert sum(again["new"].values()) == 0
