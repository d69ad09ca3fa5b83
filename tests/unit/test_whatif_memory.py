"""A what-if's memory of a family answers "the balance before journal J" as the ledger's running balances do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from gongji.service.ports import UnitOfWork
from gongji.service.whatif.memory import FamilyMemory


class _Replays:
    """Transfers of two accounts as (journal, transfer id, balance after); counts what was asked."""

    def __init__(self) -> None:
        self.asked: list[list[int]] = []
        self.moves = {
            7: [(10, 100, 5_000), (12, 101, 4_200), (15, 140, 3_000)],
            # Transfer ids not in journal order (a bulk load numbers its ranges apart): journal 11's transfer has the
            # larger id, so before journal 13 the balance is the one journal 11 left.
            8: [(11, 250, 900), (12, 120, 1_000)],
        }

    def movements(self, account_ids: Sequence[int]) -> dict[int, list[tuple[int, int, int]]]:
        self.asked.append(list(account_ids))
        return {a: list(self.moves[a]) for a in account_ids if a in self.moves}


class _Uow:
    def __init__(self) -> None:
        self.replays = _Replays()


def test_the_balance_before_a_journal_is_what_the_last_transfer_before_it_left() -> None:
    uow = _Uow()
    memory = FamilyMemory(cast(UnitOfWork, uow))
    assert memory.balances_before([7, 8, 9], 10) == {7: 0, 8: 0, 9: 0}
    assert memory.balances_before([7, 8], 12) == {7: 5_000, 8: 900}
    assert memory.balances_before([7, 8], 13) == {7: 4_200, 8: 900}
    assert memory.balances_before([7], 16) == {7: 3_000}


def test_each_account_is_read_once_for_the_family() -> None:
    uow = _Uow()
    memory = FamilyMemory(cast(UnitOfWork, uow))
    memory.balances_before([7], 13)
    memory.balances_before([7, 8], 13)
    memory.balances_before([8, 7], 20)
    assert uow.replays.asked == [[7], [8]]


def test_families_are_people_linked_by_relations_named_by_their_least_id() -> None:
    from gongji.service.whatif.run import _Families

    # Two chains joined late, in an order that makes a larger id the root first; someone in no relation; ids far
    # beyond the others'.
    pairs = [(9, 7), (7, 12), (3, 5), (12, 5), (40, 41), (1_000_000, 41), (2, 2)]
    families = _Families(iter(pairs))
    assert {p: families.of(p) for p in (3, 5, 7, 9, 12)} == dict.fromkeys((3, 5, 7, 9, 12), 3)
    assert (families.of(41), families.of(1_000_000), families.of(40)) == (40, 40, 40)
    assert (families.of(2), families.of(8), families.of(5_000_000)) == (2, 8, 5_000_000)
