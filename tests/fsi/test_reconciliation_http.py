"""3201 对总账 and 3202 对明细账 over real HTTP, on SQLite and PostgreSQL.

The module's server (``conftest.py``) gets a few days of business through the national interface, on days after the
demo's own bills (2026-11-22), so that the statements hold only what this module did:

    2026-11-24  09:00  H1  张德福   门诊 at the hospital
                10:00  H2  张建国   门诊 at the hospital
                11:00  H3  李秀英   门诊 at the hospital (resident insurance, 390; paid by her husband's account)
                12:00  P1  张小明   药店购药 at the pharmacy
    2026-11-25  09:00      H2 reversed (2208)
                10:00  H4  张德福   门诊 at the hospital

Every expected figure is the sum of the figures the settlement answers (2207, 2208) gave; every answer is checked
field by field, and no reconciliation changes a business row.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from gongji.api.fsi.client import FsiAnswer
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.demo import DEFU, JIANGUO, XIAOMING, XIUYING
from tests.fsi.conftest import FsiServer, HisClient
from tests.helpers import snapshot
from tests.serving import BUSINESS_NOW

CONSULTATION = ("001102000010000", "10.00")  # 普通门诊诊查费, 甲类
ATORVASTATIN = ("XC10AAA129A001010100004", "35.80")  # 阿托伐他汀钙片, 乙类
LORATADINE = ("XR06AXL001A001010100009", "23.80")  # 氯雷他定片, 乙类

FIRST_DAY, SECOND_DAY = "2026-11-24", "2026-11-25"
REGION = "130100"  # 石家庄: the clearing region (clr_optins) of every settlement here
#: A 结算ID gongji never gave.
UNKNOWN_SETL_ID = "130100999999999999"
#: The three sums the statements compare, national names.
SUMS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")


@dataclass(frozen=True)
class Settled:
    """A settlement (or reversal) answer: its message, its 结算ID and the national record."""

    msgid: str
    setlinfo: dict[str, Any]

    @property
    def setl_id(self) -> str:
        """结算ID."""
        return str(self.setlinfo["setl_id"])

    def amount(self, name: str) -> Decimal:
        """One amount of the record (yuan, as answered)."""
        value = self.setlinfo[name]
        assert isinstance(value, Decimal)
        return value


@dataclass(frozen=True)
class Story:
    """What the module's days of business left: each answer, by name."""

    server: FsiServer
    h1: Settled
    h2: Settled
    h2_reversal: Settled
    h3: Settled
    h4: Settled
    p1: Settled


def ok(answer: FsiAnswer) -> Any:
    """The output of a successful answer (failing with its refusal otherwise)."""
    assert (answer.status, answer.infcode, answer.err_msg) == (200, 0, None), answer.err_msg
    return answer.output


def settle(
    client: HisClient, certno: str, insutype: str, med_type: str, items: list[tuple[tuple[str, str], str]]
) -> Settled:
    """1101, 2201, 2204 and 2207, at the server's business time (no ``begntime``: the visit begins now)."""
    person = ok(client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "certno": certno}}))
    psn_no = person["baseinfo"]["psn_no"]
    registration = {
        "psn_no": psn_no,
        "insutype": insutype,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": certno,
        "ipt_otp_no": f"MZ{secrets.token_hex(4)}",
    }
    mdtrt_id = ok(client.call("2201", {"data": registration}))["data"]["mdtrt_id"]
    rows = [
        {
            "feedetl_sn": str(sn),
            "mdtrt_id": mdtrt_id,
            "psn_no": psn_no,
            "med_list_codg": code,
            "cnt": count,
            "pric": price,
            "det_item_fee_sumamt": str(Decimal(count) * Decimal(price)),
        }
        for sn, ((code, price), count) in enumerate(items, start=1)
    ]
    ok(client.call("2204", {"feedetail": rows}))
    total = sum((Decimal(row["det_item_fee_sumamt"]) for row in rows), Decimal(0))
    data = {
        "psn_no": psn_no,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": certno,
        "med_type": med_type,
        "medfee_sumamt": str(total),
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "acct_used_flag": "1",
        "insutype": insutype,
    }
    answer = client.call("2207", {"data": data})
    return Settled(answer.msgid, ok(answer)["setlinfo"])


def at(clock: FixedClock, day: str, time: str) -> None:
    """Move the server's business clock."""
    clock.set(datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI))


