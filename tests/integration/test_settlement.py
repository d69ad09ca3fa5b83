"""Settlement end to end, on both backends: visits, fee lines, the split, preview, commit, reversal, explanation.

Every amount asserted is worked out by hand in the comments from the demo catalogue (sample data:
``gongji/service/data/demo_catalogue.csv``) and the region's rules (``gongji/rules/data``). Amounts are fen.

What the national rules (``100000.yaml``) say about the personal account, used throughout: it may pay medical
types 11, 14, 21, 41 …; of the bill it may pay the policy-range self-pay (``inscp − fund``), the category-B
self-pay (``preselfpay``) and 全自费 (``fulamt_ownpay``), but not 超限价 (``overlmt``), which is paid in cash.
The patient's own account pays first (当年 first), then each authoriser in order (历年 first).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from sqlalchemy import Engine, select, text

from gongji.domain.codes import Insutype, MedType, PsnType, RelationType
from gongji.domain.errors import ErrorCode
from gongji.domain.explanation import render
from gongji.domain.visits import Diagnosis
from gongji.rules.book import RuleBook
from gongji.rules.schema import InsuredCategory
from gongji.service.account_query import balances
from gongji.service.accounts import CreditAccount, credit_account
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.institutions import AddInstitution, add_institution
from gongji.service.people import RegisterPerson, register_person
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.service.relations.payers import SetOrder, SetQuota, set_order, set_quota
from gongji.service.relations.queries import family, relation
from gongji.service.settlement import (
    CancelDischarge,
    CancelFees,
    CancelVisit,
    Discharge,
    ExplanationView,
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    SettlementView,
    UploadFees,
    cancel_discharge,
    cancel_fees,
    cancel_visit,
    commit_settlement,
    discharge,
    explain,
    open_visit,
    preview_settlement,
    reverse_settlement,
    show_settlement,
    upload_fees,
    visit_view,
)
from gongji.store import tables
from tests.helpers import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI, employee, refused, resident, snapshot
from tests.helpers import random_key as _key

# Demo institutions (gongji.service.catalogue.DEMO_INSTITUTIONS).
#: The fund tables these examples are worked from (see the file header there).
WORKED_RULES = Path(__file__).parent / "worked_rules"

SJZ_LEVEL3 = "H13010200001"
SJZ_LEVEL2 = "H13010200002"
SJZ_LEVEL1 = "H13010200003"
SJZ_PHARMACY = "P13010200001"
CHANGCHUN_PROVINCIAL = "H22010200001"

# Demo catalogue items: category, self-pay share, price cap, account_payable.
AMOXICILLIN = "XJ01CAA040A001010100001"  # A
ATORVASTATIN = "XC10AAA129A001010100004"  # B 10 %
VALSARTAN = "XC09CAX034A001010100008"  # B 5 %
LORATADINE = "XR06AXL001A001010100009"  # B 10 %
AZITHROMYCIN = "XJ01FAA010A001010100010"  # A
INSULIN = "XA10AEG037B002010100012"  # B 20 %, cap 68.00
SALINE = "XB05BBL001B002010100013"  # A
EJIAO = "ZZ99XXE0001010100026"  # C, account_payable false
BLOOD_COUNT = "002501010150000"  # A, cap 20.00
HBA1C = "002503010070000"  # B 10 %
MRI = "002103050010000"  # B 20 %, cap 450.00
CONSULTATION = "001102000010000"  # A, cap 10.00
BED = "001103000010000"  # A, cap 30.00
NURSING = "001104000010000"  # A
STENT = "C0101010010000000006"  # B 10 %, cap 798.00
MASK = "C1405010010000000004"  # B 20 %, account_payable false

AMOUNT_FIELDS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "pool_prop_selfpay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "acct_mulaid_pay",
    "psn_cash_pay",
    "hosp_part_amt",
    "balc",
)

PROOF = "户口簿 1301-0001"
FACE = "face-ok"


@pytest.fixture
def demo(ctx: Context) -> Context:
    """The context with the demo institutions and the sample catalogue loaded, under the worked examples' fund
    rules (``worked_rules/``, over the package's rules)."""
    ctx = dataclasses.replace(ctx, rules=RuleBook.load([WORKED_RULES]))
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    return ctx


# --- helpers -----------------------------------------------------------------------------------------------------


def identities(amounts: dict[str, int]) -> None:
    """The national identities every settlement record keeps."""
    total = amounts["medfee_sumamt"]
    parts = (
        amounts["fulamt_ownpay_amt"] + amounts["overlmt_selfpay"] + amounts["preselfpay_amt"] + amounts["inscp_scp_amt"]
    )
    assert total == parts, amounts
    assert total == amounts["fund_pay_sumamt"] + amounts["psn_part_amt"] + amounts["hosp_part_amt"], amounts
    assert amounts["psn_part_amt"] == amounts["acct_pay"] + amounts["psn_cash_pay"], amounts
    assert 0 <= amounts["acct_mulaid_pay"] <= amounts["acct_pay"], amounts
    assert all(amounts[name] >= 0 for name in AMOUNT_FIELDS), amounts


def expect(view: SettlementView, **amounts: int) -> None:
    """Every setlinfo amount, each given by hand; the identities too."""
    assert set(amounts) == set(AMOUNT_FIELDS), "give every amount"
    identities(view.amounts)
    assert {name: view.amounts[name] for name in AMOUNT_FIELDS} == amounts


def steps(explanation: ExplanationView, lang: Literal["zh", "en"] = "en") -> list[str]:
    """The fund's steps of an explanation, in words."""
    return [render(step.code, step.params, lang) for step in explanation.fund_steps]


def fee(sn: str, code: str, quantity: str, price_fen: int, **kw: Any) -> FeeInput:
    return FeeInput(sn, code, quantity, price_fen, **kw)


def visit(ctx: Context, person: str, institution: str, med_type: MedType, *lines: FeeInput, **kw: Any) -> str:
    """Open a visit and upload its fee lines; return its mdtrt_id."""
    opened = open_visit(ctx, OpenVisit(person, institution, med_type, **kw), key=_key())
    if lines:
        upload_fees(ctx, UploadFees(opened.mdtrt_id, tuple(lines)), key=_key())
    return opened.mdtrt_id


def settle(ctx: Context, mdtrt_id: str, *, acct_used_flag: bool = True) -> SettlementView:
    """Preview, then commit: both satisfy the identities and the preview equals what is committed."""
    preview = preview_settlement(ctx, Settle(mdtrt_id, acct_used_flag))
    identities(preview.amounts)
    committed = commit_settlement(ctx, Settle(mdtrt_id, acct_used_flag), key=_key())
    identities(committed.amounts)
    assert preview.amounts == committed.amounts
    assert audit(ctx).clean, audit(ctx).findings
    return committed


def insure_resident(
    ctx: Context, certno: str, name: str, region: str, psn_type: PsnType = PsnType.ADULT_RESIDENT
) -> str:
    """Register and enroll a resident (390) in any pooling region."""
    register_person(ctx, RegisterPerson(certno, name), key=_key())
    enroll(ctx, Enroll(certno, Insutype.RESIDENT_BASIC, psn_type, region, date(2019, 1, 1)), key=_key())
    return certno


def bind(
    ctx: Context,
    authoriser: str,
    beneficiary: str,
    relation_type: RelationType,
    *,
    confirmer: str | None = None,
    quota_fen: int | None = None,
) -> int:
    """An online binding, confirmed by the beneficiary (or the given guardian); return the relation's id."""
    requested = request_binding(
        ctx,
        RequestBinding(authoriser, beneficiary, relation_type, proof_reference=PROOF, quota_fen=quota_fen),
        key=_key(),
    )
    confirm_binding(ctx, ConfirmBinding(requested.id, confirmer or beneficiary, FACE), key=_key())
    return requested.id


def personal(ctx: Context, certno: str) -> tuple[int, int]:
    """(历年, 当年) of a person's account."""
    view = balances(ctx, certno)
    return view.prior_years_fen, view.current_year_fen


def account_rows(engine: Engine) -> dict[str, tuple[int, int]]:
    """Every account's (balance, version) by its code."""
    with engine.connect() as conn:
        rows = conn.execute(select(tables.accounts.c.code, tables.accounts.c.balance_fen, tables.accounts.c.version))
        return {code: (balance, version) for code, balance, version in rows}


def add_hospital(ctx: Context, code: str, name: str, region: str, level: str) -> None:
    add_institution(ctx, AddInstitution(code, name, "hospital", region, level), key=_key())


# --- (a) Shijiazhuang: a retired employee's general outpatient visit at a level-3 hospital --------------------------


def test_shijiazhuang_retired_general_outpatient(demo: Context) -> None:
    ctx = demo
    employee(ctx, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=300_000, current_fen=50_000)
    mdtrt_id = visit(
        ctx,
        DEFU,
        SJZ_LEVEL3,
        MedType.GENERAL_OUTPATIENT,
        # 血常规 A, cap 20.00, charged 25.00: 超限价 1 × (2500 − 2000) = 500, policy range 2000.
        fee("1", BLOOD_COUNT, "1", 2_500),
        # 阿托伐他汀 B 10 %: 2 × 35.80 = 7160; 先行自付 716, policy range 6444.
        fee("2", ATORVASTATIN, "2", 3_580),
        # 诊查费 A, cap 10.00, charged exactly 10.00: all 1000 in the policy range.
        fee("3", CONSULTATION, "1", 1_000),
        # 阿胶 C (not account-payable): 98.00 全自费.
        fee("4", EJIAO, "1", 9_800),
    )
    view = settle(ctx, mdtrt_id)
    # Total 2500 + 7160 + 1000 + 9800 = 20460; 全自费 9800; 超限价 500; 先行自付 716;
    # policy range 2000 + 6444 + 1000 = 9444 (9800 + 500 + 716 + 9444 = 20460).
    # 130100 rules for 11, retired: no deductible, 70 %, cap 6,000.00 (nothing used yet):
    # fund 9444 × 0.7 = 6610.8 → 6611; pool_prop_selfpay 9444 − 6611 = 2833.
    # The person: 20460 − 6611 = 13849.
    # The account may pay 2833 (policy self-pay) + 716 (乙类自付) + 9800 (全自费) = 13349, less the 阿胶 (not
    # account-payable) 9800 = 3549; 超限价 500 and 阿胶 9800 go to cash: 13849 − 3549 = 10300.
    # Own account 当年 500.00 covers 3549; balance 350000 − 3549 = 346451.
    expect(
        view,
        medfee_sumamt=20_460,
        fulamt_ownpay_amt=9_800,
        overlmt_selfpay=500,
        preselfpay_amt=716,
        inscp_scp_amt=9_444,
        act_pay_dedc=0,
        hifp_pay=6_611,
        pool_prop_selfpay=2_833,
        fund_pay_sumamt=6_611,
        psn_part_amt=13_849,
        acct_pay=3_549,
        acct_mulaid_pay=0,
        psn_cash_pay=10_300,
        hosp_part_amt=0,
        balc=346_451,
    )
    assert view.status == "settled"
    assert view.setl_id
    assert (view.insutype, view.psn_type, view.med_type) == ("310", "1201", "11")
    assert [(f.fund_pay_type, f.fund_payamt_fen) for f in view.funds] == [("310100", 6_611), ("310200", 3_549)]
    assert [(p.payer, p.relation_zh, p.amount_fen, p.prior_years_fen, p.current_year_fen) for p in view.payers] == [
        ("张德福", "本人", 3_549, 0, 3_549)
    ]
    assert view.payers[0].balance_after_fen == 346_451
    assert personal(ctx, DEFU) == (300_000, 46_451)
    why = explain(ctx, view.setl_id)
    assert "The rules set no deductible for this bill: none applies" in steps(why)
    assert "规则未设定起付标准：按无起付线计算" in steps(why, "zh")
    assert "Policy range 94.44 − deductible 0.00 = 94.44, at 70%: 66.11" in steps(why)
    assert "Annual cap 6,000.00, paid this year 0.00: the fund pays 66.11" in steps(why)
    assert {(r.parameter, r.region) for r in why.rules} >= {
        ("pooling_ratio_bp", "130100"),
        ("pooling_annual_cap_fen", "130100"),
    }
    assert [(s.payer, s.paid_fen, s.skipped_code) for s in why.purses] == [("张德福", 3_549, None)]
    assert why.cash_fen == 10_300
    assert show_settlement(ctx, view.setl_id) == view


# --- (b) Shijiazhuang: chronic outpatient, the deductible charged once a year -------------------------------------


def test_shijiazhuang_chronic_outpatient_deductible_once_a_year(demo: Context, clock: FixedClock) -> None:
    ctx = demo
    employee(ctx, JIANGUO, "张建国", prior_fen=50_000, current_fen=20_000)
    first = visit(
        ctx,
        JIANGUO,
        SJZ_LEVEL3,
        MedType.CHRONIC_SPECIAL_OUTPATIENT,
        # 缬沙坦 B 5 %: 4 × 42.50 = 17000; 先行自付 850, policy 16150.
        fee("1", VALSARTAN, "4", 4_250),
        # 甘精胰岛素 B 20 %, cap 68.00, charged 75.00: 超限价 2 × 7.00 = 1400;
        # the rest 13600: 先行自付 2720, policy 10880.
        fee("2", INSULIN, "2", 7_500),
        # 糖化血红蛋白 B 10 %: 55.00: 先行自付 550, policy 4950.
        fee("3", HBA1C, "1", 5_500),
    )
    view = settle(ctx, first)
    # Total 17000 + 15000 + 5500 = 37500; 超限价 1400; 先行自付 850 + 2720 + 550 = 4120;
    # policy 16150 + 10880 + 4950 = 31980 (1400 + 4120 + 31980 = 37500).
    # 130100 rules for 14 at level 3: deductible 200.00, 80 %, no annual cap.
    # Deductible 20000 (none paid yet); above it 31980 − 20000 = 11980; fund 11980 × 0.8 = 9584;
    # pool_prop_selfpay 11980 − 9584 = 2396. The person 37500 − 9584 = 27916.
    # Account may pay (31980 − 9584) + 4120 = 26516; cash the 超限价 1400.
    # Own account: 当年 20000 first, then 历年 6516; balance 70000 − 26516 = 43484.
    expect(
        view,
        medfee_sumamt=37_500,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=1_400,
        preselfpay_amt=4_120,
        inscp_scp_amt=31_980,
        act_pay_dedc=20_000,
        hifp_pay=9_584,
        pool_prop_selfpay=2_396,
        fund_pay_sumamt=9_584,
        psn_part_amt=27_916,
        acct_pay=26_516,
        acct_mulaid_pay=0,
        psn_cash_pay=1_400,
        hosp_part_amt=0,
        balc=43_484,
    )
    assert [(p.prior_years_fen, p.current_year_fen) for p in view.payers] == [(6_516, 20_000)]
    why = view.explanation
    assert "Deductible 200.00 (once a year), paid this year 0.00, applied now 200.00" in steps(why)
    assert "The rules set no annual cap for this bill: none applies" in steps(why)

    clock.advance(timedelta(days=3))
    second = visit(
        ctx,
        JIANGUO,
        SJZ_LEVEL3,
        MedType.CHRONIC_SPECIAL_OUTPATIENT,
        # 缬沙坦 B 5 %: 2 × 42.50 = 8500; 先行自付 425, policy 8075.
        fee("1", VALSARTAN, "2", 4_250),
    )
    again = settle(ctx, second)
    # The deductible was paid in full on the first visit: owed 20000 − 20000 = 0.
    # Fund 8075 × 0.8 = 6460; pool_prop_selfpay 8075 − 6460 = 1615; the person 8500 − 6460 = 2040, all
    # account-payable (1615 + 425). 当年 is empty now, so all 2040 from 历年; balance 43484 − 2040 = 41444.
    expect(
        again,
        medfee_sumamt=8_500,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=425,
        inscp_scp_amt=8_075,
        act_pay_dedc=0,
        hifp_pay=6_460,
        pool_prop_selfpay=1_615,
        fund_pay_sumamt=6_460,
        psn_part_amt=2_040,
        acct_pay=2_040,
        acct_mulaid_pay=0,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=41_444,
    )
    assert "Deductible 200.00 (once a year), paid this year 200.00, applied now 0.00" in steps(again.explanation)
    assert personal(ctx, JIANGUO) == (41_444, 0)


# --- (c) Xi'an: deductible 200, 50 %, an annual cap of 2,000 reached across visits -------------------------------


def test_xian_in_service_outpatient_reaches_the_annual_cap(demo: Context, clock: FixedClock) -> None:
    ctx = demo
    add_hospital(ctx, "H61010300001", "西安市示例第二医院", "610100", "3")
    employee(ctx, ZHANGLI, "张丽", region="610100", prior_fen=300_000, current_fen=20_000)
    first = visit(
        ctx,
        ZHANGLI,
        "H61010300001",
        MedType.GENERAL_OUTPATIENT,
        # 阿奇霉素 A: 100 × 38.00 = 380000, all policy range.
        fee("1", AZITHROMYCIN, "100", 3_800),
        # MRI B 20 %, cap 450.00, charged 500.00: 超限价 5000; 45000 left: 先行自付 9000, policy 36000.
        fee("2", MRI, "1", 50_000),
    )
    view = settle(ctx, first)
    # Total 430000; 超限价 5000; 先行自付 9000; policy 380000 + 36000 = 416000.
    # 610100 rules for 11, in service, level 3: deductible 200.00, 50 %, cap 2,000.00.
    # Deductible 20000; above 416000 − 20000 = 396000; × 0.5 = 198000 ≤ cap room 200000: fund 198000;
    # pool_prop_selfpay 396000 − 198000 = 198000. The person 430000 − 198000 = 232000.
    # Account may pay (416000 − 198000) + 9000 = 227000: 当年 20000, then 历年 207000; balance 320000 − 227000 = 93000.
    # Cash: the 超限价 5000.
    expect(
        view,
        medfee_sumamt=430_000,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=5_000,
        preselfpay_amt=9_000,
        inscp_scp_amt=416_000,
        act_pay_dedc=20_000,
        hifp_pay=198_000,
        pool_prop_selfpay=198_000,
        fund_pay_sumamt=198_000,
        psn_part_amt=232_000,
        acct_pay=227_000,
        acct_mulaid_pay=0,
        psn_cash_pay=5_000,
        hosp_part_amt=0,
        balc=93_000,
    )
    assert "Annual cap 2,000.00, paid this year 0.00: the fund pays 1,980.00" in steps(view.explanation)

    clock.advance(timedelta(days=7))
    second = visit(ctx, ZHANGLI, "H61010300001", MedType.GENERAL_OUTPATIENT, fee("1", AZITHROMYCIN, "20", 3_800))
    capped = settle(ctx, second)
    # 20 × 38.00 = 76000 policy range. Deductible paid already: 0. 76000 × 0.5 = 38000, but the cap leaves
    # 200000 − 198000 = 2000: fund 2000; pool_prop_selfpay 76000 − 2000 = 74000 = the person's part,
    # all from the account's 历年 (当年 is empty): balance 93000 − 74000 = 19000.
    expect(
        capped,
        medfee_sumamt=76_000,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=76_000,
        act_pay_dedc=0,
        hifp_pay=2_000,
        pool_prop_selfpay=74_000,
        fund_pay_sumamt=2_000,
        psn_part_amt=74_000,
        acct_pay=74_000,
        acct_mulaid_pay=0,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=19_000,
    )
    capped_steps = steps(capped.explanation)
    assert "Deductible 200.00 (once a year), paid this year 200.00, applied now 0.00" in capped_steps
    assert "Policy range 760.00 − deductible 0.00 = 760.00, at 50%: 380.00" in capped_steps
    assert "Annual cap 2,000.00, paid this year 1,980.00: the fund pays 20.00" in capped_steps

    clock.advance(timedelta(days=7))
    third = visit(ctx, ZHANGLI, "H61010300001", MedType.GENERAL_OUTPATIENT, fee("1", AZITHROMYCIN, "1", 3_800))
    exhausted = settle(ctx, third)
    # The cap is used up: the fund pays 0 of 3800; the account pays it all; 19000 − 3800 = 15200.
    expect(
        exhausted,
        medfee_sumamt=3_800,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=3_800,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=3_800,
        fund_pay_sumamt=0,
        psn_part_amt=3_800,
        acct_pay=3_800,
        acct_mulaid_pay=0,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=15_200,
    )
    assert "Annual cap 2,000.00, paid this year 2,000.00: the fund pays 0.00" in steps(exhausted.explanation)
    assert [f.fund_pay_type for f in exhausted.funds] == ["310200"]


# --- (d) Changchun: inpatient at a provincial level-3 hospital, with a test ratio overlay -------------------------


def with_changchun_ratio(demo: Context, tmp_path: Path) -> Context:
    """The demo context with an operator's overlay directory that gives Changchun's stays a ratio of 85 %."""
    overlay = tmp_path / "rules-overlay"
    overlay.mkdir()
    document = {
        "region": "220100",
        "name": "长春市",
        "parameters": {
            "pooling_ratio_bp": [
                {
                    "since": date(2021, 1, 1),
                    "value": [{"med_types": ["21"], "ratio_bp": 8500}],
                    "reference": {"title": "test overlay", "address": "tests/integration/test_settlement.py"},
                    "confidence": "unverified",
                }
            ]
        },
    }
    (overlay / "220100.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return dataclasses.replace(demo, rules=RuleBook.load([WORKED_RULES, overlay]))


def test_changchun_inpatient_deductible_with_a_ratio_overlay(demo: Context, tmp_path: Path) -> None:
    ctx = with_changchun_ratio(demo, tmp_path)
    employee(ctx, GUILAN, "赵桂兰", region="220100", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=200_000)
    mdtrt_id = visit(
        ctx,
        GUILAN,
        CHANGCHUN_PROVINCIAL,
        MedType.GENERAL_INPATIENT,
        # 床位费 A, cap 30.00, charged 35.00 for 10 days: 350.00; 超限价 10 × 5.00 = 5000; policy 30000.
        fee("1", BED, "10", 3_500),
        # Ⅰ级护理 A: 10 × 25.00 = 25000 policy.
        fee("2", NURSING, "10", 2_500),
        # 支架 B 10 %, cap 798.00, charged 750.00: 先行自付 7500, policy 67500.
        fee("3", STENT, "1", 75_000),
        # 氯化钠 A: 20 × 4.50 = 9000 policy.
        fee("4", SALINE, "20", 450),
        ipt_otp_no="ZY2026-0001",
    )
    discharge(ctx, Discharge(mdtrt_id), key=_key())
    view = settle(ctx, mdtrt_id)
    # Total 35000 + 25000 + 75000 + 9000 = 144000; 超限价 5000; 先行自付 7500;
    # policy 30000 + 25000 + 67500 + 9000 = 131500 (5000 + 7500 + 131500 = 144000).
    # 220100: deductible for 21 at 3-provincial 1,200.00 per admission (the worked rules); 85 % (the overlay); no cap.
    # Above the deductible 131500 − 120000 = 11500; × 0.85 = 9775; pool_prop_selfpay 11500 − 9775 = 1725.
    # The person 144000 − 9775 = 134225; the account may pay (131500 − 9775) + 7500 = 129225; cash 5000.
    # Own account: 当年 0, so 历年 129225; balance 200000 − 129225 = 70775.
    expect(
        view,
        medfee_sumamt=144_000,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=5_000,
        preselfpay_amt=7_500,
        inscp_scp_amt=131_500,
        act_pay_dedc=120_000,
        hifp_pay=9_775,
        pool_prop_selfpay=1_725,
        fund_pay_sumamt=9_775,
        psn_part_amt=134_225,
        acct_pay=129_225,
        acct_mulaid_pay=0,
        psn_cash_pay=5_000,
        hosp_part_amt=0,
        balc=70_775,
    )
    why = view.explanation
    assert "Deductible 1,200.00 (per admission), paid this year 0.00, applied now 1,200.00" in steps(why)
    ratio = next(r for r in why.rules if r.parameter == "pooling_ratio_bp")
    assert (ratio.region, ratio.reference_title, ratio.confidence) == ("220100", "test overlay", "unverified")
    deductible = next(r for r in why.rules if r.parameter == "pooling_deductible_fen")
    assert deductible.region == "220100"
    assert deductible.reference_title.startswith("Worked-example rules")


def test_changchun_inpatient_without_a_ratio_is_refused_naming_what_is_missing(demo: Context, engine: Engine) -> None:
    ctx = demo
    employee(ctx, GUILAN, "赵桂兰", region="220100", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=200_000)
    mdtrt_id = visit(ctx, GUILAN, CHANGCHUN_PROVINCIAL, MedType.GENERAL_INPATIENT, fee("1", NURSING, "10", 2_500))
    discharge(ctx, Discharge(mdtrt_id), key=_key())
    # The worked rules give 220100's stays a deductible but no ratio: the fund's part is unknown, so the bill is
    # refused (never a fund payment of 0 by default), by preview and commit alike, and nothing is written.
    for call in (
        lambda: preview_settlement(ctx, Settle(mdtrt_id)),
        lambda: commit_settlement(ctx, Settle(mdtrt_id), key=_key()),
    ):
        error = refused(engine, ErrorCode.FUND_RULES_MISSING, call)
        assert (error.params["region"], error.params["med_type"]) == ("220100", MedType.GENERAL_INPATIENT)
        assert error.params["category"] is InsuredCategory.RETIRED
        assert "退休职工" in error.message_zh
        assert "3-provincial" in error.message_en
        assert not re.search(r"[\u4e00-\u9fff]", error.message_en)


# --- mutual aid --------------------------------------------------------------------------------------------------


def _family_of_three(ctx: Context) -> tuple[int, int]:
    """张建国 and 李秀英 (employees) each bind their son 张小明 (a pupil, resident: no account of his own).
    Her quota is 30.00 a year and she pays first. Returns (her relation, his relation)."""
    employee(ctx, JIANGUO, "张建国", prior_fen=10_000, current_fen=20_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=2_000, current_fen=5_000)
    resident(ctx, XIAOMING, "张小明", psn_type=PsnType.PUPIL)
    his = bind(ctx, JIANGUO, XIAOMING, RelationType.CHILD, confirmer=JIANGUO)  # the father, for his son
    hers = bind(ctx, XIUYING, XIAOMING, RelationType.CHILD, confirmer=JIANGUO)
    set_quota(ctx, SetQuota(XIUYING, 3_000, relation_id=hers), key=_key())
    set_order(ctx, SetOrder(XIAOMING, (XIUYING, JIANGUO), by=JIANGUO), key=_key())
    return hers, his


def _child_bill(ctx: Context) -> str:
    return visit(
        ctx,
        XIAOMING,
        SJZ_LEVEL1,
        MedType.GENERAL_OUTPATIENT,
        # 氯雷他定 B 10 %: 3 × 23.80 = 7140; 先行自付 714, policy 6426.
        fee("1", LORATADINE, "3", 2_380),
        # 血常规 A, cap 20.00, charged 20.00: policy 2000.
        fee("2", BLOOD_COUNT, "1", 2_000),
    )


def test_a_child_paid_for_by_two_parents_in_order(demo: Context) -> None:
    ctx = demo
    hers, his = _family_of_three(ctx)
    view = settle(ctx, _child_bill(ctx))
    # Total 9140; 先行自付 714; policy 6426 + 2000 = 8426. 130100 has no pooling ratio for residents' 11:
    # the fund pays nothing, no deductible; pool_prop_selfpay 8426; the person 9140, all account-payable.
    # No own account. 1) 李秀英: quota 3000 → pays 3000, 历年 first: 2000 + 当年 1000 (7000 → 4000).
    # 2) 张建国 pays the other 9140 − 3000 = 6140 from 历年 (10000 → 3860). All of it mutual aid.
    expect(
        view,
        medfee_sumamt=9_140,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=714,
        inscp_scp_amt=8_426,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=8_426,
        fund_pay_sumamt=0,
        psn_part_amt=9_140,
        acct_pay=9_140,
        acct_mulaid_pay=9_140,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=0,
    )
    assert [
        (p.seq, p.payer, p.relation, p.amount_fen, p.prior_years_fen, p.current_year_fen, p.balance_after_fen)
        for p in view.payers
    ] == [
        (1, "李秀英", "child", 3_000, 2_000, 1_000, 4_000),
        (2, "张建国", "child", 6_140, 6_140, 0, 23_860),
    ]
    assert [(f.fund_pay_type, f.fund_payamt_fen) for f in view.funds] == [("310200", 9_140)]
    purses = explain(ctx, str(view.setl_id)).purses
    assert [(s.order, s.payer, s.paid_fen, s.available_fen, s.skipped_code) for s in purses] == [
        (1, "李秀英", 3_000, 3_000, None),
        (2, "张建国", 6_140, 30_000, None),
    ]
    assert "已用尽" in render(purses[0].reason.code, purses[0].reason.params, "zh")
    assert personal(ctx, XIUYING) == (0, 4_000)
    assert personal(ctx, JIANGUO) == (3_860, 20_000)
    quotas = {
        p.relation.authoriser: (p.relation.quota_fen, p.relation.quota_used_fen, p.relation.quota_left_fen)
        for p in family(ctx, XIAOMING).pay_for_me
    }
    assert quotas == {"李秀英": (3_000, 3_000, 0), "张建国": (None, 6_140, None)}
    assert relation(ctx, hers).quota_used_fen == 3_000
    assert relation(ctx, his).quota_used_fen == 6_140

    # A second bill: her quota is used up, so he pays it all.
    view2 = settle(ctx, visit(ctx, XIAOMING, SJZ_LEVEL1, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "1", 1_250)))
    # 12.50 of 甲类, no fund: 1250 from 张建国's 历年 (3860 → 2610).
    expect(
        view2,
        medfee_sumamt=1_250,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=1_250,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=1_250,
        fund_pay_sumamt=0,
        psn_part_amt=1_250,
        acct_pay=1_250,
        acct_mulaid_pay=1_250,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=0,
    )
    first_step = view2.explanation.purses[0]
    assert (first_step.payer, first_step.paid_fen, first_step.skipped_code) == ("李秀英", 0, "QUOTA_EXHAUSTED")
    assert [(p.payer, p.amount_fen) for p in view2.payers] == [("张建国", 1_250)]


def _pending_grandfather(ctx: Context) -> None:
    """张建国 (confirmed, quota 50.00) pays for 张小明; 张德福 asked to, but the request is not confirmed."""
    employee(ctx, JIANGUO, "张建国", prior_fen=10_000, current_fen=20_000)
    employee(ctx, XIUYING, "李秀英")
    employee(ctx, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=100_000)
    resident(ctx, XIAOMING, "张小明", psn_type=PsnType.PUPIL)
    bind(ctx, JIANGUO, XIAOMING, RelationType.CHILD, confirmer=JIANGUO, quota_fen=5_000)
    request_binding(
        ctx,
        RequestBinding(DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD, proof_reference=PROOF),
        key=_key(),
    )


def test_an_unconfirmed_authoriser_pays_nothing(demo: Context) -> None:
    ctx = demo
    _pending_grandfather(ctx)
    view = settle(ctx, _child_bill(ctx))
    # 9140 for the person (as above). 张建国's quota 5000 pays 5000 (历年); 张德福's request is not confirmed,
    # so his account pays nothing: 9140 − 5000 = 4140 in cash.
    expect(
        view,
        medfee_sumamt=9_140,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=714,
        inscp_scp_amt=8_426,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=8_426,
        fund_pay_sumamt=0,
        psn_part_amt=9_140,
        acct_pay=5_000,
        acct_mulaid_pay=5_000,
        psn_cash_pay=4_140,
        hosp_part_amt=0,
        balc=0,
    )
    assert [(p.payer, p.amount_fen) for p in view.payers] == [("张建国", 5_000)]
    assert personal(ctx, DEFU) == (100_000, 0)


def test_an_unconfirmed_authoriser_is_listed_as_skipped_in_the_explanation(demo: Context) -> None:
    ctx = demo
    _pending_grandfather(ctx)
    view = settle(ctx, _child_bill(ctx))
    skipped = [(s.payer, s.paid_fen, s.skipped_code) for s in view.explanation.purses if s.payer == "张德福"]
    assert skipped == [("张德福", 0, "RELATION_NOT_CONFIRMED")]


def _couple_with_accounts(ctx: Context) -> None:
    """张建国 (employee, 30.00 of 当年, 100.00 of 历年) may be helped by his wife 李秀英 (employee, 500.00)."""
    employee(ctx, JIANGUO, "张建国", prior_fen=10_000, current_fen=3_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=50_000)
    bind(ctx, XIUYING, JIANGUO, RelationType.SPOUSE)


def test_acct_used_flag_off_pays_everything_in_cash(demo: Context, engine: Engine) -> None:
    ctx = demo
    _couple_with_accounts(ctx)
    mdtrt_id = visit(
        ctx,
        JIANGUO,
        SJZ_LEVEL3,
        MedType.GENERAL_OUTPATIENT,
        fee("1", AMOXICILLIN, "4", 1_250),
        fee("2", ATORVASTATIN, "1", 3_580),
    )
    before = account_rows(engine)
    view = settle(ctx, mdtrt_id, acct_used_flag=False)
    # 阿莫西林 A 4 × 12.50 = 5000 policy; 阿托伐他汀 B 10 %: 35.80 → 先行自付 358, policy 3222.
    # Total 8580; policy 8222. 张建国 is 51, in service: 130100 gives 60 %, cap 4,500.00, no deductible.
    # Fund 8222 × 0.6 = 4933.2 → 4933; pool_prop_selfpay 8222 − 4933 = 3289; the person 8580 − 4933 = 3647,
    # all in cash: no account is used, neither his nor his wife's.
    amounts = {name: view.amounts[name] for name in AMOUNT_FIELDS if name != "balc"}
    assert amounts == {
        "medfee_sumamt": 8_580,
        "fulamt_ownpay_amt": 0,
        "overlmt_selfpay": 0,
        "preselfpay_amt": 358,
        "inscp_scp_amt": 8_222,
        "act_pay_dedc": 0,
        "hifp_pay": 4_933,
        "pool_prop_selfpay": 3_289,
        "fund_pay_sumamt": 4_933,
        "psn_part_amt": 3_647,
        "acct_pay": 0,
        "acct_mulaid_pay": 0,
        "psn_cash_pay": 3_647,
        "hosp_part_amt": 0,
    }
    assert view.acct_used_flag is False
    assert view.payers == []
    assert view.explanation.purses == []
    assert "The account is not used this time (acct_used_flag = 0)" in steps(view.explanation)
    assert personal(ctx, JIANGUO) == (10_000, 3_000)
    assert personal(ctx, XIUYING) == (50_000, 0)
    after = account_rows(engine)
    personal_codes = [code for code in before if code.startswith("PSN:") and ":personal_" in code]
    assert personal_codes
    assert {code: after[code] for code in personal_codes} == {code: before[code] for code in personal_codes}


def test_acct_used_flag_off_still_reports_the_own_balance(demo: Context) -> None:
    ctx = demo
    _couple_with_accounts(ctx)
    mdtrt_id = visit(ctx, JIANGUO, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "4", 1_250))
    view = settle(ctx, mdtrt_id, acct_used_flag=False)
    # Nothing left his account: balc = 10000 + 3000 = 13000.
    assert view.amounts["balc"] == 13_000


