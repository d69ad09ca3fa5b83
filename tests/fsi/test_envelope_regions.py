"""The envelope's regions (``mdtrtarea_admvs`` 就医地, ``insuplc_admdvs`` 参保地) must be codes of the region list:
a well-formed code that names no region, or a value that is no 6-digit code, is a −2 naming the field."""

from __future__ import annotations

import json

import pytest

from gongji.api.fsi.envelope import parse_envelope
from gongji.service.demo import DEFU
from tests.fsi.conftest import FsiServer
from tests.fsi.test_envelope import envelope, refused

REGION_FIELDS = ("mdtrtarea_admvs", "insuplc_admdvs")


@pytest.mark.parametrize("field", REGION_FIELDS)
@pytest.mark.parametrize(
    "code",
    [
        "130600",  # 保定市, which gongji once did not know
        "130602",  # 竞秀区, a county-level district
        "429021",  # 神农架林区, 直辖县级
        "130399",  # 秦皇岛市本级, as a real Hebei answer names it
        "100000",  # the national level
        "110103",  # 崇文区, merged into 东城区 in 2010: a code of the list, the envelope has no date to judge it by
        130600,  # a number, as some clients write codes
    ],
)
def test_a_region_code_of_the_list_is_accepted(field: str, code: str | int) -> None:
    parsed = parse_envelope(envelope("1101", {}, **{field: code}))
    assert getattr(parsed, field) == str(code)


@pytest.mark.parametrize("field", REGION_FIELDS)
@pytest.mark.parametrize("code", ["999999", "429000", "130190", "110100"])
def test_a_well_formed_code_that_names_no_region_is_refused(field: str, code: str) -> None:
    error = refused(envelope("1101", {}, **{field: code}), field)
    assert field in error.message_zh
    assert code in error.message_zh
    assert "GB/T 2260" in error.message_en


@pytest.mark.parametrize("field", REGION_FIELDS)
@pytest.mark.parametrize("value", ["13060", "1306000", "13060A", "保定市", "130 600"])
def test_a_value_that_is_no_six_digit_code_is_refused(field: str, value: str) -> None:
    error = refused(envelope("1101", {}, **{field: value}), field)
    assert "6 位" in error.message_zh


@pytest.mark.parametrize("field", REGION_FIELDS)
def test_a_blank_region_is_no_region(field: str) -> None:
    assert getattr(parse_envelope(envelope("1101", {}, **{field: ""})), field) is None


def test_the_interface_answers_an_unknown_region_with_minus_two_naming_the_field(fsi_server: FsiServer) -> None:
    client = fsi_server.hospital
    for field, code in (("insuplc_admdvs", "999999"), ("mdtrtarea_admvs", "429000")):
        msgid = client.new_msgid()
        body = client.envelope("1101", {"data": {"psn_cert_type": "01", "certno": DEFU}}, msgid)
        body[field] = code
        answer = client.send(json.dumps(body, ensure_ascii=False).encode(), msgid)
        assert answer.infcode == -2, answer
        assert answer.err_msg is not None
        assert field in answer.err_msg
        assert code in answer.err_msg

    msgid = client.new_msgid()
    body = client.envelope("1101", {"data": {"psn_cert_type": "01", "certno": DEFU}}, msgid)
    body["insuplc_admdvs"] = body["mdtrtarea_admvs"] = "130600"
    assert client.send(json.dumps(body, ensure_ascii=False).encode(), msgid).infcode == 0