@pytest.fixture(scope="module")
def story(fsi_server: FsiServer) -> Iterator[Story]:
    """The module's two days of business (see the module's note); the clock is put back afterwards."""
    server = fsi_server
    clock = server.ctx.clock
    assert isinstance(clock, FixedClock)
    hospital, pharmacy = server.hospital, server.pharmacy
    at(clock, FIRST_DAY, "09:00")
    h1 = settle(hospital, DEFU, "310", "11", [(CONSULTATION, "1"), (ATORVASTATIN, "1")])
    at(clock, FIRST_DAY, "10:00")
    h2 = settle(hospital, JIANGUO, "310", "11", [(CONSULTATION, "1")])
    at(clock, FIRST_DAY, "11:00")
    h3 = settle(hospital, XIUYING, "390", "11", [(CONSULTATION, "1"), (LORATADINE, "2")])
    at(clock, FIRST_DAY, "12:00")
    p1 = settle(pharmacy, XIAOMING, "390", "41", [(LORATADINE, "1")])
    at(clock, SECOND_DAY, "09:00")
    answer = hospital.call("2208", {"data": {"setl_id": h2.setl_id, "mdtrt_id": h2.setlinfo["mdtrt_id"]}})
    h2_reversal = Settled(answer.msgid, ok(answer)["setlinfo"])
    at(clock, SECOND_DAY, "10:00")
    h4 = settle(hospital, DEFU, "310", "11", [(ATORVASTATIN, "2")])
    try:
        yield Story(server, h1, h2, h2_reversal, h3, h4, p1)
    finally:
        clock.set(BUSINESS_NOW)


# --- helpers -----------------------------------------------------------------------------------------------------


def totals_of(*signed: tuple[int, Settled]) -> dict[str, Decimal]:
    """The sums of settlements, each +1 (made in the period) or −1 (made and reversed: its record counts once)."""
    return {name: sum((sign * s.amount(name) for sign, s in signed), Decimal(0)) for name in SUMS}


def statement(begin: str, end: str, sums: dict[str, Decimal], count: int, **changes: Any) -> dict[str, Any]:
    """The ``data`` of 3201/3202 as a hospital system fills it (amounts as text, as many send them)."""
    return {
        "insutype": "",
        "clr_type": "",
        "setl_optins": REGION,
        "stmt_begndate": begin,
        "stmt_enddate": end,
        "medfee_sumamt": str(sums["medfee_sumamt"]),
        "fund_pay_sumamt": str(sums["fund_pay_sumamt"]),
        "acct_pay": str(sums["acct_pay"]),
        "fixmedins_setl_cnt": count,
        **changes,
    }


def yuan_text(amount: Decimal) -> str:
    """An amount as the descriptions write it."""
    return f"{amount:.2f} 元"


def reconcile(story: Story, client: HisClient, infno: str, input_: dict[str, Any]) -> Any:
    """Send 3201/3202 and check it wrote nothing; the output."""
    before = snapshot(story.server.engine)
    output = ok(client.call(infno, input_))
    assert snapshot(story.server.engine) == before
    return output


def row(settled: Settled, **changes: Any) -> dict[str, Any]:
    """A ``detail`` row of the institution's own records, copied from the settlement's answer."""
    info = settled.setlinfo
    return {
        "setl_id": info["setl_id"],
        "msgid": settled.msgid,
        "medfee_sumamt": str(info["medfee_sumamt"]),
        "fund_pay_sumamt": str(info["fund_pay_sumamt"]),
        "acct_pay": str(info["acct_pay"]),
        **changes,
    }


# --- 3201 ---------------------------------------------------------------------------------------------------------


def test_3201_balanced_over_two_days(story: Story) -> None:
    """H2 is made and reversed within the period: it nets out; the count is four settlements less one reversal."""
    sums = totals_of((1, story.h1), (1, story.h3), (1, story.h4))
    output = reconcile(story, story.server.hospital, "3201", {"data": statement(FIRST_DAY, SECOND_DAY, sums, 3)})
    assert output == {
        "stmtinfo": {
            "setl_optins": REGION,
            "stmt_rslt": "0",
            "stmt_rslt_dscr": f"平：结算 3 笔，医疗费总额 {yuan_text(sums['medfee_sumamt'])}，"
            f"基金支付总额 {yuan_text(sums['fund_pay_sumamt'])}，"
            f"个人账户支付总额 {yuan_text(sums['acct_pay'])}，与机构一致",
        }
    }


def test_3201_balanced_for_one_insurance_and_for_the_pharmacy(story: Story) -> None:
    """insutype keeps the resident's bill only; the pharmacy's statement holds only its own sale."""
    residents = totals_of((1, story.h3))
    data = statement(FIRST_DAY, SECOND_DAY, residents, "1", insutype="390", clr_type="11")
    assert reconcile(story, story.server.hospital, "3201", {"data": data})["stmtinfo"]["stmt_rslt"] == "0"
    sale = totals_of((1, story.p1))
    assert sale["medfee_sumamt"] == Decimal("23.80")
    output = reconcile(story, story.server.pharmacy, "3201", {"data": statement(FIRST_DAY, SECOND_DAY, sale, 1)})
    assert output["stmtinfo"]["stmt_rslt"] == "0"
    assert output["stmtinfo"]["stmt_rslt_dscr"].startswith("平：结算 1 笔，医疗费总额 23.80 元，")