def test_shanghai_shares_only_prior_years_money(demo: Context, clock: FixedClock) -> None:
    ctx = demo
    add_hospital(ctx, "H31010100001", "上海市示例医院", "310000", "3")
    # 张建国's 历年 money was there when 2026 began; his 当年 money arrives in November 2026.
    clock.set(clock.now().replace(year=2025, month=12, day=1))
    employee(ctx, JIANGUO, "张建国", region="310000", prior_fen=10_000)
    clock.set(clock.now().replace(year=2026, month=11, day=22))
    credit_account(ctx, CreditAccount(JIANGUO, 100_000, "2026-11 划入"), key="sh:current")
    insure_resident(ctx, XIUYING, "李秀英", "310000")
    bind(ctx, JIANGUO, XIUYING, RelationType.SPOUSE)
    view = settle(
        ctx, visit(ctx, XIUYING, "H31010100001", MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "4", 5_000))
    )
    # 4 × 50.00 = 20000 of 甲类. The worked rules give 310000 a ratio of 0 for this bill: the fund pays nothing.
    # 张建国 in Shanghai: only 历年 is shareable (prior_years_only), and the worked rules make the quota 70 % of his
    # balance as the year began (annual share): 10000 × 0.7 = 7000. Available = min(历年 10000, total 110000,
    # quota 7000) = 7000: he pays 7000 from 历年 and none of his 当年 100000; 20000 − 7000 = 13000 in cash.
    expect(
        view,
        medfee_sumamt=20_000,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=20_000,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=20_000,
        fund_pay_sumamt=0,
        psn_part_amt=20_000,
        acct_pay=7_000,
        acct_mulaid_pay=7_000,
        psn_cash_pay=13_000,
        hosp_part_amt=0,
        balc=0,
    )
    step = view.explanation.purses[0]
    assert (step.payer, step.available_fen, step.from_prior_fen, step.from_current_fen) == ("张建国", 7_000, 7_000, 0)
    assert personal(ctx, JIANGUO) == (3_000, 100_000)
    assert any(r.parameter == "shareable_part" and r.region == "310000" for r in view.explanation.rules)


