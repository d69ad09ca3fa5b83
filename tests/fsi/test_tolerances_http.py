"""The tolerances and answers of issue 16 over real HTTP: .NET times, GBK bodies, the answering region in
``inf_refmsgid``, reversals with every field of Chongqing's, a ``setldetail`` that is never empty, and ``naty``.

Requests are shaped as the public clients build them (repository, commit, file):

- idoku-test/HN-YBJ-SDK 2ffe3fea28e630993f4c132a3ddc1f40d4d8808a: ``YN-YBJ-SDK.Console/Program.cs`` (1101 with
  ``begntime = DateTime.Now``, envelope ``mdtrtarea_admvs``), ``HN-YBJ-SDK.Core/FD/HttpHelper.cs`` (the answer read
  with ``ReadAsStringAsync``, which decodes by the charset the answer declares).
- newtouch-cloud/openhis 1f9b5713a7d21cfbe005ddf9825df6a1793fed59:
  ``Newtouch.HIS.Lib/NewtouchHIS.Lib.Base/Extension/JsonExtensions.cs`` (Newtonsoft's default ISO times).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from gongji.service.clock import SHANGHAI
from gongji.service.demo import DEFU
from gongji.service.people import RegisterPerson, register_person
from tests.fsi.conftest import FsiServer
from tests.fsi.national import CHONGQING_REVERSAL_FIELDS
from tests.fsi.test_http import (
    CHECKUP,
    CONSULTATION,
    assert_refused,
    assert_settlement,
    body_of,
    defu_bill,
    gateway_headers,
    ok,
    open_bill,
    own_balance,
    person,
    post,
    register_input,
)
from tests.serving import BUSINESS_NOW

#: A valid resident ID number of nobody the demo registers.
NEWCOMER = "130102199001011237"


def _visit_began_at(server: FsiServer, mdtrt_id: str) -> datetime:
    visit = server.ctx.read(lambda uow: uow.visits.find(mdtrt_id))
    assert visit is not None
    began: datetime = visit.begin_at
    return began


# --- times as .NET writes them -----------------------------------------------------------------------------------


def test_a_registration_timed_as_dotnet_writes_datetime_now_is_accepted_in_shanghai_time(
    fsi_server: FsiServer,
) -> None:
    psn_no = person(fsi_server.hospital, DEFU)["baseinfo"]["psn_no"]
    dotnet = "2026-11-22T11:52:03.9978530+08:00"  # Newtonsoft's JsonConvert.SerializeObject(DateTime.Now)
    utc = "2026-11-22T03:40:00Z"  # the same serializer with a DateTime of kind UTC

    first = ok(fsi_server.hospital.call("2201", register_input(psn_no, DEFU, "310", begntime=dotnet)))
    second = ok(fsi_server.hospital.call("2201", register_input(psn_no, DEFU, "310", begntime=utc)))

    assert _visit_began_at(fsi_server, first["data"]["mdtrt_id"]) == datetime(2026, 11, 22, 11, 52, 3, tzinfo=SHANGHAI)
    assert _visit_began_at(fsi_server, second["data"]["mdtrt_id"]) == datetime(2026, 11, 22, 11, 40, tzinfo=SHANGHAI)


def test_an_envelope_timed_as_dotnet_writes_it_and_a_date_only_begntime_are_accepted(fsi_server: FsiServer) -> None:
    client = fsi_server.hospital
    data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": DEFU, "certno": DEFU, "begntime": "2026-11-22"}
    body = body_of(client, "1101", {"data": data}, inf_time="2026-11-22T12:00:00.1234567+08:00")

    answer = post(fsi_server, body, gateway_headers(client))

    assert answer.infcode == 0, answer.err_msg


def test_a_time_that_is_no_time_is_still_refused(fsi_server: FsiServer) -> None:
    psn_no = person(fsi_server.hospital, DEFU)["baseinfo"]["psn_no"]
    assert_refused(
        fsi_server,
        lambda: fsi_server.hospital.call("2201", register_input(psn_no, DEFU, "310", begntime="2026-11-22T25:00:00Z")),
        "data.begntime",
        "不是存在的日期或时间",
    )


# --- GBK bodies ----------------------------------------------------------------------------------------------------


def _gbk_1101(server: FsiServer, content_type: str) -> Any:
    client = server.hospital
    data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": DEFU, "certno": DEFU, "psn_name": "张德福"}
    document = client.envelope("1101", {"data": data}, client.new_msgid())
    body = json.dumps(document, ensure_ascii=False).encode("gbk")
    return server.http.post(
        "/fsi/api/rsfComIfsService/callService",
        content=body,
        headers={**gateway_headers(client), "content-type": content_type},
    )


def test_a_gbk_body_that_says_so_is_read_and_answered_in_gbk(fsi_server: FsiServer) -> None:
    response = _gbk_1101(fsi_server, "application/json; charset=GBK")

    assert response.headers["content-type"] == "application/json; charset=GBK"
    answer = json.loads(response.content.decode("gbk"), parse_float=Decimal)
    assert answer["infcode"] == 0, answer["err_msg"]
    assert answer["output"]["baseinfo"]["psn_name"] == "张德福"  # the name matched: the body was read as GBK
    assert "张德福".encode("gbk") in response.content


def test_a_gbk_body_that_does_not_say_so_is_refused_as_not_utf8(fsi_server: FsiServer) -> None:
    response = _gbk_1101(fsi_server, "application/json")

    assert response.headers["content-type"] == "application/json; charset=utf-8"
    answer = json.loads(response.content)
    assert answer["infcode"] == -2
    assert answer["err_msg"] == "请求体不是 utf-8 编码的文字"


def test_a_charset_gongji_does_not_know_is_refused_by_name(fsi_server: FsiServer) -> None:
    response = _gbk_1101(fsi_server, "application/json; charset=klingon-8")

    answer = json.loads(response.content)
    assert answer["infcode"] == -2
    assert "不支持的字符集“klingon-8”" in answer["err_msg"]


# --- inf_refmsgid ------------------------------------------------------------------------------------------------


def _refmsgid(server: FsiServer, mdtrtarea_admvs: str) -> str:
    """The ``inf_refmsgid`` of an answer to a 1101 naming ``mdtrtarea_admvs`` (answered or refused)."""
    client = server.hospital
    data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": DEFU, "certno": DEFU}
    body = body_of(client, "1101", {"data": data}, mdtrtarea_admvs=mdtrtarea_admvs)
    answer = post(server, body, gateway_headers(client))
    refmsgid: str = answer.body["inf_refmsgid"]
    assert re.fullmatch(r"[0-9]{30}", refmsgid), refmsgid
    datetime.strptime(refmsgid[6:20], "%Y%m%d%H%M%S")  # the second it answered
    return refmsgid


def test_inf_refmsgid_starts_with_the_region_that_answers(fsi_server: FsiServer) -> None:
    # The message's 就医地 when it is a known region; else (blank, national, unknown) the region gongji serves.
    assert _refmsgid(fsi_server, "110000")[:6] == "110000"
    assert _refmsgid(fsi_server, "130100")[:6] == "130100"
    assert _refmsgid(fsi_server, "")[:6] == "130100"
    assert _refmsgid(fsi_server, "100000")[:6] == "130100"  # HN-YBJ-SDK's example sends the national code
    assert _refmsgid(fsi_server, "999999")[:6] == "130100"  # refused (no such region), by gongji's region


def test_inf_refmsgid_sequences_differ_across_regions(fsi_server: FsiServer) -> None:
    ids = [_refmsgid(fsi_server, region) for region in ("110000", "130100", "110000")]

    assert len({refmsgid[20:] for refmsgid in ids}) == 3  # one sequence for every region


# --- answers -----------------------------------------------------------------------------------------------------


def test_a_reversal_carries_chongqings_fields_negated_like_the_national_ones(fsi_server: FsiServer) -> None:
    bill = defu_bill(fsi_server)
    settled = ok(fsi_server.hospital.call("2207", bill.settle_input()))
    setl_id = settled["setlinfo"]["setl_id"]

    reversed_ = ok(fsi_server.hospital.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": bill.mdtrt_id}}))

    assert_settlement(reversed_, balance_after=own_balance(fsi_server, DEFU), reversal=True)
    info, before = reversed_["setlinfo"], settled["setlinfo"]
    assert [name for name in CHONGQING_REVERSAL_FIELDS if name not in info] == []
    assert info["psn_pay"] == -before["psn_part_amt"]
    assert info["cashPayamt"] == -before["psn_cash_pay"]
    assert info["inscp_amt"] == -before["inscp_scp_amt"]
    assert info["crt_dedc"] == -before["act_pay_dedc"]
    assert (info["othfund_pay"], info["hifdm_pay"], info["ownpay_hosp_part"]) == (0, 0, 0)
    assert info["insu_admdvs"] == "130100"
    assert info["mdtrt_cert_no"] == DEFU  # by ID card (02), the credential of a reversal
    assert info["psn_insu_rlts_id"] == f"{bill.psn_no}310"
    assert info["begndate"] == info["enddate"] == BUSINESS_NOW.strftime("%Y-%m-%d")
    assert (info["setl_type"], info["invono"], info["exp_content"]) == (None, None, None)
    assert info["naty"] == "01"


def test_a_bill_no_fund_or_account_paid_still_has_a_setldetail_row(fsi_server: FsiServer) -> None:
    # A health check (丙类, outside the catalogue) paid in cash: no fund and, with acct_used_flag 0, no account.
    bill = open_bill(fsi_server.hospital, DEFU, "310", [(CHECKUP, "1")])

    preview = ok(fsi_server.hospital.call("2206", bill.settle_input(acct_used_flag="0")))
    settled = ok(fsi_server.hospital.call("2207", bill.settle_input(acct_used_flag="0")))
    reversal_input = {"data": {"setl_id": settled["setlinfo"]["setl_id"], "mdtrt_id": bill.mdtrt_id}}
    reversed_ = ok(fsi_server.hospital.call("2208", reversal_input))

    for answer, sign in ((preview, 1), (settled, 1), (reversed_, -1)):
        info = answer["setlinfo"]
        assert (info["fund_pay_sumamt"], info["acct_pay"]) == (0, 0)
        assert info["psn_cash_pay"] == sign * bill.total
        assert answer["setldetail"] == [
            {
                "fund_pay_type": "310100",
                "fund_pay_type_name": "职工基本医疗保险统筹基金",
                "inscp_scp_amt": info["inscp_scp_amt"],
                "crt_payb_lmt_amt": None,
                "fund_payamt": 0,
                "setl_proc_info": None,
            }
        ]


def test_naty_is_the_recorded_one_and_null_only_for_a_person_recorded_without_one(fsi_server: FsiServer) -> None:
    bill = open_bill(fsi_server.hospital, DEFU, "310", [(CONSULTATION, "1")])
    settled = ok(fsi_server.hospital.call("2207", bill.settle_input()))
    register_person(fsi_server.ctx, RegisterPerson(NEWCOMER, "马小军", naty="3"), key="test:naty:newcomer")

    assert person(fsi_server.hospital, DEFU)["baseinfo"]["naty"] == "01"  # the demo family is Han
    assert settled["setlinfo"]["naty"] == "01"
    assert person(fsi_server.hospital, NEWCOMER)["baseinfo"]["naty"] == "03"  # 回族, stated as "3"
