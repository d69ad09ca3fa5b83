"""The fraud rules on plain facts: each finds its pattern, leaves the ordinary alone, scores more for more, and finds
the same signal again when run again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from gongji.service.clock import SHANGHAI
from gongji.service.signals.rules import (
    AidPayment,
    Binding,
    BuyerVisit,
    FactsOutOfOrder,
    PlacedVisit,
    account_drained,
    binding_churn,
    card_many_buyers,
    card_two_regions,
    many_beneficiaries,
)

T0 = datetime(2026, 5, 4, 14, 0, tzinfo=SHANGHAI)


def _buy(person: int, minutes: int, buyer: str, start: datetime = T0) -> BuyerVisit:
    return BuyerVisit(person, "130100", start + timedelta(minutes=minutes), buyer, f"v{person}-{minutes}")


def test_two_buyers_of_one_card_within_an_hour_are_a_signal_and_more_buyers_late_at_night_score_more() -> None:
    late = T0.replace(hour=22)
    found = card_many_buyers(
        [
            _buy(1, 0, "A"), _buy(1, 20, "B"),  # two buyers in 20 minutes
            _buy(2, 0, "A"), _buy(2, 180, "B"),  # three hours apart: ordinary
            _buy(3, 0, "A", late), _buy(3, 5, "B", late), _buy(3, 9, "C", late),
            _buy(4, 0, "A"), _buy(4, 10, "A"),  # one buyer twice: a neighbour helping
        ]
    )  # fmt: skip
    by_person = {f.subject_id: f for f in found}
    assert set(by_person) == {1, 3}
    assert by_person[3].score > by_person[1].score
    assert by_person[1].evidence["buyers"] == ["A", "B"]  # masked: these test numbers are shorter than four
    assert card_many_buyers([_buy(1, 0, "A"), _buy(1, 20, "B")])[0].fingerprint == by_person[1].fingerprint


def test_a_card_at_institutions_of_two_regions_within_three_hours_is_a_signal() -> None:
    def visit(person: int, hours: float, place: str) -> PlacedVisit:
        return PlacedVisit(person, "130100", T0 + timedelta(hours=hours), place, f"v{person}-{hours}")

    found = card_two_regions(
        [
            visit(1, 0, "130100"), visit(1, 1.5, "131100"),
            visit(2, 0, "130100"), visit(2, 30, "131100"),  # a day and more apart: a trip
            visit(3, 0, "130100"), visit(3, 1, "130100"),  # one region
        ]
    )  # fmt: skip
    assert [f.subject_id for f in found] == [1]
    assert found[0].evidence["pairs"][0]["then_place"] == "131100"


def _paid(relation: int, hours: float, amount: int, before: int, beneficiary: int = 9) -> AidPayment:
    return AidPayment(relation, 7, beneficiary, "130100", T0 + timedelta(hours=hours), amount, before, f"s{hours}")


def test_an_account_emptied_in_three_payments_within_two_days_is_a_signal_and_one_large_bill_is_not() -> None:
    found = account_drained(
        [
            _paid(1, 0, 80_000, 400_000), _paid(1, 5, 90_000, 320_000), _paid(1, 30, 70_000, 230_000),
            _paid(2, 0, 350_000, 400_000, beneficiary=10),  # one stay's bill: not a drain
            _paid(3, 0, 20_000, 400_000, beneficiary=11), _paid(3, 1, 20_000, 380_000, beneficiary=11),
            _paid(3, 2, 20_000, 360_000, beneficiary=11),  # three small purchases: 15 %
        ]
    )  # fmt: skip
    assert [(f.subject_id, f.score) for f in found] == [(9, 60)]
    assert found[0].evidence["spent_fen"] == 240_000


def _binding(relation: int, authoriser: int, status: str = "active", ended_days: int | None = None) -> Binding:
    ended = T0 - timedelta(days=ended_days) if ended_days is not None else None
    return Binding(
        relation, authoriser, 100 + relation, "130100", status, T0 - timedelta(days=400), ended, ended is not None
    )


def test_many_beneficiaries_and_churn_are_counted_per_authoriser() -> None:
    bindings = [_binding(n, 1) for n in range(7)] + [_binding(10 + n, 2) for n in range(5)]
    bindings += [_binding(20, 3, "ended", 30), _binding(21, 3, "ended", 200), _binding(22, 4, "ended", 500)]
    day = date(2026, 5, 4)
    assert [(f.subject_id, f.score) for f in many_beneficiaries(bindings, day)] == [(1, 100)]  # 7 × 15, at most 100
    assert [f.score for f in many_beneficiaries(bindings, day, limit=5)] == [100, 75]
    assert [f.subject_id for f in binding_churn(bindings, day)] == [3]


def test_facts_out_of_their_subjects_order_are_refused_rather_than_a_subject_found_twice() -> None:
    """The store streams each subject's facts together; two runs of one card would make two signals of it."""
    with pytest.raises(FactsOutOfOrder, match="subject 1 after 2"):
        card_many_buyers([_buy(1, 0, "A"), _buy(2, 0, "A"), _buy(1, 20, "B")])
    with pytest.raises(FactsOutOfOrder):
        many_beneficiaries([_binding(1, 2), _binding(2, 1)], date(2026, 5, 4))
    # Within a subject, any order: the rule puts each subject's facts in time order itself.
    assert [f.subject_id for f in card_many_buyers([_buy(1, 40, "B"), _buy(1, 0, "A"), _buy(1, 20, "C")])] == [1]
