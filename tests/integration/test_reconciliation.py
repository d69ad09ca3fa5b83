"""对账 on both backends: an institution's settlements in a period, counted and summed net of reversals.

The ledger of the tests (clock in Shanghai; 石家庄 demo institutions; amounts are whatever the split gave, read back
from each settlement, since what is tested here is how they add up, not how they were split):

    2026-11-20  A  张德福   11 门诊 at the level-3 hospital (made through the national interface: it has a msgid)
                B  张德福   41 药店购药 at the pharmacy
                C  张德福   11 门诊 at the level-3 hospital
                X  张德福   11 门诊 at the level-2 hospital (another institution)
                   a manual reimbursement (手工报销) of a level-3 visit: paid to the person, on no statement
    2026-11-21  C reversed
                D  李秀英   11 门诊 at the level-3 hospital, resident insurance (390)
                E  张德福   21 住院 at the level-3 hospital, discharged and settled
    2026-11-22  A reversed (made on the 20th: a negative record on the 22nd only)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from gongji.api.fsi.outputs import clr_type
from gongji.api.fsi.reconciliation import describe_detail, describe_line, describe_totals
from gongji.domain.codes import MedType, PsnType
from gongji.domain.errors import ErrorCode
from gongji.domain.reconciliation import ClrType, clr_type_of
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.claims import Receipt, SubmitClaim, submit_claim
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.reconciliation.comparison import (
    ClaimedLine,
    ClaimedTotals,
    LineResult,
    compare_lines,
    reconcile_settlements,
    reconcile_totals,
)
from gongji.service.reconciliation.statement import (
    MAX_PERIOD_DAYS,
    ReconcileTotals,
    SettlementLineView,
    TotalsView,
    institution_settlements,
    institution_totals,
    msgid_of,
)
from gongji.service.settlement import (
    Discharge,
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    SettlementView,
    UploadFees,
    commit_settlement,
    discharge,
    open_visit,
    reverse_settlement,
    upload_fees,
)
from tests.helpers import DEFU, XIUYING, employee, refused, resident
from tests.helpers import random_key as _key

LEVEL3 = "H13010200001"
LEVEL2 = "H13010200002"
PHARMACY = "P13010200001"

AMOXICILLIN = "XJ01CAA040A001010100001"  # A, 12.50
LORATADINE = "XR06AXL001A001010100009"  # B 10 %, 23.80
CONSULTATION = "001102000010000"  # A, cap 10.00
NURSING = "001104000010000"  # A

DAY1, DAY2, DAY3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)
#: The national message that made A (institution code 12 + yyyyMMddHHmmss + 4 digits).
A_MSGID = "H130102000012026112009000001"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a day in Shanghai."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def settle_bill(
    ctx: Context, person: str, institution: str, med_type: MedType, *lines: FeeInput, key: str | None = None
) -> SettlementView:
    """Open a visit, upload its lines and settle it (a stay is discharged first)."""
    opened = open_visit(ctx, OpenVisit(person, institution, med_type), key=_key())
    upload_fees(ctx, UploadFees(opened.mdtrt_id, tuple(lines)), key=_key())
    if med_type.value.startswith("2"):
        discharge(ctx, Discharge(opened.mdtrt_id), key=_key())
    return commit_settlement(ctx, Settle(opened.mdtrt_id), key=key or _key())


def reverse(ctx: Context, view: SettlementView) -> SettlementView:
    """结算撤销 of a settlement."""
    assert view.setl_id is not None
    return reverse_settlement(ctx, ReverseSettlement(view.setl_id, "测试撤销"), key=_key())


@dataclass(frozen=True)
class Ledger:
    """The settlements of the module's story (see the module's note)."""

    a: SettlementView
    b: SettlementView
    c: SettlementView
    d: SettlementView
    e: SettlementView
    x: SettlementView


@pytest.fixture
def ledger(ctx: Context, clock: FixedClock) -> Ledger:
    """The story of the module's note, written through the use cases; the ledger audits clean after it."""
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    employee(ctx, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=200_000, current_fen=50_000)
    resident(ctx, XIUYING, "李秀英")
    clock.set(at(DAY1, 9))
    a = settle_bill(
        ctx,
        DEFU,
        LEVEL3,
        MedType.GENERAL_OUTPATIENT,
        FeeInput("1", AMOXICILLIN, "2", 1_250),
        key=f"fsi:{LEVEL3}:{A_MSGID}",
    )
    clock.set(at(DAY1, 10))
    b = settle_bill(ctx, DEFU, PHARMACY, MedType.PHARMACY_PURCHASE, FeeInput("1", LORATADINE, "3", 2_380))
    clock.set(at(DAY1, 11))
    c = settle_bill(ctx, DEFU, LEVEL3, MedType.GENERAL_OUTPATIENT, FeeInput("1", CONSULTATION, "1", 1_000))
    clock.set(at(DAY1, 12))
    x = settle_bill(ctx, DEFU, LEVEL2, MedType.GENERAL_OUTPATIENT, FeeInput("1", AMOXICILLIN, "1", 1_250))
    clock.set(at(DAY1, 13))
    submit_claim(
        ctx,
        SubmitClaim(
            DEFU,
            LEVEL3,
            MedType.GENERAL_OUTPATIENT,
            DAY1,
            (Receipt("石家庄市示例第一医院", "PJ-0001", (FeeInput("1", AMOXICILLIN, "1", 1_250),)),),
            "窗口01",
            "断网手工报销",
        ),
        key=_key(),
    )
    clock.set(at(DAY2, 9))
    reverse(ctx, c)
    clock.set(at(DAY2, 10))
    d = settle_bill(ctx, XIUYING, LEVEL3, MedType.GENERAL_OUTPATIENT, FeeInput("1", CONSULTATION, "1", 1_000))
    clock.set(at(DAY2, 11))
    e = settle_bill(ctx, DEFU, LEVEL3, MedType.GENERAL_INPATIENT, FeeInput("1", NURSING, "2", 2_500))
    clock.set(at(DAY3, 9))
    reverse(ctx, a)
    clock.set(at(DAY3, 12))
    assert audit(ctx).clean, audit(ctx).findings
    return Ledger(a, b, c, d, e, x)


