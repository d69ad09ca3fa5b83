"""Response envelopes in the platform's formats, and amounts written as exact JSON numbers from fen."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum

import pytest

from gongji.api.fsi.fields import amount_fen
from gongji.api.fsi.reply import (
    SEQUENCE_LIMIT,
    Infcode,
    RefMsgIds,
    dumps,
    inf_refmsgid,
    national_time,
    reply,
    yuan,
)
from gongji.service.clock import SHANGHAI
from tests.fsi.national import SETLINFO_AMOUNTS
from tests.helpers import load_sample

RECEIVED = datetime(2021, 7, 13, 23, 8, 9, 297_000, tzinfo=SHANGHAI)
RESPONDED = datetime(2021, 7, 13, 23, 8, 10, 282_000, tzinfo=SHANGHAI)
REFMSGID = "500000202107141108170000514555"

# --- yuan and dumps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "text"), [(1230, "12.30"), (1, "0.01"), (0, "0.00"), (-2510, "-25.10"), (10_000_000_000, "100000000.00")]
)
def test_fen_become_yuan_with_exactly_two_decimals(fen: int, text: str) -> None:
    assert str(yuan(fen)) == text
    assert dumps(yuan(fen)) == text.encode()


def test_yuan_keeps_none_and_refuses_what_is_not_fen() -> None:
    assert yuan(None) is None
    with pytest.raises(TypeError):
        yuan(True)
    with pytest.raises(TypeError):
        yuan(12.3)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        yuan("1230")  # type: ignore[call-overload]


def test_amounts_are_written_as_json_numbers_not_strings() -> None:
    written = dumps({"medfee_sumamt": yuan(1230), "acct_pay": yuan(452)})

    assert written == b'{"medfee_sumamt":12.30,"acct_pay":4.52}'
    assert json.loads(written, parse_float=Decimal)["medfee_sumamt"] == Decimal("12.30")
    assert isinstance(json.loads(written)["medfee_sumamt"], float)  # a number to every client, not "12.30"


def test_chinese_is_written_as_utf8_not_escaped() -> None:
    written = dumps({"err_msg": "余额不足", "fund_pay_type_name": "城镇职工基本医疗保险个人账户基金"})

    assert "余额不足".encode() in written
    assert b"\\u" not in written
    assert json.loads(written)["err_msg"] == "余额不足"


def test_none_booleans_nesting_and_escapes() -> None:
    written = dumps({"a": None, "b": [True, False, 0, -2], "c": {"d": ()}, "e": 'say "hi"\n'})

    assert written == b'{"a":null,"b":[true,false,0,-2],"c":{"d":[]},"e":"say \\"hi\\"\\n"}'


def test_enum_members_are_written_as_their_values() -> None:
    class Colour(StrEnum):
        RED = "r"

    class Level(IntEnum):
        HIGH = 3

    assert dumps({"c": Colour.RED, "l": Level.HIGH, "i": Infcode.BUSINESS_ERROR}) == b'{"c":"r","l":3,"i":-2}'


def test_decimals_are_written_plainly_never_with_an_exponent_or_a_negative_zero() -> None:
    assert dumps(Decimal("1E+2")) == b"100"
    assert dumps(Decimal("-0.00")) == b"0.00"
    assert dumps(Decimal("0.000001")) == b"0.000001"


def test_floats_and_non_finite_numbers_are_refused() -> None:
    with pytest.raises(TypeError, match="floats"):
        dumps({"balc": 26933.88})
    with pytest.raises(ValueError, match="not a JSON number"):
        dumps(Decimal("NaN"))
    with pytest.raises(ValueError, match="not a JSON number"):
        dumps(Decimal("-Infinity"))


def test_other_types_and_non_string_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"at": datetime(2021, 1, 1)})
    with pytest.raises(TypeError, match="keys"):
        dumps({1: "a"})


def test_a_lone_surrogate_a_client_sent_escaped_is_written_back_escaped_as_valid_utf8() -> None:
    echoed = json.loads('{"psn_name": "\\ud800x"}')["psn_name"]

    written = dumps({"psn_name": echoed})

    assert written == b'{"psn_name":"\\ud800x"}'
    written.decode("utf-8")  # valid UTF-8


def test_real_settlement_amounts_read_to_fen_are_written_back_identically() -> None:
    for name in ("2207_response_hebei_acct_pay.json", "2208_response_hebei_reversal.json"):
        setlinfo = load_sample(name)["output"]["setlinfo"]
        for field in SETLINFO_AMOUNTS:
            fen = amount_fen(setlinfo, field, required=False, allow_negative=True)
            original = setlinfo[field]
            written = json.loads(dumps({field: yuan(fen)}), parse_float=Decimal)[field]
            assert written == original, (name, field)
            if original is not None:
                assert str(yuan(fen)) == f"{Decimal(original):.2f}"


def test_real_settlement_amounts_satisfy_the_national_identities_in_fen() -> None:
    setlinfo = load_sample("2304_response_chongqing_inpatient_settle.json")["output"]["setlinfo"]
    fen = {field: amount_fen(setlinfo, field, required=False) or 0 for field in SETLINFO_AMOUNTS}

    parts = fen["fulamt_ownpay_amt"] + fen["overlmt_selfpay"] + fen["preselfpay_amt"] + fen["inscp_scp_amt"]
    assert fen["medfee_sumamt"] == parts == 2_344_246
    assert fen["medfee_sumamt"] == fen["fund_pay_sumamt"] + fen["psn_part_amt"] + fen["hosp_part_amt"]
    assert fen["psn_part_amt"] == fen["acct_pay"] + fen["psn_cash_pay"]


# --- times and ids -----------------------------------------------------------------------------------------


def test_national_time_is_17_digits_in_beijing_time() -> None:
    in_utc = datetime(2021, 7, 13, 15, 8, 9, 297_999, tzinfo=UTC)

    assert national_time(in_utc) == "20210713230809297"  # the sample's refmsg_time; milliseconds truncated
    assert national_time(datetime(2021, 7, 13, 23, 8, 9)) == "20210713230809000"  # naive is Beijing time


def test_inf_refmsgid_is_region_time_and_a_ten_digit_sequence() -> None:
    made = inf_refmsgid("130100", RECEIVED, 514555)

    assert made == "130100" + "20210713230809" + "0000514555"
    assert len(made) == 30


@pytest.mark.parametrize("region", ["13010", "1301000", "13010a", ""])
def test_inf_refmsgid_needs_a_six_digit_region(region: str) -> None:
    with pytest.raises(ValueError, match="6 digits"):
        inf_refmsgid(region, RECEIVED, 1)


@pytest.mark.parametrize("sequence", [-1, SEQUENCE_LIMIT])
def test_inf_refmsgid_needs_a_sequence_of_ten_digits(sequence: int) -> None:
    with pytest.raises(ValueError, match="sequence"):
        inf_refmsgid("130100", RECEIVED, sequence)


def test_ref_msg_ids_count_up_and_wrap_at_ten_digits() -> None:
    ids = RefMsgIds("130100", start=SEQUENCE_LIMIT - 1)

    first, second = ids.next(RECEIVED), ids.next(RECEIVED)

    assert first.endswith("9999999999")
    assert second.endswith("0000000000")
    assert ids.region == "130100"


def test_ref_msg_ids_check_their_region_when_made() -> None:
    with pytest.raises(ValueError, match="6 digits"):
        RefMsgIds("1301")


def test_ref_msg_ids_are_unique_across_threads() -> None:
    ids = RefMsgIds("130100")
    made: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [ids.next(RECEIVED) for _ in range(500)]
        with lock:
            made.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(made) == len(set(made)) == 4000


# --- the reply envelope ------------------------------------------------------------------------------------


def test_a_success_reply_has_the_platforms_fields_and_formats() -> None:
    output = {"setlinfo": {"setl_id": "400125241", "medfee_sumamt": yuan(452), "psn_name": "李四"}}

    built = reply(Infcode.SUCCESS, inf_refmsgid=REFMSGID, received_at=RECEIVED, responded_at=RESPONDED, output=output)
    written = dumps(built)
    read = json.loads(written, parse_float=Decimal)
    real = load_sample("2207_response_hebei_acct_pay.json")

    assert set(real) <= set(read)  # every field the real platform writes, and warn_msg
    assert list(read)[:4] == ["infcode", "inf_refmsgid", "refmsg_time", "respond_time"]
    assert read["infcode"] == 0
    assert b'"infcode":0,' in written  # an integer, not "0"
    assert read["refmsg_time"] == real["refmsg_time"] == "20210713230809297"
    assert read["respond_time"] == real["respond_time"] == "20210713230810282"
    assert re.fullmatch(r"[0-9]{17}", read["respond_time"])
    assert read["err_msg"] is None
    assert read["warn_msg"] is None
    assert b'"medfee_sumamt":4.52' in written
    assert "李四".encode() in written


def test_a_business_error_reply_carries_the_chinese_message_and_no_output() -> None:
    built = reply(
        Infcode.BUSINESS_ERROR,
        inf_refmsgid=REFMSGID,
        received_at=RECEIVED,
        responded_at=RESPONDED,
        err_msg="个人账户余额不足",
    )

    written = dumps(built)

    assert b'"infcode":-2,' in written
    assert "个人账户余额不足".encode() in written
    assert json.loads(written)["output"] is None


def test_a_fault_reply_is_minus_one_and_warnings_are_passed_on() -> None:
    built = reply(
        -1,
        inf_refmsgid=REFMSGID,
        received_at=RECEIVED,
        responded_at=RESPONDED,
        err_msg="系统繁忙",
        warn_msg="请发送 2601 冲正",
    )

    assert built["infcode"] == -1
    assert type(built["infcode"]) is int
    assert built["warn_msg"] == "请发送 2601 冲正"


def test_a_reply_refuses_an_error_without_a_reason_or_a_success_with_one() -> None:
    times = {"inf_refmsgid": REFMSGID, "received_at": RECEIVED, "responded_at": RESPONDED}

    with pytest.raises(ValueError, match="err_msg"):
        reply(Infcode.BUSINESS_ERROR, **times)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="err_msg"):
        reply(Infcode.FAULT, err_msg="  ", **times)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="err_msg"):
        reply(Infcode.SUCCESS, err_msg="成功", **times)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="30"):
        reply(Infcode.SUCCESS, inf_refmsgid="short", received_at=RECEIVED, responded_at=RESPONDED)
    with pytest.raises(ValueError, match="not a valid Infcode"):
        reply(1, **times)  # type: ignore[arg-type]
