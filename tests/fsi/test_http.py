"""The national interface over real HTTP, on SQLite and PostgreSQL: a hospital and a pharmacy system calling gongji.

Every test opens its own visits on the module's server (see ``conftest.py``). Every settlement and reversal answer is
checked against the national identities by :func:`assert_settlement`, and every refusal by :func:`assert_refused`,
which also proves that the refused request changed nothing.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gongji.api.fsi.auth import signature
from gongji.api.fsi.client import PATH, FsiAnswer
from gongji.api.fsi.his_sim import check_identities
from gongji.domain.codes import FundPayType
from gongji.domain.identity import ResidentId
from gongji.domain.money import fen_to_decimal
from gongji.service.account_query import balances
from gongji.service.demo import DEFU, HOSPITAL, JIANGUO, PHARMACY, XIAOMING, XIUYING
from tests.fsi.conftest import BEGNTIME, FsiServer, HisClient
from tests.fsi.national import SETLINFO_AMOUNTS
from tests.helpers import snapshot

#: A valid resident ID number (the check character is right) of nobody gongji knows.
STRANGER = "130102199001011237"

#: Sample catalogue items: (code, unit price in yuan, category).
CONSULTATION = ("001102000010000", "10.00")  # 普通门诊诊查费, 甲类 (A)
ATORVASTATIN = ("XC10AAA129A001010100004", "35.80")  # 阿托伐他汀钙片, 乙类 (B), 10 % self-paid first
CHECKUP = ("001401000010000", "200.00")  # 健康体检（套餐）, 丙类 (C): not covered
LORATADINE = ("XR06AXL001A001010100009", "23.80")  # 氯雷他定片, 乙类 (B)
AMBROXOL = ("XR05CBA001X001010100017", "32.60")  # 盐酸氨溴索口服溶液, 乙类 (B)

#: The account fund's type in ``setldetail`` (职工基本医疗保险个人账户基金).
ACCOUNT_FUND = FundPayType.EMPLOYEE_PERSONAL_ACCOUNT


# --- helpers ------------------------------------------------------------------------------------------------------


def own_balance(server: FsiServer, certno: str) -> Decimal:
    """The person's own personal account (历年 + 当年) now, in yuan, as gongji's own API tells it."""
    return fen_to_decimal(balances(server.ctx, certno).personal_account_fen)


def ok(answer: FsiAnswer) -> Any:
    """The output of a successful answer (failing with the refusal's message otherwise)."""
    assert (answer.status, answer.infcode, answer.err_msg) == (200, 0, None)
    assert len(answer.body["inf_refmsgid"]) == 30
    return answer.output


def assert_refused(server: FsiServer, send: Callable[[], FsiAnswer], *fragments: str, status: int = 200) -> FsiAnswer:
    """Send, and check the national refusal: ``infcode`` −2, ``err_msg`` saying why, and no business row changed."""
    before = snapshot(server.engine)
    answer = send()
    assert answer.status == status
    assert answer.infcode == -2
    assert answer.output is None
    assert answer.err_msg is not None
    for fragment in fragments:
        assert fragment in answer.err_msg
    assert snapshot(server.engine) == before
    return answer


def assert_amounts_are_numbers(node: dict[str, Any], names: tuple[str, ...]) -> None:
    """Amounts are answered as JSON numbers with two decimals (the client reads them as Decimal)."""
    for name in names:
        value = node[name]
        assert isinstance(value, Decimal), f"{name} = {value!r} is not a JSON number with decimals"
        assert value.as_tuple().exponent == -2, f"{name} = {value} does not have two decimals"


def assert_settlement(output: dict[str, Any], *, balance_after: Decimal, reversal: bool = False) -> dict[str, Decimal]:
    """The national identities of a settlement (or reversal) answer; returns its amounts.

    medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt
                  = fund_pay_sumamt + psn_part_amt + hosp_part_amt;
    psn_part_amt = acct_pay + psn_cash_pay; acct_mulaid_pay ≤ acct_pay (on absolute values for a reversal);
    the 310200 rows of setldetail add up to acct_pay; balc is the patient's own account balance after.
    """
    info, detail = output["setlinfo"], output["setldetail"]
    assert_amounts_are_numbers(info, SETLINFO_AMOUNTS)
    a: dict[str, Decimal] = {name: info[name] for name in SETLINFO_AMOUNTS}
    assert check_identities(info, detail) == []
    sign = -1 if reversal else 1
    for name in SETLINFO_AMOUNTS:
        if name != "balc":
            assert sign * a[name] >= 0, f"{name} = {a[name]} has the wrong sign"
    assert a["balc"] == balance_after
    return a


def assert_settled(server: FsiServer, answer: FsiAnswer, certno: str) -> str:
    """A successful 2207 answer, checked by :func:`assert_settlement`; its ``setl_id``."""
    output = ok(answer)
    assert_settlement(output, balance_after=own_balance(server, certno))
    setl_id: str = output["setlinfo"]["setl_id"]
    assert setl_id
    return setl_id


def assert_preview(server: FsiServer, output: dict[str, Any], certno: str) -> dict[str, Decimal]:
    """A 2206 answer: no settlement id or time, the identities, and balc as the patient's own account would stand
    after paying its part (the account is not touched yet)."""
    info = output["setlinfo"]
    assert (info["setl_id"], info["setl_time"]) == (None, None)
    own_part = info["acct_pay"] - info["acct_mulaid_pay"]
    return assert_settlement(output, balance_after=own_balance(server, certno) - own_part)


@dataclass(frozen=True)
class Bill:
    """An open visit with its fees uploaded, ready to settle."""

    certno: str
    psn_no: str
    mdtrt_id: str
    total: Decimal
    insutype: str
    med_type: str

    def settle_input(self, **changes: Any) -> dict[str, Any]:
        """The ``data`` of 2206/2207 for this bill (``changes`` replace or add fields)."""
        data = {
            "psn_no": self.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": self.certno,
            "med_type": self.med_type,
            "medfee_sumamt": str(self.total),
            "psn_setlway": "01",
            "mdtrt_id": self.mdtrt_id,
            "chrg_bchno": "B1",
            "acct_used_flag": "1",
            "insutype": self.insutype,
            **changes,
        }
        return {"data": data}


def person(client: HisClient, certno: str) -> dict[str, Any]:
    """1101 by ID card: the person's ``baseinfo`` and ``insuinfo``."""
    data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "psn_cert_type": "01", "certno": certno}
    output: dict[str, Any] = ok(client.call("1101", {"data": {**data, "begntime": BEGNTIME}}))
    return output