# --- helpers -----------------------------------------------------------------------------------------------------

SUMS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "acct_mulaid_pay", "psn_cash_pay")


def net(*signed: tuple[int, SettlementView]) -> dict[str, int]:
    """The sums of settlements taken with a sign (+1 made in the period, −1 reversed in it), by national name."""
    return {name: sum(sign * view.amounts[name] for sign, view in signed) for name in SUMS}


def sums_of(totals: TotalsView) -> dict[str, int]:
    """The sums of a totals view, by national name."""
    return {name: getattr(totals, f"{name}_fen") for name in SUMS}


def statement(begin: date, end: date, code: str = LEVEL3, **filters: Any) -> ReconcileTotals:
    """The statement of an institution for a period."""
    return ReconcileTotals(code, begin, end, **filters)


# --- totals ------------------------------------------------------------------------------------------------------


def test_a_day_counts_what_was_settled_on_it(ctx: Context, ledger: Ledger) -> None:
    totals = institution_totals(ctx, statement(DAY1, DAY1))
    # A and C at the level-3 hospital; B is the pharmacy's, X the level-2 hospital's, the claim is paid to the person.
    assert (totals.setl_cnt, totals.settled_cnt, totals.reversed_cnt) == (2, 2, 0)
    assert sums_of(totals) == net((1, ledger.a), (1, ledger.c))
    assert totals.medfee_sumamt_fen == 2_500 + 1_000
    assert (totals.fixmedins_code, totals.begin, totals.end) == (LEVEL3, DAY1, DAY1)
    assert (totals.insutype, totals.clr_type, totals.setl_optins) == (None, None, None)


def test_a_reversal_is_a_negative_record_on_the_day_it_was_made(ctx: Context, ledger: Ledger) -> None:
    day2 = institution_totals(ctx, statement(DAY2, DAY2))
    # D and E made; C (made on the 20th) reversed: two settlements less one reversal.
    assert (day2.setl_cnt, day2.settled_cnt, day2.reversed_cnt) == (1, 2, 1)
    assert sums_of(day2) == net((1, ledger.d), (1, ledger.e), (-1, ledger.c))
    day3 = institution_totals(ctx, statement(DAY3, DAY3))
    # Only A's reversal: the day's totals are negative.
    assert (day3.setl_cnt, day3.settled_cnt, day3.reversed_cnt) == (-1, 0, 1)
    assert sums_of(day3) == net((-1, ledger.a))
    assert day3.medfee_sumamt_fen == -2_500


