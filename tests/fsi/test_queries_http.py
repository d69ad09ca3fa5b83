"""The queries a hospital system calls: 5201 visits, 5202 diagnoses, 5203/5261 settlements, 5204 fee lines, 5205
chronic-disease drugs and 5206 the year's accumulators — each institution seeing only its own, on both backends."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongji.service.demo import DEFU, GUILAN, HOSPITAL
from tests.fsi.conftest import BEGNTIME, FsiServer
from tests.fsi.national import SETLINFO_AMOUNTS
from tests.fsi.test_http import (
    ATORVASTATIN,
    CONSULTATION,
    assert_refused,
    defu_bill,
    fee_row,
    ok,
    open_bill,
    person,
    register_input,
)

DIAGNOSES = [
    {"diag_type": "1", "diag_srt_no": "1", "diag_code": "I10", "diag_name": "原发性高血压", "maindiag_flag": "1"},
    {"diag_type": "1", "diag_srt_no": "2", "diag_code": "E11.9", "diag_name": "2型糖尿病", "maindiag_flag": "0"},
]
DAY_BEGIN, DAY_END = BEGNTIME[:10] + " 00:00:00", BEGNTIME[:10] + " 23:59:59"


def _admit(server: FsiServer) -> tuple[str, str]:
    psn_no = person(server.hospital, DEFU)["baseinfo"]["psn_no"]
    admission = {"psn_no": psn_no, "insutype": "310", "med_type": "21", "ipt_no": "ZY-Q-1", "begntime": BEGNTIME}
    output = ok(server.hospital.call("2401", {"mdtrtinfo": admission, "diseinfo": DIAGNOSES}))
    return psn_no, output["result"]["mdtrt_id"]


def _cuminfo(server: FsiServer, psn_no: str) -> dict[str, Decimal]:
    """5206 of this month, the rows added up per 累计类别代码 (as a client adds them)."""
    rows = ok(server.hospital.call("5206", {"data": {"psn_no": psn_no, "cum_ym": BEGNTIME[:4] + BEGNTIME[5:7]}}))
    totals: dict[str, Decimal] = {}
    for row in rows["cuminfo"]:
        assert row["year"] == BEGNTIME[:4]
        totals[row["cum_type_code"]] = totals.get(row["cum_type_code"], Decimal(0)) + row["cum"]
    return totals


def test_5201_and_5202_show_the_institutions_own_stay_with_its_diagnoses(fsi_server: FsiServer) -> None:
    server = fsi_server
    psn_no, mdtrt_id = _admit(server)
    query = {"psn_no": psn_no, "begntime": DAY_BEGIN, "endtime": DAY_END, "mdtrt_id": mdtrt_id}
    rows = ok(server.hospital.call("5201", {"data": query}))["mdtrtinfo"]
    assert [(r["mdtrt_id"], r["med_type"], r["ipt_otp_no"]) for r in rows] == [(mdtrt_id, "21", "ZY-Q-1")]
    assert (rows[0]["fixmedins_code"], rows[0]["inhosp_stas"], rows[0]["vali_flag"]) == (HOSPITAL, "1", "1")
    assert rows[0]["certno"] == DEFU
    assert rows[0]["begntime"] == BEGNTIME

    diseinfo = ok(server.hospital.call("5202", {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id}}))["diseinfo"]
    found = [(d["inout_diag_type"], d["diag_code"], d["maindiag_flag"], d["diag_srt_no"]) for d in diseinfo]
    assert found == [("1", "I10", "1", 1), ("1", "E11.9", "0", 2)]

    # Another institution sees nothing of it: no row, and the visit is "not found" rather than "not yours".
    assert ok(server.pharmacy.call("5201", {"data": query}))["mdtrtinfo"] == []
    assert_refused(
        server, lambda: server.pharmacy.call("5202", {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id}}), "查无此就诊"
    )
    # The period bounds the list, and an end before the beginning is refused.
    later = {"psn_no": psn_no, "begntime": "2099-01-01 00:00:00", "endtime": "2099-01-02 00:00:00"}
    assert ok(server.hospital.call("5201", {"data": later}))["mdtrtinfo"] == []
    backwards = {"psn_no": psn_no, "begntime": DAY_END, "endtime": DAY_BEGIN}
    assert_refused(server, lambda: server.hospital.call("5201", {"data": backwards}), "endtime")


def test_5203_answers_the_settlement_as_2207_did_and_marks_its_reversal(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = defu_bill(server)
    answer = server.hospital.call("2207", bill.settle_input())
    settled = ok(answer)
    setl_id = settled["setlinfo"]["setl_id"]
    query = {"data": {"setl_id": setl_id, "psn_no": bill.psn_no, "mdtrt_id": bill.mdtrt_id}}

    found = ok(server.hospital.call("5203", query))
    info = found["setlinfo"]
    assert {name: info[name] for name in SETLINFO_AMOUNTS} == {
        name: settled["setlinfo"][name] for name in SETLINFO_AMOUNTS
    }
    assert found["setldetail"] == settled["setldetail"]
    assert (info["setl_id"], info["mdtrt_id"], info["setl_time"]) == (
        setl_id,
        bill.mdtrt_id,
        settled["setlinfo"]["setl_time"],
    )
    assert (info["medins_setl_id"], info["fixmedins_code"], info["vali_flag"]) == (answer.msgid, HOSPITAL, "1")
    # 5261 with the settlement's id answers the same record; by period, a list holding it.
    assert ok(server.hospital.call("5261", query))["setlinfo"] == info
    period = {"data": {"psn_no": bill.psn_no, "begntime": DAY_BEGIN, "endtime": DAY_END}}
    assert setl_id in [row["setl_id"] for row in ok(server.hospital.call("5261", period))["setlinfo"]]

    ok(server.hospital.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": bill.mdtrt_id, "psn_no": bill.psn_no}}))
    reversed_info = ok(server.hospital.call("5203", query))["setlinfo"]
    assert {name: reversed_info[name] for name in SETLINFO_AMOUNTS} == {name: info[name] for name in SETLINFO_AMOUNTS}
    assert reversed_info["vali_flag"] == "0"
    assert reversed_info["refd_setl_time"] is not None

    # Another institution's query, or one naming another visit, finds nothing.
    assert_refused(server, lambda: server.pharmacy.call("5203", query), "查无此结算")
    other = {"data": {"setl_id": setl_id, "mdtrt_id": "NO-SUCH-VISIT"}}
    assert_refused(server, lambda: server.hospital.call("5203", other), "查无此结算")


def test_5204_lists_the_visits_fee_lines_as_a_list(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = open_bill(server.hospital, DEFU, "310", [(CONSULTATION, "1"), (ATORVASTATIN, "2")])
    rows: list[dict[str, Any]] = ok(
        server.hospital.call("5204", {"data": {"psn_no": bill.psn_no, "mdtrt_id": bill.mdtrt_id}})
    )
    assert [(r["feedetl_sn"], r["med_list_codg"], r["cnt"]) for r in rows] == [
        ("1", CONSULTATION[0], Decimal(1)),
        ("2", ATORVASTATIN[0], Decimal(2)),
    ]
    assert [r["det_item_fee_sumamt"] for r in rows] == [Decimal("10.00"), Decimal("71.60")]
    for row in rows:
        parts = row["fulamt_ownpay_amt"] + row["overlmt_amt"] + row["preselfpay_amt"] + row["inscp_scp_amt"]
        assert parts == row["det_item_fee_sumamt"]

    settled = ok(server.hospital.call("2207", bill.settle_input()))["setlinfo"]
    query = {"data": {"psn_no": bill.psn_no, "mdtrt_id": bill.mdtrt_id, "setl_id": settled["setl_id"]}}
    of_settlement = ok(server.hospital.call("5204", query))
    assert sorted(r["feedetl_sn"] for r in of_settlement) == ["1", "2"]
    assert sum(r["det_item_fee_sumamt"] for r in of_settlement) == settled["medfee_sumamt"]
    assert_refused(server, lambda: server.pharmacy.call("5204", query), "查无此就诊")


def test_5205_lists_the_drugs_of_chronic_disease_visits_only(fsi_server: FsiServer) -> None:
    server = fsi_server
    psn_no = person(server.hospital, GUILAN)["baseinfo"]["psn_no"]
    chronic = ok(server.hospital.call("2201", register_input(psn_no, GUILAN, "390", med_type="14")))["data"]
    general = ok(server.hospital.call("2201", register_input(psn_no, GUILAN, "390")))["data"]
    for visit in (chronic, general):
        rows = [
            fee_row(visit["mdtrt_id"], psn_no, "1", CONSULTATION),
            fee_row(visit["mdtrt_id"], psn_no, "2", ATORVASTATIN),
        ]
        ok(server.hospital.call("2204", {"feedetail": rows}))

    query = {"data": {"psn_no": psn_no, "begntime": DAY_BEGIN, "endtime": DAY_END}}
    drugs = ok(server.hospital.call("5205", query))["feedetail"]
    assert [(d["med_list_codg"], d["med_type"], d["fixmedins_code"]) for d in drugs] == [
        (ATORVASTATIN[0], "14", HOSPITAL)
    ]
    # An institution with no visit with the person may not read her records (the pharmacy has none with 德福 here).
    defu = person(server.hospital, DEFU)["baseinfo"]["psn_no"]
    stranger = {"data": {"psn_no": defu, "begntime": DAY_BEGIN, "endtime": DAY_END}}
    assert_refused(server, lambda: server.pharmacy.call("5205", stranger), "没有就诊记录")


def test_5206_reports_the_years_accumulators_as_settlements_move_them(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = defu_bill(server)
    before = _cuminfo(server, bill.psn_no)
    settled = ok(server.hospital.call("2207", bill.settle_input()))["setlinfo"]
    after = _cuminfo(server, bill.psn_no)
    fund = after.get("D310101", Decimal(0)) - before.get("D310101", Decimal(0))
    deductible = after.get("Q0000", Decimal(0)) - before.get("Q0000", Decimal(0))
    assert (fund, deductible) == (settled["hifp_pay"], settled["act_pay_dedc"])

    ok(server.hospital.call("2208", {"data": {"setl_id": settled["setl_id"], "psn_no": bill.psn_no}}))
    # A reversal restores the accumulators (a row may stay, at its former value).
    restored = _cuminfo(server, bill.psn_no)
    assert all(restored.get(code, Decimal(0)) == before.get(code, Decimal(0)) for code in {*restored, *before})

    bad = {"data": {"psn_no": bill.psn_no, "cum_ym": "2026-11"}}
    assert_refused(server, lambda: server.hospital.call("5206", bad), "cum_ym")
    assert_refused(server, lambda: server.pharmacy.call("5206", {"data": {"psn_no": bill.psn_no}}), "没有就诊记录")