def register_input(psn_no: str, certno: str, insutype: str, **changes: Any) -> dict[str, Any]:
    """The ``data`` of 2201 as a hospital system fills it."""
    data = {
        "psn_no": psn_no,
        "insutype": insutype,
        "begntime": BEGNTIME,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": certno,
        "ipt_otp_no": f"MZ{secrets.token_hex(4)}",
        "atddr_no": "D001",
        "dr_name": "王医生",
        "dept_code": "A03",
        "dept_name": "内科",
        "caty": "A03",
        **changes,
    }
    return {"data": data}


def fee_row(
    mdtrt_id: str, psn_no: str, sn: str, item: tuple[str, str], cnt: str = "1", **changes: Any
) -> dict[str, Any]:
    """A ``feedetail`` row (amount = cnt × pric unless changed)."""
    code, price = item
    row = {
        "feedetl_sn": sn,
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "chrg_bchno": "B1",
        "med_list_codg": code,
        "medins_list_codg": f"HIS-{code[-6:]}",
        "det_item_fee_sumamt": str(Decimal(cnt) * Decimal(price)),
        "cnt": cnt,
        "pric": price,
        "fee_ocur_time": BEGNTIME,
        **changes,
    }
    return row


def open_visit(client: HisClient, certno: str, insutype: str) -> tuple[str, str]:
    """1101 then 2201: the person's ``psn_no`` and the new visit's ``mdtrt_id``."""
    psn_no = person(client, certno)["baseinfo"]["psn_no"]
    output = ok(client.call("2201", register_input(psn_no, certno, insutype)))
    return psn_no, output["data"]["mdtrt_id"]


def open_bill(
    client: HisClient, certno: str, insutype: str, lines: list[tuple[tuple[str, str], str]], med_type: str = "11"
) -> Bill:
    """A visit with fee lines uploaded (``lines``: item and quantity)."""
    psn_no, mdtrt_id = open_visit(client, certno, insutype)
    rows = [fee_row(mdtrt_id, psn_no, str(sn), item, cnt) for sn, (item, cnt) in enumerate(lines, start=1)]
    ok(client.call("2204", {"feedetail": rows}))
    total = sum((Decimal(row["det_item_fee_sumamt"]) for row in rows), Decimal(0))
    return Bill(certno, psn_no, mdtrt_id, total, insutype, med_type)


