"""How a fee line splits into 全自费 / 超限价 / 先行自付 / 政策范围内, with every expected value worked out by hand."""

from __future__ import annotations

import pytest

from gongji.domain.catalogue import (
    MICRO_PER_FEN,
    CatalogueItem,
    Classified,
    ItemCategory,
    ItemKind,
    classify,
    line_total_fen,
)


def item(category: ItemCategory, *, self_pay_bp: int | None = None, price_cap_fen: int | None = None) -> CatalogueItem:
    return CatalogueItem(
        code="XTEST",
        name="测试项目",
        category=category,
        kind=ItemKind.DRUG,
        self_pay_bp=self_pay_bp,
        price_cap_fen=price_cap_fen,
    )


def classify_fen(
    it: CatalogueItem | None, quantity_milli: int, price_fen: int, default_self_pay_bp: int | None
) -> Classified:
    """``classify`` with the unit price given in fen (the cases below are worked out in fen)."""
    return classify(it, quantity_milli, price_fen * MICRO_PER_FEN, default_self_pay_bp)


def parts(c: Classified) -> tuple[int, int, int, int, int]:
    """(total, 全自费, 超限价, 先行自付, 政策范围内), checking on the way that the four parts add up."""
    assert c.fulamt_ownpay_fen + c.overlmt_fen + c.preselfpay_fen + c.inscp_fen == c.total_fen
    return c.total_fen, c.fulamt_ownpay_fen, c.overlmt_fen, c.preselfpay_fen, c.inscp_fen


def test_a_category_a_item_is_wholly_in_the_policy_range() -> None:
    # 2 boxes at 12.50 yuan: 2 × 1250 fen = 2500 fen, all of it 政策范围内.
    assert parts(classify_fen(item(ItemCategory.A), 2_000, 1_250, 1_000)) == (2_500, 0, 0, 0, 2_500)


def test_a_category_b_item_with_its_own_share() -> None:
    # 1 × 88.88 yuan = 8888 fen; its own share 10 %: 888.8 fen, half up → 889; the rest 8888 − 889 = 7999.
    # The region's default (5 %) is not used when the item has its own share.
    assert parts(classify_fen(item(ItemCategory.B, self_pay_bp=1_000), 1_000, 8_888, 500)) == (8_888, 0, 0, 889, 7_999)


def test_a_category_b_item_falls_back_to_the_region_default_share() -> None:
    # 3 × 19.99 yuan = 5997 fen; no share of its own, so the region's 5 %: 299.85 fen → 300; the rest 5697.
    assert parts(classify_fen(item(ItemCategory.B), 3_000, 1_999, 500)) == (5_997, 0, 0, 300, 5_697)


def test_a_category_b_item_without_any_share_has_no_self_pay_part() -> None:
    # No share of its own and no regional default: 先行自付 is zero, all 4000 fen is in the policy range.
    assert parts(classify_fen(item(ItemCategory.B), 1_000, 4_000, None)) == (4_000, 0, 0, 0, 4_000)


def test_an_own_share_of_zero_is_a_share_not_a_missing_one() -> None:
    # The item says 0 %: that wins over the region's 10 %, so nothing is paid first by the patient.
    assert parts(classify_fen(item(ItemCategory.B, self_pay_bp=0), 1_000, 4_000, 1_000)) == (4_000, 0, 0, 0, 4_000)


def test_the_part_above_a_price_cap_is_over_limit() -> None:
    # An A item capped at 30.00 yuan sold at 45.00, 2 of them: total 9000; over the cap 2 × 15.00 = 3000;
    # the remaining 6000 is all policy range.
    assert parts(classify_fen(item(ItemCategory.A, price_cap_fen=3_000), 2_000, 4_500, None)) == (
        9_000,
        0,
        3_000,
        0,
        6_000,
    )


def test_a_b_item_takes_its_share_of_what_is_left_under_the_cap() -> None:
    # B item, 10 %, capped at 20.00 yuan, sold at 30.00, quantity 1.5: total 1.5 × 3000 = 4500;
    # over the cap 1.5 × 1000 = 1500; left 3000; self-pay 10 % of 3000 = 300; policy range 2700.
    assert parts(classify_fen(item(ItemCategory.B, self_pay_bp=1_000, price_cap_fen=2_000), 1_500, 3_000, 500)) == (
        4_500,
        0,
        1_500,
        300,
        2_700,
    )


def test_a_price_at_the_cap_is_not_over_it() -> None:
    # Sold exactly at the 30.00 cap: nothing is over the limit.
    assert parts(classify_fen(item(ItemCategory.A, price_cap_fen=3_000), 1_000, 3_000, None)) == (3_000, 0, 0, 0, 3_000)


def test_a_category_c_item_is_paid_in_full_by_the_person() -> None:
    # 丙类: the whole 50.00 yuan is 全自费, whatever its cap or share would say.
    c_item = item(ItemCategory.C, price_cap_fen=1_000)
    assert parts(classify_fen(c_item, 1_000, 5_000, 1_000)) == (5_000, 5_000, 0, 0, 0)


def test_an_item_the_catalogue_does_not_know_is_paid_in_full_by_the_person() -> None:
    # Not in the catalogue: 2 × 7.77 = 15.54 yuan, all of it 全自费.
    assert parts(classify_fen(None, 2_000, 777, 1_000)) == (1_554, 1_554, 0, 0, 0)