def test_a_settlement_reversed_within_the_period_nets_out(ctx: Context, ledger: Ledger) -> None:
    # C is made on the 20th and reversed on the 21st: it nets out of the two days together; A's reversal on the 22nd
    # is outside, so A stays.
    two_days = institution_totals(ctx, statement(DAY1, DAY2))
    assert (two_days.setl_cnt, two_days.settled_cnt, two_days.reversed_cnt) == (3, 4, 1)
    assert sums_of(two_days) == net((1, ledger.a), (1, ledger.d), (1, ledger.e))
    three_days = institution_totals(ctx, statement(DAY1, DAY3))
    assert (three_days.setl_cnt, three_days.settled_cnt, three_days.reversed_cnt) == (2, 4, 2)
    assert sums_of(three_days) == net((1, ledger.d), (1, ledger.e))
    # The days add up to the period.
    days = [institution_totals(ctx, statement(day, day)) for day in (DAY1, DAY2, DAY3)]
    assert sum(day.setl_cnt for day in days) == three_days.setl_cnt
    for name in SUMS:
        assert sum(sums_of(day)[name] for day in days) == sums_of(three_days)[name]


def test_the_day_ends_at_midnight_in_shanghai(ctx: Context, ledger: Ledger, clock: FixedClock) -> None:
    # A settlement at 23:59:59 on the 23rd and one at 00:00 on the 24th fall on their own days.
    clock.set(datetime(2026, 11, 23, 23, 59, 59, tzinfo=SHANGHAI))
    late = settle_bill(ctx, DEFU, LEVEL3, MedType.GENERAL_OUTPATIENT, FeeInput("1", AMOXICILLIN, "1", 1_250))
    clock.set(datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI))
    early = settle_bill(ctx, DEFU, LEVEL3, MedType.GENERAL_OUTPATIENT, FeeInput("1", CONSULTATION, "1", 1_000))
    assert sums_of(institution_totals(ctx, statement(date(2026, 11, 23), date(2026, 11, 23)))) == net((1, late))
    assert sums_of(institution_totals(ctx, statement(date(2026, 11, 24), date(2026, 11, 24)))) == net((1, early))


def test_insutype_keeps_one_insurance(ctx: Context, ledger: Ledger) -> None:
    residents = institution_totals(ctx, statement(DAY1, DAY3, insutype="390"))
    assert (residents.setl_cnt, residents.insutype) == (1, "390")
    assert sums_of(residents) == net((1, ledger.d))
    employees = institution_totals(ctx, statement(DAY1, DAY3, insutype="310"))
    assert (employees.setl_cnt, employees.settled_cnt, employees.reversed_cnt) == (1, 3, 2)
    assert sums_of(employees) == net((1, ledger.e))
    # An insurance type with no settlement (a local code too) is an empty statement, not a refusal.
    assert institution_totals(ctx, statement(DAY1, DAY3, insutype="399001")).setl_cnt == 0


def test_clr_type_keeps_one_clearing_type(ctx: Context, ledger: Ledger) -> None:
    outpatient = institution_totals(ctx, statement(DAY1, DAY3, clr_type="11"))
    # A, C and D made; A and C reversed.
    assert (outpatient.setl_cnt, outpatient.settled_cnt, outpatient.reversed_cnt, outpatient.clr_type) == (
        1,
        3,
        2,
        "11",
    )
    assert sums_of(outpatient) == net((1, ledger.d))
    inpatient = institution_totals(ctx, statement(DAY1, DAY3, clr_type="21"))
    assert (inpatient.setl_cnt, inpatient.clr_type) == (1, "21")
    assert sums_of(inpatient) == net((1, ledger.e))
    assert institution_totals(ctx, statement(DAY1, DAY3, clr_type="41")).setl_cnt == 0
    pharmacy = institution_totals(ctx, statement(DAY1, DAY3, PHARMACY, clr_type="41"))
    assert pharmacy.setl_cnt == 1
    assert sums_of(pharmacy) == net((1, ledger.b))
    assert institution_totals(ctx, statement(DAY1, DAY3, clr_type=" ")).clr_type is None


def test_setl_optins_keeps_one_clearing_region(ctx: Context, ledger: Ledger) -> None:
    assert ledger.d.region == "130100"
    same = institution_totals(ctx, statement(DAY1, DAY3, setl_optins="130100"))
    assert sums_of(same) == sums_of(institution_totals(ctx, statement(DAY1, DAY3)))
    assert institution_totals(ctx, statement(DAY1, DAY3, setl_optins="110000")).settled_cnt == 0