def defu_bill(server: FsiServer) -> Bill:
    """张德福 (retired employee, his own account) at the hospital: a consultation and a box of a B-category drug."""
    return open_bill(server.hospital, DEFU, "310", [(CONSULTATION, "1"), (ATORVASTATIN, "1")])


def gateway_headers(
    client: HisClient,
    *,
    paasid: str | None = None,
    token: str | None = None,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Gateway headers as a client signs them, with any part replaced."""
    stamp = timestamp if timestamp is not None else str(int(time.time()))
    once = nonce if nonce is not None else secrets.token_hex(16)
    return {
        "x-tif-paasid": paasid if paasid is not None else client.paasid,
        "x-tif-timestamp": stamp,
        "x-tif-nonce": once,
        "x-tif-signature": signature(stamp, token if token is not None else client.token, once),
        "content-type": "application/json; charset=utf-8",
    }


def post(server: FsiServer, body: bytes, headers: dict[str, str], *, path: str = PATH) -> FsiAnswer:
    """POST raw bytes with the given headers; the answer read as the client reads it."""
    response = server.http.post(path, content=body, headers=headers)
    return FsiAnswer(response.status_code, json.loads(response.content, parse_float=Decimal), "")


def body_of(client: HisClient, infno: str, input_: dict[str, Any], **envelope: Any) -> bytes:
    """A request body as the client writes it (``envelope`` replaces envelope fields)."""
    document = {**client.envelope(infno, input_, client.new_msgid()), **envelope}
    return json.dumps(document, ensure_ascii=False, default=str).encode()


# --- the outpatient flow with mutual aid ---------------------------------------------------------------------------


def test_outpatient_visit_of_xiuying_paid_by_her_husbands_account(fsi_server: FsiServer) -> None:
    """李秀英 (resident, no account of her own) at the hospital: 9001, 1101, 2201, 2204, 2206, 2207, 2208."""
    server = fsi_server
    client = server.client(HOSPITAL)
    machine = {"opter_no": "0001", "mac": "00-1A-2B-3C-4D-5E", "ip": "10.0.0.8"}
    signed_in = ok(client.call("9001", {"signIn": machine}))["signinoutb"]
    assert signed_in["sign_no"].isdigit()
    assert signed_in["sign_no"] != server.hospital.sign_no
    assert signed_in["sign_time"] == BEGNTIME
    client.sign_no = signed_in["sign_no"]

    # 1101: insuinfo is an array, one row per insurance, with the balance of her own account (she has none).
    found = person(client, XIUYING)
    base = found["baseinfo"]
    assert (base["certno"], base["psn_name"], base["gend"], base["brdy"]) == (XIUYING, "李秀英", "2", "1977-08-22")
    assert isinstance(found["insuinfo"], list)
    assert [(row["insutype"], row["psn_insu_stas"]) for row in found["insuinfo"]] == [("390", "1")]
    assert found["insuinfo"][0]["balc"] == own_balance(server, XIUYING) == 0
    husband = person(client, JIANGUO)
    assert husband["insuinfo"][0]["balc"] == own_balance(server, JIANGUO) > 0
    psn_no = base["psn_no"]

    # 2201
    registration = register_input(psn_no, XIUYING, "390", ipt_otp_no="MZ20261122001")
    visit = ok(client.call("2201", registration))["data"]
    assert (visit["psn_no"], visit["ipt_otp_no"]) == (psn_no, "MZ20261122001")
    mdtrt_id = visit["mdtrt_id"]

    # 2204: one classification row per line, in the order uploaded.
    rows = [
        fee_row(mdtrt_id, psn_no, "1", CONSULTATION),
        fee_row(mdtrt_id, psn_no, "2", ATORVASTATIN, "2"),
        fee_row(mdtrt_id, psn_no, "3", CHECKUP),
    ]
    result = ok(client.call("2204", {"feedetail": rows}))["result"]
    assert [r["feedetl_sn"] for r in result] == ["1", "2", "3"]
    assert [r["chrgitm_lv"] for r in result] == ["01", "02", "03"]
    for row in result:
        assert_amounts_are_numbers(row, ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "inscp_scp_amt"))
        parts = row["fulamt_ownpay_amt"] + row["overlmt_amt"] + row["preselfpay_amt"] + row["inscp_scp_amt"]
        assert parts == row["det_item_fee_sumamt"]
    consultation, drug, checkup = result
    assert (consultation["inscp_scp_amt"], consultation["fulamt_ownpay_amt"]) == (Decimal("10.00"), 0)
    assert (drug["det_item_fee_sumamt"], drug["preselfpay_amt"]) == (Decimal("71.60"), Decimal("7.16"))
    assert drug["selfpay_prop"] == Decimal("0.1")
    assert (checkup["fulamt_ownpay_amt"], checkup["inscp_scp_amt"]) == (Decimal("200.00"), 0)
    bill = Bill(XIUYING, psn_no, mdtrt_id, Decimal("281.60"), "390", "11")

    # 2206 computes everything and writes nothing.
    husband_before = own_balance(server, JIANGUO)
    before = snapshot(server.engine)
    preview = ok(client.call("2206", bill.settle_input()))
    assert snapshot(server.engine) == before
    previewed = assert_preview(server, preview, XIUYING)
    assert previewed["medfee_sumamt"] == Decimal("281.60")
    assert previewed["fulamt_ownpay_amt"] == Decimal("200.00")
    assert own_balance(server, JIANGUO) == husband_before

    # 2207 pays from 张建国's account: mutual aid, told in setldetail with the payer's name and relation.
    final = bill.settle_input(
        invono="INV0001",
        **{name: str(previewed[name]) for name in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt")},
        inscp_scp_amt=str(previewed["inscp_scp_amt"]),
    )
    settled = ok(client.call("2207", final))
    amounts = assert_settlement(settled, balance_after=own_balance(server, XIUYING))
    info = settled["setlinfo"]
    assert info["setl_id"]
    assert (info["mdtrt_id"], info["psn_no"], info["med_type"], info["insutype"]) == (mdtrt_id, psn_no, "11", "390")
    assert amounts["acct_mulaid_pay"] > 0
    assert amounts["acct_mulaid_pay"] == amounts["acct_pay"]  # she has no account: all of acct_pay is mutual aid
    assert {name: amounts[name] for name in SETLINFO_AMOUNTS} == {name: previewed[name] for name in SETLINFO_AMOUNTS}
    assert own_balance(server, JIANGUO) == husband_before - amounts["acct_mulaid_pay"]
    payer_rows = [row for row in settled["setldetail"] if row.get("mulaid_psn_name")]
    assert [(r["mulaid_psn_name"], r["mulaid_relation"], r["mulaid_flag"]) for r in payer_rows] == [
        ("张建国", "spouse", "1")
    ]
    assert payer_rows[0]["mulaid_psn_no"] == husband["baseinfo"]["psn_no"]
    assert payer_rows[0]["fund_payamt"] == amounts["acct_mulaid_pay"]
    assert payer_rows[0]["mulaid_balc"] == own_balance(server, JIANGUO)
    assert "张建国" in payer_rows[0]["setl_proc_info"]

    # 2208 answers the same record negated and gives the money back.
    reversed_ = ok(client.call("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}}))
    undone = assert_settlement(reversed_, balance_after=own_balance(server, XIUYING), reversal=True)
    assert reversed_["setlinfo"]["setl_id"] == info["setl_id"]
    assert {name: undone[name] for name in SETLINFO_AMOUNTS if name != "balc"} == {
        name: -amounts[name] for name in SETLINFO_AMOUNTS if name != "balc"
    }
    assert own_balance(server, JIANGUO) == husband_before
    assert [row["mulaid_balc"] for row in reversed_["setldetail"] if row.get("mulaid_psn_name")] == [husband_before]


def test_an_employee_pays_from_his_own_account_and_balc_follows_it(fsi_server: FsiServer) -> None:
    """张德福 (his own account): balc after a settlement, after a second one, and after reversing the first."""
    server = fsi_server
    opening = own_balance(server, DEFU)
    assert person(server.hospital, DEFU)["insuinfo"][0]["balc"] == opening

    first = defu_bill(server)
    preview = ok(server.hospital.call("2206", first.settle_input()))
    assert_preview(server, preview, DEFU)
    settled = ok(server.hospital.call("2207", first.settle_input()))
    a = assert_settlement(settled, balance_after=own_balance(server, DEFU))
    # 2206 told the balance the account would have after paying, as 2207 then left it.
    assert preview["setlinfo"]["balc"] == a["balc"] < opening
    assert a["acct_pay"] > 0
    assert a["acct_mulaid_pay"] == 0
    assert own_balance(server, DEFU) == opening - a["acct_pay"]
    assert [row["fund_payamt"] for row in settled["setldetail"] if row["fund_pay_type"] == ACCOUNT_FUND] == [
        a["acct_pay"]
    ]

    second = defu_bill(server)
    b = assert_settlement(
        ok(server.hospital.call("2207", second.settle_input())), balance_after=own_balance(server, DEFU)
    )
    assert own_balance(server, DEFU) == opening - a["acct_pay"] - b["acct_pay"]

    # Reversing the first gives back only its own payment: balc is the account as it stands after the reversal.
    setl_id = settled["setlinfo"]["setl_id"]
    reversed_ = ok(server.hospital.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": first.mdtrt_id}}))
    assert own_balance(server, DEFU) == opening - b["acct_pay"]
    assert_settlement(reversed_, balance_after=opening - b["acct_pay"], reversal=True)


def test_a_pharmacy_purchase_for_xiaoming_is_paid_by_his_family(fsi_server: FsiServer) -> None:
    """张小明 (14, resident) buys at the pharmacy (med_type 41): his relatives' accounts pay, in his payer order."""
    server = fsi_server
    family_before = {certno: own_balance(server, certno) for certno in (JIANGUO, DEFU)}
    bill = open_bill(server.pharmacy, XIAOMING, "390", [(LORATADINE, "1"), (AMBROXOL, "2")], med_type="41")
    assert bill.total == Decimal("89.00")
    settled = ok(server.pharmacy.call("2207", bill.settle_input()))
    a = assert_settlement(settled, balance_after=own_balance(server, XIAOMING))
    info = settled["setlinfo"]
    assert (info["med_type"], info["clr_type"], info["psn_name"]) == ("41", "41", "张小明")
    assert a["acct_mulaid_pay"] == a["acct_pay"] > 0
    payer_rows = [row for row in settled["setldetail"] if row.get("mulaid_psn_name")]
    assert payer_rows
    assert {row["mulaid_psn_name"] for row in payer_rows} <= {"张建国", "张德福"}
    assert all(row["mulaid_flag"] == "1" and row["mulaid_relation"] for row in payer_rows)
    paid = {certno: family_before[certno] - own_balance(server, certno) for certno in family_before}
    assert sum(paid.values()) == a["acct_mulaid_pay"]
    by_name = {"张建国": JIANGUO, "张德福": DEFU}
    for row in payer_rows:
        assert paid[by_name[row["mulaid_psn_name"]]] == row["fund_payamt"]


def test_2202_cancels_a_registration(fsi_server: FsiServer) -> None:
    server = fsi_server
    psn_no, mdtrt_id = open_visit(server.hospital, DEFU, "310")
    assert ok(server.hospital.call("2202", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}})) is None
    # The visit is gone for good: fees cannot be uploaded to it any more.
    assert_refused(
        server,
        lambda: server.hospital.call("2204", {"feedetail": [fee_row(mdtrt_id, psn_no, "1", CONSULTATION)]}),
        mdtrt_id,
        "VISIT_NOT_OPEN",
    )


