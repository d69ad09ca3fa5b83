"""Masking personal data before a message goes to a log."""

from __future__ import annotations

import base64
import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from gongji.api.fsi.mask import mask_card, mask_certno, mask_name, mask_payload, mask_phone, mask_secret, mask_text
from gongji.api.observability import ACCESS_LOG, log_request

SAMPLES = Path(__file__).resolve().parent / "samples"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("130102199003070012", "130102********0012"),
        ("13010219900307001X", "130102********001X"),
        ("130102900307001", "130102*****7001"),  # a 15-digit number of the first generation
        ("E12345678", "E1*****78"),  # a passport
        ("123456", "******"),
        ("", ""),
    ],
)
def test_id_numbers_keep_the_area_and_the_last_four(number: str, masked: str) -> None:
    assert mask_certno(number) == masked
    assert len(mask_certno(number)) == len(number)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张三明", "张*明"), ("欧阳娜娜", "欧**娜"), ("李", "*"), ("", ""), ("John Smith", "J********h")],
)
def test_names_keep_the_first_and_from_three_characters_the_last(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("0311-87654321", "031******4321"), ("110", "***")],
)
def test_phone_numbers_keep_the_first_three_and_last_four(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_cards_keep_two_characters_and_secrets_nothing_not_even_their_length() -> None:
    assert mask_card("A50000000") == "A5*******"
    assert mask_secret("123456") == mask_secret("a much longer encrypted card password") == "******"
    assert mask_secret("") == ""


def test_a_whole_request_is_masked_by_field_name_and_the_original_is_untouched() -> None:
    request: dict[str, Any] = json.loads((SAMPLES / "1101_request_spec_example.json").read_text(encoding="utf-8"))
    before = copy.deepcopy(request)

    masked = mask_payload(request)

    assert request == before
    assert masked["input"]["data"]["psn_name"] == "李*"
    assert masked["input"]["data"]["certno"] == "510000********0000"
    # Staff, institution and routing fields stay readable: they are what an operator searches the log for.
    assert masked["opter_name"] == "张三"
    assert masked["fixmedins_name"] == "第一人民医院"
    assert masked["msgid"] == request["msgid"]
    assert masked["input"]["data"]["begntime"] == "2020-01-01"


def test_lists_nesting_other_spellings_and_numbers_are_masked_too() -> None:
    message = {
        "input": {
            "feedetail": [{"psnName": "王小二", "mdtrt_cert_no": "130102199003070012", "cnt": 1}],
            "data": {"TEL": 13812345678, "card_sn": "A50000000", "cainfo": "PIN:123456", "mob": None, "tel": ""},
        }
    }

    masked = mask_payload(message)

    line = masked["input"]["feedetail"][0]
    assert line == {"psnName": "王*二", "mdtrt_cert_no": "130102********0012", "cnt": 1}
    data = masked["input"]["data"]
    assert data["TEL"] == "138****5678"
    assert data["card_sn"] == "A5*******"
    assert data["cainfo"] == "******"
    assert data["mob"] is None
    assert data["tel"] == ""


def test_a_response_is_masked_the_same_way() -> None:
    response = json.loads((SAMPLES / "1101_response_hebei_multi_insutype.json").read_text(encoding="utf-8"))

    masked = mask_payload(response)

    assert masked["output"]["baseinfo"]["psn_name"] == "（***）"
    assert masked["output"]["baseinfo"]["psn_no"] == response["output"]["baseinfo"]["psn_no"]
    assert masked["output"]["insuinfo"][0]["balc"] == 26933.88


def test_extra_fields_can_be_masked_and_known_ones_overridden() -> None:
    message = {"name": "张建国", "dr_name": "刘医生", "certno": "130102199003070012"}

    masked = mask_payload(message, extra={"name": mask_name, "DR_NAME": mask_name, "certno": mask_secret})

    assert masked == {"name": "张*国", "dr_name": "刘*生", "certno": "******"}


# --- by value: ID and mobile numbers wherever they stand, names whatever their JSON type ---------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("130102197503150019", "130102********0019"),
        ("身份证130102197708220025，电话13803110025", "身份证130102********0025，电话138****0025"),
        ("id 13010219750315001X.", "id 130102********001X."),
        ("130102 19750315 0019", "130102********0019"),
        ("+8613803110019", "+86138****0019"),
        ("138-0311-0019", "138****0019"),
    ],
)
def test_id_and_mobile_numbers_are_masked_anywhere_in_a_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "kept",
    [
        "130100000000000042",  # mdtrt_id / setl_id: a region and a sequence, no birth date
        "13010200000000000004",  # psn_no: 20 digits
        "H13010200001202611221200000001",  # a msgid: the digits run on
        "H13010200001",  # an institution code: not a phone number
        "20261122120000",
        "1301021975031500191",  # 19 digits: no ID number
    ],
)
def test_gongjis_own_identifiers_and_longer_runs_of_digits_stay_readable(kept: str) -> None:
    assert mask_text(kept) == kept
    assert mask_payload({"mdtrt_id": kept}) == {"mdtrt_id": kept}