def test_other_institutions_have_their_own_statements(ctx: Context, ledger: Ledger) -> None:
    other = institution_totals(ctx, statement(DAY1, DAY3, LEVEL2))
    assert (other.setl_cnt, other.fixmedins_code) == (1, LEVEL2)
    assert sums_of(other) == net((1, ledger.x))
    pharmacy = institution_totals(ctx, statement(DAY1, DAY3, PHARMACY))
    assert sums_of(pharmacy) == net((1, ledger.b))
    # The code is read as institutions are stored (trimmed, upper case).
    assert institution_totals(ctx, statement(DAY1, DAY3, " h13010200002 ")) == other


def test_an_empty_period(ctx: Context, ledger: Ledger) -> None:
    empty = institution_totals(ctx, statement(date(2026, 1, 1), date(2026, 1, 31)))
    assert (empty.setl_cnt, empty.settled_cnt, empty.reversed_cnt) == (0, 0, 0)
    assert set(sums_of(empty).values()) == {0}
    assert institution_settlements(ctx, statement(date(2026, 1, 1), date(2026, 1, 31))) == []


# --- lines -------------------------------------------------------------------------------------------------------


def test_the_lines_of_a_period_in_the_order_booked(ctx: Context, ledger: Ledger) -> None:
    lines = institution_settlements(ctx, statement(DAY1, DAY3))
    assert [(line.setl_id, line.reversal) for line in lines] == [
        (ledger.a.setl_id, False),
        (ledger.c.setl_id, False),
        (ledger.c.setl_id, True),
        (ledger.d.setl_id, False),
        (ledger.e.setl_id, False),
        (ledger.a.setl_id, True),
    ]
    a, c, c_reversed, d, e, a_reversed = lines
    # A came through the national interface: its msgid; no other key is a national message, and a reversal's
    # message is not recorded with the settlement.
    assert [line.msgid for line in lines] == [A_MSGID, None, None, None, None, None]
    assert (a.booked_at, a.settled_at, a.reversed_at, a.status) == (at(DAY1, 9), at(DAY1, 9), at(DAY3, 9), "reversed")
    assert (a_reversed.booked_at, a_reversed.settled_at) == (at(DAY3, 9), at(DAY1, 9))
    assert (c_reversed.booked_at, c_reversed.status) == (at(DAY2, 9), "reversed")
    assert (d.status, d.insutype, d.med_type, d.clr_type) == ("settled", "390", "11", "11")
    assert (e.med_type, e.clr_type, e.reversed_at) == ("21", "21", None)
    for line, view, sign in (
        (a, ledger.a, 1),
        (c, ledger.c, 1),
        (c_reversed, ledger.c, -1),
        (a_reversed, ledger.a, -1),
    ):
        assert (line.mdtrt_id, line.psn_no) == (view.mdtrt_id, view.psn_no)
        assert {name: getattr(line, f"{name}_fen") for name in SUMS} == net((sign, view))
    assert {name: getattr(d, f"{name}_fen") for name in SUMS} == net((1, ledger.d))
    assert d.psn_no == ledger.d.psn_no != a.psn_no


def test_the_lines_add_up_to_the_totals(ctx: Context, ledger: Ledger) -> None:
    for begin, end in ((DAY1, DAY1), (DAY2, DAY2), (DAY3, DAY3), (DAY1, DAY2), (DAY1, DAY3)):
        for filters in ({}, {"clr_type": "11"}, {"insutype": "310"}):
            totals = institution_totals(ctx, statement(begin, end, **filters))
            lines = institution_settlements(ctx, statement(begin, end, **filters))
            assert sum(-1 if line.reversal else 1 for line in lines) == totals.setl_cnt
            for name in SUMS:
                assert sum(getattr(line, f"{name}_fen") for line in lines) == sums_of(totals)[name]


def test_lines_of_one_clearing_type_and_one_insurance(ctx: Context, ledger: Ledger) -> None:
    inpatient = institution_settlements(ctx, statement(DAY1, DAY3, clr_type="21"))
    assert [line.setl_id for line in inpatient] == [ledger.e.setl_id]
    residents = institution_settlements(ctx, statement(DAY1, DAY3, insutype="390"))
    assert [line.setl_id for line in residents] == [ledger.d.setl_id]
    pharmacy = institution_settlements(ctx, statement(DAY1, DAY3, PHARMACY))
    assert [(line.setl_id, line.clr_type, line.msgid) for line in pharmacy] == [(ledger.b.setl_id, "41", None)]


