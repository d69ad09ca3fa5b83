"""Manual reimbursement, contributions paid from a relative's account, and suspension of networked settlement."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode, Refused
from gongji.rules.schema import Contribution
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.claims import Receipt, SubmitClaim, show_claim, submit_claim
from gongji.service.context import Context
from gongji.service.contributions import PayContribution, pay_contribution
from gongji.service.demo import load_demo
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    reverse_settlement,
    upload_fees,
)
from gongji.service.suspension import LiftSuspension, SuspendPerson, lift_suspension, suspend_person
from gongji.service.wallet import CloseWallet, close_wallet
from tests.helpers import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, snapshot

AMLODIPINE = "XC08CAA001A001010100003"  # 苯磺酸氨氯地平片, category A, in the sample catalogue


@pytest.fixture
def family(ctx: Context) -> Context:
    load_demo(ctx)
    return ctx


def _receipt(number: str, quantity: str = "2") -> Receipt:
    return Receipt("H13010200001", number, (FeeInput("1", AMLODIPINE, quantity, 2_150),))


def test_a_claim_is_settled_by_the_usual_split_and_paid_out(family: Context) -> None:
    before = balances(family, DEFU).personal_account_fen
    claim = submit_claim(
        family,
        SubmitClaim(
            DEFU, "H13010200001", MedType.GENERAL_OUTPATIENT, date(2026, 11, 1), (_receipt("PJ1"),), "窗口01", "断网"
        ),
        key="c1",
    )
    amounts = claim.settlement.amounts
    # 2 × 21.50 = 43.00, category A: all policy range. Retired, 11 in Shijiazhuang: a deductible of 100.00 a year,
    # none paid yet, takes all 43.00, so the fund pays nothing; his own account pays the 43.00, which is paid back to
    # him (he paid the hospital in cash).
    assert (amounts["medfee_sumamt"], amounts["act_pay_dedc"], amounts["hifp_pay"], amounts["acct_pay"]) == (
        4_300,
        4_300,
        0,
        4_300,
    )
    assert claim.payout_fen == 4_300
    assert claim.receipts == [("H13010200001", "PJ1", 4_300)]
    assert balances(family, DEFU).personal_account_fen == before - 4_300
    assert show_claim(family, claim.mdtrt_id).claim_id == claim.claim_id
    assert audit(family).clean


def test_a_receipt_pays_out_once(family: Context, engine: Engine) -> None:
    submit_claim(
        family,
        SubmitClaim(
            DEFU, "H13010200001", MedType.GENERAL_OUTPATIENT, date(2026, 11, 1), (_receipt("PJ1"),), "窗口01", "断网"
        ),
        key="c1",
    )
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        submit_claim(
            family,
            SubmitClaim(
                DEFU,
                "H13010200001",
                MedType.GENERAL_OUTPATIENT,
                date(2026, 11, 2),
                (_receipt("PJ1", "1"),),
                "窗口02",
                "再报",
            ),
            key="c2",
        )
    assert refused.value.code is ErrorCode.CLAIM_RECEIPT_USED
    assert snapshot(engine) == before


def test_a_relatives_resident_contribution_is_paid_in_full_and_reversible(family: Context) -> None:
    before = balances(family, JIANGUO).personal_account_fen
    paid = pay_contribution(
        family, PayContribution(JIANGUO, XIUYING, Contribution.RESIDENT_BASIC, 40_000, 2027, "JF-2027"), key="p1"
    )
    assert (paid.amounts["acct_pay"], paid.amounts["acct_mulaid_pay"]) == (40_000, 40_000)
    assert [(p.payer, p.amount_fen) for p in paid.payers] == [("张建国", 40_000)]
    assert balances(family, JIANGUO).personal_account_fen == before - 40_000
    assert paid.setl_id is not None
    reverse_settlement(family, ReverseSettlement(paid.setl_id, "退费"), key="r1")
    assert balances(family, JIANGUO).personal_account_fen == before
    assert audit(family).clean


def test_contribution_refusals_change_nothing(family: Context, engine: Engine) -> None:
    before = snapshot(engine)
    cases = [
        # 张建国's 50.00 quota for his son was used up by the demo's pharmacy purchase.
        (PayContribution(JIANGUO, XIAOMING, Contribution.RESIDENT_BASIC, 40_000, 2027, "x"), ErrorCode.QUOTA_EXHAUSTED),
        # Nobody in the demo holds long-term care insurance (410).
        (
            PayContribution(JIANGUO, XIUYING, Contribution.LONG_TERM_CARE, 100, 2027, "x"),
            ErrorCode.CONTRIBUTION_BENEFICIARY_NOT_ENROLLED,
        ),
        # A proxy link shares no money.
        (
            PayContribution(JIANGUO, GUILAN, Contribution.RESIDENT_BASIC, 100, 2027, "x"),
            ErrorCode.PROXY_LINK_IS_NOT_MUTUAL_AID,
        ),
        # More than 张德福 has.
        (
            PayContribution(DEFU, XIAOMING, Contribution.RESIDENT_BASIC, 600_000, 2027, "x"),
            ErrorCode.CONTRIBUTION_NOT_COVERED,
        ),
    ]
    for n, (command, code) in enumerate(cases):
        with pytest.raises(Refused) as refused:
            pay_contribution(family, command, key=f"k{n}")
        assert refused.value.code is code
    assert snapshot(engine) == before


def test_a_suspended_person_cannot_settle_until_it_is_lifted(family: Context, engine: Engine) -> None:
    visit = open_visit(family, OpenVisit(XIAOMING, "P13010200001", MedType.PHARMACY_PURCHASE), key="v1")
    upload_fees(family, UploadFees(visit.mdtrt_id, (FeeInput("1", AMLODIPINE, "1", 2_150),)), key="f1")
    suspend_person(family, SuspendPerson(XIAOMING, "出借医保卡", "窗口01"), key="s1")
    before = snapshot(engine)
    with pytest.raises(Refused) as settle_refused:
        commit_settlement(family, Settle(visit.mdtrt_id), key="st1")
    assert settle_refused.value.code is ErrorCode.SETTLEMENT_SUSPENDED
    with pytest.raises(Refused) as open_refused:
        open_visit(family, OpenVisit(XIAOMING, "P13010200001", MedType.PHARMACY_PURCHASE), key="v2")
    assert open_refused.value.code is ErrorCode.SETTLEMENT_SUSPENDED
    with pytest.raises(Refused) as twice:
        suspend_person(family, SuspendPerson(XIAOMING, "again", "窗口01"), key="s2")
    assert twice.value.code is ErrorCode.ALREADY_SUSPENDED
    assert snapshot(engine) == before
    lift_suspension(family, LiftSuspension(XIAOMING, "窗口01"), key="l1")
    assert commit_settlement(family, Settle(visit.mdtrt_id), key="st2").status == "settled"


def test_a_claim_for_a_resident_without_an_account_pays_back_the_funds_part(family: Context) -> None:
    # The reproduction of issue 13 (it crashed with "journal of 0 transfers"): 赵桂兰, a resident with no account of
    # her own and only a proxy link (no money) from her son, claims 1 × 15.50 of amoxicillin (category A: all policy
    # range) at the municipal level-3 hospital. Shijiazhuang's residents' outpatient pooling: no deductible, 50 % at
    # levels 2 and 3: the fund pays 7.75, which is paid back to her. The rest comes from her wallet (医保钱包: the
    # demo's 500.00 from her daughter 张丽 in Beijing), paid back to her too: 15.50 in all.
    receipt = Receipt("H13010200001", "FP9", (FeeInput("1", "XJ01CAA040A001010100001", "1", 1_550),))
    command = SubmitClaim(
        GUILAN, "H13010200001", MedType.GENERAL_OUTPATIENT, date(2026, 11, 30), (receipt,), "窗口01", "系统故障"
    )
    claim = submit_claim(family, command, key="c-guilan")
    amounts = claim.settlement.amounts
    assert (amounts["hifp_pay"], amounts["acct_pay"], amounts["psn_cash_pay"]) == (775, 775, 0)
    assert [(p.payer, p.relation) for p in claim.settlement.payers] == [("张丽", "wallet")]
    assert claim.payout_fen == 1_550
    assert audit(family).clean


def test_a_claim_with_nothing_reimbursable_is_refused_and_changes_nothing(family: Context, engine: Engine) -> None:
    # An item outside the catalogue is fully self-paid: the fund pays nothing, and 赵桂兰 has no account and no
    # relative who pays for her — once she has closed the demo's wallet (its balance goes back to 张丽) — so nothing
    # would be paid back. A clear refusal, the receipt stays unused.
    close_wallet(family, CloseWallet(GUILAN), key="close-guilan")
    receipt = Receipt("H13010200001", "FP10", (FeeInput("1", "NOT-IN-CATALOGUE", "1", 1_550),))
    command = SubmitClaim(
        GUILAN, "H13010200001", MedType.GENERAL_OUTPATIENT, date(2026, 11, 30), (receipt,), "窗口01", "系统故障"
    )
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        submit_claim(family, command, key="c-nothing")
    assert refused.value.code is ErrorCode.CLAIM_NOTHING_PAYABLE
    assert "15.50" in refused.value.message_en
    assert snapshot(engine) == before
