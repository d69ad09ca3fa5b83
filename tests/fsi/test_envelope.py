"""Reading request envelopes the way real hospital and pharmacy systems write them, and refusing what cannot be read."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gongji.api.fsi.envelope import MAX_BODY_BYTES, MAX_DEPTH, Envelope, FsiInputError, parse_envelope
from gongji.api.fsi.fields import amount_fen, code, flag, quantity, rows, timestamp

SAMPLES = Path(__file__).resolve().parent / "samples"
MSGID = "H13110200026202111291809510001"  # institution 12 + yyyyMMddHHmmss + 4-digit sequence = 30


def envelope(infno: str | int, node: dict[str, Any], **extra: Any) -> bytes:
    """A request as a typical HIS sends it: a full envelope around ``node`` as ``input``."""
    body: dict[str, Any] = {
        "infno": infno,
        "msgid": MSGID,
        "mdtrtarea_admvs": "130102",
        "insuplc_admdvs": "130102",
        "recer_sys_code": "MBS_LOCAL",
        "dev_no": "",
        "dev_safe_info": "",
        "cainfo": "",
        "signtype": "SM3",
        "infver": "V1.0",
        "opter_type": 1,
        "opter": "0012",
        "opter_name": "王医生",
        "inf_time": "2021-11-29 18:09:51",
        "fixmedins_code": "H13110200026",
        "fixmedins_name": "石家庄市第一医院",
        "sign_no": "792143215",
        "input": node,
    }
    body.update(extra)
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def refused(body: bytes | str, field: str) -> FsiInputError:
    """Parse expecting a refusal of ``field``, with both messages filled in."""
    with pytest.raises(FsiInputError) as caught:
        parse_envelope(body)
    error = caught.value
    assert error.field == field
    assert error.message_zh
    assert error.message_en
    assert str(error) == error.message_en
    return error


# --- the shapes real clients send ------------------------------------------------------------------------------


def test_the_specification_example_of_1101_is_read_with_every_envelope_field() -> None:
    parsed = parse_envelope((SAMPLES / "1101_request_spec_example.json").read_bytes())

    assert parsed.infno == "1101"
    assert parsed.msgid == "H00000000001202001041235391234"
    assert parsed.insuplc_admdvs == "100000"
    assert parsed.mdtrtarea_admvs == "100000"
    assert parsed.recer_sys_code == "MBS_LOCAL"
    assert parsed.infver == "V1.0"
    assert parsed.opter_type == "1"
    assert parsed.opter == "01"
    assert parsed.opter_name == "张三"
    assert parsed.inf_time == "2020-01-04 12:35:39"
    assert parsed.fixmedins_code == "100001"
    assert parsed.fixmedins_name == "第一人民医院"
    assert parsed.sign_no == "79faf82271944fe38c4f1d99be71bc9c"
    # Blank strings are no value at all, not a code "".
    assert parsed.dev_no is None
    assert parsed.cainfo is None
    assert parsed.signtype is None  # absent from the example
    data = parsed.node("data")
    assert data["psn_name"] == "李四"
    assert data["certno"] == "510000202001010000"
    assert timestamp(data, "begntime").date().isoformat() == "2020-01-01"


def test_9001_sign_in_with_numeric_infno_extra_fields_and_its_own_node_name() -> None:
    body = envelope(
        9001,
        {"signIn": {"opter_no": 12, "mac": "00-1B-44-11-3A-B7", "ip": "10.1.2.3"}},
        serv_code="A1B2C3",
        serv_sign="c2lnbmF0dXJl",
        sign_no="",
    )

    parsed = parse_envelope(body)

    assert parsed.infno == "9001"
    assert parsed.opter_type == "1"  # sent as the number 1
    assert parsed.sign_no is None  # not signed in yet
    sign_in = parsed.node("signIn")
    assert code(sign_in, "opter_no") == "12"
    assert code(sign_in, "mac") == "00-1B-44-11-3A-B7"
    assert not hasattr(parsed, "serv_code")


def test_9001_sign_in_under_data_or_with_the_node_name_in_another_case() -> None:
    under_data = parse_envelope(envelope("9001", {"data": {"opter_no": "0012", "mac": "m", "ip": "i"}}))
    lower_case = parse_envelope(envelope("9001", {"signin": {"opter_no": "0013", "mac": "m", "ip": "i"}}))

    assert under_data.node("signIn")["opter_no"] == "0012"
    assert lower_case.node("signIn")["opter_no"] == "0013"


def test_2201_registration_with_codes_as_numbers_and_an_unknown_field() -> None:
    node = {
        "data": {
            "psn_no": "13030011303013000000",
            "insutype": 310,
            "begntime": "2021-11-29 18:05:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "130302198610040000",
            "ipt_otp_no": 2111241810003,
            "atddr_no": "D001",
            "dr_name": "刘医生",
            "dept_code": "0301",
            "dept_name": "内科",
            "caty": "A03",
            "exp_content": None,
        }
    }

    data = parse_envelope(envelope("2201", node, return_invono="no")).node("data")

    assert code(data, "insutype") == "310"
    assert code(data, "ipt_otp_no") == "2111241810003"
    assert timestamp(data, "begntime").hour == 18


def test_2204_fee_upload_reads_every_line_of_the_feedetail_list_with_numbers_as_text() -> None:
    lines = [
        {
            "feedetl_sn": "yp570",
            "mdtrt_id": "300179916",
            "psn_no": "13030011303013000000",
            "chrg_bchno": "CB001",
            "med_list_codg": "XA02BCA211A001010104227",
            "medins_list_codg": "YP0570",
            "det_item_fee_sumamt": "4.52",
            "cnt": "1",
            "pric": 4.52,
            "fee_ocur_time": "2021-11-29 18:06:10",
        },
        {
            "feedetl_sn": "zl031",
            "mdtrt_id": 300179916,
            "psn_no": "13030011303013000000",
            "chrg_bchno": "CB001",
            "med_list_codg": "001102000010000",
            "medins_list_codg": "ZL031",
            "det_item_fee_sumamt": 20.6,
            "cnt": 0.5,
            "pric": "41.20",
            "fee_ocur_time": "20211129180700",
        },
    ]

    fees = parse_envelope(envelope("2204", {"feedetail": lines})).rows("feedetail")

    assert [code(line, "feedetl_sn") for line in fees] == ["yp570", "zl031"]
    assert [amount_fen(line, "det_item_fee_sumamt") for line in fees] == [452, 2060]
    assert [amount_fen(line, "pric") for line in fees] == [452, 4120]
    assert [quantity(line, "cnt") for line in fees] == ["1", "0.5"]
    assert code(fees[1], "mdtrt_id") == "300179916"
    assert timestamp(fees[1], "fee_ocur_time").minute == 7


def test_2204_feedetail_under_data_and_a_single_line_as_an_object() -> None:
    line = {"feedetl_sn": "1", "det_item_fee_sumamt": "1.00", "cnt": 1, "pric": "1.00"}

    as_data_list = parse_envelope(envelope("2204", {"data": [line]})).rows("feedetail")
    as_data_node = parse_envelope(envelope("2204", {"data": {"feedetail": [line, line]}})).rows("feedetail")
    as_one_object = parse_envelope(envelope("2204", {"feedetail": line})).rows("feedetail")

    assert as_data_list == [line]
    assert as_data_node == [line, line]
    assert as_one_object == [line]


def test_2207_settlement_with_amounts_as_text_and_flag_as_text() -> None:
    data = {
        "psn_no": "13030011303013000000",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "130302198610040000",
        "med_type": "11",
        "medfee_sumamt": "4.52",
        "psn_setlway": "01",
        "mdtrt_id": "300179916",
        "chrg_bchno": "CB001",
        "insutype": "310",
        "acct_used_flag": "1",
        "invono": "",
        "fulamt_ownpay_amt": "0",
        "overlmt_selfpay": 0,
        "preselfpay_amt": "0.23",
        "inscp_scp_amt": "4.29",
    }

    node = parse_envelope(envelope("2207", {"data": data}, cainfo="c2VjcmV0")).node()

    assert amount_fen(node, "medfee_sumamt") == 452
    parts = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")
    assert sum(amount_fen(node, name) for name in parts) == 452
    assert flag(node, "acct_used_flag") is True
    assert code(node, "invono", required=False) is None


def test_2401_admission_reads_mdtrtinfo_and_its_diagnoses() -> None:
    node = {
        "mdtrtinfo": {
            "psn_no": "ZG1004000000",
            "insutype": "310",
            "mdtrt_cert_type": "03",
            "mdtrt_cert_no": "A50000000",
            "med_type": 21,
            "ipt_no": "ZY2021082001",
            "begntime": "2021-08-20 09:30:00",
            "adm_dept_codg": "0501",
            "adm_dept_name": "心内科",
            "atddr_no": "D017",
            "chfpdr_name": "陈主任",
        },
        "diseinfo": [
            {"diag_type": "1", "diag_code": "I21.900", "diag_name": "急性心肌梗死", "diag_srt_no": 1},
            {"diag_type": 2, "diag_code": "I10.x00", "diag_name": "高血压", "diag_srt_no": "2"},
        ],
    }

    parsed = parse_envelope(envelope(2401, node))
    admission = parsed.node("mdtrtinfo")
    diagnoses = parsed.rows("diseinfo", fallback=None)

    assert code(admission, "med_type") == "21"
    assert code(admission, "ipt_no") == "ZY2021082001"
    assert [code(row, "diag_type") for row in diagnoses] == ["1", "2"]
    assert [code(row, "diag_code") for row in diagnoses] == ["I21.900", "I10.x00"]


def test_2401_with_mdtrtinfo_under_data_never_reads_it_as_diagnoses() -> None:
    node = {"data": {"psn_no": "ZG1004000000", "med_type": "21"}}

    parsed = parse_envelope(envelope("2401", node))

    assert parsed.node("mdtrtinfo")["psn_no"] == "ZG1004000000"
    assert parsed.rows("diseinfo", fallback=None, required=False) == []
    # Without fallback=None the data node would pass for a diagnosis: that is why the option exists.
    assert parsed.rows("diseinfo", required=False) == [node["data"]]


def test_2402_discharge_reads_dscginfo_under_its_own_name() -> None:
    node = {
        "dscginfo": {"mdtrt_id": "310003327436", "psn_no": "ZG1004000000", "endtime": "2021-08-27 09:00:00"},
        "diseinfo": {"diag_type": "1", "diag_code": "I21.900", "diag_name": "急性心肌梗死"},
    }

    parsed = parse_envelope(envelope("2402", node))

    assert code(parsed.node("dscginfo"), "mdtrt_id") == "310003327436"
    assert len(parsed.rows("diseinfo", fallback=None)) == 1


def test_json_numbers_are_kept_exactly_as_written_not_as_floats() -> None:
    body = b'{"infno":"2207","msgid":"M1","input":{"data":{"medfee_sumamt":4.52,"big":1e12}}}'

    data = parse_envelope(body).node()

    assert data["medfee_sumamt"] == Decimal("4.52")
    assert isinstance(data["medfee_sumamt"], Decimal)
    assert amount_fen(data, "medfee_sumamt") == 452


def test_a_body_with_a_byte_order_mark_or_in_gbk_is_read() -> None:
    text = '{"infno":"1101","msgid":"M1","opter_name":"张三","input":{}}'

    with_bom = parse_envelope(b"\xef\xbb\xbf" + text.encode("utf-8"))
    in_gbk = parse_envelope(text.encode("gbk"), charset="GBK")

    assert with_bom.opter_name == "张三"
    assert in_gbk.opter_name == "张三"


def test_a_missing_or_null_input_reads_as_no_nodes() -> None:
    without = parse_envelope(b'{"infno":"9002","msgid":"M1"}')
    with_null = parse_envelope(b'{"infno":"9002","msgid":"M1","input":null}')

    assert without.input == {}
    assert with_null.input == {}


def test_repr_of_an_envelope_shows_no_input_and_no_card_secret() -> None:
    parsed = parse_envelope(
        envelope("2207", {"data": {"psn_name": "李四", "certno": "510000202001010000"}}, cainfo="PIN123")
    )

    shown = repr(parsed)

    assert "李四" not in shown
    assert "510000202001010000" not in shown
    assert "PIN123" not in shown
    assert MSGID in shown  # what a log line needs to find the request


def test_an_envelope_is_frozen() -> None:
    parsed = parse_envelope(b'{"infno":"9002","msgid":"M1"}')

    with pytest.raises(AttributeError):
        parsed.infno = "9001"  # type: ignore[misc]
    assert isinstance(parsed, Envelope)


# --- refusals, each with its own message ---------------------------------------------------------------------


def test_a_body_that_is_not_json_is_refused_with_the_place_of_the_error() -> None:
    error = refused(b'{"infno": "9001", "msgid": ', "body")

    assert "不是合法的 JSON" in error.message_zh
    assert "line 1" in error.message_en


@pytest.mark.parametrize("body", [b"", b"   \n"])
def test_an_empty_body_is_refused(body: bytes) -> None:
    error = refused(body, "body")

    assert error.message_zh == "请求体为空"


@pytest.mark.parametrize(
    ("body", "got_zh"),
    [(b"[]", "数组"), (b'"9001"', "文字"), (b"9001", "数字"), (b"null", "null"), (b"true", "布尔值")],
)
def test_a_body_that_is_not_an_object_is_refused(body: bytes, got_zh: str) -> None:
    error = refused(body, "body")

    assert "须为 JSON 对象" in error.message_zh
    assert got_zh in error.message_zh


def test_nan_and_infinity_are_not_json() -> None:
    error = refused(b'{"infno":"2207","msgid":"M1","input":{"data":{"medfee_sumamt":NaN}}}', "body")

    assert "NaN" in error.message_zh


def test_a_body_in_another_encoding_than_declared_is_refused() -> None:
    error = refused('{"infno":"1101","msgid":"M1","opter_name":"张三"}'.encode("gbk"), "body")

    assert "utf-8" in error.message_zh


def test_a_body_over_the_limit_is_refused_before_it_is_parsed() -> None:
    body = b'{"infno":"2204","msgid":"M1","pad":"' + b"x" * MAX_BODY_BYTES + b'"}'

    error = refused(body, "body")

    assert "过大" in error.message_zh


@pytest.mark.parametrize("body", [b'{"msgid":"M1"}', b'{"infno":"","msgid":"M1"}', b'{"infno":null,"msgid":"M1"}'])
def test_a_missing_infno_is_refused(body: bytes) -> None:
    error = refused(body, "infno")

    assert error.message_zh == "字段 infno：缺失或为空"


@pytest.mark.parametrize("infno", ['"90011"', '"901"', '"abc1"', "901", '"9 01"'])
def test_an_infno_that_is_not_four_digits_is_refused(infno: str) -> None:
    error = refused(f'{{"infno":{infno},"msgid":"M1"}}', "infno")

    assert "4 位数字" in error.message_zh
    assert "4-digit" in error.message_en


@pytest.mark.parametrize(
    ("infno", "got"), [("true", "布尔值"), ('["9001"]', "数组"), ('{"v":1}', "对象"), ("90.01", "数字")]
)
def test_an_infno_of_the_wrong_type_is_refused(infno: str, got: str) -> None:
    error = refused(f'{{"infno":{infno},"msgid":"M1"}}', "infno")

    assert "应为代码" in error.message_zh
    assert got in error.message_zh


def test_a_missing_msgid_is_refused() -> None:
    error = refused(b'{"infno":"9001","msgid":"  "}', "msgid")

    assert "缺失" in error.message_zh


@pytest.mark.parametrize("msgid", ["H" * 31, "H1311 0200026", "报文编号"])
def test_a_msgid_too_long_or_with_blanks_or_not_ascii_is_refused(msgid: str) -> None:
    error = refused(json.dumps({"infno": "9001", "msgid": msgid}), "msgid")

    assert "30" in error.message_zh


def test_a_short_msgid_is_accepted_because_real_institution_codes_vary_in_length() -> None:
    assert parse_envelope(b'{"infno":"9001","msgid":"H1301020001202111291809510001"}').msgid.startswith("H13")
    assert parse_envelope(b'{"infno":"9001","msgid":"M1"}').msgid == "M1"


@pytest.mark.parametrize("given", ['"data"', "[1]", "12"])
def test_an_input_that_is_not_an_object_is_refused(given: str) -> None:
    error = refused(f'{{"infno":"9001","msgid":"M1","input":{given}}}', "input")

    assert "应为 JSON 对象" in error.message_zh


@pytest.mark.parametrize(("name", "value"), [("opter", {"id": 1}), ("fixmedins_code", [1]), ("insuplc_admdvs", True)])
def test_an_envelope_field_of_the_wrong_type_is_refused_by_name(name: str, value: object) -> None:
    error = refused(json.dumps({"infno": "1101", "msgid": "M1", name: value}), name)

    assert error.message_zh.startswith(f"字段 {name}：应为代码")


def test_an_envelope_field_too_long_is_refused() -> None:
    error = refused(json.dumps({"infno": "1101", "msgid": "M1", "opter_name": "长" * 201}), "opter_name")

    assert "超过 200 个字符" in error.message_zh


def test_a_missing_node_is_refused_by_its_path() -> None:
    parsed = parse_envelope(envelope("9001", {"login": {"opter_no": "1"}}))

    with pytest.raises(FsiInputError) as caught:
        parsed.node("signIn")

    assert caught.value.field == "input.signIn"
    assert "input.data" in caught.value.message_zh


def test_a_node_with_several_objects_is_refused_where_one_is_expected() -> None:
    parsed = parse_envelope(envelope("2401", {"mdtrtinfo": [{"psn_no": "1"}, {"psn_no": "2"}]}))

    with pytest.raises(FsiInputError) as caught:
        parsed.node("mdtrtinfo")

    assert caught.value.field == "input.mdtrtinfo"
    assert "一个对象" in caught.value.message_zh


def test_rows_that_are_not_objects_are_refused_by_index() -> None:
    parsed = parse_envelope(envelope("2204", {"feedetail": [{"feedetl_sn": "1"}, "2"]}))

    with pytest.raises(FsiInputError) as caught:
        parsed.rows("feedetail")

    assert caught.value.field == "input.feedetail[1]"


def test_required_rows_that_are_missing_are_refused() -> None:
    parsed = parse_envelope(envelope("2204", {"feedetail": []}))

    with pytest.raises(FsiInputError) as caught:
        parsed.rows("feedetail", fallback=None)

    assert caught.value.field == "input.feedetail"


def test_more_rows_than_allowed_are_refused() -> None:
    parsed = parse_envelope(envelope("2204", {"feedetail": [{"feedetl_sn": str(i)} for i in range(4)]}))

    assert len(parsed.rows("feedetail", max_rows=4)) == 4
    with pytest.raises(FsiInputError) as caught:
        parsed.rows("feedetail", max_rows=3)
    assert "超过 3 行" in caught.value.message_zh


def test_rows_of_a_node_are_read_by_the_fields_reader_too() -> None:
    node = {"setldetail": {"fund_pay_type": "310200", "fund_payamt": "4.52"}}

    assert rows(node, "setldetail") == [{"fund_pay_type": "310200", "fund_payamt": "4.52"}]


# --- text no store or log can hold, nesting no message has ---------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "field", "reason"),
    [
        ({"signIn": {"mac": "\ud800"}}, "input.signIn.mac", "U+D800"),
        ({"feedetail": [{"pric": "1"}, {"memo": "a\udfffb"}]}, "input.feedetail[1].memo", "U+DFFF"),
        ({"data": {"\udc00": 1}}, "input.data.\\udc00", "字段名"),
        ({"data": {"dept_name": "内科\x00"}}, "input.data.dept_name", "U+0000"),
    ],
)
def test_a_lone_surrogate_or_nul_anywhere_is_refused_naming_the_field(
    node: dict[str, Any], field: str, reason: str
) -> None:
    body = json.dumps({"infno": "9001", "msgid": MSGID, "input": node}).encode("ascii")  # the escapes, as sent
    with pytest.raises(FsiInputError) as refused:
        parse_envelope(body)
    assert refused.value.field == field
    assert reason in refused.value.message_zh
    refused.value.message_zh.encode("utf-8")  # the refusal itself can be written


def test_a_surrogate_pair_is_one_character_and_reads() -> None:
    body = json.dumps({"infno": "9001", "msgid": MSGID, "input": {"data": {"memo": "\U0001f600"}}}).encode()
    assert parse_envelope(body).input == {"data": {"memo": "\U0001f600"}}


def test_text_given_as_str_is_checked_too() -> None:
    with pytest.raises(FsiInputError) as refused:
        parse_envelope('{"infno": "9001", "msgid": "x", "opter": "\ud800"}')
    assert refused.value.field == "opter"


def test_a_message_nested_deeper_than_any_real_one_is_refused() -> None:
    deep: Any = "x"
    for _ in range(MAX_DEPTH):
        deep = [deep]
    with pytest.raises(FsiInputError, match="nested deeper than"):
        parse_envelope(json.dumps({"infno": "9001", "msgid": MSGID, "input": {"data": deep}}))
    shallow = {"feedetail": [{"cnt": 1, "ext": {"a": [{"b": 1}]}}]}
    assert parse_envelope(json.dumps({"infno": "2204", "msgid": MSGID, "input": shallow})).input == shallow