# --- refusals ----------------------------------------------------------------------------------------------------


def test_a_period_that_ends_before_it_begins_is_refused(ctx: Context, engine: Engine, ledger: Ledger) -> None:
    error = refused(engine, ErrorCode.STATEMENT_PERIOD_INVALID, lambda: institution_totals(ctx, statement(DAY2, DAY1)))
    assert error.message_zh == "对账期间 2026-11-21 至 2026-11-20 无效：开始日期晚于结束日期"
    assert error.message_en == "Statement period 2026-11-21 to 2026-11-20 is invalid: the first day is after the last"
    refused(engine, ErrorCode.STATEMENT_PERIOD_INVALID, lambda: institution_settlements(ctx, statement(DAY2, DAY1)))


def test_a_period_is_at_most_366_days(ctx: Context, engine: Engine, ledger: Ledger) -> None:
    longest_end = DAY1 + timedelta(days=MAX_PERIOD_DAYS - 1)
    assert institution_totals(ctx, statement(DAY1, longest_end)).setl_cnt == 2
    too_long = statement(DAY1, longest_end + timedelta(days=1))
    error = refused(engine, ErrorCode.STATEMENT_PERIOD_INVALID, lambda: institution_totals(ctx, too_long))
    assert "共 367 天，超过 366 天的上限" in error.message_zh
    assert "367 days, more than the limit of 366" in error.message_en
    refused(engine, ErrorCode.STATEMENT_PERIOD_INVALID, lambda: institution_settlements(ctx, too_long))


def test_an_unknown_clearing_type_is_refused(ctx: Context, engine: Engine, ledger: Ledger) -> None:
    error = refused(
        engine, ErrorCode.FIELD_INVALID, lambda: institution_totals(ctx, statement(DAY1, DAY1, clr_type="99"))
    )
    assert error.params["field"] == "clr_type"
    assert "清算类别“99”不受支持" in error.message_zh


def test_an_unknown_institution_is_refused(ctx: Context, engine: Engine, ledger: Ledger) -> None:
    error = refused(
        engine,
        ErrorCode.INSTITUTION_NOT_FOUND,
        lambda: institution_totals(ctx, statement(DAY1, DAY1, "H99999999999")),
    )
    assert error.params["fixmedins_code"] == "H99999999999"


# --- comparison --------------------------------------------------------------------------------------------------


def test_totals_reported_as_gongji_has_them_are_balanced(ctx: Context, ledger: Ledger) -> None:
    ours = institution_totals(ctx, statement(DAY1, DAY3))
    claimed = ClaimedTotals(ours.setl_cnt, ours.medfee_sumamt_fen, ours.fund_pay_sumamt_fen, ours.acct_pay_fen)
    compared = reconcile_totals(ctx, statement(DAY1, DAY3), claimed)
    assert compared.balanced
    assert compared.discrepancies == []
    assert compared.totals == ours
    assert describe_totals(compared, "zh").startswith("平：结算 2 笔，医疗费总额 ")
    assert describe_totals(compared, "zh").endswith("与机构一致")


def test_totals_that_differ_name_each_figure_with_both_values(ctx: Context, ledger: Ledger) -> None:
    ours = institution_totals(ctx, statement(DAY1, DAY1))
    # The institution counts one settlement too many, and one fen too much of fees.
    claimed = ClaimedTotals(3, ours.medfee_sumamt_fen + 1, ours.fund_pay_sumamt_fen, ours.acct_pay_fen)
    compared = reconcile_totals(ctx, statement(DAY1, DAY1), claimed)
    assert not compared.balanced
    assert [(d.field, d.institution, d.gongji) for d in compared.discrepancies] == [
        ("fixmedins_setl_cnt", 3, 2),
        ("medfee_sumamt", 3_501, 3_500),
    ]
    assert (
        describe_totals(compared, "zh")
        == "不平：结算笔数不符：机构 3 笔，医保 2 笔；医疗费总额不符：机构 35.01 元，医保 35.00 元"
    )
    assert describe_totals(compared, "en") == (
        "Not balanced: settlement counts differ: institution 3, gongji 2; "
        "total medical fees differ: institution 35.01 yuan, gongji 35.00 yuan"
    )