def test_hengshui_authoriser_keeps_a_minimum_balance(demo: Context, clock: FixedClock) -> None:
    ctx = demo
    add_hospital(ctx, "H13110100001", "衡水市示例医院", "131100", "2")
    employee(ctx, JIANGUO, "张建国", region="131100", prior_fen=120_000)
    insure_resident(ctx, XIUYING, "李秀英", "131100")
    bind(ctx, JIANGUO, XIUYING, RelationType.SPOUSE)
    view = settle(
        ctx, visit(ctx, XIUYING, "H13110100001", MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "4", 10_000))
    )
    # 4 × 100.00 = 40000 of 甲类; 131100 has no pooling ratio for it: the person pays 40000.
    # 张建国 must keep 1,000.00: available = min(120000, 120000 − 100000) = 20000; cash 40000 − 20000 = 20000.
    expect(
        view,
        medfee_sumamt=40_000,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=40_000,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=40_000,
        fund_pay_sumamt=0,
        psn_part_amt=40_000,
        acct_pay=20_000,
        acct_mulaid_pay=20_000,
        psn_cash_pay=20_000,
        hosp_part_amt=0,
        balc=0,
    )
    step = view.explanation.purses[0]
    assert (step.payer, step.available_fen, step.paid_fen, step.balance_after_fen) == (
        "张建国",
        20_000,
        20_000,
        100_000,
    )
    assert personal(ctx, JIANGUO) == (100_000, 0)

    # Now his balance equals the minimum: he is skipped, with the reason.
    clock.advance(timedelta(days=1))
    view2 = settle(
        ctx, visit(ctx, XIUYING, "H13110100001", MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "1", 1_250))
    )
    assert (view2.amounts["acct_pay"], view2.amounts["psn_cash_pay"]) == (0, 1_250)
    step2 = view2.explanation.purses[0]
    assert (step2.payer, step2.paid_fen, step2.skipped_code) == ("张建国", 0, "BALANCE_BELOW_MINIMUM")
    assert personal(ctx, JIANGUO) == (100_000, 0)


