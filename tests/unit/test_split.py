"""The pure split of a bill (``gongji.domain.settlement``), with every expected value worked out by hand.

Amounts are fen (1 yuan = 100 fen); ratios are basis points (7000 = 70 %). Each comment shows the arithmetic the
assertion checks, so a reader can redo it on paper; no number here was copied from running the code.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from gongji.domain.settlement import (
    Band,
    BillParts,
    FundShare,
    FundTerms,
    Payment,
    Purse,
    SetlInfo,
    fund_share,
    take,
)


def terms(
    *,
    deductible: int = 0,
    deductible_paid: int = 0,
    ratio: int = 7_000,
    bands: tuple[Band, ...] = (),
    cap: int | None = None,
    fund_paid: int = 0,
) -> FundTerms:
    return FundTerms(deductible, deductible_paid, ratio, bands, cap, fund_paid)


def share(inscp: int, t: FundTerms) -> tuple[int, int, int, int]:
    """(act_pay_dedc, hifp_pay, pool_prop_selfpay, before_cap), checking that the policy range is fully split."""
    result = fund_share(inscp, t)
    assert isinstance(result, FundShare)
    assert result.act_pay_dedc_fen + result.hifp_pay_fen + result.pool_prop_selfpay_fen == inscp
    return result.act_pay_dedc_fen, result.hifp_pay_fen, result.pool_prop_selfpay_fen, result.before_cap_fen


# --- the fund: deductible ----------------------------------------------------------------------------------------


def test_no_deductible_the_fund_pays_its_ratio() -> None:
    # Policy range 500.00 yuan at 70 %: 50000 × 0.70 = 35000; the person bears 50000 − 35000 = 15000.
    assert share(50_000, terms(ratio=7_000)) == (0, 35_000, 15_000, 35_000)


def test_a_deductible_partly_paid_earlier_in_the_year() -> None:
    # Deductible 200.00, 120.00 already paid this year: 20000 − 12000 = 8000 still owed, all of it applied now.
    # Above it: 50000 − 8000 = 42000; at 80 %: 42000 × 0.8 = 33600; the person: 42000 − 33600 = 8400.
    t = terms(deductible=20_000, deductible_paid=12_000, ratio=8_000)
    assert share(50_000, t) == (8_000, 33_600, 8_400, 33_600)


def test_a_deductible_larger_than_the_bill_takes_the_whole_policy_range() -> None:
    # Deductible 200.00 owed in full, the policy range is only 150.00: all 15000 goes to the deductible,
    # nothing is above it, so the fund pays 0 and pool_prop_selfpay is 0.
    assert share(15_000, terms(deductible=20_000, ratio=8_000)) == (15_000, 0, 0, 0)


def test_the_rest_of_the_deductible_is_owed_on_the_next_bill() -> None:
    # After the bill above (15000 paid), 20000 − 15000 = 5000 is still owed. Next bill 100.00:
    # deductible 5000; above 10000 − 5000 = 5000; at 80 %: 4000; the person: 1000.
    t = terms(deductible=20_000, deductible_paid=15_000, ratio=8_000)
    assert share(10_000, t) == (5_000, 4_000, 1_000, 4_000)


def test_a_deductible_already_paid_in_full_is_not_charged_again() -> None:
    # Deductible 200.00 paid (20000 of 20000): owed max(20000 − 20000, 0) = 0. 100.00 at 80 %: 8000 / 2000.
    assert share(10_000, terms(deductible=20_000, deductible_paid=20_000, ratio=8_000)) == (0, 8_000, 2_000, 8_000)
    # Paid more than the deductible (the rules lowered it mid-year): still owed 0, never negative.
    assert share(10_000, terms(deductible=20_000, deductible_paid=30_000, ratio=8_000)) == (0, 8_000, 2_000, 8_000)


def test_a_bill_exactly_the_deductible() -> None:
    # 200.00 of policy range against a 200.00 deductible: all deductible, nothing above.
    assert share(20_000, terms(deductible=20_000, ratio=8_000)) == (20_000, 0, 0, 0)


def test_nothing_in_the_policy_range() -> None:
    assert share(0, terms(deductible=20_000, ratio=8_000, cap=100_000)) == (0, 0, 0, 0)


def test_a_negative_policy_range_is_a_programming_error() -> None:
    with pytest.raises(AssertionError):
        fund_share(-1, terms())


def test_a_zero_ratio_pays_nothing_above_the_deductible() -> None:
    # "No pooling row": ratio 0. 300.00 with a 100.00 deductible: 10000 applied, 20000 above, fund 0.
    assert share(30_000, terms(deductible=10_000, ratio=0)) == (10_000, 0, 20_000, 0)


# --- the fund: ratio bands ---------------------------------------------------------------------------------------


SHENNONGJIA_LIKE = (Band(1_000_000, 9_000),)  # 85 % on the first 10,000.00 above the deductible, 90 % beyond


def test_bands_below_the_first_band_edge_use_the_base_ratio() -> None:
    # 6,000.00 above the deductible, all under the 10,000.00 edge: 600000 × 0.85 = 510000; person 90000.
    assert share(600_000, terms(ratio=8_500, bands=SHENNONGJIA_LIKE)) == (0, 510_000, 90_000, 510_000)


def test_bands_exactly_at_the_edge() -> None:
    # 10,000.00 exactly: 1000000 × 0.85 = 850000; nothing above the edge.
    assert share(1_000_000, terms(ratio=8_500, bands=SHENNONGJIA_LIKE)) == (0, 850_000, 150_000, 850_000)


def test_bands_across_the_edge() -> None:
    # 15,000.00: first 1000000 × 0.85 = 850000, the next 500000 × 0.90 = 450000; fund 1300000;
    # the person 1500000 − 1300000 = 200000.
    assert share(1_500_000, terms(ratio=8_500, bands=SHENNONGJIA_LIKE)) == (0, 1_300_000, 200_000, 1_300_000)


def test_bands_count_from_above_the_deductible() -> None:
    # Deductible 500.00; policy range 15,000.00: above = 1500000 − 50000 = 1450000.
    # First 1000000 × 0.85 = 850000; the next 450000 × 0.90 = 405000; fund 1255000.
    # The person above the deductible: 1450000 − 1255000 = 195000.
    t = terms(deductible=50_000, ratio=8_500, bands=SHENNONGJIA_LIKE)
    assert share(1_500_000, t) == (50_000, 1_255_000, 195_000, 1_255_000)


def test_several_bands_given_in_any_order() -> None:
    # 80 % up to 10,000.00, 90 % from 10,000.00, 95 % from 20,000.00 (given out of order).
    # 25,000.00: 1000000 × 0.80 = 800000; 1000000 × 0.90 = 900000; 500000 × 0.95 = 475000; fund 2175000;
    # person 2500000 − 2175000 = 325000.
    bands = (Band(2_000_000, 9_500), Band(1_000_000, 9_000))
    assert share(2_500_000, terms(ratio=8_000, bands=bands)) == (0, 2_175_000, 325_000, 2_175_000)


def test_each_band_is_rounded_on_its_own() -> None:
    # 10,000.03 at 85 % / 90 %: 1000000 × 0.85 = 850000 exactly; the 3 fen above: 3 × 0.9 = 2.7 → 3.
    # Fund 850003; person 1000003 − 850003 = 150000.
    assert share(1_000_003, terms(ratio=8_500, bands=SHENNONGJIA_LIKE)) == (0, 850_003, 150_000, 850_003)


# --- the fund: annual cap ----------------------------------------------------------------------------------------


def test_a_cap_with_room_left_does_not_bind() -> None:
    # Cap 6,000.00, 1,000.00 paid: room 500000. 500.00 at 70 % = 35000 < room.
    assert share(50_000, terms(ratio=7_000, cap=600_000, fund_paid=100_000)) == (0, 35_000, 15_000, 35_000)


def test_a_cap_partly_used_limits_the_fund() -> None:
    # Cap 6,000.00, 5,800.00 paid: room 600000 − 580000 = 20000. 500.00 at 70 % would be 35000;
    # the fund pays min(35000, 20000) = 20000; the person bears 50000 − 20000 = 30000. before_cap keeps 35000.
    assert share(50_000, terms(ratio=7_000, cap=600_000, fund_paid=580_000)) == (0, 20_000, 30_000, 35_000)


def test_a_cap_exhausted_the_fund_pays_nothing() -> None:
    # Cap 6,000.00 all used: room 0. The 70 % share 35000 is computed, the fund pays 0, the person 50000.
    assert share(50_000, terms(ratio=7_000, cap=600_000, fund_paid=600_000)) == (0, 0, 50_000, 35_000)
    # Paid beyond the cap (a cap lowered mid-year): room max(600000 − 650000, 0) = 0, never negative.
    assert share(50_000, terms(ratio=7_000, cap=600_000, fund_paid=650_000)) == (0, 0, 50_000, 35_000)


def test_deductible_ratio_and_cap_together() -> None:
    # Deductible 200.00 with 50.00 paid: 15000 owed. Policy range 3,000.00: above 300000 − 15000 = 285000;
    # at 50 %: 142500; cap 2,000.00 with 1,900.00 paid: room 10000; fund 10000;
    # person above the deductible: 285000 − 10000 = 275000.
    t = terms(deductible=20_000, deductible_paid=5_000, ratio=5_000, cap=200_000, fund_paid=190_000)
    assert share(300_000, t) == (15_000, 10_000, 275_000, 142_500)


def test_a_zero_cap() -> None:
    # A cap of 0: room 0. 100.00 at 70 % = 7000 before the cap, 0 paid.
    assert share(10_000, terms(ratio=7_000, cap=0)) == (0, 0, 10_000, 7_000)


# --- the fund: rounding half up ----------------------------------------------------------------------------------


def test_half_a_fen_rounds_up() -> None:
    # 10.01 yuan at 50 %: 1001 × 0.5 = 500.5 fen → 501 (half up); the person 1001 − 501 = 500.
    assert share(1_001, terms(ratio=5_000)) == (0, 501, 500, 501)
    # 0.05 yuan at 70 %: 5 × 0.7 = 3.5 → 4; the person 1.
    assert share(5, terms(ratio=7_000)) == (0, 4, 1, 4)
    # 0.15 yuan at 90 %: 15 × 0.9 = 13.5 → 14; the person 1.
    assert share(15, terms(ratio=9_000)) == (0, 14, 1, 14)


def test_just_under_half_a_fen_rounds_down() -> None:
    # 0.03 yuan at 15 %: 3 × 0.15 = 0.45 → 0. 0.03 at 17 %: 0.51 → 1.
    assert share(3, terms(ratio=1_500)) == (0, 0, 3, 0)
    assert share(3, terms(ratio=1_700)) == (0, 1, 2, 1)
    # 76.94 at 70 %: 7694 × 0.7 = 5385.8 → 5386; the person 7694 − 5386 = 2308.
    assert share(7_694, terms(ratio=7_000)) == (0, 5_386, 2_308, 5_386)


def test_rounding_happens_after_the_deductible() -> None:
    # Deductible 0.01 of a 10.02 policy range: above 1001, at 50 % = 500.5 → 501; person above it 500.
    assert share(1_002, terms(deductible=1, ratio=5_000)) == (1, 501, 500, 501)


# --- bill parts --------------------------------------------------------------------------------------------------


def test_bill_parts_add_up_to_the_total() -> None:
    # 98.00 全自费 + 5.00 超限价 + 7.16 先行自付 + 94.44 政策范围内 = 204.60.
    assert BillParts(9_800, 500, 716, 9_444).medfee_sumamt_fen == 20_460


# --- who pays: one purse -----------------------------------------------------------------------------------------


def purse(
    payer_id: int = 1,
    relation_id: int | None = None,
    *,
    prior: int = 0,
    current: int = 0,
    **kw: Any,
) -> Purse:
    return Purse(payer_id, relation_id, f"payer{payer_id}", "130100", prior, current, **kw)


def paid(payments: list[Payment]) -> list[tuple[int, int, int]]:
    """(payer, from 历年, from 当年) of each payment."""
    return [(p.purse.payer_id, p.from_prior_fen, p.from_current_fen) for p in payments]


def test_take_splits_by_who_owns_the_purse() -> None:
    # The same balances, 20.00 taken: own → 当年 2000; relative → 历年 2000.
    assert paid([take(purse(prior=3_000, current=5_000), 2_000)]) == [(1, 0, 2_000)]
    assert paid([take(purse(2, 11, prior=3_000, current=5_000), 2_000)]) == [(2, 2_000, 0)]


def test_a_prior_years_only_relative_never_pays_current_year_money() -> None:
    # Shanghai-like: only 历年 is shareable. 历年 30.00, 当年 50.00, bill 40.00:
    # available = min(3000 shareable, 8000 total) = 3000.
    relative = purse(2, 11, prior=3_000, current=5_000, prior_only=True)
    assert relative.available_fen() == 3_000


def test_a_prior_years_only_relative_without_prior_money_pays_nothing() -> None:
    relative = purse(2, 11, prior=0, current=50_000, prior_only=True)
    assert relative.available_fen() == 0


def test_a_kept_minimum_limits_what_a_relative_may_pay() -> None:
    # Hengshui-like: keep 1,000.00. Balance 当年 1,500.00: available = min(150000, 150000 − 100000) = 50000.
    relative = purse(2, 11, prior=0, current=150_000, keep_fen=100_000)
    assert relative.available_fen() == 50_000


def test_a_balance_below_the_kept_minimum_pays_nothing() -> None:
    # 900.00 against a 1,000.00 minimum: min(90000, 90000 − 100000) = −10000 → 0.
    relative = purse(2, 11, prior=90_000, keep_fen=100_000)
    assert relative.available_fen() == 0


def test_a_kept_minimum_on_a_prior_only_relative() -> None:
    # 历年 300.00 (shareable), 当年 900.00, keep 1,000.00: min(30000, 120000 − 100000 = 20000) = 20000.
    relative = purse(2, 11, prior=30_000, current=90_000, prior_only=True, keep_fen=100_000)
    assert relative.available_fen() == 20_000


def test_the_per_visit_cap_limits_a_relative() -> None:
    # Per-visit cap 30.00 left, balance 100.00, quota 80.00 left: min(10000, 10000, 8000, 3000) = 3000.
    relative = purse(2, 11, prior=4_000, current=6_000, quota_left_fen=8_000, visit_cap_left_fen=3_000)
    assert relative.available_fen() == 3_000


def test_a_skipped_purse_pays_nothing_whatever_its_balance() -> None:
    skipped = purse(2, 11, prior=100_000, skip=("RELATION_NOT_CONFIRMED", {"relation_id": 11, "patient": "某"}))
    assert skipped.available_fen() == 0


# (Who pays in which order, with the production path itself, is in tests/unit/test_core.py.)


# --- the national record -----------------------------------------------------------------------------------------


def valid() -> SetlInfo:
    # A retired employee's outpatient bill: 98.00 全自费 + 5.00 超限价 + 7.16 先行自付 + 94.44 policy = 204.60.
    # Fund 94.44 × 70 % = 66.108 → 66.11; the person 204.60 − 66.11 = 138.49 = account 35.49 + cash 103.00;
    # 10.00 of the account payment came from a relative.
    return SetlInfo(
        medfee_sumamt_fen=20_460,
        fulamt_ownpay_amt_fen=9_800,
        overlmt_selfpay_fen=500,
        preselfpay_amt_fen=716,
        inscp_scp_amt_fen=9_444,
        act_pay_dedc_fen=0,
        hifp_pay_fen=6_611,
        pool_prop_selfpay_fen=2_833,
        fund_pay_sumamt_fen=6_611,
        psn_part_amt_fen=13_849,
        acct_pay_fen=3_549,
        acct_mulaid_pay_fen=1_000,
        psn_cash_pay_fen=10_300,
        hosp_part_amt_fen=0,
        balc_fen=346_451,
    )


def test_a_record_that_keeps_the_identities_is_accepted() -> None:
    record = valid()
    assert record.medfee_sumamt_fen == record.fund_pay_sumamt_fen + record.psn_part_amt_fen + record.hosp_part_amt_fen


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # The four parts add up to 204.61, not 204.60.
        ({"inscp_scp_amt_fen": 9_445}, "four bill parts"),
        # The total moved but the parts did not.
        ({"medfee_sumamt_fen": 20_461}, "four bill parts"),
        # Fund + person + hospital = 6612 + 13849 + 0 = 20461 ≠ 20460.
        ({"fund_pay_sumamt_fen": 6_612}, "fund + person + hospital"),
        # A hospital share on top of everything: 6611 + 13849 + 100 = 20560.
        ({"hosp_part_amt_fen": 100}, "fund + person + hospital"),
        # Account 3549 + cash 10200 = 13749 ≠ 13849.
        ({"psn_cash_pay_fen": 10_200}, "psn_part = account + cash"),
        # Mutual aid 35.50 is more than the whole account payment 35.49.
        ({"acct_mulaid_pay_fen": 3_550}, "mutual aid"),
        # Mutual aid cannot be negative.
        ({"acct_mulaid_pay_fen": -1}, "mutual aid"),
    ],
)
def test_a_record_that_breaks_an_identity_is_refused(changes: dict[str, int], message: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(message)):
        dataclasses.replace(valid(), **changes)


def test_all_mutual_aid_is_allowed() -> None:
    # A child with no account of his own: every fen of acct_pay is mutual aid (3549 ≤ 3549).
    assert dataclasses.replace(valid(), acct_mulaid_pay_fen=3_549).acct_mulaid_pay_fen == 3_549
