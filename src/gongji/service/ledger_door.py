"""Posting a journal from account keys: find or open the accounts, then post through the ledger's one door
(``uow.ledger.post``: lock in id order, check, write).

The wallet's use cases move money through here; a move names its two accounts by natural key
(:class:`~gongji.domain.ledger.AccountOpening`) and the amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from gongji.domain.ledger import (
    AccountKind,
    AccountOpening,
    JournalEntry,
    JournalKind,
    PostedTransfer,
    TransferSpec,
)
from gongji.service.ports import UnitOfWork

__all__ = ["Move", "Posted", "across_regions", "memo_source", "post_moves", "system_account"]

#: A transfer by account keys: ``amount_fen`` from the first account to the second.
Move = tuple[AccountOpening, AccountOpening, int]


@dataclass(frozen=True)
class Posted:
    """A journal as written: its id and transfers."""

    journal_id: int
    transfers: list[PostedTransfer]


@lru_cache(maxsize=4096)
def system_account(kind: AccountKind, region: str, year: int) -> AccountOpening:
    """A system account of a region (the fund, a clearing account); a value, remembered."""
    return AccountOpening.of(kind, region, None, year)


@lru_cache(maxsize=4096)
def memo_source(region: str, asset: str) -> AccountOpening:
    """The account a memo ledger's balances come from (its other side); a value, remembered."""
    return AccountOpening(f"SYS:{region}:memo_source:{asset}", AccountKind.MEMO_SOURCE, region, asset)


def across_regions(
    source: AccountOpening, from_region: str, target: AccountOpening, to_region: str, amount: int, year: int
) -> list[Move]:
    """Money from an account of ``from_region`` to one of ``to_region``: directly in one region, else through both
    regions' transfer clearing accounts (so each region's ledger still sums to zero), the way a region move crosses."""
    if from_region == to_region:
        return [(source, target, amount)]
    out = system_account(AccountKind.REGION_TRANSFER, from_region, year)
    into = system_account(AccountKind.REGION_TRANSFER, to_region, year)
    return [(source, out, amount), (into, target, amount)]


def post_moves(
    uow: UnitOfWork,
    moves: Sequence[Move],
    *,
    kind: JournalKind,
    at: datetime,
    reference: str | None,
    person_id: int | None,
    note: str | None = None,
) -> Posted:
    """Write ``moves`` as one journal: every account found or opened, all locked in ascending id order, balances
    checked (a person's account never below zero: ``INSUFFICIENT_BALANCE``) and written with the transfers."""
    moves = [move for move in moves if move[2] > 0]
    assert moves, "a journal needs at least one transfer"
    accounts = uow.ledger.open_accounts([opening for move in moves for opening in move[:2]], at)
    specs = [TransferSpec(accounts[debit.code].id, accounts[credit.code].id, amount) for debit, credit, amount in moves]
    entry = JournalEntry(kind, at, specs, reference=reference, note=note, person_id=person_id)
    written = uow.ledger.post(entry)
    return Posted(written.journal_id, written.transfers)