def test_2205_cancels_one_fee_line_or_all_of_them(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = defu_bill(server)  # 10.00 + 35.80
    ok(server.hospital.call("2205", {"data": {"mdtrt_id": bill.mdtrt_id, "feedetl_sn": "2", "psn_no": bill.psn_no}}))
    preview = ok(server.hospital.call("2206", bill.settle_input(medfee_sumamt="10.00")))
    assert assert_preview(server, preview, DEFU)["medfee_sumamt"] == Decimal("10.00")
    # The total without the cancelled line is refused now.
    assert_refused(
        server, lambda: server.hospital.call("2207", bill.settle_input()), "45.80", "10.00", "BILL_TOTAL_MISMATCH"
    )

    # "0000" cancels every line: nothing is left to settle, of the batch or of the visit.
    ok(server.hospital.call("2205", {"data": {"mdtrt_id": bill.mdtrt_id, "feedetl_sn": "0000"}}))
    assert_refused(
        server, lambda: server.hospital.call("2206", bill.settle_input(medfee_sumamt="0")), "CHARGE_BATCH_NOT_FOUND"
    )
    whole = bill.settle_input(medfee_sumamt="0")
    del whole["data"]["chrg_bchno"]
    assert_refused(server, lambda: server.hospital.call("2206", whole), "EMPTY_BILL")


# --- idempotency and 冲正 -------------------------------------------------------------------------------------------


def test_a_replayed_2207_gets_the_same_answer_and_changes_nothing(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = defu_bill(server)
    first = server.hospital.call("2207", bill.settle_input())
    settled = ok(first)
    assert_settlement(settled, balance_after=own_balance(server, DEFU))
    balance = own_balance(server, DEFU)

    before = snapshot(server.engine)
    replay = server.hospital.call("2207", bill.settle_input(), msgid=first.msgid)
    assert ok(replay) == settled
    assert snapshot(server.engine) == before
    assert own_balance(server, DEFU) == balance

    # The same msgid with another body is refused, whatever the body asks.
    assert_refused(
        server,
        lambda: server.hospital.call("2207", bill.settle_input(acct_used_flag="0"), msgid=first.msgid),
        "IDEMPOTENCY_CONFLICT",
        first.msgid,
    )


def test_2601_reverses_a_2207_and_an_unknown_message_is_nothing_to_undo(fsi_server: FsiServer) -> None:
    server = fsi_server
    opening = own_balance(server, DEFU)
    bill = defu_bill(server)
    settlement = server.hospital.call("2207", bill.settle_input())
    setl_id = assert_settled(server, settlement, DEFU)
    assert own_balance(server, DEFU) < opening

    undo = {"data": {"psn_no": bill.psn_no, "omsgid": settlement.msgid, "oinfno": "2207"}}
    assert ok(server.hospital.call("2601", undo)) is None
    assert own_balance(server, DEFU) == opening
    # It was reversed: reversing it again is refused, and the visit is open to be settled anew.
    assert_refused(
        server, lambda: server.hospital.call("2208", {"data": {"setl_id": setl_id}}), "SETTLEMENT_ALREADY_REVERSED"
    )
    again = ok(server.hospital.call("2207", bill.settle_input()))
    assert_settlement(again, balance_after=own_balance(server, DEFU))

    before = snapshot(server.engine)
    unknown = {"data": {"psn_no": bill.psn_no, "omsgid": server.hospital.new_msgid(), "oinfno": "2207"}}
    assert ok(server.hospital.call("2601", unknown)) is None
    assert snapshot(server.engine) == before


# --- transport -----------------------------------------------------------------------------------------------------


def test_the_infno_may_be_in_the_path_but_must_match_the_body(fsi_server: FsiServer) -> None:
    server = fsi_server
    client = server.hospital
    psn_no = person(client, DEFU)["baseinfo"]["psn_no"]
    accepted = post(
        server, body_of(client, "2201", register_input(psn_no, DEFU, "310")), client.headers(), path=PATH + "/2201"
    )
    assert ok(accepted)["data"]["mdtrt_id"]

    body = body_of(client, "2201", register_input(psn_no, DEFU, "310"))
    assert_refused(
        server,
        lambda: post(server, body, client.headers(), path=PATH + "/2202"),
        "路径中的交易编号 2202 与报文 2201 不符",
    )


def test_healthz_and_metrics(fsi_server: FsiServer) -> None:
    server = fsi_server
    health = server.http.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})

    def samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        text = server.http.get("/metrics").text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    person_read = ("gongji_requests_total", (("interface", "fsi"), ("operation", "1101"), ("outcome", "0")))
    bad_signature = ("gongji_refusals_total", (("code", "SIGNATURE_INVALID"),))
    not_signed_in = ("gongji_refusals_total", (("code", "FSI_NOT_SIGNED_IN"),))
    before = samples()

    person(server.hospital, DEFU)
    body = body_of(server.hospital, "1101", {"data": {"certno": DEFU}})
    assert post(server, body, gateway_headers(server.hospital, token="not-the-token")).status == 401
    assert server.client(HOSPITAL).call("1101", {"data": {"certno": DEFU}}).infcode == -2

    after = samples()
    for name in (person_read, bad_signature, not_signed_in):
        assert after[name] == before.get(name, 0) + 1, name


