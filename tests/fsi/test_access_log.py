"""Each message of the national interface is one JSON line in the access log, with its msgid, institution and
outcome, and with ID numbers and names masked."""

from __future__ import annotations

import json
import logging

import pytest

from gongji.service.demo import DEFU, HOSPITAL
from tests.fsi.conftest import FsiServer


def test_each_message_is_one_masked_log_line(fsi_server: FsiServer, caplog: pytest.LogCaptureFixture) -> None:
    client = fsi_server.hospital
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        found = client.call("1101", {"data": {"certno": DEFU, "psn_name": "张德福"}})
        missing = client.call("1101", {"data": {"certno": "130102199001011237"}})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gongji.access"]
    assert [(line["infno"], line["msgid"], line["infcode"]) for line in lines] == [
        ("1101", found.msgid, 0),
        ("1101", missing.msgid, -2),
    ]
    assert {line["institution"] for line in lines} == {HOSPITAL}
    assert lines[1]["code"] == "PERSON_NOT_FOUND"
    written = json.dumps(lines, ensure_ascii=False)
    assert DEFU not in written
    assert "张德福" not in written
    # The ID number keeps its issuing area and last four characters, the name its first and last character.
    assert lines[0]["input"]["data"]["certno"] == DEFU[:6] + "*" * 8 + DEFU[-4:]
    assert lines[0]["input"]["data"]["psn_name"] == "张*福"


def test_nothing_is_masked_or_written_when_the_log_is_off(
    fsi_server: FsiServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gongji.access"):
        fsi_server.hospital.call("1101", {"data": {"certno": DEFU}})
    assert [r for r in caplog.records if r.name == "gongji.access"] == []


def test_personal_data_is_masked_by_value_and_names_whatever_their_type(
    fsi_server: FsiServer, caplog: pytest.LogCaptureFixture
) -> None:
    data = {
        "certno": DEFU,
        "psn_name": ["张德福"],
        "sfzh": DEFU,
        "id_no": int(DEFU),
        "memo": f"本人 {DEFU}，电话 13803110016",
        "patient": {"name": {"full": "张德福"}},
    }
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        answer = fsi_server.hospital.call("1101", {"data": data})
    assert answer.infcode == -2  # a name sent as an array is refused, and the line is still written
    [line] = [r.getMessage() for r in caplog.records if r.name == "gongji.access"]
    assert DEFU not in line
    assert "13803110016" not in line
    assert "张德福" not in line
    logged = json.loads(line)["input"]["data"]
    assert logged["psn_name"] == ["张*福"]
    assert logged["sfzh"] == logged["id_no"] == DEFU[:6] + "*" * 8 + DEFU[-4:]
    assert logged["memo"] == f"本人 {DEFU[:6]}{'*' * 8}{DEFU[-4:]}，电话 138****0016"
