"""Fraud injected into a synthetic year of care: each pattern has the shape the signals are to find, its buyers are
other people with valid ID numbers, the rate is respected, and the same seed injects the same cases."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from gongji.domain.codes import MedType, RelationType
from gongji.domain.identity import ResidentId
from gongji.service.clock import SHANGHAI
from gongji.synth.fraud import Injected, Pattern, Truth, fictitious, inject

REGIONS = ("130100", "131100")


def _cases(pattern: Pattern, count: int = 60) -> list[tuple[list[Injected], Truth]]:
    found = []
    for n in range(2_000):
        visits, truth = inject(random.Random(f"case:{n}"), 1.0, n, "130100", REGIONS, 2026)
        if truth is not None and truth.pattern is pattern:
            found.append((visits, truth))
        if len(found) == count:
            break
    return found


def test_a_lent_card_buys_in_late_evening_bursts_at_pharmacies_each_time_for_another_buyer() -> None:
    for visits, truth in _cases(Pattern.CARD_LENT):
        assert truth.visits == len(visits) >= 2
        assert all(v.med_type is MedType.PHARMACY_PURCHASE and v.level == "pharmacy" for v in visits)
        assert all(v.at.hour >= 22 for v in visits)
        buyers = [v.buyer for v in visits]
        assert all(b is not None for b in buyers)
        assert len({b[1] for b in buyers if b}) == len(buyers)  # a different buyer each time
        for buyer in buyers:
            assert buyer is not None
            ResidentId.parse(buyer[1])  # a valid ID number: raises if its check character were wrong


def test_a_drain_is_several_large_purchases_at_one_pharmacy_within_two_days() -> None:
    for visits, _ in _cases(Pattern.DRAIN):
        assert 3 <= len(visits) <= 6
        assert visits[-1].at - visits[0].at <= timedelta(days=2)
        assert sum(v.parts.medfee_sumamt_fen for v in visits) / len(visits) > 50_000  # 500 元 and more
        assert all(v.buyer is None for v in visits)


def test_a_distant_use_puts_the_card_in_two_regions_within_two_hours() -> None:
    for visits, _ in _cases(Pattern.DISTANT):
        pairs = list(zip(visits[::2], visits[1::2], strict=True))
        assert len(pairs) >= 2
        for first, second in pairs:
            assert {first.region, second.region} == set(REGIONS)
            assert timedelta(0) < second.at - first.at <= timedelta(hours=2)
            assert first.level == second.level == "3"


def test_the_rate_is_respected_and_every_pattern_is_drawn() -> None:
    drawn = [inject(random.Random(f"rate:{n}"), 0.1, n, "130100", REGIONS, 2026)[1] for n in range(5_000)]
    cases = [truth for truth in drawn if truth is not None]
    assert 400 <= len(cases) <= 600
    # Every pattern of a year of care; a fictitious relative is a binding, injected apart.
    assert set(Counter(case.pattern for case in cases)) == set(Pattern) - {Pattern.FICTITIOUS}
    assert inject(random.Random("none"), 0.0, 1, "130100", REGIONS, 2026) == ([], None)


def test_a_fictitious_relative_is_someone_of_the_family_stated_as_what_he_is_not() -> None:
    """An employee (2) of a family of four binds someone he has not asked for, under a kinship not theirs."""
    members = [(1, False), (2, True), (3, False), (4, False)]
    asked = [(datetime(2026, 3, 1, 10, tzinfo=SHANGHAI), (2, 3, RelationType.CHILD))]
    truly = {(2, 1): RelationType.PARENT, (2, 3): RelationType.CHILD, (2, 4): RelationType.SPOUSE}
    requests = [
        fictitious(random.Random(n), 1.0, members, asked, lambda a, b: truly.get((a, b)), 2026) for n in range(200)
    ]
    assert all(len(found) == 1 for found in requests)
    for [(at, (authoriser, beneficiary, stated))] in requests:
        assert authoriser == 2
        assert beneficiary in (1, 4)  # not himself, not the child he asked for already
        assert stated is not truly[(2, beneficiary)]
        assert at.year == 2026
    assert fictitious(random.Random(1), 0.0, members, asked, lambda a, b: None, 2026) == []
    assert fictitious(random.Random(1), 1.0, [(1, False), (3, False)], [], lambda a, b: None, 2026) == []


def test_the_same_seed_injects_the_same_case() -> None:
    def one() -> tuple[list[Injected], Truth | None]:
        return inject(random.Random("same"), 1.0, 7, "131100", REGIONS, 2026)

    assert one() == one()
