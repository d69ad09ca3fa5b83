"""Masking personal data before a message goes to a log."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gongji.api.fsi.mask import mask_card, mask_certno, mask_name, mask_payload, mask_phone, mask_secret

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
