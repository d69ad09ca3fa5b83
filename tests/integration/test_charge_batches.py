"""Charge batches (收费批次) and mid-stay settlement (中途结算), on both backends.

A hospital system settles an outpatient visit batch by batch (registration, then each prescription), each with its
own upload, preview and settlement; a long stay is settled part by part before its final settlement. What counts
per year (the fund's yearly accumulators) and per visit (a stay's deductible) carries from one settlement to the
next. Every amount is worked out by hand from the demo catalogue and the worked-example rules of
``test_settlement.py`` (fen).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from gongji.domain.codes import MedType, PsnType
from gongji.domain.errors import ErrorCode
from gongji.service.audit import audit
from gongji.service.context import Context
from gongji.service.settlement import (
    CancelFees,
    CancelVisit,
    Discharge,
    ReverseSettlement,
    Settle,
    UploadFees,
    cancel_fees,
    cancel_visit,
    commit_settlement,
    discharge,
    preview_settlement,
    reverse_settlement,
    upload_fees,
    visit_view,
)
from tests.helpers import DEFU, GUILAN, employee, refused
from tests.helpers import random_key as _key
from tests.integration.test_settlement import (
    AMOXICILLIN,
    ATORVASTATIN,
    BED,
    CHANGCHUN_PROVINCIAL,
    CONSULTATION,
    NURSING,
    SALINE,
    SJZ_LEVEL3,
    STENT,
    demo,
    fee,
    identities,
    steps,
    visit,
    with_changchun_ratio,
)

__all__ = ["demo"]  # the fixture, used by name


def batch(ctx: Context, mdtrt_id: str, chrg_bchno: str, *, total_fen: int | None = None, **kw: object) -> dict:
    """Preview, then settle one batch; both keep the identities and agree; return the committed amounts."""
    preview = preview_settlement(ctx, Settle(mdtrt_id, chrg_bchno=chrg_bchno, medfee_sumamt_fen=total_fen, **kw))
    committed = commit_settlement(
        ctx, Settle(mdtrt_id, chrg_bchno=chrg_bchno, medfee_sumamt_fen=total_fen, **kw), key=_key()
    )
    identities(committed.amounts)
    assert preview.amounts == committed.amounts
    assert audit(ctx).clean, audit(ctx).findings
    return {"setl_id": committed.setl_id, **committed.amounts, "why": committed.explanation}


def test_an_outpatient_visit_is_settled_batch_by_batch(demo: Context, engine: Engine) -> None:
    ctx = demo
    employee(ctx, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=300_000, current_fen=50_000)
    mdtrt_id = visit(
        ctx,
        DEFU,
        SJZ_LEVEL3,
        MedType.GENERAL_OUTPATIENT,
        # B1 registration: 诊查费 A, cap 10.00, charged 10.00 — 1000 in the policy range.
        fee("1", CONSULTATION, "1", 1_000, chrg_bchno="B1"),
        # B2 prescription: 阿莫西林 A, 2 × 12.50 — 2500 in the policy range.
        fee("2", AMOXICILLIN, "2", 1_250, chrg_bchno="B2"),
        # B3 prescription, cancelled before it is settled: 阿托伐他汀 2 × 35.80.
        fee("3", ATORVASTATIN, "2", 3_580, chrg_bchno="B3"),
    )
    # Cancelling batch B3 cancels its line only.
    cancelled = cancel_fees(ctx, CancelFees(mdtrt_id, None, chrg_bchno="B3"), key=_key())
    assert [(line.feedetl_sn, line.cancelled) for line in cancelled.lines] == [("1", False), ("2", False), ("3", True)]

    # B1's own total is what its preview is checked against, not the visit's 35.00.
    first = batch(ctx, mdtrt_id, "B1", total_fen=1_000)
    # 130100 (worked rules), 11, retired: no deductible, 70 %, yearly cap 6,000.00: fund 700, policy self-pay 300,
    # paid from the own account (当年 500.00 first): balance 350000 − 300 = 349700.
    assert (first["medfee_sumamt"], first["hifp_pay"], first["acct_pay"], first["balc"]) == (1_000, 700, 300, 349_700)
    assert visit_view(ctx, mdtrt_id).status == "open", "B2 still waits"

    refused(engine, ErrorCode.CHARGE_BATCH_SETTLED, lambda: batch(ctx, mdtrt_id, "B1"))
    refused(engine, ErrorCode.CHARGE_BATCH_NOT_FOUND, lambda: batch(ctx, mdtrt_id, "B9"))
    refused(engine, ErrorCode.CHARGE_BATCH_NOT_FOUND, lambda: batch(ctx, mdtrt_id, "B3"))  # cancelled
    refused(
        engine,
        ErrorCode.CHARGE_BATCH_SETTLED,
        lambda: upload_fees(
            ctx, UploadFees(mdtrt_id, (fee("4", CONSULTATION, "1", 1_000, chrg_bchno="B1"),)), key=_key()
        ),
    )
    refused(engine, ErrorCode.FEE_LINE_SETTLED, lambda: cancel_fees(ctx, CancelFees(mdtrt_id, ("1",)), key=_key()))
    refused(engine, ErrorCode.VISIT_HAS_SETTLEMENTS, lambda: cancel_visit(ctx, CancelVisit(mdtrt_id), key=_key()))

    second = batch(ctx, mdtrt_id, "B2", total_fen=2_500)
    # The fund's yearly accumulator carries: 7.00 paid this year by B1. 2500 × 0.7 = 1750; self-pay 750;
    # balance 349700 − 750 = 348950.
    assert (second["hifp_pay"], second["acct_pay"], second["balc"]) == (1_750, 750, 348_950)
    assert "Annual cap 6,000.00, paid this year 7.00: the fund pays 17.50" in steps(second["why"])
    assert visit_view(ctx, mdtrt_id).status == "settled"

    # A later prescription is another batch of the same visit, which is open again for it.
    upload_fees(ctx, UploadFees(mdtrt_id, (fee("5", AMOXICILLIN, "1", 1_250, chrg_bchno="B4"),)), key=_key())
    assert visit_view(ctx, mdtrt_id).status == "open"

    # Reversing B1 releases its line: it may be cancelled, and the rest stays settled.
    reverse_settlement(ctx, ReverseSettlement(str(first["setl_id"]), "收费员操作失误"), key=_key())
    lines = cancel_fees(ctx, CancelFees(mdtrt_id, None, chrg_bchno="B1"), key=_key()).lines
    assert {line.feedetl_sn: (line.cancelled, line.settled) for line in lines} == {
        "1": (True, False),
        "2": (False, True),
        "3": (True, False),
        "5": (False, False),
    }
    assert audit(ctx).clean


def test_a_long_stay_is_settled_mid_stay_and_the_deductible_is_met_once(
    demo: Context, engine: Engine, tmp_path: Path
) -> None:
    ctx = with_changchun_ratio(demo, tmp_path)
    employee(ctx, GUILAN, "赵桂兰", region="220100", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=200_000)
    # Ⅰ级护理 A: 10 × 25.00 = 25000 in the policy range.
    mdtrt_id = visit(ctx, GUILAN, CHANGCHUN_PROVINCIAL, MedType.GENERAL_INPATIENT, fee("1", NURSING, "10", 2_500))
    refused(engine, ErrorCode.STAY_NOT_DISCHARGED, lambda: commit_settlement(ctx, Settle(mdtrt_id), key=_key()))

    mid = commit_settlement(ctx, Settle(mdtrt_id, mid_stay=True), key=_key())
    # 220100: deductible 1,200.00 per admission at 3-provincial, 85 % above it. 25000 is all deductible: the fund
    # pays nothing, the own account (历年) 25000; balance 200000 − 25000 = 175000.
    identities(mid.amounts)
    assert (mid.amounts["act_pay_dedc"], mid.amounts["hifp_pay"], mid.amounts["acct_pay"]) == (25_000, 0, 25_000)
    assert mid.amounts["balc"] == 175_000
    assert visit_view(ctx, mdtrt_id).status == "open", "the stay goes on"

    upload_fees(
        ctx,
        UploadFees(
            mdtrt_id,
            (
                # 床位费 A, cap 30.00, charged 35.00 × 10: 超限价 5000, policy 30000.
                fee("2", BED, "10", 3_500),
                # 支架 B 10 %, cap 798.00, charged 750.00: 先行自付 7500, policy 67500.
                fee("3", STENT, "1", 75_000),
                # 氯化钠 A: 20 × 4.50 = 9000 policy.
                fee("4", SALINE, "20", 450),
            ),
        ),
        key=_key(),
    )
    discharge(ctx, Discharge(mdtrt_id), key=_key())
    refused(
        engine,
        ErrorCode.MID_STAY_NOT_POSSIBLE,
        lambda: commit_settlement(ctx, Settle(mdtrt_id, mid_stay=True), key=_key()),
    )
    final = commit_settlement(ctx, Settle(mdtrt_id), key=_key())
    # Total 35000 + 75000 + 9000 = 119000; policy 30000 + 67500 + 9000 = 106500. The deductible left of this
    # admission is 120000 − 25000 = 95000 (not a second 1,200.00): above it 11500 × 0.85 = 9775, pool self-pay 1725.
    # The person 119000 − 9775 = 109225; the account may pay (106500 − 9775) + 7500 = 104225; 超限价 5000 in cash.
    # Balance 175000 − 104225 = 70775 — as one settlement of the whole stay leaves it (test_settlement.py).
    identities(final.amounts)
    assert {k: final.amounts[k] for k in ("medfee_sumamt", "act_pay_dedc", "hifp_pay", "acct_pay", "psn_cash_pay")} == {
        "medfee_sumamt": 119_000,
        "act_pay_dedc": 95_000,
        "hifp_pay": 9_775,
        "acct_pay": 104_225,
        "psn_cash_pay": 5_000,
    }
    assert final.amounts["balc"] == 70_775
    assert visit_view(ctx, mdtrt_id).status == "settled"
    refused(
        engine,
        ErrorCode.VISIT_NOT_OPEN,
        lambda: upload_fees(ctx, UploadFees(mdtrt_id, (fee("5", NURSING, "1", 2_500),)), key=_key()),
    )
    assert audit(ctx).clean


def test_only_a_stay_not_yet_discharged_is_settled_mid_stay(demo: Context, engine: Engine) -> None:
    ctx = demo
    employee(ctx, DEFU, "张德福", prior_fen=10_000)
    mdtrt_id = visit(ctx, DEFU, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", AMOXICILLIN, "1", 1_250))
    refused(engine, ErrorCode.MID_STAY_NOT_POSSIBLE, lambda: preview_settlement(ctx, Settle(mdtrt_id, mid_stay=True)))


def test_a_settlement_that_names_another_visit_or_other_amounts_is_refused(demo: Context, engine: Engine) -> None:
    ctx = demo
    employee(ctx, DEFU, "张德福", prior_fen=10_000)
    # 阿托伐他汀 B 10 %: 2 × 35.80 = 7160; 先行自付 716, policy 6444.
    mdtrt_id = visit(ctx, DEFU, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, fee("1", ATORVASTATIN, "2", 3_580))
    for wrong in (Settle(mdtrt_id, med_type="14"), Settle(mdtrt_id, insutype="390")):
        refused(engine, ErrorCode.SETTLE_VISIT_MISMATCH, lambda wrong=wrong: preview_settlement(ctx, wrong))
        refused(engine, ErrorCode.SETTLE_VISIT_MISMATCH, lambda wrong=wrong: commit_settlement(ctx, wrong, key=_key()))
    declared = (("preselfpay_amt_fen", 716), ("inscp_scp_amt_fen", 6_445))
    refusal = refused(
        engine,
        ErrorCode.CLASSIFIED_AMOUNT_MISMATCH,
        lambda: commit_settlement(ctx, Settle(mdtrt_id, declared=declared), key=_key()),
    )
    assert refusal.params["field"] == "inscp_scp_amt"
    right = Settle(
        mdtrt_id, med_type="11", insutype="310", declared=(("preselfpay_amt_fen", 716), ("inscp_scp_amt_fen", 6_444))
    )
    assert commit_settlement(ctx, right, key=_key()).amounts["medfee_sumamt"] == 7_160


def test_a_price_of_six_decimals_is_kept_exact(demo: Context, engine: Engine) -> None:
    ctx = demo
    employee(ctx, DEFU, "张德福", prior_fen=10_000)
    # 阿莫西林 A at 0.0833 yuan a tablet, 12 tablets: 0.9996 yuan → 100 fen (a price rounded to 8 fen would give 96).
    tablet = fee("1", AMOXICILLIN, "12", 8, price_microyuan=83_300)
    mdtrt_id = visit(ctx, DEFU, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, tablet)
    line = visit_view(ctx, mdtrt_id).lines[0]
    assert (line.unit_price_microyuan, line.unit_price_fen, line.total_fen) == (83_300, 8, 100)
    # The system's own rounding of a line is its amount when within a fen; further off, it is refused.
    near = fee("2", AMOXICILLIN, "2.5", 8, price_microyuan=83_300, total_fen=20)  # 20.825 fen
    assert upload_fees(ctx, UploadFees(mdtrt_id, (near,)), key=_key()).lines[1].total_fen == 20
    far = fee("3", AMOXICILLIN, "2.5", 8, price_microyuan=83_300, total_fen=25)
    refused(engine, ErrorCode.FIELD_INVALID, lambda: upload_fees(ctx, UploadFees(mdtrt_id, (far,)), key=_key()))
