"""A hospital stay through the national interface: admission with diagnoses (2401), fees and their cancellation
(2301/2302), discharge and its cancellation (2402/2405), pre-settlement, settlement and reversal (2303/2304/2305),
cancelling an admission (2404), and 冲正 (2601) of an admission and of a settlement — on both backends."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongji.service.demo import DEFU
from gongji.service.settlement import visit_view
from tests.fsi.conftest import FsiServer
from tests.fsi.test_http import (
    ATORVASTATIN,
    CONSULTATION,
    assert_preview,
    assert_refused,
    assert_settlement,
    fee_row,
    ok,
    own_balance,
    person,
)

DIAGNOSES = [
    {"diag_type": "1", "diag_srt_no": "1", "diag_code": "I10", "diag_name": "原发性高血压", "maindiag_flag": "1"},
    {"diag_type": "1", "diag_srt_no": "2", "diag_code": "E11.9", "diag_name": "2型糖尿病", "maindiag_flag": "0"},
]


def _admit(server: FsiServer, ipt_no: str) -> tuple[str, str]:
    psn_no = person(server.hospital, DEFU)["baseinfo"]["psn_no"]
    admission = {
        "psn_no": psn_no,
        "insutype": "310",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": DEFU,
        "med_type": "21",
        "ipt_no": ipt_no,
        "begntime": "2026-11-22 11:00:00",
        "adm_dept_codg": "A03",
        "adm_dept_name": "内科",
        "atddr_no": "D001",
        "chfpdr_name": "王医生",
    }
    output = ok(server.hospital.call("2401", {"mdtrtinfo": admission, "diseinfo": DIAGNOSES}))
    assert output["result"]["psn_no"] == psn_no
    assert output["result"]["ipt_otp_no"] == ipt_no
    return psn_no, output["result"]["mdtrt_id"]


def _discharge(server: FsiServer, psn_no: str, mdtrt_id: str) -> None:
    node = {
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "insutype": "310",
        "endtime": "2026-11-22 11:50:00",
        "dscg_way": "1",
    }
    assert ok(server.hospital.call("2402", {"dscginfo": node, "diseinfo": DIAGNOSES[:1]})) is None


def _bill(psn_no: str, mdtrt_id: str, total: str) -> dict[str, Any]:
    node = {
        "psn_no": psn_no,
        "mdtrt_id": mdtrt_id,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": DEFU,
        "medfee_sumamt": total,
        "insutype": "310",
        "acct_used_flag": "1",
        "mid_setl_flag": "0",
    }
    return {"data": node}


def test_a_stay_is_admitted_discharged_settled_and_reversed(fsi_server: FsiServer) -> None:
    server = fsi_server
    opening = own_balance(server, DEFU)
    psn_no, mdtrt_id = _admit(server, "ZY-HTTP-1")
    rows = [fee_row(mdtrt_id, psn_no, "1", CONSULTATION), fee_row(mdtrt_id, psn_no, "2", ATORVASTATIN, "2")]
    ok(server.hospital.call("2301", {"feedetail": rows}))
    # 2302 cancels one line: the bill is the consultation and one box fewer.
    assert (
        ok(server.hospital.call("2302", {"data": {"mdtrt_id": mdtrt_id, "feedetl_sn": "2", "psn_no": psn_no}})) is None
    )
    ok(server.hospital.call("2301", {"feedetail": [fee_row(mdtrt_id, psn_no, "3", ATORVASTATIN)]}))
    total = str(Decimal(CONSULTATION[1]) + Decimal(ATORVASTATIN[1]))

    # Before discharge a stay is settled only mid-stay (mid_setl_flag 1: tests/integration/test_charge_batches.py);
    # a flag other than 0 or 1 is refused.
    assert_refused(server, lambda: server.hospital.call("2303", _bill(psn_no, mdtrt_id, total)), "STAY_NOT_DISCHARGED")
    mid = _bill(psn_no, mdtrt_id, total)
    mid["data"]["mid_setl_flag"] = "2"
    assert_refused(server, lambda: server.hospital.call("2304", mid), "中途结算标志须为 0 或 1")

    _discharge(server, psn_no, mdtrt_id)
    stay = visit_view(server.ctx, mdtrt_id)
    assert stay.discharge_way == "1"
    assert [(d.stage, d.diag_code, d.main) for d in stay.diagnoses or []] == [
        ("admission", "I10", True),
        ("admission", "E11.9", False),
        ("discharge", "I10", True),
    ]
    # 2405 reopens it (and 2303 is refused again), 2402 once more closes it.
    assert ok(server.hospital.call("2405", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}})) is None
    assert_refused(server, lambda: server.hospital.call("2303", _bill(psn_no, mdtrt_id, total)), "STAY_NOT_DISCHARGED")
    _discharge(server, psn_no, mdtrt_id)

    preview = ok(server.hospital.call("2303", _bill(psn_no, mdtrt_id, total)))
    assert_preview(server, preview, DEFU)
    assert preview["setlinfo"]["clr_type"] == "21"
    assert own_balance(server, DEFU) == opening

    settled = ok(server.hospital.call("2304", _bill(psn_no, mdtrt_id, total)))
    amounts = assert_settlement(settled, balance_after=own_balance(server, DEFU))
    assert amounts["medfee_sumamt"] == Decimal(total)
    assert amounts["acct_pay"] > 0
    assert own_balance(server, DEFU) == opening - amounts["acct_pay"]

    setl_id = settled["setlinfo"]["setl_id"]
    reversed_ = ok(server.hospital.call("2305", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}}))
    back = assert_settlement(reversed_, balance_after=own_balance(server, DEFU), reversal=True)
    assert back["medfee_sumamt"] == -amounts["medfee_sumamt"]
    assert own_balance(server, DEFU) == opening


def test_2404_cancels_an_admission_and_2601_undoes_one(fsi_server: FsiServer) -> None:
    server = fsi_server
    psn_no, mdtrt_id = _admit(server, "ZY-HTTP-2")
    assert ok(server.hospital.call("2404", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}})) is None
    assert visit_view(server.ctx, mdtrt_id).status == "cancelled"
    # A cancelled stay takes no fees.
    row = fee_row(mdtrt_id, psn_no, "1", CONSULTATION)
    assert_refused(server, lambda: server.hospital.call("2301", {"feedetail": [row]}), "VISIT_NOT_OPEN")

    admitted = server.hospital.call(
        "2401",
        {
            "mdtrtinfo": {"psn_no": psn_no, "insutype": "310", "med_type": "21", "ipt_no": "ZY-HTTP-4"},
            "diseinfo": DIAGNOSES[:1],
        },
    )
    stay = ok(admitted)["result"]["mdtrt_id"]
    undo = {"data": {"psn_no": psn_no, "omsgid": admitted.msgid, "oinfno": "2401"}}
    assert ok(server.hospital.call("2601", undo)) is None
    assert visit_view(server.ctx, stay).status == "cancelled"


def test_2601_undoes_an_inpatient_settlement(fsi_server: FsiServer) -> None:
    server = fsi_server
    opening = own_balance(server, DEFU)
    psn_no, mdtrt_id = _admit(server, "ZY-HTTP-5")
    ok(server.hospital.call("2301", {"feedetail": [fee_row(mdtrt_id, psn_no, "1", CONSULTATION)]}))
    _discharge(server, psn_no, mdtrt_id)
    settled = server.hospital.call("2304", _bill(psn_no, mdtrt_id, CONSULTATION[1]))
    assert_settlement(ok(settled), balance_after=own_balance(server, DEFU))
    undo = {"data": {"psn_no": psn_no, "omsgid": settled.msgid, "oinfno": "2304"}}
    assert ok(server.hospital.call("2601", undo)) is None
    assert own_balance(server, DEFU) == opening
    assert visit_view(server.ctx, mdtrt_id).status == "open"
