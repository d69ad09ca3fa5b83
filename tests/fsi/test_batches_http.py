"""Charge batches over the national interface: a HIS uploads, cancels, previews, settles and reverses an outpatient
visit one ``chrg_bchno`` at a time (registration, then each prescription), and a 2207 that says something else than
the visit, or declares other amounts, is refused with its reason."""

from __future__ import annotations

from decimal import Decimal

from gongji.service.settlement import visit_view
from tests.fsi.conftest import BEGNTIME, FsiServer
from tests.fsi.test_http import (
    ATORVASTATIN,
    CONSULTATION,
    DEFU,
    Bill,
    assert_refused,
    assert_settlement,
    fee_row,
    ok,
    open_visit,
    own_balance,
)


def _visit_in_batches(server: FsiServer) -> Bill:
    """张德福's visit: B1 the consultation (10.00), B2 a box of atorvastatin (35.80), B3 two more (71.60)."""
    psn_no, mdtrt_id = open_visit(server.hospital, DEFU, "310")
    for batch, sn, item, cnt in (
        ("B1", "1", CONSULTATION, "1"),
        ("B2", "2", ATORVASTATIN, "1"),
        ("B3", "3", ATORVASTATIN, "2"),
    ):
        ok(server.hospital.call("2204", {"feedetail": [fee_row(mdtrt_id, psn_no, sn, item, cnt, chrg_bchno=batch)]}))
    return Bill(DEFU, psn_no, mdtrt_id, Decimal("117.40"), "310", "11")