def claimed_line(line: SettlementLineView, **changes: Any) -> ClaimedLine:
    """The institution's copy of one of gongji's lines (``changes`` alter it)."""
    fields: dict[str, Any] = {
        "setl_id": line.setl_id,
        "reversal": line.reversal,
        "medfee_sumamt_fen": line.medfee_sumamt_fen,
        "fund_pay_sumamt_fen": line.fund_pay_sumamt_fen,
        "acct_pay_fen": line.acct_pay_fen,
        "msgid": line.msgid,
    }
    return ClaimedLine(**{**fields, **changes})


def test_lines_matched_differing_missing_unknown_and_repeated(ctx: Context, ledger: Ledger) -> None:
    period = statement(DAY1, DAY2)
    lines = institution_settlements(ctx, period)
    a, c, c_reversed, d, e = lines
    ours = institution_totals(ctx, period)
    claimed_totals = ClaimedTotals(ours.setl_cnt, ours.medfee_sumamt_fen, ours.fund_pay_sumamt_fen, ours.acct_pay_fen)
    assert ledger.b.setl_id is not None
    claimed = [
        claimed_line(a),
        claimed_line(c),
        claimed_line(c_reversed),
        claimed_line(d, acct_pay_fen=d.acct_pay_fen + 100, msgid="H130102000012026112110000009"),
        # E left out; B is the pharmacy's (another institution's: told as unknown, no more); A's reversal is on the
        # 22nd; a settlement gongji never made; and C listed twice.
        claimed_line(e, setl_id=ledger.b.setl_id),
        claimed_line(a, reversal=True, medfee_sumamt_fen=-a.medfee_sumamt_fen),
        claimed_line(a, setl_id="130100999999999999"),
        claimed_line(c),
    ]
    compared = reconcile_settlements(ctx, period, claimed_totals, claimed)
    assert compared.totals.balanced
    assert not compared.balanced
    assert [(line.setl_id, line.reversal, line.result) for line in compared.lines] == [
        (a.setl_id, False, LineResult.MATCHED),
        (c.setl_id, False, LineResult.MATCHED),
        (c.setl_id, True, LineResult.MATCHED),
        (d.setl_id, False, LineResult.DIFFERS),
        (e.setl_id, False, LineResult.NOT_LISTED),
        (ledger.b.setl_id, False, LineResult.UNKNOWN),
        (a.setl_id, True, LineResult.UNKNOWN),
        ("130100999999999999", False, LineResult.UNKNOWN),
        (c.setl_id, False, LineResult.DUPLICATE),
    ]
    matched, _, _, differs, missing, other, late_reversal, never, twice = compared.lines
    assert (matched.line, describe_line(matched, "zh"), describe_line(matched, "en")) == (a, "一致", "Matches")
    # 李秀英 has no account (and no relative bound here): nothing was paid from one. D has no msgid at gongji (not a
    # national message), so only the amount differs.
    assert d.acct_pay_fen == 0
    assert describe_line(differs, "zh") == "个人账户支付不符：机构 1.00 元，医保 0.00 元"
    assert [(x.field, x.institution, x.gongji) for x in differs.discrepancies] == [("acct_pay", 100, 0)]
    assert (missing.line, missing.claimed, describe_line(missing, "zh")) == (e, None, "机构未上传此笔结算")
    assert (other.line, other.note, describe_line(other, "zh")) == (None, None, "医保对账期间内无此笔结算")
    assert describe_line(late_reversal, "zh") == "医保对账期间内无此笔结算撤销：发生于 2026-11-22 09:00，不在对账期间内"
    assert describe_line(late_reversal, "en") == (
        "gongji has no such reversal in the period: it was booked at 2026-11-22 09:00, outside the period"
    )
    assert describe_line(never, "zh") == "医保对账期间内无此笔结算"
    assert describe_line(twice, "zh") == "机构重复上传此笔结算"
    assert describe_detail(compared, "zh") == (
        "不平：明细 6 笔不符（金额不符 1 笔，机构未上传 1 笔，医保无此记录 3 笔，机构重复上传 1 笔）"
    )
    assert describe_detail(compared, "en") == (
        "Not balanced: 6 lines do not match (1 differing, 1 not listed by the institution, 3 unknown to gongji, "
        "1 listed twice)"
    )


