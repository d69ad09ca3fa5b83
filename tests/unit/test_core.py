"""The settlement core (:func:`gongji.service.settlement.core.compute_plan`) on families in memory: the production
path of preview, commit and claims, with no database. Amounts are fen; each comment works the figures by hand.

Rules: the test region pays 50 % of the policy range for outpatient bills (11) with no deductible, and 80 % of a
stay (21) above a 500.00 deductible charged per admission; med types 14 and 41 have no fund rule.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from gongji.domain.codes import Insutype, PsnType, RelationType
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.explanation import render
from gongji.domain.ledger import AccountKind
from gongji.rules.book import RuleBook
from gongji.rules.schema import InsuredCategory
from gongji.service.checks import Finding, RuleReader
from gongji.service.clock import SHANGHAI
from gongji.service.settlement.core import Plan, SettlementInputs, compute_plan
from tests.unit.families import DAY, FamilyBuilder, accumulator, bill, inputs, write_rules

RESIDENT = {"insutype": Insutype.RESIDENT_BASIC, "psn_type": PsnType.ADULT_RESIDENT}


def plan(book: RuleBook, settlement: SettlementInputs) -> Plan:
    return compute_plan(RuleReader(book, settlement.bill.begin_at.date()), settlement)


def taken(result: Plan) -> dict[int, int]:
    """What each account paid, by payer."""
    return {p.purse.payer_id: p.amount_fen for p in result.payments}


def family_of_two_children(
    quota_a: int | None = None, quota_b: int | None = None
) -> tuple[FamilyBuilder, int, int, int]:
    """A father (历年 1,500.00) paying for two resident children."""
    b = FamilyBuilder()
    father = b.person(0, prior_fen=150_000)
    a, c = b.person(2, **RESIDENT), b.person(5, **RESIDENT)
    b.relate(father, a, quota_fen=quota_a)
    b.relate(father, c, quota_fen=quota_b)
    return b, father, a, c


def test_own_account_first_then_relatives_in_order_then_cash(tmp_path: Path) -> None:
    book = write_rules(tmp_path)
    b = FamilyBuilder()
    patient = b.person(1, current_fen=1_000)
    first = b.person(0, prior_fen=2_000)
    second = b.person(3, prior_fen=50_000, current_fen=10_000)
    b.relate(first, patient, RelationType.SPOUSE, order=1)
    b.relate(second, patient, RelationType.PARENT, order=2)
    # Policy range 200.00 at 50 %: the fund pays 100.00, the person 100.00. Own 当年 10.00; the first relative all
    # of his 20.00; the second the remaining 70.00 (from 历年). Nothing in cash.
    result = plan(book, inputs(b.family(patient), bill(20_000)))
    assert result.amounts.hifp_pay_fen == 10_000
    assert [p.purse.payer_id for p in result.payments] == [patient, first, second]
    assert taken(result) == {patient: 1_000, first: 2_000, second: 7_000}
    assert result.amounts.acct_mulaid_pay_fen == 9_000
    assert result.amounts.psn_cash_pay_fen == 0


def test_a_shared_quota_limits_the_authoriser_across_all_his_relatives(tmp_path: Path) -> None:
    # Tai'an: one quota of 100.00 for all relatives. Child A's relation has used 80.00 this year; child B's bill of
    # 160.00 policy range: the fund 80.00, the person 80.00, of which the father may pay only 100 − 80 = 20.00.
    book = write_rules(tmp_path, quota_model="shared")
    b, father, _a, c = family_of_two_children()
    b.shared_quotas[father] = (True, 10_000)
    b.account(father, AccountKind.QUOTA_USED, 8_000, code="REL:100:quota_used:2026")
    result = plan(book, inputs(b.family(c), bill(16_000, category=InsuredCategory.RESIDENT)))
    assert taken(result) == {father: 2_000}
    assert result.amounts.psn_cash_pay_fen == 6_000
    assert result.steps[0].limited_by == "quota"


def test_a_shared_quota_used_up_by_one_relative_refuses_the_other(tmp_path: Path) -> None:
    book = write_rules(tmp_path, quota_model="shared")
    b, father, _a, c = family_of_two_children()
    b.shared_quotas[father] = (True, 10_000)
    b.account(father, AccountKind.QUOTA_USED, 10_000, code="REL:100:quota_used:2026")
    result = plan(book, inputs(b.family(c), bill(16_000, category=InsuredCategory.RESIDENT)))
    assert taken(result) == {}
    assert result.steps[0].skipped_code == ErrorCode.SHARED_QUOTA_EXHAUSTED.name
    assert "100.00" in render(result.steps[0].reason.code, result.steps[0].reason.params, "zh")


def test_a_yearly_share_of_the_balance_is_the_authorisers_for_all_relatives(tmp_path: Path) -> None:
    # Beijing-like: 60 % of the balance as the year began (1,500.00) = 900.00 a year for all relatives together.
    # Child A has used 700.00; child B's bill leaves 200.00 of the share.
    book = write_rules(tmp_path, quota_model="annual_share")
    b, father, _a, c = family_of_two_children()
    b.account(father, AccountKind.QUOTA_USED, 70_000, code="REL:100:quota_used:2026")
    settlement = inputs(
        b.family(c), bill(200_000, category=InsuredCategory.RESIDENT), year_start={father: (150_000, 0)}
    )
    result = plan(book, settlement)
    assert taken(result) == {father: 20_000}


def test_a_yearly_share_used_up_names_the_region_and_the_base(tmp_path: Path) -> None:
    book = write_rules(tmp_path, quota_model="annual_share")
    b, father, _a, c = family_of_two_children()
    b.account(father, AccountKind.QUOTA_USED, 90_000, code="REL:100:quota_used:2026")
    settlement = inputs(
        b.family(c), bill(200_000, category=InsuredCategory.RESIDENT), year_start={father: (150_000, 0)}
    )
    step = plan(book, settlement).steps[0]
    assert step.skipped_code == ErrorCode.ANNUAL_SHARE_EXHAUSTED.name
    text = render(step.reason.code, step.reason.params, "zh")
    assert "统筹区 130200 规定" in text
    assert "60%" in text
    assert "900.00" in text


def test_a_quota_the_authoriser_set_still_limits_that_relative_under_a_yearly_share(tmp_path: Path) -> None:
    # Share 900.00 untouched, but the father set 50.00 for child B himself: 50.00 it is.
    book = write_rules(tmp_path, quota_model="annual_share")
    b, father, _a, c = family_of_two_children(quota_b=5_000)
    settlement = inputs(
        b.family(c), bill(200_000, category=InsuredCategory.RESIDENT), year_start={father: (150_000, 0)}
    )
    assert taken(plan(book, settlement)) == {father: 5_000}


def test_a_bill_the_regions_fund_rules_do_not_cover_is_refused_with_what_is_missing(tmp_path: Path) -> None:
    book = write_rules(tmp_path)
    b = FamilyBuilder()
    patient = b.person(0, current_fen=50_000)
    with pytest.raises(Refused) as refused:
        plan(book, inputs(b.family(patient), bill(10_000, med_type="14")))
    assert refused.value.code is ErrorCode.FUND_RULES_MISSING
    assert refused.value.params["region"] == "130200"
    assert refused.value.params["med_type"] == "14"
    assert refused.value.params["category"] == "in_service"
    assert "在职职工" in refused.value.message_zh


def test_a_researched_zero_ratio_pays_nothing_from_the_fund_without_refusing(tmp_path: Path) -> None:
    # A row stating that the fund pays nothing at pharmacies is a rule, with its reference, not a missing one.
    book = write_rules(tmp_path, extra_ratio='- {med_types: ["41"], ratio_bp: 0}')
    b = FamilyBuilder()
    patient = b.person(0, current_fen=50_000)
    result = plan(book, inputs(b.family(patient), bill(3_000, med_type="41", level=None)))
    assert result.amounts.hifp_pay_fen == 0
    assert taken(result) == {patient: 3_000}


def test_a_stays_deductible_is_charged_at_every_admission(tmp_path: Path) -> None:
    # 500.00 per admission, even though 500.00 was paid at an earlier stay this year: (2,000.00 − 500.00) × 80 %
    # = 1,200.00 from the fund.
    book = write_rules(tmp_path)
    b = FamilyBuilder()
    patient = b.person(0)
    accumulator(b, patient, AccountKind.DEDUCTIBLE_PAID, "21", 50_000)
    result = plan(book, inputs(b.family(patient), bill(200_000, med_type="21")))
    assert result.amounts.act_pay_dedc_fen == 50_000
    assert result.amounts.hifp_pay_fen == 120_000
    assert result.fund.deductible_group is None
    assert result.fund_steps[0].params["per"] == "visit"


ADMITTED = datetime(2026, 11, 10, 9, tzinfo=SHANGHAI)
BOUND = datetime(2026, 11, 15, 9, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("pays_stay", "expected"), [(False, {}), (True, {1: 50_000})])
def test_a_binding_made_during_a_stay_pays_it_exactly_where_the_region_says(
    tmp_path: Path, pays_stay: bool, expected: dict[int, int]
) -> None:
    # Admitted 10 November, the father's binding confirmed 15 November, the stay settled 20 November.
    # 1,500.00 policy range: (1,500 − 500) × 80 % = 800.00 from the fund; the person 700.00.
    book = write_rules(tmp_path, after_admission=pays_stay)
    b = FamilyBuilder()
    father = b.person(0, prior_fen=50_000)
    son = b.person(2, **RESIDENT)
    b.relate(father, son, confirmed_at=BOUND)
    settlement = inputs(
        b.family(son, DAY),
        bill(150_000, med_type="21", category=InsuredCategory.RESIDENT, begin_at=ADMITTED),
        moment=DAY,
    )
    result = plan(book, settlement)
    assert taken(result) == expected
    if not pays_stay:
        assert result.steps[0].skipped_code == ErrorCode.BINDING_AFTER_ADMISSION.name


def test_the_per_visit_cap_limits_each_relative_and_the_explanation_names_it(tmp_path: Path) -> None:
    # A cap of 20.00 per visit on each relative's mutual aid: 100.00 owed by the person; two relatives 20.00 each,
    # 60.00 in cash; each step says the per-visit cap stopped it.
    book = write_rules(tmp_path, per_visit='{"11": 2000}')
    b = FamilyBuilder()
    patient = b.person(2, **RESIDENT)
    mother, father = b.person(1, prior_fen=50_000), b.person(0, prior_fen=50_000)
    b.relate(mother, patient, order=1)
    b.relate(father, patient, order=2)
    result = plan(book, inputs(b.family(patient), bill(20_000, category=InsuredCategory.RESIDENT)))
    assert taken(result) == {mother: 2_000, father: 2_000}
    assert result.amounts.psn_cash_pay_fen == 6_000
    assert [s.limited_by for s in result.steps] == ["visit_cap", "visit_cap"]
    assert "每次就诊共济支付上限" in render(result.steps[0].reason.code, result.steps[0].reason.params, "zh")
    assert "per-visit cap" in render(result.steps[0].reason.code, result.steps[0].reason.params, "en")


def test_a_suspended_patient_is_refused_before_any_account_is_tried(tmp_path: Path) -> None:
    book = write_rules(tmp_path)
    b = FamilyBuilder()
    patient = b.person(0, current_fen=50_000)
    suspension = Finding(ErrorCode.SETTLEMENT_SUSPENDED, {"name": "人1", "since": "2026-11-01", "reason": "出借医保卡"})
    settlement = SettlementInputs(bill(10_000), b.family(patient), DAY, 2026, {}, suspension)
    with pytest.raises(Refused) as refused:
        plan(book, settlement)
    assert refused.value.code is ErrorCode.SETTLEMENT_SUSPENDED


def test_the_explanation_is_codes_and_parameters_rendered_in_either_language(tmp_path: Path) -> None:
    book = write_rules(tmp_path)
    b = FamilyBuilder()
    patient = b.person(0, current_fen=1_000)
    result = plan(book, inputs(b.family(patient), bill(10_000)))
    codes = [step.code for step in result.fund_steps]
    assert codes == ["NO_DEDUCTIBLE", "RATIO", "NO_CAP", "ACCOUNT_SCOPE"]
    ratio = result.fund_steps[1]
    assert ratio.params == {
        "inscp_fen": 10_000,
        "applied_fen": 0,
        "above_fen": 10_000,
        "ratio_bp": 5000,
        "before_cap_fen": 5_000,
    }
    assert render(ratio.code, ratio.params, "zh") == "政策范围内 100.00 − 起付 0.00 = 100.00，按 50% 支付 50.00"
    assert render(ratio.code, ratio.params, "en") == "Policy range 100.00 − deductible 0.00 = 100.00, at 50%: 50.00"