# --- refusals: the gateway (HTTP 401) ------------------------------------------------------------------------------


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key != name}


GATEWAY_REFUSALS: dict[str, tuple[Callable[[HisClient], dict[str, str]], str]] = {
    "bad signature": (lambda c: gateway_headers(c, token="not-the-token"), "签名不符"),
    "stale timestamp": (
        lambda c: gateway_headers(c, timestamp=str(int(time.time()) - 3600)),
        "超过允许的 300 秒",
    ),
    "missing header": (lambda c: _without(gateway_headers(c), "x-tif-signature"), "缺少网关请求头 x-tif-signature"),
    "unknown paasid": (
        lambda c: gateway_headers(c, paasid="gongji-H99999999999"),
        "未登记的接入方 paasid：gongji-H99999999999",
    ),
}


@pytest.mark.parametrize("case", GATEWAY_REFUSALS)
def test_the_gateway_refuses_what_its_headers_do_not_authenticate(fsi_server: FsiServer, case: str) -> None:
    server, client = fsi_server, fsi_server.hospital
    make_headers, reason = GATEWAY_REFUSALS[case]
    psn_no = person(client, DEFU)["baseinfo"]["psn_no"]
    body = body_of(client, "2201", register_input(psn_no, DEFU, "310"))
    refused = assert_refused(server, lambda: post(server, body, make_headers(client)), reason, status=401)
    assert len(refused.body["inf_refmsgid"]) == 30
    # The very same message, properly signed, registers the visit: only the headers were wrong.
    before = snapshot(server.engine)
    assert ok(post(server, body, gateway_headers(client)))["data"]["mdtrt_id"]
    assert snapshot(server.engine) != before