# --- preview, commit, replay, reverse ----------------------------------------------------------------------------


def test_preview_commit_replay_reverse_and_settle_again(demo: Context, engine: Engine) -> None:
    ctx = demo
    employee(ctx, JIANGUO, "张建国", current_fen=5_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=100_000)
    rel = bind(ctx, XIUYING, JIANGUO, RelationType.SPOUSE, quota_fen=50_000)
    # 缬沙坦 B 5 %: 8 × 42.50 = 34000; 先行自付 1700; policy 32300. 14 at level 2: deductible 200.00, 85 %.
    mdtrt_id = visit(ctx, JIANGUO, SJZ_LEVEL2, MedType.CHRONIC_SPECIAL_OUTPATIENT, fee("1", VALSARTAN, "8", 4_250))
    # Deductible 20000; above 12300; fund 12300 × 0.85 = 10455; pool_prop_selfpay 12300 − 10455 = 1845.
    # The person 34000 − 10455 = 23545, all account-payable (1845 + 1700 + the 20000 deductible).
    # His own 当年 5000 first (balance → 0), then his wife (quota 50000) 18545 from her 历年 (100000 → 81455).
    hand = {
        "medfee_sumamt": 34_000,
        "fulamt_ownpay_amt": 0,
        "overlmt_selfpay": 0,
        "preselfpay_amt": 1_700,
        "inscp_scp_amt": 32_300,
        "act_pay_dedc": 20_000,
        "hifp_pay": 10_455,
        "pool_prop_selfpay": 1_845,
        "fund_pay_sumamt": 10_455,
        "psn_part_amt": 23_545,
        "acct_pay": 23_545,
        "acct_mulaid_pay": 18_545,
        "psn_cash_pay": 0,
        "hosp_part_amt": 0,
        "balc": 0,
    }
    assert audit(ctx).clean
    before_rows = snapshot(engine)
    before_accounts = account_rows(engine)

    preview = preview_settlement(ctx, Settle(mdtrt_id))
    assert snapshot(engine) == before_rows, "a preview writes nothing"
    assert audit(ctx).clean
    assert preview.previewed is True
    assert preview.setl_id is None
    expect(preview, **hand)

    key = _key()
    committed = commit_settlement(ctx, Settle(mdtrt_id), key=key)
    expect(committed, **hand)
    assert committed.amounts == preview.amounts
    assert [(p.payer, p.amount_fen) for p in committed.payers] == [("张建国", 5_000), ("李秀英", 18_545)]
    assert audit(ctx).clean
    after_commit = snapshot(engine)
    settled_accounts = account_rows(engine)
    person_id = committed.person_id
    assert settled_accounts[f"PSN:{person_id}:deductible_paid:2026:14"][0] == 20_000
    assert settled_accounts[f"PSN:{person_id}:fund_paid:2026:14"][0] == 10_455
    assert settled_accounts[f"REL:{rel}:quota_used:2026"][0] == 18_545
    assert relation(ctx, rel).quota_used_fen == 18_545
    assert visit_view(ctx, mdtrt_id).status == "settled"

    replay = commit_settlement(ctx, Settle(mdtrt_id), key=key)
    assert replay == committed
    assert snapshot(engine) == after_commit, "a replay writes nothing"
    assert audit(ctx).clean

    refused(engine, ErrorCode.VISIT_NOT_OPEN, lambda: commit_settlement(ctx, Settle(mdtrt_id), key=_key()))
    refused(engine, ErrorCode.VISIT_NOT_OPEN, lambda: preview_settlement(ctx, Settle(mdtrt_id)))
    # (A later upload is another charge batch: tests/integration/test_charge_batches.py.)
    refused(engine, ErrorCode.VISIT_NOT_OPEN, lambda: cancel_fees(ctx, CancelFees(mdtrt_id), key=_key()))

    setl_id = str(committed.setl_id)
    reversed_view = reverse_settlement(ctx, ReverseSettlement(setl_id, "收费员操作失误"), key=_key())
    assert reversed_view.status == "reversed"
    assert reversed_view.reversed_at is not None
    assert audit(ctx).clean
    after_reverse = account_rows(engine)
    # Every account that existed before has its balance back, to the fen; those the settlement touched have moved
    # on in version. Every account the settlement opened (clearing, fund pool, accumulators, quota) is back at 0.
    assert {code: after_reverse[code][0] for code in before_accounts} == {
        code: balance for code, (balance, _) in before_accounts.items()
    }
    touched = [code for code in before_accounts if settled_accounts[code] != before_accounts[code]]
    assert touched
    assert all(after_reverse[code][1] > before_accounts[code][1] for code in touched)
    assert {code: balance for code, (balance, _) in after_reverse.items() if code not in before_accounts} == {
        code: 0 for code in after_reverse if code not in before_accounts
    }
    assert personal(ctx, JIANGUO) == (0, 5_000)
    assert personal(ctx, XIUYING) == (100_000, 0)
    assert relation(ctx, rel).quota_used_fen == 0
    assert visit_view(ctx, mdtrt_id).status == "open"
    assert show_settlement(ctx, setl_id).status == "reversed"

    refused(
        engine,
        ErrorCode.SETTLEMENT_ALREADY_REVERSED,
        lambda: reverse_settlement(ctx, ReverseSettlement(setl_id, "again"), key=_key()),
    )
    assert audit(ctx).clean

    # Settled again: the deductible and the quota are charged again, exactly as the first time.
    again = settle(ctx, mdtrt_id)
    expect(again, **hand)
    assert again.setl_id != committed.setl_id
    assert personal(ctx, JIANGUO) == (0, 0)
    assert personal(ctx, XIUYING) == (81_455, 0)
    assert relation(ctx, rel).quota_used_fen == 18_545
    assert audit(ctx).clean


