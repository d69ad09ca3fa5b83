"""What a client sends that gongji cannot use is refused (infcode −2, the field named), never answered as a fault
(−1, which tells the client to send 2601 冲正): lone surrogates and NUL anywhere in a message, numbers beyond any
field, nesting deeper than any message, a path that names no transaction, and 2601 naming a message of another
transaction. Each still writes its access-log line."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gongji.api.fsi.client import PATH, FsiAnswer
from gongji.service.demo import DEFU
from tests.fsi.conftest import FsiServer, HisClient
from tests.fsi.test_http import body_of, defu_bill, ok, own_balance, person, post, register_input


def refused(answer: FsiAnswer, *fragments: str) -> str:
    """The refusal's ``err_msg``, checked: infcode −2, no output, every fragment in the message."""
    assert (answer.infcode, answer.output) == (-2, None), answer.body
    assert answer.err_msg is not None
    for fragment in fragments:
        assert fragment in answer.err_msg
    return answer.err_msg


def escaped(client: HisClient, infno: str, input_: dict[str, Any], **envelope: Any) -> bytes:
    """A body as a client with an ASCII-only JSON encoder writes it: a lone surrogate as its ``\\uXXXX`` escape."""
    document = {**client.envelope(infno, input_, client.new_msgid()), **envelope}
    return json.dumps(document).encode("ascii")


def with_raw(body: bytes, placeholder: str, raw: str) -> bytes:
    """``body`` with the JSON string ``placeholder`` replaced by the raw JSON text ``raw`` (a number no encoder
    writes, nesting no client builds)."""
    return body.replace(json.dumps(placeholder).encode(), raw.encode())


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The access-log lines captured, each checked to be writable as UTF-8."""
    lines = [record.getMessage() for record in caplog.records if record.name == "gongji.access"]
    for line in lines:
        line.encode("utf-8")
    return [json.loads(line) for line in lines]


def test_a_lone_surrogate_is_refused_naming_its_field_and_the_line_is_still_logged(
    fsi_server: FsiServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = fsi_server.hospital
    body = escaped(client, "9001", {"signIn": {"opter_no": "01", "mac": "\ud800", "ip": "10.0.0.8"}})
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        answer = post(fsi_server, body, client.headers())
    refused(answer, "input.signIn.mac", "U+D800")
    [line] = access_lines(caplog)
    assert (line["infcode"], line["code"]) == (-2, "FIELD_INVALID")

    in_the_envelope = escaped(client, "1101", {"data": {"certno": DEFU}}, opter_name="张\udfff")
    refused(post(fsi_server, in_the_envelope, client.headers()), "opter_name", "U+DFFF")
    as_a_key = escaped(client, "1101", {"data": {"certno": DEFU, "\ud83d": 1}})
    refused(post(fsi_server, as_a_key, client.headers()), "input.data.\\ud83d", "字段名")


def test_nul_is_refused_wherever_it_stands(fsi_server: FsiServer) -> None:
    client = fsi_server.hospital
    psn_no = person(client, DEFU)["baseinfo"]["psn_no"]
    registration = register_input(psn_no, DEFU, "310", dept_name="内科\x00")
    refused(client.call("2201", registration), "input.data.dept_name", "U+0000")


def test_numbers_beyond_any_field_are_refused_naming_the_field(fsi_server: FsiServer) -> None:
    """Valid JSON numbers (``1E+999999999999``) overflowed the decimal arithmetic of the field readers."""
    client = fsi_server.hospital
    bill = defu_bill(fsi_server)
    total = bill.settle_input(medfee_sumamt="HUGE")
    body = with_raw(body_of(client, "2206", total), "HUGE", "1e999999999999")
    refused(post(fsi_server, body, client.headers()), "data.medfee_sumamt", "超过上限")
    insutype = register_input(bill.psn_no, DEFU, "HUGE")
    body = with_raw(body_of(client, "2201", insutype), "HUGE", "1E+999999999999")
    refused(post(fsi_server, body, client.headers()), "data.insutype")
    setl_id = {"data": {"setl_id": "HUGE"}}
    body = with_raw(body_of(client, "2208", setl_id), "HUGE", "-1e999999999")
    refused(post(fsi_server, body, client.headers()), "data.setl_id")
    fee = {"feedetl_sn": "9", "mdtrt_id": bill.mdtrt_id, "med_list_codg": "001102000010000", "pric": "10.00"}
    upload = {"feedetail": [{**fee, "cnt": "HUGE", "det_item_fee_sumamt": "10.00"}]}
    body = with_raw(body_of(client, "2204", upload), "HUGE", "1E+999999999999")
    refused(post(fsi_server, body, client.headers()), "feedetail[0].cnt")


def test_nesting_deeper_than_any_message_is_refused(fsi_server: FsiServer, caplog: pytest.LogCaptureFixture) -> None:
    client = fsi_server.hospital
    deep = "[" * 600 + "]" * 600  # deep enough for the recursion of the log's masking, not for the JSON parser
    body = with_raw(body_of(client, "1101", {"data": "DEEP"}), "DEEP", deep)
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        answer = post(fsi_server, body, client.headers())
    refused(answer, "嵌套超过 16 层")
    assert len(access_lines(caplog)) == 1


def test_a_path_that_names_no_transaction_is_refused_and_labels_no_metric(fsi_server: FsiServer) -> None:
    client = fsi_server.hospital
    junk = "x" * 300
    answer = post(fsi_server, b"not json", client.headers(), path=f"{PATH}/{junk}")
    refused(answer, "请求体不是合法的 JSON")
    body = body_of(client, "1101", {"data": {"certno": DEFU}})
    refused(post(fsi_server, body, client.headers(), path=f"{PATH}/{junk}"), "与报文 1101 不符")
    text = fsi_server.http.get("/metrics").text
    operations = {
        sample.labels.get("operation")
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels.get("interface") == "fsi"
    }
    assert junk not in operations
    assert all(len(operation) == 4 for operation in operations)


def test_2601_naming_a_message_of_another_transaction_is_refused_saying_what_it_was(fsi_server: FsiServer) -> None:
    server = fsi_server
    client = server.hospital
    bill = defu_bill(server)
    registered = client.call("2201", register_input(bill.psn_no, DEFU, "310"))
    settled = client.call("2207", bill.settle_input())
    ok(registered)
    ok(settled)
    balance = own_balance(server, DEFU)

    def undo(omsgid: str, oinfno: str) -> FsiAnswer:
        return client.call("2601", {"data": {"psn_no": bill.psn_no, "omsgid": omsgid, "oinfno": oinfno}})

    refused(
        undo(registered.msgid, "2207"), registered.msgid, "挂号或入院办理（2201/2401）", "不是交易 2207", "2207、2304"
    )
    refused(undo(settled.msgid, "2201"), "结算（2207/2304）", "不是交易 2201")
    refused(undo(settled.msgid, "1101"), "结算（2207/2304）", "不是交易 1101")
    assert own_balance(server, DEFU) == balance
    # Named rightly, the same settlement is undone.
    assert ok(undo(settled.msgid, "2207")) is None
    assert own_balance(server, DEFU) > balance