def test_the_gateway_refuses_a_reused_nonce(fsi_server: FsiServer) -> None:
    server, client = fsi_server, fsi_server.hospital
    headers = gateway_headers(client)
    found = ok(post(server, body_of(client, "1101", {"data": {"certno": DEFU}}), headers))
    registration = body_of(client, "2201", register_input(found["baseinfo"]["psn_no"], DEFU, "310"))
    assert_refused(server, lambda: post(server, registration, headers), "nonce 已使用过", status=401)


# --- refusals: the message -----------------------------------------------------------------------------------------


def _registration(server: FsiServer, client: HisClient | None = None, **envelope: Any) -> bytes:
    """A 2201 of 张德福 at the hospital: a message that registers a visit when it is accepted."""
    client = client or server.hospital
    psn_no = person(server.hospital, DEFU)["baseinfo"]["psn_no"]
    return body_of(client, "2201", register_input(psn_no, DEFU, "310"), **envelope)


def _message_without_msgid(server: FsiServer) -> bytes:
    document = json.loads(_registration(server))
    del document["msgid"]
    return json.dumps(document, ensure_ascii=False).encode()


def _registration_without_psn_no(server: FsiServer) -> bytes:
    document = json.loads(_registration(server))
    del document["input"]["data"]["psn_no"]
    return json.dumps(document, ensure_ascii=False).encode()


