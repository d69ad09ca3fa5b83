"""Mutual-aid relations and proxy links over the REST API: request, confirm, decline, end, order, quota, family,
"why can't X pay for Y"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from gongji.store.refusal_tables import refusals
from tests.api.conftest import Api, assert_problem
from tests.helpers import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI


def _family(api: Api, ref: str) -> dict[str, Any]:
    response = api.get(f"/people/{ref}/family")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_request_confirm_quota_and_end_a_binding(api: Api) -> None:
    requested = api.post(
        "/relations",
        json={"authoriser": DEFU, "beneficiary": GUILAN, "relation_type": "spouse", "commitment": True},
    )
    assert requested.status_code == 201, requested.text
    relation = requested.json()
    assert relation["state"] == "requested"
    assert relation["quota_yuan"] is None
    confirmed = api.post(
        f"/relations/{relation['id']}/confirm", json={"confirmer": GUILAN, "face_token": "face-guilan"}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed_by"] == "赵桂兰"
    quota = api.put(f"/people/{DEFU}/quota", json={"quota_fen": 20_000, "relation_id": relation["id"]})
    assert quota.status_code == 200, quota.text
    [paid_for] = [r for r in quota.json()["i_pay_for"] if r["id"] == relation["id"]]
    assert (paid_for["beneficiary"], paid_for["quota_fen"], paid_for["quota_yuan"]) == ("赵桂兰", 20_000, "200.00")
    shown = api.get(f"/relations/{relation['id']}")
    events = shown.json()["events"]
    assert [e["kind"] for e in events] == ["requested", "confirmed", "quota_set"]
    # The signed commitment is the request's note as signed; gongji's own notes come in both languages, coded.
    signed = events[0]
    assert signed["note"].startswith("本人张德福")
    assert signed["note_code"] is None
    assert signed["note_zh"] == signed["note_en"] == signed["note"]
    assert events[1]["note_code"] == "NOTE_CONFIRMED"
    assert events[1]["note_en"].startswith("confirmed by the relative himself; face verified")
    quota_note = {k: events[2][k] for k in ("note", "note_zh", "note_en", "note_code")}
    assert quota_note == {
        "note": "共济额度 200.00 元/年",
        "note_zh": "共济额度 200.00 元/年",
        "note_en": "quota set: 200.00 yuan a year",
        "note_code": "NOTE_QUOTA",
    }
    ended = api.post(f"/relations/{relation['id']}/end", json={"operator": "窗口01", "note": "本人申请"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["end_reason"] == "at_counter"
    operator_note = ended.json()["events"][-1]
    assert (operator_note["note"], operator_note["note_en"], operator_note["note_code"]) == (
        "本人申请",
        "本人申请",
        None,
    )


def test_a_counter_binding_takes_effect_at_once(api: Api) -> None:
    bound = api.post(
        "/relations",
        json={
            "authoriser": DEFU,
            "beneficiary": GUILAN,
            "relation_type": "spouse",
            "operator": "窗口01",
            "proof_reference": "结婚证 130102-1972-001",
        },
    )
    assert bound.status_code == 201, bound.text
    assert bound.json()["channel"] == "counter"
    assert bound.json()["effective_from"] is not None


def test_the_relative_declines(api: Api) -> None:
    requested = api.post(
        "/relations",
        json={"authoriser": JIANGUO, "beneficiary": GUILAN, "relation_type": "parent", "commitment": True},
    ).json()
    declined = api.post(f"/relations/{requested['id']}/decline", json={"by": GUILAN})
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "declined"
    again = api.post(f"/relations/{requested['id']}/confirm", json={"confirmer": GUILAN, "face_token": "f"})
    assert_problem(again, 422, "RELATION_NOT_PENDING")


def test_a_sister_in_beijing_is_refused_with_the_rule_it_rests_on(api: Api) -> None:
    body = {"authoriser": JIANGUO, "beneficiary": ZHANGLI, "relation_type": "sibling", "commitment": True}
    problem = assert_problem(api.post("/relations", json=body, as_="both"), 422, "GEOGRAPHY_NOT_OPEN")
    assert "医保钱包" in problem["detail"]


def test_the_guardian_orders_a_childs_payers(api: Api) -> None:
    before = _family(api, XIAOMING)
    assert [p["relation"]["authoriser"] for p in before["pay_for_me"]] == ["张建国", "张德福"]
    ordered = api.put(f"/people/{XIAOMING}/payer-order", json={"authorisers": [DEFU, JIANGUO], "by": JIANGUO})
    assert ordered.status_code == 200, ordered.text
    assert [(r["authoriser"], r["order_position"]) for r in ordered.json()] == [("张德福", 1), ("张建国", 2)]
    after = _family(api, XIAOMING)
    assert [(p["position"], p["relation"]["authoriser"]) for p in after["pay_for_me"]] == [(2, "张德福"), (3, "张建国")]
    wrong = api.put(f"/people/{XIAOMING}/payer-order", json={"authorisers": [DEFU], "by": JIANGUO})
    assert_problem(wrong, 400, "ORDER_INVALID")


def test_why_lists_every_reason_with_its_rules(api: Api) -> None:
    proxy_only = api.get(f"/people/{JIANGUO}/why/{GUILAN}")
    assert proxy_only.status_code == 200, proxy_only.text
    body = proxy_only.json()
    assert body["can_pay"] is False
    assert "PROXY_LINK_IS_NOT_MUTUAL_AID" in [check["code"] for check in body["failed"]]
    spouse = api.get(f"/people/{JIANGUO}/why/{XIUYING}", params={"kind": "pharmacy", "on": "2026-11-22"})
    assert spouse.json()["can_pay"] is True
    rules = spouse.json()["rules_read"]
    assert rules
    assert all(rule["reference_title"] and rule["reference_address"] for rule in rules)
    assert_problem(api.get(f"/people/{JIANGUO}/why/{XIUYING}", params={"kind": "99"}), 400, "CODE_UNKNOWN")


def test_proxy_links_are_added_and_ended(api: Api) -> None:
    added = api.post(f"/people/{DEFU}/proxy-links", json={"relative": GUILAN})
    assert added.status_code == 201, added.text
    assert [(p["owner"], p["relative"], p["ended_at"]) for p in added.json()["proxy_links"]] == [
        ("张德福", "赵桂兰", None)
    ]
    assert added.json()["proxy_note_en"].startswith("A proxy link")
    assert added.json()["proxy_note_zh"].startswith("亲情账户只能代为展码")
    assert_problem(api.post(f"/people/{DEFU}/proxy-links", json={"relative": GUILAN}), 422, "PROXY_LINK_EXISTS")
    ended = api.delete(f"/people/{DEFU}/proxy-links/{GUILAN}")
    assert ended.status_code == 200, ended.text
    assert_problem(api.delete(f"/people/{DEFU}/proxy-links/{GUILAN}"), 404, "PROXY_LINK_NOT_FOUND")


def test_relations_belong_to_both_parties_regions(api: Api) -> None:
    relation_id = _family(api, JIANGUO)["i_pay_for"][0]["id"]
    assert_problem(api.get(f"/relations/{relation_id}", as_="beijing"), 403, "REGION_NOT_GRANTED")
    assert_problem(
        api.post(f"/relations/{relation_id}/end", json={"by": JIANGUO}, as_="beijing"), 403, "REGION_NOT_GRANTED"
    )
    assert_problem(api.get("/relations/424242"), 404, "RELATION_NOT_FOUND")
    # 张丽 is Beijing's, 张建国 Shijiazhuang's: only an operator of both regions may ask about the two of them,
    # or bind them (an operator of one side would learn the other's name from the answer).
    for one_side in ("beijing", "operator"):
        refused = assert_problem(api.get(f"/people/{JIANGUO}/why/{ZHANGLI}", as_=one_side), 403, "REGION_NOT_GRANTED")
        assert "张丽" not in str(refused)
        assert "张建国" not in str(refused)
        body = {"authoriser": JIANGUO, "beneficiary": ZHANGLI, "relation_type": "sibling", "commitment": True}
        assert_problem(api.post("/relations", json=body, as_=one_side), 403, "REGION_NOT_GRANTED")
    assert api.get(f"/people/{JIANGUO}/why/{ZHANGLI}", as_="both").status_code == 200
    # a proxy link names two people too: the answer (his family) would show her name
    linked = api.post(f"/people/{JIANGUO}/proxy-links", json={"relative": ZHANGLI})
    assert_problem(linked, 403, "REGION_NOT_GRANTED")
    assert api.post(f"/people/{JIANGUO}/proxy-links", json={"relative": ZHANGLI}, as_="both").status_code == 201


def test_a_refused_request_is_logged_as_met_through_the_rest_api(api: Api, engine: Engine) -> None:
    refused = api.post(
        "/relations", json={"authoriser": JIANGUO, "beneficiary": DEFU, "relation_type": "other_relative"}
    )
    problem = assert_problem(refused, 422, refused.json()["code"])
    with engine.connect() as conn:
        logged = conn.execute(select(refusals.c.operation, refusals.c.code, refusals.c.channel, refusals.c.region))
        assert (
            "relation.request",
            problem["code"],
            "rest",
            "130100",
        ) in logged.all()