def test_3201_unbalanced_names_each_figure_that_differs(story: Story) -> None:
    """On the first day the hospital's system misses H2 (reversed only the next day, it still counts that day)."""
    ours = totals_of((1, story.h1), (1, story.h2), (1, story.h3))
    theirs = totals_of((1, story.h1), (1, story.h3))
    output = reconcile(story, story.server.hospital, "3201", {"data": statement(FIRST_DAY, FIRST_DAY, theirs, 2)})
    names = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额", "acct_pay": "个人账户支付总额"}
    differing = [
        f"{names[name]}不符：机构 {yuan_text(theirs[name])}，医保 {yuan_text(ours[name])}"
        for name in SUMS
        if theirs[name] != ours[name]
    ]
    assert story.h2.amount("medfee_sumamt") == Decimal("10.00")  # so at least the fees differ
    assert output == {
        "stmtinfo": {
            "setl_optins": REGION,
            "stmt_rslt": "1",
            "stmt_rslt_dscr": "不平：" + "；".join(["结算笔数不符：机构 2 笔，医保 3 笔", *differing]),
        }
    }


def test_3201_the_reversal_day_alone_is_negative(story: Story) -> None:
    """On the second day: H4 made, H2 reversed: one settlement less one reversal, sums net of H2's record."""
    sums = totals_of((1, story.h4), (-1, story.h2))
    assert sums == {name: story.h4.amount(name) + story.h2_reversal.amount(name) for name in SUMS}
    output = reconcile(story, story.server.hospital, "3201", {"data": statement(SECOND_DAY, SECOND_DAY, sums, 0)})
    assert output["stmtinfo"]["stmt_rslt"] == "0"
    assert output["stmtinfo"]["stmt_rslt_dscr"].startswith("平：结算 0 笔，")


def test_refusals_of_a_period_backwards_an_unknown_clearing_type_and_missing_fields(story: Story) -> None:
    sums = totals_of((1, story.h1))
    backwards = story.server.hospital.call("3201", {"data": statement(SECOND_DAY, FIRST_DAY, sums, 1)})
    assert (backwards.infcode, backwards.output) == (-2, None)
    assert backwards.err_msg == (
        "对账期间 2026-11-25 至 2026-11-24 无效：开始日期晚于结束日期（STATEMENT_PERIOD_INVALID）"
    )
    clearing = story.server.hospital.call("3201", {"data": statement(FIRST_DAY, FIRST_DAY, sums, 1, clr_type="99")})
    assert clearing.infcode == -2
    assert clearing.err_msg is not None
    assert "清算类别“99”不受支持" in clearing.err_msg
    missing = story.server.hospital.call("3201", {"data": {**statement(FIRST_DAY, FIRST_DAY, sums, 1), "acct_pay": ""}})
    assert (missing.infcode, missing.err_msg) == (-2, "字段 data.acct_pay：缺失或为空")
    no_setl_id = story.server.hospital.call(
        "3202", {"data": statement(FIRST_DAY, FIRST_DAY, sums, 1), "detail": [row(story.h1, setl_id="")]}
    )
    assert (no_setl_id.infcode, no_setl_id.err_msg) == (-2, "字段 input.detail[0].setl_id：缺失或为空")


# --- 3202 ---------------------------------------------------------------------------------------------------------


