"""Filings (2501–2506), their queries (5301 / 5302) and the entitlement check (2001) over real HTTP, on both backends.

Requests are shaped as fengzaiqishi11/hsa-his (commit 1fcd557940391a10c84c139f1e65846eef69a664) builds them:
``InsurePersonnalRecordBOImpl.java`` sends 2501 in ``input.refmedin``, 2503/2505 and the cancellations in
``input.data``, dates as ``yyyy-MM-dd HH:mm:ss``; ``InsureUnifiedPayOutptBOImpl.java`` sends 5301/5302 with
``psn_no`` directly in ``input``; ``InsureUnifiedPayInptBOImpl.java`` sends 2001 flat, with ``begntime`` as
``yyyyMMdd`` and empty or null optional fields. Every test files for its own person or its own disease code, so that
the module's shared database never makes one test depend on another.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import func, select

from gongji.api.fsi.client import FsiAnswer
from gongji.service.demo import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI
from gongji.service.people import show_person
from gongji.service.suspension import LiftSuspension, SuspendPerson, lift_suspension, suspend_person
from gongji.store.filing_tables import filings
from tests.fsi.conftest import FsiServer, HisClient
from tests.helpers import snapshot

OTHER_HOSPITAL = "H13010200002"
CHANGCHUN_HOSPITAL = "H22010200001"


def ok(answer: FsiAnswer) -> Any:
    """The output of a successful answer (failing with its refusal otherwise)."""
    assert (answer.status, answer.infcode, answer.err_msg) == (200, 0, None), answer.err_msg
    return answer.output


def refused(answer: FsiAnswer, code: str) -> str:
    """The refusal's message, which must be a business refusal (−2) naming ``code``."""
    assert answer.infcode == -2, answer.body
    message = answer.err_msg or ""
    assert code in message, message
    return message


def psn_no(server: FsiServer, certno: str) -> str:
    """The person number of a demo person."""
    return show_person(server.ctx, certno).psn_no


def disease() -> str:
    """A chronic-disease code of this test alone."""
    return f"M{secrets.token_hex(4).upper()}"


def chronic(
    person: str,
    code: str,
    begin: str = "2026-01-01 00:00:00",
    end: str = "2026-12-31 00:00:00",
    insutype: str = "310",
) -> dict[str, Any]:
    """2503's input as hsa-his builds it."""
    return {
        "data": {
            "psn_no": person,
            "insutype": insutype,
            "opsp_dise_code": code,
            "opsp_dise_name": "高血压（示例）",
            "tel": "13800000000",
            "addr": "河北省石家庄市",
            "insu_optins": "130100",
            "ide_fixmedins_no": "H13010200001",
            "ide_fixmedins_name": "石家庄市示例第一医院",
            "hosp_ide_date": "2025-12-20 09:00:00",
            "diag_dr_codg": "D001",
            "diag_dr_name": "王医生",
            "begndate": begin,
            "enddate": end,
        }
    }


def cancel(person: str, number: str) -> dict[str, Any]:
    """The input of 2502 / 2504 / 2506."""
    return {"data": {"psn_no": person, "trt_dcla_detl_sn": number, "memo": "患者申请撤销"}}


def entitlement(
    person: str, med_type: str, insutype: str = "310", begntime: str = "20261122", **more: Any
) -> dict[str, Any]:
    """2001's input, flat as hsa-his sends it."""
    return {
        "psn_no": person,
        "begntime": begntime,
        "insutype": insutype,
        "fixmedins_code": "H13010200001",
        "med_type": med_type,
        "endtime": None,
        "dise_codg": "",
        "dise_name": "",
        "oprn_oprt_code": None,
        "matn_type": None,
        "birctrl_type": None,
        **more,
    }


def trt_row(answer: FsiAnswer, check: str) -> dict[str, Any]:
    """The ``trtinfo`` row of one check type."""
    rows: list[dict[str, Any]] = [row for row in ok(answer)["trtinfo"] if row["trt_chk_type"] == check]
    assert len(rows) == 1, ok(answer)
    return rows[0]


def filing_count(server: FsiServer) -> int:
    """How many filings the database holds."""
    with server.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(filings)).scalar_one())


@pytest.fixture(scope="module")
def other(fsi_server: FsiServer) -> HisClient:
    """A second hospital of Shijiazhuang, signed in."""
    client = fsi_server.client(OTHER_HOSPITAL)
    client.sign_in()
    return client