def test_a_msgid_that_differs_is_a_difference(ctx: Context, ledger: Ledger) -> None:
    a = institution_settlements(ctx, statement(DAY1, DAY1))[0]
    assert a.msgid == A_MSGID
    (compared,) = compare_lines([a], [claimed_line(a, msgid="H130102000012026112009009999")])
    assert compared.result is LineResult.DIFFERS
    assert describe_line(compared, "zh") == f"报文ID不符：机构 H130102000012026112009009999，医保 {A_MSGID}"


def test_lines_outside_the_filters_and_reversals_that_did_not_happen_are_explained(
    ctx: Context, ledger: Ledger
) -> None:
    lines = institution_settlements(ctx, statement(DAY1, DAY3))
    e = next(line for line in lines if line.setl_id == ledger.e.setl_id)
    outpatient = statement(DAY1, DAY3, clr_type="11")
    ours = institution_totals(ctx, outpatient)
    claimed_totals = ClaimedTotals(ours.setl_cnt, ours.medfee_sumamt_fen, ours.fund_pay_sumamt_fen, ours.acct_pay_fen)
    compared = reconcile_settlements(
        ctx,
        outpatient,
        claimed_totals,
        [claimed_line(e), claimed_line(e, reversal=True, medfee_sumamt_fen=-e.medfee_sumamt_fen)],
    )
    filtered, not_reversed = compared.lines[-2:]
    assert describe_line(filtered, "zh") == (
        "医保对账期间内无此笔结算：险种 310、清算类别 21、清算机构 130100，不在本次对账范围内"
    )
    assert describe_line(not_reversed, "zh") == "医保对账期间内无此笔结算撤销：该结算未撤销"


def test_no_lines_from_the_institution_leaves_every_line_unlisted(ctx: Context, ledger: Ledger) -> None:
    period = statement(DAY2, DAY2)
    ours = institution_totals(ctx, period)
    claimed_totals = ClaimedTotals(ours.setl_cnt, ours.medfee_sumamt_fen, ours.fund_pay_sumamt_fen, ours.acct_pay_fen)
    compared = reconcile_settlements(ctx, period, claimed_totals, [])
    assert [line.result for line in compared.lines] == [LineResult.NOT_LISTED] * 3
    assert describe_line(compared.lines[0], "zh") == "机构未上传此笔结算撤销"
    assert describe_detail(compared, "zh") == "不平：明细 3 笔不符（机构未上传 3 笔）"


def test_all_lines_matching_is_balanced(ctx: Context, ledger: Ledger) -> None:
    period = statement(DAY1, DAY3)
    lines = institution_settlements(ctx, period)
    ours = institution_totals(ctx, period)
    claimed_totals = ClaimedTotals(ours.setl_cnt, ours.medfee_sumamt_fen, ours.fund_pay_sumamt_fen, ours.acct_pay_fen)
    compared = reconcile_settlements(ctx, period, claimed_totals, [claimed_line(line) for line in lines])
    assert compared.balanced
    assert describe_detail(compared, "zh") == "平：总额一致，明细 6 笔均一致"


# --- the clearing type and the message id, without a database -----------------------------------------------------


def test_the_clearing_type_is_the_national_interfaces() -> None:
    # 门诊 (11): general, registration, emergency, chronic outpatient, injury, local outpatient codes;
    # 住院 (21): every stay, national (2x) and provincial (2101); 药店 (41): pharmacy purchases only.
    expected = {
        "11": "11",
        "12": "11",
        "13": "11",
        "14": "11",
        "19": "11",
        "140104": "11",
        "9901": "11",
        "21": "21",
        "22": "21",
        "23": "21",
        "24": "21",
        "28": "21",
        "2101": "21",
        "41": "41",
    }
    assert {code: clr_type_of(code).value for code in expected} == expected
    # The national interface's answers use the same classification.
    assert {code: clr_type(code) for code in expected} == expected
    assert clr_type_of("41") is ClrType.PHARMACY
    assert (ClrType.INPATIENT.zh, ClrType.INPATIENT.en) == ("住院", "inpatient")


def test_msgid_of_reads_only_national_keys() -> None:
    assert msgid_of(f"fsi:{LEVEL3}:{A_MSGID}") == A_MSGID
    assert msgid_of("demo:settle:xiuying") is None
    assert msgid_of("fsi:H13010200001:") is None
    assert msgid_of(None) is None