def test_3202_a_matching_a_differing_and_a_missing_line(story: Story) -> None:
    """The hospital lists H1 as it is, H3 with a wrong account payment, H2 and its reversal, not H4, and a settlement
    gongji never made."""
    h1, h2, h2_reversal, h3, h4 = story.h1, story.h2, story.h2_reversal, story.h3, story.h4
    sums = totals_of((1, h1), (1, h3), (1, h4))
    wrong_acct = h3.amount("acct_pay") + Decimal("1.00")
    detail = [
        row(h1),
        row(h2),
        row(h3, acct_pay=str(wrong_acct)),
        row(h2_reversal, refd_setl_flag="1"),
        row(h1, setl_id=UNKNOWN_SETL_ID, msgid="H130102000012026112400009999", psn_no="P1", mdtrt_id="M1"),
    ]
    data = statement(FIRST_DAY, SECOND_DAY, sums, 3)
    output = reconcile(story, story.server.hospital, "3202", {"data": data, "detail": detail})
    assert output["stmtinfo"] == {
        "setl_optins": REGION,
        "stmt_rslt": "1",
        "stmt_rslt_dscr": "不平：明细 3 笔不符（金额不符 1 笔，机构未上传 1 笔，医保无此记录 1 笔）",
    }

    def expected(settled: Settled, msgid: str | None, reversal: bool, rslt: str, dscr: str) -> dict[str, Any]:
        info = settled.setlinfo
        return {
            "psn_no": info["psn_no"],
            "mdtrt_id": info["mdtrt_id"],
            "setl_id": info["setl_id"],
            "msgid": msgid,
            "refd_setl_flag": "1" if reversal else "0",
            "stmt_rslt": rslt,
            "medfee_sumamt": info["medfee_sumamt"],
            "fund_pay_sumamt": info["fund_pay_sumamt"],
            "acct_pay": info["acct_pay"],
            "stmt_rslt_dscr": dscr,
        }

    acct_dscr = f"个人账户支付不符：机构 {yuan_text(wrong_acct)}，医保 {yuan_text(h3.amount('acct_pay'))}"
    assert output["detail"] == [
        expected(h1, h1.msgid, False, "0", "一致"),
        expected(h2, h2.msgid, False, "0", "一致"),
        expected(h3, h3.msgid, False, "1", acct_dscr),
        # The reversal's record, negated as 2208 answered it; gongji keeps no msgid of a reversal: the institution's.
        expected(h2_reversal, h2_reversal.msgid, True, "0", "一致"),
        expected(h4, h4.msgid, False, "1", "机构未上传此笔结算"),
        {
            "psn_no": "P1",
            "mdtrt_id": "M1",
            "setl_id": UNKNOWN_SETL_ID,
            "msgid": "H130102000012026112400009999",
            "refd_setl_flag": "0",
            "stmt_rslt": "1",
            "medfee_sumamt": h1.amount("medfee_sumamt"),
            "fund_pay_sumamt": h1.amount("fund_pay_sumamt"),
            "acct_pay": h1.amount("acct_pay"),
            "stmt_rslt_dscr": "医保对账期间内无此笔结算",
        },
    ]
    assert h2_reversal.amount("medfee_sumamt") == -h2.amount("medfee_sumamt")
    for line in output["detail"]:
        for name in SUMS:
            assert isinstance(line[name], Decimal)
            assert line[name].as_tuple().exponent == -2


def test_3202_everything_matching_in_data_detail_is_balanced(story: Story) -> None:
    """``detail`` inside ``data``; a reversal recognised by its negative amounts without refd_setl_flag; totals
    reported off by one fen make the statement unbalanced even though every line matches."""
    h1, h2, h2_reversal, h3, h4 = story.h1, story.h2, story.h2_reversal, story.h3, story.h4
    sums = totals_of((1, h1), (1, h3), (1, h4))
    detail = [row(h1), row(h2), row(h3), row(h2_reversal), row(h4)]
    output = reconcile(
        story, story.server.hospital, "3202", {"data": {**statement(FIRST_DAY, SECOND_DAY, sums, 3), "detail": detail}}
    )
    assert output["stmtinfo"] == {
        "setl_optins": REGION,
        "stmt_rslt": "0",
        "stmt_rslt_dscr": "平：总额一致，明细 5 笔均一致",
    }
    assert [(line["setl_id"], line["refd_setl_flag"], line["stmt_rslt"]) for line in output["detail"]] == [
        (h1.setl_id, "0", "0"),
        (h2.setl_id, "0", "0"),
        (h3.setl_id, "0", "0"),
        (h2.setl_id, "1", "0"),
        (h4.setl_id, "0", "0"),
    ]
    off = {**sums, "medfee_sumamt": sums["medfee_sumamt"] + Decimal("0.01")}
    output = reconcile(
        story, story.server.hospital, "3202", {"data": {**statement(FIRST_DAY, SECOND_DAY, off, 3), "detail": detail}}
    )
    total = yuan_text(sums["medfee_sumamt"])
    assert output["stmtinfo"] == {
        "setl_optins": REGION,
        "stmt_rslt": "1",
        "stmt_rslt_dscr": f"不平：医疗费总额不符：机构 {yuan_text(off['medfee_sumamt'])}，医保 {total}",
    }
    assert {line["stmt_rslt"] for line in output["detail"]} == {"0"}


def test_3202_a_pharmacy_sees_only_its_own_lines(story: Story) -> None:
    """The pharmacy's statement holds P1 only; the hospital's settlement it lists is not described to it."""
    p1, h1 = story.p1, story.h1
    sums = totals_of((1, p1))
    data = statement(FIRST_DAY, SECOND_DAY, sums, 1, clr_type="41")
    output = reconcile(story, story.server.pharmacy, "3202", {"data": data, "detail": [row(p1), row(h1)]})
    assert [(line["setl_id"], line["stmt_rslt"], line["stmt_rslt_dscr"]) for line in output["detail"]] == [
        (p1.setl_id, "0", "一致"),
        (h1.setl_id, "1", "医保对账期间内无此笔结算"),
    ]
    assert output["detail"][1]["psn_no"] is None