# --- 人员慢特病备案 (2503 / 2504 / 5301) --------------------------------------------------------------------------


def test_a_chronic_filing_is_listed_by_5301_and_gone_once_cancelled(fsi_server: FsiServer) -> None:
    hospital, person, code = fsi_server.hospital, psn_no(fsi_server, JIANGUO), disease()
    number = ok(hospital.call("2503", chronic(person, code)))["result"]["trt_dcla_detl_sn"]
    assert number.isdigit()
    assert number.startswith("3")

    listed = [
        row for row in ok(hospital.call("5301", {"psn_no": person}))["feedetail"] if row["opsp_dise_code"] == code
    ]
    assert listed == [
        {
            "opsp_dise_code": code,
            "opsp_dise_name": "高血压（示例）",
            "begndate": "2026-01-01",
            "enddate": "2026-12-31",
            "insutype": "310",
            "trt_dcla_detl_sn": number,
            "fixmedins_code": hospital.fixmedins_code,
        }
    ]

    assert ok(hospital.call("2504", cancel(person, number)))["result"]["trt_dcla_detl_sn"] == number
    after = ok(hospital.call("5301", {"data": {"psn_no": person}}))["feedetail"]
    assert code not in [row["opsp_dise_code"] for row in after]


def test_a_replayed_filing_message_files_once_and_answers_the_same_number(fsi_server: FsiServer) -> None:
    hospital, person, code = fsi_server.hospital, psn_no(fsi_server, XIAOMING), disease()
    before = filing_count(fsi_server)
    first = hospital.call("2503", chronic(person, code, insutype="390"))
    again = hospital.call("2503", chronic(person, code, insutype="390"), msgid=first.msgid)
    assert ok(again) == ok(first)
    assert filing_count(fsi_server) == before + 1
    changed = chronic(person, disease(), insutype="390")
    refused(hospital.call("2503", changed, msgid=first.msgid), "IDEMPOTENCY_CONFLICT")


def test_an_overlapping_filing_of_the_same_disease_is_refused_and_a_later_one_accepted(fsi_server: FsiServer) -> None:
    hospital, person, code = fsi_server.hospital, psn_no(fsi_server, DEFU), disease()
    ok(hospital.call("2503", chronic(person, code, "2026-01-01 00:00:00", "2026-06-30 00:00:00")))
    before = snapshot(fsi_server.engine)
    overlapping = chronic(person, code, "2026-06-01 00:00:00", "2026-12-31 00:00:00")
    refused(hospital.call("2503", overlapping), "FILING_OVERLAPS")
    assert snapshot(fsi_server.engine) == before
    ok(hospital.call("2503", chronic(person, code, "2026-07-01 00:00:00", "2026-12-31 00:00:00")))


def test_reversed_dates_and_unknown_people_file_nothing(fsi_server: FsiServer) -> None:
    hospital = fsi_server.hospital
    before = snapshot(fsi_server.engine)
    reversed_dates = chronic(psn_no(fsi_server, GUILAN), disease(), "2026-12-31 00:00:00", "2026-01-01 00:00:00")
    refused(hospital.call("2503", reversed_dates), "结束日期早于开始日期")
    refused(hospital.call("2503", chronic("13010299999999999999", disease())), "PERSON_NOT_FOUND")
    not_enrolled = chronic(psn_no(fsi_server, XIUYING), disease())  # she holds resident insurance (390), not 310
    refused(hospital.call("2503", not_enrolled), "ENROLLMENT_NOT_FOUND")
    assert snapshot(fsi_server.engine) == before


def test_only_the_filing_institution_cancels_and_only_once(fsi_server: FsiServer, other: HisClient) -> None:
    hospital, person = fsi_server.hospital, psn_no(fsi_server, GUILAN)
    number = ok(hospital.call("2503", chronic(person, disease(), insutype="390")))["result"]["trt_dcla_detl_sn"]
    before = snapshot(fsi_server.engine)
    refused(other.call("2504", cancel(person, number)), "FILING_OF_OTHER_INSTITUTION")
    refused(hospital.call("2502", cancel(person, number)), "FILING_NOT_FOUND")  # a chronic filing is no referral
    refused(hospital.call("2504", cancel(psn_no(fsi_server, DEFU), number)), "FILING_NOT_FOUND")  # not his
    refused(hospital.call("2504", cancel(person, number[:-1] + "9")), "FILING_NOT_FOUND")
    assert snapshot(fsi_server.engine) == before
    ok(hospital.call("2504", cancel(person, number)))
    refused(hospital.call("2504", cancel(person, number)), "FILING_ALREADY_CANCELLED")