MESSAGE_REFUSALS: dict[str, tuple[Callable[[FsiServer], tuple[HisClient, bytes]], tuple[str, ...]]] = {
    "no sign-in": (
        lambda s: (c := s.client(HOSPITAL), _registration(s, c)),
        ("须先签到（9001）", "FSI_NOT_SIGNED_IN"),
    ),
    "another institution's sign_no": (
        lambda s: (c := s.client(HOSPITAL, sign_no=s.pharmacy.sign_no), _registration(s, c)),
        ("不属于定点医药机构 H13010200001", "FSI_SIGN_NO_OF_OTHER_INSTITUTION"),
    ),
    "unknown infno": (
        lambda s: (s.hospital, body_of(s.hospital, "9999", {"data": {"psn_no": "x"}})),
        ("不支持的交易编号 9999",),
    ),
    "malformed JSON": (lambda s: (s.hospital, _registration(s)[:-7]), ("请求体不是合法的 JSON",)),
    "body not an object": (lambda s: (s.hospital, b'[{"infno": "2201"}]'), ("请求体须为 JSON 对象，收到数组",)),
    "missing msgid": (lambda s: (s.hospital, _message_without_msgid(s)), ("字段 msgid：缺失或为空",)),
    "missing required field": (
        lambda s: (s.hospital, _registration_without_psn_no(s)),
        ("字段 data.psn_no：缺失或为空",),
    ),
    "fixmedins_code of another institution": (
        lambda s: (s.hospital, _registration(s, fixmedins_code=PHARMACY)),
        ("报文的定点医药机构编号 P13010200001 与接入凭证 H13010200001 不符",),
    ),
}


