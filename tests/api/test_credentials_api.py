"""The card and the electronic voucher over the REST API: an operator reads a person's card number and issues a
voucher whose token a terminal then uses (shown once); other regions' operators and institutions are refused."""

from __future__ import annotations

from gongji.service.credentials import resolve_credential
from tests.api.conftest import Api, assert_problem
from tests.helpers import JIANGUO, ZHANGLI


def test_an_operator_reads_the_card_number_and_issues_a_voucher(api: Api) -> None:
    card = api.get(f"/people/{JIANGUO}/card")
    assert card.status_code == 200, card.text
    body = card.json()
    assert body["name"] == "张建国"
    holder = resolve_credential(api.ctx, "03", body["card_no"], body["card_sn"])
    assert holder.certno == JIANGUO
    issued = api.post(f"/people/{JIANGUO}/vouchers", key="voucher-once")
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert resolve_credential(api.ctx, "01", token).certno == JIANGUO
    replay = api.post(f"/people/{JIANGUO}/vouchers", key="voucher-once")
    assert replay.json()["token"] is None
    assert replay.json()["fingerprint"] == issued.json()["fingerprint"]


def test_a_card_and_a_voucher_stay_within_the_operators_regions(api: Api) -> None:
    assert_problem(api.get(f"/people/{ZHANGLI}/card"), 403, "REGION_NOT_GRANTED")
    assert_problem(api.post(f"/people/{ZHANGLI}/vouchers"), 403, "REGION_NOT_GRANTED")
    assert_problem(api.get(f"/people/{JIANGUO}/card", as_="hospital"), 403, "ROLE_NOT_ALLOWED")
    assert api.get(f"/people/{ZHANGLI}/card", as_="beijing").status_code == 200