# --- 转院备案 (2501 / 2502) and 人员定点备案 (2505 / 2506 / 5302) ----------------------------------------------------


def referral(person: str, to: str) -> dict[str, Any]:
    """2501's input as hsa-his builds it: the node is ``refmedin``."""
    return {
        "refmedin": {
            "psn_no": person,
            "insutype": "310",
            "tel": "13800000000",
            "addr": "河北省石家庄市",
            "insu_optins": "130100",
            "diag_code": "I10.x00",
            "diag_name": "高血压",
            "dise_cond_dscr": "病情稳定，需上级医院进一步诊治",
            "reflin_medins_no": to,
            "reflin_medins_name": "吉林省示例人民医院",
            "mdtrtarea_admdvs": "220100",
            "hosp_agre_refl_flag": "1",
            "refl_type": "1",
            "refl_date": "2026-11-20 10:00:00",
            "refl_rea": "技术条件所限",
            "refl_opnn": "同意转院",
            "begndate": "2026-11-20 00:00:00",
            "enddate": "2026-12-20 00:00:00",
        }
    }


def test_a_referral_entitles_a_23_stay_at_the_institution_referred_to(fsi_server: FsiServer) -> None:
    hospital, person = fsi_server.hospital, psn_no(fsi_server, DEFU)
    changchun = fsi_server.client(CHANGCHUN_HOSPITAL)
    changchun.sign_in()
    asked = entitlement(person, "23", fixmedins_code=CHANGCHUN_HOSPITAL)
    assert trt_row(changchun.call("2001", asked), "05")["trt_enjymnt_flag"] == "0"

    number = ok(hospital.call("2501", referral(person, CHANGCHUN_HOSPITAL)))["result"]["trt_dcla_detl_sn"]
    row = trt_row(changchun.call("2001", asked), "05")
    assert (row["trt_enjymnt_flag"], row["begndate"], row["enddate"]) == ("1", "2026-11-20", "2026-12-20")

    ok(hospital.call("2502", cancel(person, number)))
    assert trt_row(changchun.call("2001", asked), "05")["trt_enjymnt_flag"] == "0"


def designation(person: str, fixmedins_code: str, biz_appy_type: str = "03") -> dict[str, Any]:
    """2505's input as hsa-his builds it."""
    return {
        "data": {
            "psn_no": person,
            "tel": "13800000000",
            "addr": "北京市朝阳区",
            "biz_appy_type": biz_appy_type,
            "begndate": "2026-11-01 00:00:00",
            "enddate": "2027-10-31 00:00:00",
            "agnter_name": "",
            "agnter_cert_type": "",
            "agnter_certno": "",
            "agnter_tel": "",
            "agnter_addr": "",
            "agnter_rlts": "",
            "fix_srt_no": "1",
            "fixmedins_code": fixmedins_code,
            "fixmedins_name": "石家庄市示例第二医院",
            "memo": "",
        }
    }


def test_a_designation_elsewhere_fails_the_check_here_and_5302_lists_it(
    fsi_server: FsiServer, other: HisClient
) -> None:
    hospital, person = fsi_server.hospital, psn_no(fsi_server, ZHANGLI)
    first = trt_row(hospital.call("2001", entitlement(person, "11")), "04")
    assert first["trt_enjymnt_flag"] == "1"  # no designation filed: any institution

    number = ok(other.call("2505", designation(person, OTHER_HOSPITAL)))["result"]["trt_dcla_detl_sn"]
    here = trt_row(hospital.call("2001", entitlement(person, "11")), "04")
    assert here["trt_enjymnt_flag"] == "0"
    assert OTHER_HOSPITAL in here["trt_chk_rslt"]
    there = trt_row(other.call("2001", entitlement(person, "11", fixmedins_code=OTHER_HOSPITAL)), "04")
    assert there["trt_enjymnt_flag"] == "1"

    rows = ok(hospital.call("5302", {"psn_no": person, "biz_appy_type": "03"}))["psnfixmedin"]
    assert [
        (r["fixmedins_code"], r["fix_srt_no"], r["begndate"], r["enddate"], r["trt_dcla_detl_sn"]) for r in rows
    ] == [(OTHER_HOSPITAL, "1", "2026-11-01", "2027-10-31", number)]
    assert ok(hospital.call("5302", {"psn_no": person, "biz_appy_type": "01"}))["psnfixmedin"] == []

    refused(hospital.call("2506", cancel(person, number)), "FILING_OF_OTHER_INSTITUTION")
    ok(other.call("2506", cancel(person, number)))
    assert ok(hospital.call("5302", {"psn_no": person}))["psnfixmedin"] == []


