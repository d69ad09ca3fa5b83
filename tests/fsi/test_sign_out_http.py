"""签退 (9002): a signed-out number is refused for every later message, whoever checks it; a replayed or repeated
sign-out answers the same; both public clients' shapes of the message are read — on both backends."""

from __future__ import annotations

from gongji.service.demo import DEFU, HOSPITAL, PHARMACY
from tests.fsi.conftest import FsiServer
from tests.fsi.test_http import assert_refused, ok, person


def test_a_signed_out_number_is_refused_and_the_sign_out_replays(fsi_server: FsiServer) -> None:
    server = fsi_server
    client = server.client(HOSPITAL)
    sign_no = client.sign_in()
    person(client, DEFU)  # accepted while signed in (a number once accepted used to be remembered)

    # hsa-his's shape: ``signOut{opter_no, sign_no}``, no sign_no in the envelope.
    outsider = server.client(HOSPITAL)
    first = outsider.call("9002", {"signOut": {"opter_no": "001", "sign_no": sign_no}})
    signed_out = ok(first)["signoutoutb"]
    assert signed_out["sign_time"]

    assert_refused(server, lambda: client.call("1101", {"data": {"certno": DEFU}}), "签退", sign_no, "9001")

    # Replayed, and signed out again by another message: the same time.
    replay = outsider.call("9002", {"signOut": {"opter_no": "001", "sign_no": sign_no}}, msgid=first.msgid)
    assert ok(replay)["signoutoutb"] == signed_out
    again = outsider.call("9002", {"signOut": {"opter_no": "001", "sign_no": sign_no}})
    assert ok(again)["signoutoutb"]["sign_time"] == signed_out["sign_time"]

    # The institution's other sign-ins go on.
    person(server.hospital, DEFU)


def test_the_sdk_shape_and_the_refusals_of_9002(fsi_server: FsiServer) -> None:
    server = fsi_server
    client = server.client(HOSPITAL)
    sign_no = client.sign_in()
    # idoku-test/HN-YBJ-SDK: ``input{sign_no, sign_time}`` as Newtonsoft writes a DateTime.
    ok(client.call("9002", {"sign_no": sign_no, "sign_time": "2026-11-22T12:00:00"}))
    assert client.call("1101", {"data": {"certno": DEFU}}).infcode == -2

    theirs = server.client(PHARMACY).sign_in()
    assert_refused(server, lambda: client.call("9002", {"signOut": {"sign_no": theirs}}), "不属于")
    assert_refused(server, lambda: client.call("9002", {"signOut": {"sign_no": "99999999"}}), "9001")
    assert_refused(server, lambda: server.client(HOSPITAL).call("9002", {"signOut": {"opter_no": "001"}}), "sign_no")
    # The pharmacy's number still works: only the number signed out is refused.
    pharmacy = server.client(PHARMACY, sign_no=theirs)
    person(pharmacy, DEFU)