def test_an_unknown_settlement_cannot_be_reversed(demo: Context, engine: Engine) -> None:
    refused(
        engine,
        ErrorCode.SETTLEMENT_NOT_FOUND,
        lambda: reverse_settlement(demo, ReverseSettlement("999999999999999999", "x"), key=_key()),
    )


# --- fees --------------------------------------------------------------------------------------------------------


@pytest.fixture
def patient(demo: Context) -> str:
    """张德福, a retired employee in Shijiazhuang with 1,000.00 of 历年 and 200.00 of 当年."""
    return employee(demo, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=100_000, current_fen=20_000)


def test_a_return_line_reduces_the_bill(demo: Context, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "3", 1_250))
    view = upload_fees(
        ctx, UploadFees(mdtrt_id, (fee("2", AMOXICILLIN, "-1", 1_250, returns_feedetl_sn="1"),)), key=_key()
    )
    assert [(line.feedetl_sn, line.quantity, line.total_fen, line.inscp_fen) for line in view.lines] == [
        ("1", "3", 3_750, 3_750),
        ("2", "-1", -1_250, -1_250),
    ]
    settled = settle(ctx, mdtrt_id)
    # 3 − 1 = 2 boxes of 12.50: 2500 of 甲类; 70 % for a retired employee: fund 1750; the person 750 from 当年.
    expect(
        settled,
        medfee_sumamt=2_500,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=2_500,
        act_pay_dedc=0,
        hifp_pay=1_750,
        pool_prop_selfpay=750,
        fund_pay_sumamt=1_750,
        psn_part_amt=750,
        acct_pay=750,
        acct_mulaid_pay=0,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=119_250,
    )


