"""1101 人员信息获取 names a person by a well-formed ID number or is refused as such: a malformed ``certno`` (or ID-card
credential) is ``ID_NUMBER_INVALID`` in the envelope, never "查无此人"."""

from __future__ import annotations

from gongji.service.demo import DEFU
from tests.fsi.conftest import FsiServer


def test_a_malformed_number_is_invalid_and_a_well_formed_stranger_not_found(fsi_server: FsiServer) -> None:
    client = fsi_server.hospital
    for data in (
        {"certno": "123"},
        {"psn_cert_type": "01", "certno": DEFU[:-1] + "7"},  # a wrong check character
        {"mdtrt_cert_type": "02", "mdtrt_cert_no": "123456"},
    ):
        answer = client.call("1101", {"data": data})
        assert answer.infcode == -2, data
        assert answer.err_msg is not None
        assert "身份证号码" in answer.err_msg, answer.err_msg
        assert "查无此人" not in answer.err_msg, answer.err_msg
    stranger = client.call("1101", {"data": {"certno": "130102199001011237"}})
    assert stranger.infcode == -2
    assert stranger.err_msg is not None
    assert stranger.err_msg.startswith("查无此人")
    assert client.call("1101", {"data": {"certno": DEFU}}).infcode == 0
