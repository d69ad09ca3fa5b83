"""Reading the social-security card (1161) and the electronic voucher (1162), and naming a person in 1101 and in a
settlement by each credential type (01 voucher token, 02 ID number, 03 card number), over real HTTP.

The requests are shaped as the public hospital code builds them: newtouch-cloud/openhis
(b4fe7065ca75723f38d5f09ca6e2a55681c6e87a, ``CardecInfo_1161`` / ``CardecInfo_1162`` of the local YiBao controller:
1101's node with ``mdtrt_cert_type`` 03, the card number, ``card_sn``, ``psn_cert_type`` 03 and the card number as
``certno``; or 01 with the ``ecToken`` and the decoded ID number) and fengzaiqishi11/hsa-his
(1fcd557940391a10c84c139f1e65846eef69a664, ``PsnInfoReqUtil.java``: 01 with the ID number, type and name beside the
token).
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from gongji.api.fsi.mask import mask_payload
from gongji.service.clock import FixedClock
from gongji.service.credentials import IssueVoucher, ReplaceCard, issue_voucher, replace_card, show_card
from gongji.service.demo import DEFU, GUILAN, HOSPITAL, JIANGUO, ZHANGLI
from tests.fsi.conftest import BEGNTIME, FsiServer
from tests.fsi.test_http import CONSULTATION, assert_refused, assert_settlement, fee_row, ok, own_balance
from tests.serving import BUSINESS_NOW


def _token(server: FsiServer, certno: str) -> str:
    token = issue_voucher(server.ctx, IssueVoucher(certno), key=f"t:{secrets.token_hex(8)}").token
    assert token is not None
    return token


def _person(server: FsiServer, data: dict[str, Any]) -> dict[str, Any]:
    output: dict[str, Any] = ok(server.hospital.call("1101", {"data": {"begntime": BEGNTIME, **data}}))
    return output


def test_1161_reads_the_card_and_answers_the_person_with_the_card(fsi_server: FsiServer) -> None:
    card = show_card(fsi_server.ctx, DEFU)
    data = {
        "mdtrt_cert_type": "03",
        "mdtrt_cert_no": card.card_no,
        "card_sn": card.card_sn,
        "begntime": BEGNTIME,
        "psn_cert_type": "03",
        "certno": card.card_no,
        "psn_name": "张德福",
    }
    output = ok(fsi_server.hospital.call("1161", {"data": data}))
    assert output["baseinfo"]["certno"] == DEFU
    assert output["insuinfo"][0]["insutype"] == "310"
    assert (output["cardno"], output["card_sn"], output["ecToken"]) == (card.card_no, card.card_sn, None)
    info = output["cardecinfo"]
    assert (info["mdtrt_cert_type"], info["mdtrt_cert_no"], info["cardno"]) == ("03", card.card_no, card.card_no)
    # The HIS names him by the card number from now on: 1101 with 03 answers the same person.
    again = _person(fsi_server, {"mdtrt_cert_type": "03", "mdtrt_cert_no": card.card_no, "card_sn": card.card_sn})
    assert again["baseinfo"]["psn_no"] == output["baseinfo"]["psn_no"]


def test_1161_refuses_a_card_without_its_identification_code_or_another_credential(fsi_server: FsiServer) -> None:
    card = show_card(fsi_server.ctx, DEFU)
    client = fsi_server.hospital
    no_sn = {"mdtrt_cert_type": "03", "mdtrt_cert_no": card.card_no}
    assert_refused(fsi_server, lambda: client.call("1161", {"data": no_sn}), "卡识别码")
    id_card = {"mdtrt_cert_type": "02", "mdtrt_cert_no": DEFU}
    assert_refused(fsi_server, lambda: client.call("1161", {"data": id_card}), "03")
    wrong_sn = {**no_sn, "card_sn": "130100D156" + "0" * 22}
    assert_refused(fsi_server, lambda: client.call("1161", {"data": wrong_sn}), "卡识别码与卡不符")
    wrong_name = {**no_sn, "card_sn": card.card_sn, "psn_name": "张建国"}
    assert_refused(fsi_server, lambda: client.call("1161", {"data": wrong_name}), "姓名")


def test_1162_decodes_the_voucher_shown_as_the_code(fsi_server: FsiServer) -> None:
    token = _token(fsi_server, GUILAN)
    data = {
        "orgId": HOSPITAL,
        "businessType": "01101",
        "operatorId": "001",
        "operatorName": "收款员",
        "officeId": "A03",
        "officeName": "内科",
        "ecQrCode": token,
    }
    output = ok(fsi_server.hospital.call("1162", {"data": data}))
    assert output["baseinfo"]["certno"] == GUILAN
    assert output["ecToken"] == token
    assert output["cardecinfo"]["mdtrt_cert_type"] == "01"
    assert output["cardecinfo"]["mdtrt_cert_no"] == token
    # An ID number is no code: 1162 decodes vouchers only.
    assert_refused(fsi_server, lambda: fsi_server.hospital.call("1162", {"data": {"ecQrCode": GUILAN}}), "电子凭证")
    assert_refused(fsi_server, lambda: fsi_server.hospital.call("1162", {"data": {"orgId": HOSPITAL}}), "ecQrCode")


def test_1101_names_the_same_person_by_voucher_id_card_and_social_security_card(fsi_server: FsiServer) -> None:
    card = show_card(fsi_server.ctx, JIANGUO)
    token = _token(fsi_server, JIANGUO)
    by_voucher = _person(fsi_server, {"mdtrt_cert_type": "01", "mdtrt_cert_no": token})
    by_voucher_with_id = _person(
        fsi_server,
        {
            "mdtrt_cert_type": "01",
            "mdtrt_cert_no": token,
            "psn_cert_type": "01",
            "certno": JIANGUO,
            "psn_name": "张建国",
        },
    )
    by_id = _person(fsi_server, {"mdtrt_cert_type": "02", "mdtrt_cert_no": JIANGUO})
    by_card = _person(
        fsi_server,
        {"mdtrt_cert_type": "03", "mdtrt_cert_no": card.card_no, "card_sn": card.card_sn, "psn_cert_type": "03"},
    )
    found = {o["baseinfo"]["psn_no"] for o in (by_voucher, by_voucher_with_id, by_id, by_card)}
    assert len(found) == 1
    assert by_card["baseinfo"]["certno"] == JIANGUO


def test_1101_refuses_each_credential_that_names_nobody_for_its_own_reason(fsi_server: FsiServer) -> None:
    client = fsi_server.hospital

    def refused(data: dict[str, Any], *fragments: str) -> None:
        assert_refused(fsi_server, lambda: client.call("1101", {"data": data}), *fragments)

    refused({"mdtrt_cert_type": "03", "mdtrt_cert_no": "Z00000000"}, "查无此社会保障卡")
    refused({"mdtrt_cert_type": "01", "mdtrt_cert_no": "130100ec" + "a" * 32}, "查无此凭证")
    refused({"mdtrt_cert_type": "04", "mdtrt_cert_no": JIANGUO}, "就诊凭证类型", "04")
    token = _token(fsi_server, JIANGUO)
    refused({"mdtrt_cert_type": "01", "mdtrt_cert_no": token, "certno": DEFU}, "证件号码与就诊凭证不是同一人")
    _token(fsi_server, JIANGUO)  # refreshing the code revokes the earlier one
    refused({"mdtrt_cert_type": "01", "mdtrt_cert_no": token}, "作废")
    old = show_card(fsi_server.ctx, ZHANGLI)
    replace_card(fsi_server.ctx, ReplaceCard(ZHANGLI), key=f"t:{secrets.token_hex(8)}")
    refused({"mdtrt_cert_type": "03", "mdtrt_cert_no": old.card_no, "card_sn": old.card_sn}, "补换")


def test_1101_refuses_an_expired_voucher(fsi_server: FsiServer) -> None:
    token = _token(fsi_server, DEFU)
    clock = fsi_server.ctx.clock
    assert isinstance(clock, FixedClock)
    clock.set(BUSINESS_NOW + timedelta(hours=12))
    try:
        assert_refused(
            fsi_server,
            lambda: fsi_server.hospital.call("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}}),
            "过期",
        )
    finally:
        clock.set(BUSINESS_NOW)


def test_a_visit_opened_with_the_social_security_card_is_settled_with_it(fsi_server: FsiServer) -> None:
    client = fsi_server.hospital
    card = show_card(fsi_server.ctx, DEFU)
    credential = {"mdtrt_cert_type": "03", "mdtrt_cert_no": card.card_no, "card_sn": card.card_sn}
    psn_no = _person(fsi_server, credential)["baseinfo"]["psn_no"]
    registration = {
        "psn_no": psn_no,
        "insutype": "310",
        "begntime": BEGNTIME,
        **credential,
        "ipt_otp_no": f"MZ{secrets.token_hex(4)}",
        "atddr_no": "D001",
        "dr_name": "王医生",
        "dept_code": "A03",
        "dept_name": "内科",
        "caty": "A03",
    }
    mdtrt_id = ok(client.call("2201", {"data": registration}))["data"]["mdtrt_id"]
    ok(client.call("2204", {"feedetail": [fee_row(mdtrt_id, psn_no, "1", CONSULTATION)]}))
    settle = {
        "psn_no": psn_no,
        **credential,
        "med_type": "11",
        "medfee_sumamt": CONSULTATION[1],
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": "B1",
        "acct_used_flag": "1",
        "insutype": "310",
    }
    ok(client.call("2206", {"data": settle}))
    output = ok(client.call("2207", {"data": settle}))
    assert output["setlinfo"]["mdtrt_cert_type"] == "03"
    assert output["setlinfo"]["psn_no"] == psn_no
    assert_settlement(output, balance_after=own_balance(fsi_server, DEFU))


def test_a_voucher_token_is_never_written_whole_to_the_access_log() -> None:
    token = "130100ec" + "b" * 32
    for message in (
        {"data": {"ecQrCode": token, "orgId": HOSPITAL}},
        {"data": {"ecToken": token}},
        {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}},
    ):
        assert token not in json.dumps(mask_payload(message))