def test_a_return_larger_than_the_line_is_refused(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "3", 1_250))

    def returning(sn: str, quantity: str, **kw: Any) -> Callable[[], object]:
        line = fee(sn, kw.pop("code", AMOXICILLIN), quantity, kw.pop("price", 1_250), **kw)
        return lambda: upload_fees(ctx, UploadFees(mdtrt_id, (line,)), key=_key())

    refused(engine, ErrorCode.FEE_RETURN_INVALID, returning("2", "-4", returns_feedetl_sn="1"))
    refused(engine, ErrorCode.FEE_RETURN_INVALID, returning("2", "-1"))  # names no line
    refused(engine, ErrorCode.FEE_RETURN_INVALID, returning("2", "-1", returns_feedetl_sn="nope"))
    refused(engine, ErrorCode.FEE_RETURN_INVALID, returning("2", "-1", returns_feedetl_sn="1", price=1_300))
    refused(engine, ErrorCode.FEE_RETURN_INVALID, returning("2", "1", returns_feedetl_sn="1"))  # not negative
    # Two boxes returned, then two more: only one is left of the three.
    returning("2", "-2", returns_feedetl_sn="1")()
    refused(engine, ErrorCode.FEE_RETURN_INVALID, returning("3", "-2", returns_feedetl_sn="1"))


def test_a_duplicate_fee_line_is_refused(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "1", 1_250))
    refused(
        engine,
        ErrorCode.FEE_LINE_DUPLICATE,
        lambda: upload_fees(ctx, UploadFees(mdtrt_id, (fee("1", SALINE, "1", 450),)), key=_key()),
    )
    refused(
        engine,
        ErrorCode.FEE_LINE_DUPLICATE,
        lambda: upload_fees(
            ctx, UploadFees(mdtrt_id, (fee("2", SALINE, "1", 450), fee("2", SALINE, "2", 450))), key=_key()
        ),
    )