def test_a_designation_of_an_unknown_institution_is_refused(fsi_server: FsiServer) -> None:
    before = snapshot(fsi_server.engine)
    answer = fsi_server.hospital.call("2505", designation(psn_no(fsi_server, ZHANGLI), "H99999999999"))
    refused(answer, "INSTITUTION_NOT_FOUND")
    assert snapshot(fsi_server.engine) == before


# --- 人员待遇享受检查 (2001) --------------------------------------------------------------------------------------


def test_2001_answers_the_enrollment_and_suspension_checks_for_an_insured_person(fsi_server: FsiServer) -> None:
    answer = fsi_server.hospital.call("2001", entitlement(psn_no(fsi_server, JIANGUO), "11"))
    rows = ok(answer)["trtinfo"]
    assert [row["trt_chk_type"] for row in rows] == ["01", "02", "04"]
    first = rows[0]
    assert (first["fund_pay_type"], first["trt_enjymnt_flag"], first["begndate"]) == ("310100", "1", "1997-07-01")
    assert {row["psn_no"] for row in rows} == {psn_no(fsi_server, JIANGUO)}
    assert rows[1]["trt_enjymnt_flag"] == "1"


def test_2001_says_a_person_was_not_insured_before_the_enrollment_began(fsi_server: FsiServer) -> None:
    person = psn_no(fsi_server, XIUYING)  # resident insurance since 2019-01-01
    before = trt_row(fsi_server.hospital.call("2001", entitlement(person, "11", "390", "20180601")), "01")
    assert (before["trt_enjymnt_flag"], before["fund_pay_type"]) == ("0", "390100")
    wrong_type = trt_row(fsi_server.hospital.call("2001", entitlement(person, "11", "310")), "01")
    assert wrong_type["trt_enjymnt_flag"] == "0"


def test_2001_reports_a_suspension_of_networked_settlement(fsi_server: FsiServer) -> None:
    ctx, person = fsi_server.ctx, psn_no(fsi_server, GUILAN)
    suspend_person(ctx, SuspendPerson(GUILAN, "借卡他人使用", "柜台"), key=f"t:{secrets.token_hex(6)}")
    try:
        row = trt_row(fsi_server.hospital.call("2001", entitlement(person, "11", "390")), "02")
        assert row["trt_enjymnt_flag"] == "0"
        assert "借卡他人使用" in row["trt_chk_rslt"]
    finally:
        lift_suspension(ctx, LiftSuspension(GUILAN, "柜台"), key=f"t:{secrets.token_hex(6)}")
    row = trt_row(fsi_server.hospital.call("2001", entitlement(person, "11", "390")), "02")
    assert row["trt_enjymnt_flag"] == "1"


def test_2001_for_a_chronic_visit_checks_the_filing_of_the_disease(fsi_server: FsiServer) -> None:
    hospital, person, code = fsi_server.hospital, psn_no(fsi_server, JIANGUO), disease()
    missing = trt_row(hospital.call("2001", entitlement(person, "14", dise_codg=code)), "03")
    assert missing["trt_enjymnt_flag"] == "0"
    ok(hospital.call("2503", chronic(person, code)))
    held = trt_row(hospital.call("2001", {"data": entitlement(person, "14", dise_codg=code)}), "03")
    assert (held["trt_enjymnt_flag"], held["begndate"], held["enddate"]) == ("1", "2026-01-01", "2026-12-31")
    other_disease = trt_row(hospital.call("2001", entitlement(person, "14", dise_codg=disease())), "03")
    assert other_disease["trt_enjymnt_flag"] == "0"


def test_2001_refuses_an_unknown_person_an_unknown_insutype_and_another_institution(fsi_server: FsiServer) -> None:
    hospital, person = fsi_server.hospital, psn_no(fsi_server, JIANGUO)
    refused(hospital.call("2001", entitlement("13010299999999999999", "11")), "PERSON_NOT_FOUND")
    refused(hospital.call("2001", entitlement(person, "11", "318")), "CODE_UNKNOWN")
    refused(hospital.call("2001", entitlement(person, "11", fixmedins_code=OTHER_HOSPITAL)), "fixmedins_code")