def test_a_return_mirrors_the_line_it_returns() -> None:
    # The line: B item at 10 %, 1 × 88.88 → (8888, 0, 0, 889, 7999). Its return (quantity −1) is the same, negated:
    # −888.8 rounds half up away from zero to −889, so the parts still mirror the original exactly.
    b_item = item(ItemCategory.B, self_pay_bp=1_000)
    line = parts(classify_fen(b_item, 1_000, 8_888, None))
    back = parts(classify_fen(b_item, -1_000, 8_888, None))
    assert back == (-8_888, 0, 0, -889, -7_999)
    assert back == tuple(-part for part in line)
    # A capped item returned: 2 at 45.00 against a 30.00 cap → (−9000, 0, −3000, 0, −6000).
    capped = item(ItemCategory.A, price_cap_fen=3_000)
    assert parts(classify_fen(capped, -2_000, 4_500, None)) == (-9_000, 0, -3_000, 0, -6_000)
    # A return of something outside the catalogue is 全自费 too.
    assert parts(classify_fen(None, -1_000, 500, None)) == (-500, -500, 0, 0, 0)


@pytest.mark.parametrize(
    ("quantity_milli", "unit_price_fen", "total_fen"),
    [
        (500, 1, 1),  # 0.5 × 1 fen = 0.5 fen → 1 (half up)
        (500, 3, 2),  # 0.5 × 3 fen = 1.5 fen → 2
        (333, 100, 33),  # 0.333 × 100 fen = 33.3 fen → 33
        (-500, 1, -1),  # a return: −0.5 fen → −1 (away from zero, mirroring the line)
        (1_500, 999, 1_499),  # 1.5 × 999 = 1498.5 → 1499
    ],
)
def test_line_totals_round_half_up_to_the_fen(quantity_milli: int, unit_price_fen: int, total_fen: int) -> None:
    assert line_total_fen(quantity_milli, unit_price_fen * MICRO_PER_FEN) == total_fen


def test_a_self_pay_share_on_a_half_fen_rounds_up() -> None:
    # 1 × 0.10 yuan at 5 %: 0.5 fen → 1 fen first paid by the patient, 9 fen in the policy range.
    assert parts(classify_fen(item(ItemCategory.B, self_pay_bp=500), 1_000, 10, None)) == (10, 0, 0, 1, 9)
    # 10.10 yuan at 15 %: 1010 × 0.15 = 151.5 fen → 152; the rest 858.
    assert parts(classify_fen(item(ItemCategory.B, self_pay_bp=1_500), 1_000, 1_010, None)) == (1_010, 0, 0, 152, 858)
    # On the half and just under it: 10.30 yuan at 5 % = 51.5 → 52, but 10.29 yuan at 5 % = 51.45 → 51.
    assert parts(classify_fen(item(ItemCategory.B, self_pay_bp=500), 1_000, 1_030, None)) == (1_030, 0, 0, 52, 978)
    assert parts(classify_fen(item(ItemCategory.B, self_pay_bp=500), 1_000, 1_029, None)) == (1_029, 0, 0, 51, 978)


def test_an_over_limit_part_on_a_half_fen_rounds_up_and_the_parts_still_add_up() -> None:
    # 0.5 of an item at 10.01 yuan capped at 10.00: total 0.5 × 1001 = 500.5 → 501; over 0.5 × 1 = 0.5 → 1;
    # the remaining 500 is policy range for an A item.
    assert parts(classify_fen(item(ItemCategory.A, price_cap_fen=1_000), 500, 1_001, None)) == (501, 0, 1, 0, 500)


def test_a_six_decimal_price_is_exact_and_only_the_line_is_rounded() -> None:
    # 0.0833 yuan a tablet (a box of twelve at 1.00), 12 tablets: 0.9996 yuan, 99.96 fen → 100 fen. Rounding the
    # price to the fen first (8 fen) would have made it 96 fen.
    assert line_total_fen(12_000, 83_300) == 100
    # 3.3333 yuan × 3 = 9.9999 yuan → 1000 fen.
    assert parts(classify(item(ItemCategory.A), 3_000, 3_333_300, None)) == (1_000, 0, 0, 0, 1_000)


def test_the_systems_own_rounding_of_a_line_is_its_amount() -> None:
    # 2.5 × 0.0833 = 0.20825 yuan: 20.825 fen, half up 21; a client rounding to even (C# Math.Round) says 21 too,
    # but one truncating says 20: the declared amount is the line's, the parts follow it.
    assert parts(classify(item(ItemCategory.A), 2_500, 83_300, None, 20)) == (20, 0, 0, 0, 20)


def test_a_price_cap_compares_the_exact_price() -> None:
    # Cap 10.00 yuan; one unit at 10.000001 yuan is over it by 0.0001 fen, which rounds to nothing over.
    capped = item(ItemCategory.A, price_cap_fen=1_000)
    assert parts(classify(capped, 1_000, 10_000_001, None)) == (1_000, 0, 0, 0, 1_000)
    # 10.50 yuan against the 10.00 cap, 2 units: 21.00 total, 1.00 over.
    assert parts(classify(capped, 2_000, 10_500_000, None)) == (2_100, 0, 100, 0, 2_000)