@pytest.mark.parametrize("case", MESSAGE_REFUSALS)
def test_a_message_that_cannot_be_accepted_is_refused_and_changes_nothing(fsi_server: FsiServer, case: str) -> None:
    server = fsi_server
    build, reasons = MESSAGE_REFUSALS[case]
    client, body = build(server)
    assert_refused(server, lambda: post(server, body, client.headers()), *reasons)


def test_an_unknown_person_is_refused(fsi_server: FsiServer) -> None:
    ResidentId.parse(STRANGER)  # a well-formed ID number: the refusal is that nobody has it
    data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": STRANGER, "certno": STRANGER}
    assert_refused(fsi_server, lambda: fsi_server.hospital.call("1101", {"data": data}), "查无此人", "PERSON_NOT_FOUND")


def test_wrong_typed_fields_are_refused_by_name(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = defu_bill(server)
    assert_refused(
        server,
        lambda: server.hospital.call("2207", bill.settle_input(acct_used_flag="x")),
        "字段 data.acct_used_flag：应为 0 或 1，收到“x”",
    )
    row = {**fee_row(bill.mdtrt_id, bill.psn_no, "9", CONSULTATION), "cnt": "abc"}
    assert_refused(
        server, lambda: server.hospital.call("2204", {"feedetail": [row]}), "字段 feedetail[0].cnt：“abc”不是数量"
    )
    # Both were refused for their fields alone: corrected, the same bill settles.
    assert_settlement(ok(server.hospital.call("2207", bill.settle_input())), balance_after=own_balance(server, DEFU))


def test_a_fee_line_whose_amount_is_not_quantity_times_price_is_refused(fsi_server: FsiServer) -> None:
    server = fsi_server
    psn_no, mdtrt_id = open_visit(server.hospital, DEFU, "310")
    wrong = fee_row(mdtrt_id, psn_no, "1", ATORVASTATIN, cnt="2", det_item_fee_sumamt="35.80")
    assert_refused(
        server,
        lambda: server.hospital.call("2204", {"feedetail": [wrong]}),
        "明细金额须等于数量×单价",
    )
    assert ok(server.hospital.call("2204", {"feedetail": [fee_row(mdtrt_id, psn_no, "1", ATORVASTATIN, cnt="2")]}))


def test_a_settlement_of_another_institutions_visit_is_refused(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = defu_bill(server)  # at the hospital
    assert_refused(
        server,
        lambda: server.pharmacy.call("2207", bill.settle_input()),
        bill.mdtrt_id,
        "不属于定点医药机构 P13010200001",
        "VISIT_OF_OTHER_INSTITUTION",
    )
    assert_refused(server, lambda: server.pharmacy.call("2206", bill.settle_input()), "VISIT_OF_OTHER_INSTITUTION")
    # Nor may it reverse the hospital's settlement, by 2208 or by 冲正 of the hospital's message.
    settlement = server.hospital.call("2207", bill.settle_input())
    setl_id = assert_settled(server, settlement, DEFU)
    assert_refused(
        server, lambda: server.pharmacy.call("2208", {"data": {"setl_id": setl_id}}), "VISIT_OF_OTHER_INSTITUTION"
    )
    before = snapshot(server.engine)
    undo = {"data": {"psn_no": bill.psn_no, "omsgid": settlement.msgid, "oinfno": "2207"}}
    assert ok(server.pharmacy.call("2601", undo)) is None  # not a message of the pharmacy's: nothing to undo
    assert snapshot(server.engine) == before


def test_a_settlement_of_another_total_is_refused(fsi_server: FsiServer) -> None:
    server = fsi_server
    bill = defu_bill(server)  # 45.80
    assert_refused(
        server,
        lambda: server.hospital.call("2207", bill.settle_input(medfee_sumamt="45.81")),
        "医疗费总额 45.81 元",
        "45.80",
        "BILL_TOTAL_MISMATCH",
    )
