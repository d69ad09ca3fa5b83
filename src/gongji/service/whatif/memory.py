"""What a replay reads once per family rather than once per settlement.

A what-if replays a family's settlements one after another (money moves only within a family), and within one
read-only snapshot nothing it reads changes: the patient, her relations as stored, the rows of her family, the
year-start parts of a payer's accounts, and every transfer of the family's accounts. :class:`FamilyMemory` reads each
the first time a settlement asks (the family's settlements themselves all at once) and answers the family's later
settlements from memory — the same values the repositories would give again — and is dropped when the replay moves
on to the next family.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from gongji.domain.people import Person
from gongji.domain.relations import Relation
from gongji.domain.settlement import SettlementRecord
from gongji.domain.visits import Visit
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.settlement.family import Family
from gongji.service.settlement.split import year_start_parts
from gongji.service.settlement_ports import BillRows, FamilyRows

__all__ = ["FamilyKey", "FamilyMemory"]

#: A family as it stood: the patient, the state of each of her relations then, and whether each was live.
FamilyKey = tuple[int, tuple[int, ...], tuple[bool, ...]]


class _Moves:
    """One account's transfers by journal, to answer "the balance just before journal J" as the ledger does: the
    balance after the account's transfer with the largest id among those of journals before J."""

    def __init__(self, moves: list[tuple[int, int, int]]) -> None:
        moves.sort()
        self.journals = [journal for journal, _, _ in moves]
        self.latest: list[tuple[int, int]] = []
        for _, transfer_id, after in moves:
            if not self.latest or transfer_id > self.latest[-1][0]:
                self.latest.append((transfer_id, after))
            else:
                self.latest.append(self.latest[-1])

    def before(self, journal_id: int) -> int:
        count = bisect_left(self.journals, journal_id)
        return self.latest[count - 1][1] if count else 0


class FamilyMemory:
    """One family's reads during a replay (see the module docstring); it answers as a
    :class:`gongji.service.ports.FamilyReader` too."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._people: dict[int, Person | None] = {}
        self._relations: dict[int, list[Relation]] = {}
        self._rows: dict[tuple[tuple[int, ...], tuple[int, ...]], FamilyRows] = {}
        self._moves: dict[int, _Moves] = {}
        self._starts: dict[tuple[tuple[int, ...], int], tuple[int, int]] = {}
        self._records: dict[str, SettlementRecord] = {}
        self._bills: dict[int, tuple[Visit, BillRows]] = {}
        #: Relations as they stood at some moment, by relation, state and order (:mod:`gongji.service.whatif.then`).
        self.relations_then: dict[tuple[int, int, bool], Relation] = {}
        #: Families as they stood, by the patient and her relations' states; each with its variants by her payers'
        #: relations' states (:func:`gongji.service.whatif.then.family_then`).
        self.families_then: dict[FamilyKey, tuple[Family, dict[tuple[int, ...], Family]]] = {}

    def expect(self, setl_ids: Sequence[str]) -> None:
        """Read the family's settlements that will be replayed together, and their visits' bills together."""
        records = self._uow.replays.records(setl_ids)
        self._records |= records
        visits = sorted({r.visit_id for r in records.values() if r.visit_id is not None} - set(self._bills))
        self._bills |= self._uow.replays.bills(visits)

    def record(self, setl_id: str) -> SettlementRecord | None:
        """The settlement (``None``: unknown), read with the family's (:meth:`expect`) or now."""
        found = self._records.get(setl_id)
        return found if found is not None else self._uow.settlements.find(setl_id)

    def bill(self, visit_id: int) -> tuple[Visit, BillRows] | None:
        """The visit and its bill as :meth:`gongji.service.ports.BillReader.read` gives it (no wallet; ``None``: no
        such visit), read with the family's (:meth:`expect`) or now."""
        found = self._bills.get(visit_id)
        if found is None:
            visit = self._uow.visits.get(visit_id)
            if visit is None:
                return None
            read = self._uow.bills.read(visit.id, visit.institution_id, visit.person_id, wallet=False, lock=False)
            found = self._bills[visit_id] = (visit, read)
        return found

    def person(self, person_id: int) -> Person | None:
        """The person (``None``: unknown)."""
        if person_id not in self._people:
            self._people[person_id] = self._uow.people.get(person_id)
        return self._people[person_id]

    def relations_of(self, person_id: int) -> list[Relation]:
        """The person's relations as stored (either side)."""
        found = self._relations.get(person_id)
        if found is None:
            found = self._relations[person_id] = self._uow.relations.of_person(person_id)
        return found

    def read(self, person_ids: Sequence[int], others: Sequence[int], *, lock: bool) -> FamilyRows:
        """The family rows of :meth:`gongji.service.ports.FamilyReader.read` (a replay locks nothing)."""
        assert not lock, "a replay only reads"
        key = (tuple(person_ids), tuple(others))
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = self._uow.families.read(person_ids, others, lock=False)
        return found

    def balances_before(self, account_ids: Sequence[int], journal_id: int) -> dict[int, int]:
        """Each account's balance just before journal ``journal_id`` (0 for one it had not moved), as
        :meth:`gongji.service.whatif.ports.ReplayReader.balances_before` gives it."""
        unread = [account for account in account_ids if account not in self._moves]
        if unread:
            moved = self._uow.replays.movements(unread)
            for account in unread:
                self._moves[account] = _Moves(moved.get(account, []))
        return {account: self._moves[account].before(journal_id) for account in account_ids}

    def year_start_parts(self, uow: UnitOfWork, accounts: Sequence[AccountRow], year: int) -> tuple[int, int]:
        """:func:`gongji.service.settlement.split.year_start_parts`, read once per payer and year."""
        key = (tuple(row.state.id for row in accounts), year)
        found = self._starts.get(key)
        if found is None:
            found = self._starts[key] = year_start_parts(uow, accounts, year)
        return found