def test_cancelled_fees_leave_the_bill(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(
        ctx,
        patient,
        SJZ_LEVEL3,
        MedType.GENERAL_OUTPATIENT,
        fee("1", AMOXICILLIN, "2", 1_250),
        fee("2", SALINE, "10", 450),
    )
    view = cancel_fees(ctx, CancelFees(mdtrt_id, ("2",)), key=_key())
    assert [(line.feedetl_sn, line.cancelled) for line in view.lines] == [("1", False), ("2", True)]
    assert preview_settlement(ctx, Settle(mdtrt_id)).amounts["medfee_sumamt"] == 2_500  # 2 × 12.50 only
    refused(engine, ErrorCode.FEE_RETURN_INVALID, lambda: cancel_fees(ctx, CancelFees(mdtrt_id, ("2",)), key=_key()))
    cancel_fees(ctx, CancelFees(mdtrt_id), key=_key())
    refused(engine, ErrorCode.EMPTY_BILL, lambda: preview_settlement(ctx, Settle(mdtrt_id)))
    refused(engine, ErrorCode.EMPTY_BILL, lambda: commit_settlement(ctx, Settle(mdtrt_id), key=_key()))


def test_an_item_outside_the_catalogue_is_fully_self_paid(demo: Context, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(
        ctx,
        patient,
        SJZ_LEVEL3,
        MedType.GENERAL_OUTPATIENT,
        fee("1", "HOSP-PREP-0001", "1", 5_000, item_name="院内制剂（示例）"),
        fee("2", AMOXICILLIN, "1", 1_250),
    )
    line = visit_view(ctx, mdtrt_id).lines[0]
    assert (line.item_name, line.category, line.fulamt_ownpay_fen, line.inscp_fen) == (
        "院内制剂（示例）",
        None,
        5_000,
        0,
    )
    view = settle(ctx, mdtrt_id)
    # 50.00 outside the catalogue: 全自费. 12.50 of 甲类 at 70 %: fund 875, pool_prop_selfpay 375.
    # The person 6250 − 875 = 5375; 全自费 is account-payable under the national scope (and the item is not a
    # catalogue item marked otherwise): the account pays 375 + 5000 = 5375 from 当年 (20000 → 14625).
    expect(
        view,
        medfee_sumamt=6_250,
        fulamt_ownpay_amt=5_000,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=1_250,
        act_pay_dedc=0,
        hifp_pay=875,
        pool_prop_selfpay=375,
        fund_pay_sumamt=875,
        psn_part_amt=5_375,
        acct_pay=5_375,
        acct_mulaid_pay=0,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=114_625,
    )


def test_an_item_the_account_may_not_pay_is_paid_in_cash(demo: Context, patient: str) -> None:
    ctx = demo
    view = settle(ctx, visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", EJIAO, "2", 9_800)))
    # 阿胶 C, account_payable false: 2 × 98.00 = 19600 全自费, all of it in cash; the account is untouched.
    expect(
        view,
        medfee_sumamt=19_600,
        fulamt_ownpay_amt=19_600,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=0,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=0,
        fund_pay_sumamt=0,
        psn_part_amt=19_600,
        acct_pay=0,
        acct_mulaid_pay=0,
        psn_cash_pay=19_600,
        hosp_part_amt=0,
        balc=120_000,
    )
    assert personal(ctx, DEFU) == (100_000, 20_000)


def test_a_not_account_payable_item_in_the_policy_range_only_takes_its_own_share_to_cash(
    demo: Context, patient: str
) -> None:
    ctx = demo
    mdtrt_id = visit(
        ctx,
        patient,
        SJZ_LEVEL3,
        MedType.GENERAL_OUTPATIENT,
        # 阿莫西林 A: 8 × 12.50 = 10000 policy.
        fee("1", AMOXICILLIN, "8", 1_250),
        # 口罩 B 20 %, not account-payable: 10 × 1.00 = 1000; 先行自付 200, policy 800.
        fee("2", MASK, "10", 100),
    )
    view = settle(ctx, mdtrt_id)
    # Policy 10800 at 70 %: fund 7560; pool_prop_selfpay 3240; the person 11000 − 7560 = 3440.
    # The person's share of the mask: 先行自付 200 + 30 % of its 800 = 240 → 440, in cash.
    # The person's share of 阿莫西林: 30 % of 10000 = 3000, from the account. (440 + 3000 = 3440.)
    expect(
        view,
        medfee_sumamt=11_000,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=200,
        inscp_scp_amt=10_800,
        act_pay_dedc=0,
        hifp_pay=7_560,
        pool_prop_selfpay=3_240,
        fund_pay_sumamt=7_560,
        psn_part_amt=3_440,
        acct_pay=3_000,
        acct_mulaid_pay=0,
        psn_cash_pay=440,
        hosp_part_amt=0,
        balc=117_000,
    )


def test_a_pharmacy_purchase_bought_by_a_relative(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(
        ctx,
        patient,
        SJZ_PHARMACY,
        MedType.PHARMACY_PURCHASE,
        # 氯雷他定 B 10 %: 3 × 23.80 = 7140; 先行自付 714, policy 6426.
        fee("1", LORATADINE, "3", 2_380),
        buyer_name="李秀英",
        buyer_certno=XIUYING,
    )
    assert visit_view(ctx, mdtrt_id).buyer_name == "李秀英"
    with engine.connect() as conn:
        stored = conn.execute(
            select(tables.visits.c.buyer_name, tables.visits.c.buyer_certno).where(tables.visits.c.mdtrt_id == mdtrt_id)
        ).one()
    assert tuple(stored) == ("李秀英", XIUYING)
    view = settle(ctx, mdtrt_id)
    # 130100 has no pooling ratio for 41: the fund pays nothing; the person's 7140 all from 当年 (20000 → 12860).
    expect(
        view,
        medfee_sumamt=7_140,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=714,
        inscp_scp_amt=6_426,
        act_pay_dedc=0,
        hifp_pay=0,
        pool_prop_selfpay=6_426,
        fund_pay_sumamt=0,
        psn_part_amt=7_140,
        acct_pay=7_140,
        acct_mulaid_pay=0,
        psn_cash_pay=0,
        hosp_part_amt=0,
        balc=112_860,
    )
    assert view.buyer_name == "李秀英"
    assert (view.institution, view.med_type) == (SJZ_PHARMACY, "41")


# --- refusals ----------------------------------------------------------------------------------------------------


def test_a_pharmacy_purchase_at_a_hospital_and_a_visit_at_a_pharmacy(
    demo: Context, engine: Engine, patient: str
) -> None:
    ctx = demo
    refused(
        engine,
        ErrorCode.INSTITUTION_KIND_MISMATCH,
        lambda: open_visit(ctx, OpenVisit(patient, SJZ_LEVEL3, MedType.PHARMACY_PURCHASE), key=_key()),
    )
    refused(
        engine,
        ErrorCode.INSTITUTION_KIND_MISMATCH,
        lambda: open_visit(ctx, OpenVisit(patient, SJZ_PHARMACY, MedType.GENERAL_OUTPATIENT), key=_key()),
    )


def test_an_uninsured_patient(demo: Context, engine: Engine) -> None:
    ctx = demo
    register_person(ctx, RegisterPerson(ZHANGLI, "张丽"), key=_key())
    error = refused(
        engine,
        ErrorCode.PATIENT_NOT_INSURED,
        lambda: open_visit(ctx, OpenVisit(ZHANGLI, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT), key=_key()),
    )
    assert error.params["name"] == "张丽"


def test_an_empty_bill(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    empty = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT)
    refused(engine, ErrorCode.EMPTY_BILL, lambda: preview_settlement(ctx, Settle(empty)))
    refused(engine, ErrorCode.EMPTY_BILL, lambda: commit_settlement(ctx, Settle(empty), key=_key()))
    # Everything bought was returned: nothing left to settle either.
    returned = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "2", 1_250))
    upload_fees(ctx, UploadFees(returned, (fee("2", AMOXICILLIN, "-2", 1_250, returns_feedetl_sn="1"),)), key=_key())
    refused(engine, ErrorCode.EMPTY_BILL, lambda: commit_settlement(ctx, Settle(returned), key=_key()))


def test_an_unknown_visit(demo: Context, engine: Engine) -> None:
    ctx = demo
    unknown = "000000000000000000"
    refused(engine, ErrorCode.VISIT_NOT_FOUND, lambda: preview_settlement(ctx, Settle(unknown)))
    refused(engine, ErrorCode.VISIT_NOT_FOUND, lambda: commit_settlement(ctx, Settle(unknown), key=_key()))
    refused(
        engine,
        ErrorCode.VISIT_NOT_FOUND,
        lambda: upload_fees(ctx, UploadFees(unknown, (fee("1", AMOXICILLIN, "1", 1_250),)), key=_key()),
    )
    refused(engine, ErrorCode.VISIT_NOT_FOUND, lambda: cancel_fees(ctx, CancelFees(unknown), key=_key()))
    refused(engine, ErrorCode.VISIT_NOT_FOUND, lambda: visit_view(ctx, unknown))


# --- acting institutions, cancelled visits, the hospital's total ------------------------------------------------


def test_an_institution_acts_only_on_its_own_visits(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "2", 1_250))
    other = SJZ_LEVEL1
    refused(
        engine,
        ErrorCode.VISIT_OF_OTHER_INSTITUTION,
        lambda: preview_settlement(ctx, Settle(mdtrt_id, institution=other)),
    )
    refused(
        engine,
        ErrorCode.VISIT_OF_OTHER_INSTITUTION,
        lambda: commit_settlement(ctx, Settle(mdtrt_id, institution=other), key=_key()),
    )
    refused(
        engine,
        ErrorCode.VISIT_OF_OTHER_INSTITUTION,
        lambda: upload_fees(ctx, UploadFees(mdtrt_id, (fee("2", SALINE, "1", 450),), other), key=_key()),
    )
    refused(
        engine,
        ErrorCode.VISIT_OF_OTHER_INSTITUTION,
        lambda: cancel_fees(ctx, CancelFees(mdtrt_id, None, other), key=_key()),
    )
    refused(
        engine,
        ErrorCode.VISIT_OF_OTHER_INSTITUTION,
        lambda: cancel_visit(ctx, CancelVisit(mdtrt_id, other), key=_key()),
    )
    settled = commit_settlement(ctx, Settle(mdtrt_id, institution=SJZ_LEVEL3), key=_key())
    assert settled.setl_id is not None
    refused(
        engine,
        ErrorCode.VISIT_OF_OTHER_INSTITUTION,
        lambda: reverse_settlement(ctx, ReverseSettlement(settled.setl_id or "", "test", other), key=_key()),
    )
    assert (
        reverse_settlement(ctx, ReverseSettlement(settled.setl_id, "test", SJZ_LEVEL3), key=_key()).status == "reversed"
    )


def test_a_cancelled_visit_takes_its_fees_with_it_and_cannot_be_settled(
    demo: Context, engine: Engine, patient: str
) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "2", 1_250))
    view = cancel_visit(ctx, CancelVisit(mdtrt_id), key=_key())
    assert view.status == "cancelled"
    assert all(line.cancelled for line in view.lines)
    refused(engine, ErrorCode.VISIT_NOT_OPEN, lambda: commit_settlement(ctx, Settle(mdtrt_id), key=_key()))
    refused(engine, ErrorCode.VISIT_NOT_OPEN, lambda: cancel_visit(ctx, CancelVisit(mdtrt_id), key=_key()))


def test_a_settled_visit_is_reversed_before_it_can_be_cancelled(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "2", 1_250))
    settled = settle(ctx, mdtrt_id)
    refused(engine, ErrorCode.VISIT_NOT_OPEN, lambda: cancel_visit(ctx, CancelVisit(mdtrt_id), key=_key()))
    reverse_settlement(ctx, ReverseSettlement(settled.setl_id or "", "test"), key=_key())
    assert cancel_visit(ctx, CancelVisit(mdtrt_id), key=_key()).status == "cancelled"


def test_a_settlement_of_another_total_than_the_hospitals_is_refused(
    demo: Context, engine: Engine, patient: str
) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "2", 1_250))
    wrong = Settle(mdtrt_id, medfee_sumamt_fen=2_499)
    refused(engine, ErrorCode.BILL_TOTAL_MISMATCH, lambda: preview_settlement(ctx, wrong))
    refused(engine, ErrorCode.BILL_TOTAL_MISMATCH, lambda: commit_settlement(ctx, wrong, key=_key()))
    assert commit_settlement(ctx, Settle(mdtrt_id, medfee_sumamt_fen=2_500), key=_key()).status == "settled"