def test_id_numbers_under_any_key_or_in_free_text_are_masked() -> None:
    message = {
        "sfzh": "130102197503150019",
        "id_no": 130102194801100016,
        "memo": "患者 130102201206050037 家属电话 13803110016",
        "patient": {"note": ["证件 130102197708220025"]},
        "130102197503150019": "as a key",
    }

    masked = json.dumps(mask_payload(message), ensure_ascii=False)

    for number in ("130102197503150019", "130102194801100016", "130102201206050037", "130102197708220025"):
        assert number not in masked
        assert number[:6] + "*" * 8 + number[-4:] in masked
    assert "13803110016" not in masked


def test_names_are_masked_whatever_their_json_type() -> None:
    message = {
        "psn_name": ["张建国", "李秀英"],
        "data": {"name": {"family": "张", "given": "小明"}, "patn_name": [["张德福"]], "buyer_name": 12345},
        "PatientName": "王秀兰",
    }

    masked = mask_payload(message)

    assert masked["psn_name"] == ["张*国", "李*英"]
    assert masked["data"]["name"] == {"family": "*", "given": "小*"}
    assert masked["data"]["patn_name"] == [["张*福"]]
    assert masked["data"]["buyer_name"] == "1***5"
    assert masked["PatientName"] == "王*兰"
    assert message["psn_name"] == ["张建国", "李秀英"]  # the original is untouched


# --- files: 9101's fsUploadIn.in is never logged, only its length ---------------------------------------------------


def _upload(content: object, *, spelling: str = "fsUploadIn") -> dict[str, Any]:
    return {"infno": "9101", "input": {spelling: {"in": content, "filename": "fees.zip", "fixmedins_code": "H1"}}}


def test_a_files_content_becomes_a_placeholder_with_its_length() -> None:
    inside = "张德福 130102197503150019 13803110016".encode()
    text = base64.b64encode(inside * 50).decode("ascii")
    message = _upload(text)

    masked = mask_payload(message)

    assert masked["input"]["fsUploadIn"] == {
        "in": f"<file {len(text)} bytes base64>",
        "filename": "fees.zip",
        "fixmedins_code": "H1",
    }
    assert message["input"]["fsUploadIn"]["in"] == text  # the original is untouched


def test_a_file_sent_as_bytes_or_under_another_spelling_is_replaced_too() -> None:
    as_bytes = mask_payload(_upload([80, 75, 3, 4, -1]))
    assert as_bytes["input"]["fsUploadIn"]["in"] == "<file 5 bytes>"
    snake = mask_payload(_upload("UEsDBA==", spelling="fs_upload_in"))
    assert snake["input"]["fs_upload_in"]["in"] == "<file 8 bytes base64>"
    odd = mask_payload(_upload({"name": "张德福"}))
    assert odd["input"]["fsUploadIn"]["in"] == "<file>"
    # Nothing to hide: an absent file stays as it was sent, for the refusal it earns.
    assert mask_payload(_upload(None))["input"]["fsUploadIn"]["in"] is None
    assert mask_payload(_upload(""))["input"]["fsUploadIn"]["in"] == ""


def test_only_the_file_field_is_replaced() -> None:
    message = {"input": {"data": {"in": "130102197503150019"}, "fsDownloadIn": {"in": "plain", "filename": "a.txt"}}}

    masked = mask_payload(message)

    assert masked["input"]["data"]["in"] == "130102********0019"  # masked by value as any text is
    assert masked["input"]["fsDownloadIn"] == {"in": "plain", "filename": "a.txt"}


def test_the_access_log_writes_no_file(caplog: pytest.LogCaptureFixture) -> None:
    text = base64.b64encode(b"x" * 3_000).decode("ascii")
    with caplog.at_level(logging.INFO, logger=ACCESS_LOG.name):
        log_request(interface="fsi", infno="9101", input=_upload(text)["input"])

    [line] = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOG.name]
    assert text not in line
    assert json.loads(line)["input"]["fsUploadIn"]["in"] == "<file 4000 bytes base64>"
