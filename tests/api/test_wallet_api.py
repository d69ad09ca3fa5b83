"""The wallet (医保钱包) and the inbox over the REST API: 张丽 in Beijing sends to her mother 赵桂兰 in Shijiazhuang,
who accepts; refusals are problems with their codes in both languages; keys replay; regions are kept apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from gongji.service.audit import audit
from gongji.service.clock import SHANGHAI
from tests.api.conftest import Api, assert_problem
from tests.helpers import GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI, snapshot


def _open_both(api: Api) -> None:
    for ref, token in ((ZHANGLI, "beijing"), (GUILAN, "operator")):
        opened = api.post(f"/people/{ref}/wallet", as_=token)
        assert opened.status_code == 200, opened.text
        assert opened.json()["status"] == "open"


def _transfer(amount_fen: int = 50_000, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"receiver": GUILAN, "amount_fen": amount_fen, "relation_type": "parent", "face_token": "ok"}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def _send(api: Api, amount_fen: int = 50_000, **kwargs: Any) -> Any:
    return api.post(f"/people/{ZHANGLI}/wallet/transfers", json=_transfer(amount_fen), as_="both", **kwargs)


def _wallet(api: Api, ref: str, token: str = "operator") -> dict[str, Any]:
    response = api.get(f"/people/{ref}/wallet", as_=token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_transfer_sent_in_beijing_and_accepted_in_shijiazhuang(api: Api) -> None:
    _open_both(api)
    sender_before, mother_before = _wallet(api, ZHANGLI, "beijing"), _wallet(api, GUILAN)
    sent = _send(api)
    assert sent.status_code == 201, sent.text
    transfer = sent.json()
    assert (transfer["sender"], transfer["receiver"], transfer["relation_zh"]) == ("张丽", "赵桂兰", "父母")
    assert (transfer["status"], transfer["amount_yuan"]) == ("pending", "500.00")
    assert transfer["return_due_at"].startswith("2026-11-23T06:00")
    sender = _wallet(api, ZHANGLI, "beijing")
    assert sender["reserved_out_fen"] == sender_before["reserved_out_fen"] + 50_000
    assert sender["outgoing"][0]["receiver"] == "赵桂兰"
    waiting = _wallet(api, GUILAN)
    assert waiting["balance_fen"] == mother_before["balance_fen"]
    assert waiting["pending_in_fen"] == mother_before["pending_in_fen"] + 50_000

    accepted = api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    mother = _wallet(api, GUILAN)
    assert mother["balance_fen"] == mother_before["balance_fen"] + 50_000
    assert mother["pending_in_fen"] == mother_before["pending_in_fen"]
    newest = [(e["kind"], e["transfer_id"], e["direction"], e["counterparty"]) for e in mother["history"][:2]]
    assert newest == [("accepted", transfer["id"], "in", "张丽"), ("sent", transfer["id"], "in", "张丽")]
    listed = api.get(f"/people/{GUILAN}/wallet/transfers", params={"direction": "in"}).json()
    assert listed[0]["id"] == transfer["id"]
    assert api.get(f"/people/{GUILAN}/wallet/transfers", params={"direction": "out"}).json() == []
    assert audit(api.ctx).clean


def test_both_sides_are_told_and_mark_what_they_read(api: Api) -> None:
    _open_both(api)
    transfer = _send(api).json()
    api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/accept")
    waiting = api.get(f"/people/{GUILAN}/notices").json()[0]  # newest first
    assert waiting["kind"] == "WALLET_TRANSFER_WAITING"
    assert "张丽" in waiting["text_zh"]
    assert "500.00" in waiting["text_en"]
    assert waiting["read"] is False
    told = api.get(f"/people/{ZHANGLI}/notices", as_="beijing").json()[0]
    assert told["kind"] == "WALLET_TRANSFER_ACCEPTED"
    assert "赵桂兰" in told["text_zh"]
    # Another person's notification is left alone; marking read again changes nothing.
    read = api.post(f"/people/{GUILAN}/notices/read", json={"ids": [waiting["id"], told["id"]]})
    assert read.status_code == 200, read.text
    assert read.json() == {"changed": 1}
    assert api.post(f"/people/{GUILAN}/notices/read", json={"ids": [waiting["id"]]}).json() == {"changed": 0}
    assert api.get(f"/people/{GUILAN}/notices").json()[0]["read"] is True
    assert api.get(f"/people/{ZHANGLI}/notices", as_="beijing").json()[0]["read"] is False
    assert_problem(api.post(f"/people/{GUILAN}/notices/read", json={"ids": []}), 422, "REQUEST_INVALID")


def test_refusals_are_problems_with_their_code_in_both_languages(api: Api) -> None:
    _open_both(api)
    before = snapshot(api.engine)
    nephew = api.post(
        f"/people/{ZHANGLI}/wallet/transfers",
        json=_transfer(10_000, receiver=XIAOMING, relation_type="other_relative"),
        as_="both",
    )
    body = assert_problem(nephew, 422, "WALLET_RELATION_NOT_CLOSE")
    assert "近亲属" in body["detail"]
    assert "not a close relative" in body["detail_en"]
    # The national limits are judged before her balance: 2,000.01 is over the amount limit, whatever she holds.
    over = assert_problem(_send(api, 200_001), 422, "WALLET_AMOUNT_OVER_LIMIT")
    assert "2,000.01" in over["detail_en"]
    # Within the limit, more than her shareable balance (the demo reserved 500.00 of her 2,000.00 for her mother).
    short = assert_problem(_send(api, 160_000), 422, "WALLET_SHAREABLE_TOO_LOW")
    assert "张丽" in short["detail"]
    assert "1,600.00" in short["detail_en"]
    unverified = api.post(f"/people/{ZHANGLI}/wallet/transfers", json=_transfer(face_token=None), as_="both")
    assert_problem(unverified, 422, "WALLET_VERIFICATION_REQUIRED")
    failed = api.post(f"/people/{ZHANGLI}/wallet/transfers", json=_transfer(face_token="fail-1"), as_="both")
    assert_problem(failed, 422, "WALLET_VERIFICATION_FAILED")
    both_ways = api.post(f"/people/{ZHANGLI}/wallet/transfers", json=_transfer(password="123456"), as_="both")
    assert_problem(both_ways, 422, "REQUEST_INVALID")
    assert_problem(api.post(f"/people/{JIANGUO}/wallet/transfers/999999/accept"), 404, "WALLET_TRANSFER_NOT_FOUND")
    assert snapshot(api.engine) == before


def test_the_quiet_hours_and_the_actors_of_a_transfer(api: Api) -> None:
    _open_both(api)
    transfer = _send(api).json()
    # 张建国 is not the receiver; 赵桂兰 may not take back what she did not send; Beijing lets no sender take back.
    not_his = api.post(f"/people/{JIANGUO}/wallet/transfers/{transfer['id']}/accept")
    assert_problem(not_his, 422, "WALLET_NOT_YOURS")
    assert_problem(api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/take-back"), 422, "WALLET_NOT_YOURS")
    api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/accept")
    take_back = api.post(f"/people/{ZHANGLI}/wallet/transfers/{transfer['id']}/take-back", as_="beijing")
    assert_problem(take_back, 422, "WALLET_TAKE_BACK_NOT_ALLOWED")
    again = api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/decline")
    assert_problem(again, 422, "WALLET_TRANSFER_STATE_WRONG")
    api.clock.set(datetime(2026, 11, 22, 22, 30, tzinfo=SHANGHAI))
    assert_problem(_send(api, 100), 422, "WALLET_QUIET_HOURS")


def test_a_key_replays_the_same_transfer_and_a_write_needs_one(api: Api) -> None:
    _open_both(api)
    sent_before = len(api.get(f"/people/{ZHANGLI}/wallet/transfers", as_="beijing").json())
    first = _send(api, key="wallet-key-1")
    assert first.status_code == 201, first.text
    replayed = _send(api, key="wallet-key-1")
    assert replayed.status_code == 201
    assert replayed.json() == first.json()
    assert len(api.get(f"/people/{ZHANGLI}/wallet/transfers", as_="beijing").json()) == sent_before + 1
    assert_problem(_send(api, 10_000, key="wallet-key-1"), 409, "IDEMPOTENCY_CONFLICT")
    assert_problem(_send(api, key=False), 400, "IDEMPOTENCY_KEY_MISSING")
    transfer_id = first.json()["id"]
    for path in (f"/people/{GUILAN}/wallet/transfers/{transfer_id}/accept", f"/people/{GUILAN}/wallet"):
        assert_problem(api.post(path, key=False), 400, "IDEMPOTENCY_KEY_MISSING")
    assert_problem(api.delete(f"/people/{GUILAN}/wallet", key=False), 400, "IDEMPOTENCY_KEY_MISSING")


def test_an_operator_acts_only_for_people_of_his_regions(api: Api) -> None:
    _open_both(api)
    # A transfer names two people: Shijiazhuang's operator may not send from Beijing, nor Beijing's to Shijiazhuang.
    assert_problem(_transfer_as(api, "operator"), 403, "REGION_NOT_GRANTED")
    assert_problem(_transfer_as(api, "beijing"), 403, "REGION_NOT_GRANTED")
    assert_problem(api.get(f"/people/{GUILAN}/wallet", as_="beijing"), 403, "REGION_NOT_GRANTED")
    assert_problem(api.get(f"/people/{ZHANGLI}/notices"), 403, "REGION_NOT_GRANTED")
    assert_problem(api.post(f"/people/{ZHANGLI}/wallet"), 403, "REGION_NOT_GRANTED")
    assert_problem(api.get(f"/people/{GUILAN}/wallet", as_="hospital"), 403, "ROLE_NOT_ALLOWED")
    assert api.get(f"/people/{ZHANGLI}/wallet/transfers", as_="beijing").status_code == 200


def _transfer_as(api: Api, token: str) -> Any:
    return api.post(f"/people/{ZHANGLI}/wallet/transfers", json=_transfer(), as_=token)


def test_a_wallet_closes_only_when_nothing_waits(api: Api) -> None:
    _open_both(api)
    transfer = _send(api).json()
    assert_problem(api.delete(f"/people/{GUILAN}/wallet"), 422, "WALLET_NOT_EMPTY")
    declined = api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/decline")
    assert declined.json()["status"] == "declined"
    closed = api.delete(f"/people/{GUILAN}/wallet")
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert api.get(f"/people/{ZHANGLI}/wallet", as_="beijing").json()["reserved_out_fen"] == 0
    assert api.get(f"/people/{XIUYING}/wallet").json()["status"] == "not_opened"


def test_metrics_count_transfers_by_status(api: Api) -> None:
    _open_both(api)
    transfer = _send(api).json()
    api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/decline")
    _send(api, 100)
    response = api.portal.call(api.client.get, "/metrics")
    assert response.status_code == 200
    counts = {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(response.text)
        if family.name == "gongji_wallet_transfers"
        for sample in family.samples
    }
    assert counts["pending"] == 1
    assert counts["declined"] == 1
    assert set(counts) == {"pending", "accepted", "declined", "returned", "taken_back", "spent", "closed"}


def test_the_description_shows_the_wallet_in_fen_and_yuan(api: Api) -> None:
    document = api.app.openapi()
    assert {"get", "post", "delete"} <= set(document["paths"]["/api/v1/people/{ref}/wallet"])
    assert "post" in document["paths"]["/api/v1/people/{ref}/wallet/transfers/{transfer_id}/take-back"]
    schemas = document["components"]["schemas"]
    assert schemas["WalletOut"]["properties"]["balance_fen"]["type"] == "integer"
    assert schemas["WalletOut"]["properties"]["balance_yuan"]["type"] == "string"
    assert schemas["WalletTransferIn"]["properties"]["amount_fen"]["exclusiveMinimum"] == 0


def test_her_contribution_is_paid_from_the_wallet(api: Api) -> None:
    _open_both(api)
    transfer = _send(api, 40_000).json()
    api.post(f"/people/{GUILAN}/wallet/transfers/{transfer['id']}/accept")
    before = _wallet(api, GUILAN)["balance_fen"]
    body = {"kind": "resident_basic", "amount_fen": 38_000, "year": 2027, "reference": "2027 居民医保"}
    paid = api.post(f"/people/{GUILAN}/wallet/contributions", json=body)
    assert paid.status_code == 201, paid.text
    assert paid.json()["amounts"]["acct_mulaid_pay_fen"] == 38_000
    assert _wallet(api, GUILAN)["balance_fen"] == before - 38_000
    too_much = api.post(f"/people/{GUILAN}/wallet/contributions", json={**body, "amount_fen": before})
    assert_problem(too_much, 422, "CONTRIBUTION_NOT_COVERED")
    assert audit(api.ctx).clean