# --- stays: admission diagnoses, discharge, settlement after it -------------------------------------------------


def test_a_stay_is_settled_after_its_discharge(
    demo: Context, engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = with_changchun_ratio(demo, tmp_path)
    employee(ctx, GUILAN, "赵桂兰", region="220100", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=200_000)
    admitted = clock.now()
    heart = Diagnosis(1, "1", "I21.9", "急性心肌梗死", main=True)
    mdtrt_id = visit(
        ctx, GUILAN, CHANGCHUN_PROVINCIAL, MedType.GENERAL_INPATIENT, fee("1", NURSING, "3", 2_500), diagnoses=(heart,)
    )
    refused(engine, ErrorCode.STAY_NOT_DISCHARGED, lambda: preview_settlement(ctx, Settle(mdtrt_id)))
    refused(engine, ErrorCode.STAY_NOT_DISCHARGED, lambda: commit_settlement(ctx, Settle(mdtrt_id), key=_key()))
    refused(
        engine,
        ErrorCode.DISCHARGE_BEFORE_ADMISSION,
        lambda: discharge(ctx, Discharge(mdtrt_id, admitted - timedelta(hours=1)), key=_key()),
    )
    refused(engine, ErrorCode.STAY_NOT_DISCHARGED, lambda: cancel_discharge(ctx, CancelDischarge(mdtrt_id), key=_key()))
    clock.advance(timedelta(days=3))
    left = discharge(
        ctx,
        Discharge(mdtrt_id, None, "1", (Diagnosis(1, "1", "I21.9", "急性心肌梗死", main=True),)),
        key=_key(),
    )
    assert left.discharged_at == clock.now()
    assert left.discharge_way == "1"
    assert [(d.stage, d.diag_code, d.main) for d in left.diagnoses or []] == [
        ("admission", "I21.9", True),
        ("discharge", "I21.9", True),
    ]
    refused(engine, ErrorCode.STAY_ALREADY_DISCHARGED, lambda: discharge(ctx, Discharge(mdtrt_id), key=_key()))
    # Cancelled, the stay is open again and cannot be settled until discharged once more.
    reopened = cancel_discharge(ctx, CancelDischarge(mdtrt_id), key=_key())
    assert reopened.discharged_at is None
    assert [d.stage for d in reopened.diagnoses or []] == ["admission"]
    refused(engine, ErrorCode.STAY_NOT_DISCHARGED, lambda: commit_settlement(ctx, Settle(mdtrt_id), key=_key()))
    discharge(ctx, Discharge(mdtrt_id), key=_key())
    assert settle(ctx, mdtrt_id).amounts["medfee_sumamt"] == 7_500
    refused(engine, ErrorCode.VISIT_NOT_OPEN, lambda: cancel_discharge(ctx, CancelDischarge(mdtrt_id), key=_key()))


def test_only_a_stay_is_discharged(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "2", 1_250))
    refused(engine, ErrorCode.NOT_A_STAY, lambda: discharge(ctx, Discharge(mdtrt_id), key=_key()))
    refused(
        engine,
        ErrorCode.NOT_A_STAY,
        lambda: open_visit(
            ctx,
            OpenVisit(patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, diagnoses=(Diagnosis(1, "1", "J06.9", "感冒"),)),
            key=_key(),
        ),
    )


def test_a_bill_over_a_hundred_million_yuan_is_refused_at_upload(demo: Context, engine: Engine, patient: str) -> None:
    ctx = demo
    huge = 9_000_000_000  # 90 million yuan a unit
    mdtrt_id = visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "1", huge))
    # A second line that would take the visit past 100 million yuan, and a single line past it, are refused.
    refused(
        engine,
        ErrorCode.AMOUNT_INVALID,
        lambda: upload_fees(ctx, UploadFees(mdtrt_id, (fee("2", AMOXICILLIN, "1", huge),)), key=_key()),
    )
    refused(
        engine,
        ErrorCode.AMOUNT_INVALID,
        lambda: upload_fees(ctx, UploadFees(mdtrt_id, (fee("3", SALINE, "12", huge),)), key=_key()),
    )
    assert commit_settlement(ctx, Settle(mdtrt_id), key=_key()).amounts["medfee_sumamt"] == huge


def test_visits_open_whatever_the_size_of_the_ids(demo: Context, engine: Engine, backend: str) -> None:
    """The placeholder a visit row holds until its 就诊ID is known fits the column whatever the ids (PostgreSQL checks
    lengths; a placeholder built from the person's id overflowed once people numbered in the hundreds)."""
    if backend == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ALTER SEQUENCE people_id_seq RESTART WITH 123456789012"))
            conn.execute(text("ALTER SEQUENCE visits_id_seq RESTART WITH 987654321098"))
    certno = employee(demo, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=10_000)
    mdtrt_id = visit(demo, certno, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "1", 1_250))
    assert len(mdtrt_id) <= 30
    assert settle(demo, mdtrt_id).amounts["medfee_sumamt"] == 1_250


def test_a_reversal_answers_the_balances_as_it_left_them(demo: Context, patient: str) -> None:
    """Settle A, settle B, reverse A: the reversal's answer gives the account as it now stands (B still paid), not
    the balance recorded after A."""
    ctx = demo
    first = settle(ctx, visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "2", 1_250)))
    settle(ctx, visit(ctx, patient, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", SALINE, "3", 450)))
    reversed_ = reverse_settlement(ctx, ReverseSettlement(first.setl_id or "", "test"), key=_key())
    prior, current = personal(ctx, patient)
    assert [(b.psn_no, b.region, b.balance_fen) for b in reversed_.balances_after_reversal or []] == [
        (reversed_.psn_no, "130100", prior + current)
    ]
    assert prior + current != reversed_.amounts["balc"] + reversed_.amounts["acct_pay"]
    # Shown later, the settlement is the record: no balances of a reversal's moment.
    assert show_settlement(ctx, first.setl_id or "").balances_after_reversal is None


# --- a yearly share of the balance: the authoriser's, for all his relatives ---------------------------------------


def test_a_yearly_share_is_of_the_balance_the_account_began_with_and_shared_by_all_relatives(
    demo: Context, tmp_path: Path
) -> None:
    overlay = tmp_path / "share"
    overlay.mkdir()
    reference = {"title": "test overlay: a yearly share of 60 %", "address": "tests/integration/test_settlement.py"}
    document = {
        "region": "130100",
        "name": "石家庄市",
        "parameters": {
            "quota_model": [
                {"since": date(2021, 1, 1), "value": "annual_share", "reference": reference, "confidence": "unverified"}
            ],
            "quota_annual_share_bp": [
                {"since": date(2021, 1, 1), "value": 6000, "reference": reference, "confidence": "unverified"}
            ],
        },
    }
    (overlay / "130100.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    ctx = dataclasses.replace(demo, rules=RuleBook.load([WORKED_RULES, overlay]))
    # 张建国's account is opened in November with 1,000.00 (nothing on 1 January): the share is 60 % of what his
    # account began with, 600.00 a year, for his wife and his son together.
    employee(ctx, JIANGUO, "张建国", prior_fen=100_000)
    resident(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明", psn_type=PsnType.PUPIL)
    bind(ctx, JIANGUO, XIAOMING, RelationType.CHILD, confirmer=JIANGUO)
    bind(ctx, JIANGUO, XIUYING, RelationType.SPOUSE)
    # Residents' outpatient bills, 32 × 12.50 = 400.00 each, all policy range; the worked rules have the fund pay
    # nothing for residents' 11, so the whole 400.00 is the person's and account-payable.
    son = settle(ctx, visit(ctx, XIAOMING, SJZ_LEVEL1, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "32", 1_250)))
    assert son.amounts["acct_mulaid_pay"] == 40_000  # 400.00 of the 600.00
    wife = settle(ctx, visit(ctx, XIUYING, SJZ_LEVEL1, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "32", 1_250)))
    assert wife.amounts["acct_mulaid_pay"] == 20_000  # what is left of the 600.00, not another 600.00
    assert wife.amounts["psn_cash_pay"] == 20_000
    [step] = wife.explanation.purses
    assert step.limited_by == "quota"
    again = settle(ctx, visit(ctx, XIUYING, SJZ_LEVEL1, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "8", 1_250)))
    assert again.amounts["acct_mulaid_pay"] == 0
    [skipped] = again.explanation.purses
    assert skipped.skipped_code == "ANNUAL_SHARE_EXHAUSTED"
    text = render(skipped.reason.code, skipped.reason.params, "zh")
    # The region set it, of the balance his account began with: 60 % of 1,000.00 = 600.00, all used.
    assert "统筹区 130100 规定" in text
    assert "1,000.00" in text
    assert "600.00" in text
    assert personal(ctx, JIANGUO) == (40_000, 0)