def test_each_batch_is_previewed_settled_and_reversed_on_its_own(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = _visit_in_batches(server)
    # B1 is previewed and settled for its own 10.00, not the visit's 117.40.
    preview = ok(server.hospital.call("2206", bill.settle_input(chrg_bchno="B1", medfee_sumamt="10.00")))
    assert preview["setlinfo"]["medfee_sumamt"] == Decimal("10.00")
    balance = own_balance(server, DEFU)
    first = ok(server.hospital.call("2207", bill.settle_input(chrg_bchno="B1", medfee_sumamt="10.00")))
    assert_settlement(first, balance_after=balance - first["setlinfo"]["acct_pay"])

    # 2205 of batch B3 cancels B3's line only; B2 is then settled after B1 (no VISIT_NOT_OPEN).
    ok(server.hospital.call("2205", {"data": {"mdtrt_id": bill.mdtrt_id, "chrg_bchno": "B3", "feedetl_sn": "0000"}}))
    assert_refused(
        server,
        lambda: server.hospital.call("2207", bill.settle_input(chrg_bchno="B3", medfee_sumamt="71.60")),
        "CHARGE_BATCH_NOT_FOUND",
    )
    second = ok(server.hospital.call("2207", bill.settle_input(chrg_bchno="B2", medfee_sumamt="35.80")))
    assert second["setlinfo"]["medfee_sumamt"] == Decimal("35.80")
    assert second["setlinfo"]["setl_id"] != first["setlinfo"]["setl_id"]

    # A settled batch takes no more lines and is not settled twice; a new prescription is a new batch.
    more = fee_row(bill.mdtrt_id, bill.psn_no, "4", CONSULTATION, chrg_bchno="B1")
    assert_refused(server, lambda: server.hospital.call("2204", {"feedetail": [more]}), "CHARGE_BATCH_SETTLED")
    assert_refused(
        server,
        lambda: server.hospital.call("2207", bill.settle_input(chrg_bchno="B1", medfee_sumamt="10.00")),
        "CHARGE_BATCH_SETTLED",
    )
    ok(server.hospital.call("2204", {"feedetail": [{**more, "chrg_bchno": "B4"}]}))
    ok(server.hospital.call("2207", bill.settle_input(chrg_bchno="B4", medfee_sumamt="10.00")))

    # 2208 reverses B1 alone: its own amounts negated, the others stand.
    setl_id = first["setlinfo"]["setl_id"]
    reversed_ = ok(
        server.hospital.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": bill.mdtrt_id, "psn_no": bill.psn_no}})
    )
    assert reversed_["setlinfo"]["medfee_sumamt"] == Decimal("-10.00")


def test_a_2207_of_another_medical_type_insurance_way_or_amount_is_refused(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = _visit_in_batches(server)
    b1 = {"chrg_bchno": "B1", "medfee_sumamt": "10.00"}
    for changes, reason in (
        ({"med_type": "14"}, "SETTLE_VISIT_MISMATCH"),
        ({"insutype": "390"}, "SETTLE_VISIT_MISMATCH"),
        ({"psn_setlway": "02"}, "个人结算方式“02”不受支持"),
        ({"inscp_scp_amt": "9.00"}, "CLASSIFIED_AMOUNT_MISMATCH"),
        ({"fulamt_ownpay_amt": "1.00"}, "CLASSIFIED_AMOUNT_MISMATCH"),
    ):
        assert_refused(
            server, lambda changes=changes: server.hospital.call("2207", bill.settle_input(**b1, **changes)), reason
        )
    # The consultation (A, 10.00) is wholly in the policy range: declared as gongji classifies it, it settles.
    declared = {"fulamt_ownpay_amt": "0", "overlmt_selfpay": "0.00", "preselfpay_amt": 0, "inscp_scp_amt": "10.00"}
    ok(server.hospital.call("2207", bill.settle_input(**b1, **declared)))


def test_prices_of_six_decimals_are_taken_exactly(fsi_server: FsiServer) -> None:
    server = fsi_server
    psn_no, mdtrt_id = open_visit(server.hospital, DEFU, "310")
    # 0.0833 a tablet × 12 = 0.9996 → 1.00; 3.3333 × 3 = 9.9999 → 10.00 (refused before as "最多两位小数").
    rows = [
        fee_row(mdtrt_id, psn_no, "1", (ATORVASTATIN[0], "0.0833"), "12", det_item_fee_sumamt="1.00"),
        fee_row(mdtrt_id, psn_no, "2", (ATORVASTATIN[0], "3.3333"), "3", det_item_fee_sumamt="10.00"),
    ]
    result = ok(server.hospital.call("2204", {"feedetail": rows}))
    assert [row["det_item_fee_sumamt"] for row in result["result"]] == [Decimal("1.00"), Decimal("10.00")]
    assert [row["pric"] for row in result["result"]] == [Decimal("0.0833"), Decimal("3.3333")]
    bill = Bill(DEFU, psn_no, mdtrt_id, Decimal("11.00"), "310", "11")
    assert ok(server.hospital.call("2206", bill.settle_input()))["setlinfo"]["medfee_sumamt"] == Decimal("11.00")
    # An amount further than a fen from quantity × price is refused.
    far = fee_row(mdtrt_id, psn_no, "3", (ATORVASTATIN[0], "3.3333"), "3", det_item_fee_sumamt="10.02")
    assert_refused(server, lambda: server.hospital.call("2204", {"feedetail": [far]}), "det_item_fee_sumamt")


def _diseinfo(code: str, name: str, order: int) -> dict[str, object]:
    # Numbered from 0 and sent as a number, as hsa-his does (InptAlterationReqUtil.java, see tx_visits).
    return {"diag_type": "1", "diag_srt_no": order, "diag_code": code, "diag_name": name, "maindiag_flag": "1"}


def test_2203_records_what_the_visit_is_and_2403_corrects_a_stay(fsi_server: FsiServer) -> None:
    server = fsi_server
    psn_no, mdtrt_id = open_visit(server.hospital, DEFU, "310")
    record = {
        "mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "14", "begntime": BEGNTIME},
        "diseinfo": [_diseinfo("I10.x00", "高血压", 0)],
    }
    assert ok(server.hospital.call("2203", record)) is None
    visit = visit_view(server.ctx, mdtrt_id)
    assert visit.med_type == "14"
    assert [(d.stage, d.diag_code) for d in visit.diagnoses or []] == [("visit", "I10.x00")]
    # 2203A is the same transaction in the later version of the specification; a second upload replaces the first.
    record["diseinfo"] = [_diseinfo("E11.900", "2型糖尿病", 0)]
    ok(server.hospital.call("2203A", record))
    assert [d.diag_code for d in visit_view(server.ctx, mdtrt_id).diagnoses or []] == ["E11.900"]
    # A stay's medical type is not an outpatient visit's; 2403 is for stays.
    assert_refused(
        server,
        lambda: server.hospital.call("2203", {**record, "mdtrtinfo": {**record["mdtrtinfo"], "med_type": "21"}}),
        "VISIT_CHANGE_REFUSED",
    )
    assert_refused(server, lambda: server.hospital.call("2403", record), "VISIT_CHANGE_REFUSED")

    # Settled under 14, the visit keeps it: the medical type no longer changes; the settlement must say 14.
    rows = [
        fee_row(mdtrt_id, psn_no, "1", CONSULTATION, chrg_bchno="B1"),
        fee_row(mdtrt_id, psn_no, "2", CONSULTATION, chrg_bchno="B2"),
    ]
    ok(server.hospital.call("2204", {"feedetail": rows}))
    bill = Bill(DEFU, psn_no, mdtrt_id, Decimal("10.00"), "310", "11")
    assert_refused(server, lambda: server.hospital.call("2207", bill.settle_input()), "SETTLE_VISIT_MISMATCH")
    ok(server.hospital.call("2207", bill.settle_input(med_type="14")))
    back = {**record, "mdtrtinfo": {**record["mdtrtinfo"], "med_type": "11"}}
    assert_refused(server, lambda: server.hospital.call("2203", back), "VISIT_HAS_SETTLEMENTS")
