"""The province's system accounts (a region's fund, its clearing accounts, memo sources, opening balances): one row per
code however many chunks posted to it, each transfer carrying its running balance, and their balances, versions and
opening times set once every chunk is written.

Chunks are drawn apart, so a chunk's settlements open the system accounts they post to in the chunk's own scratch
database, under the chunk's own ids, with balances that count that chunk alone; and the opening balances a chunk's
people bring debit their region's opening-balance account with no running balance at all. :class:`SharedAccounts`
gives each code one id in the province (opened when a chunk first names it), moves the chunk's transfers onto it, and
writes on each transfer the running balance of every system account it moves, as the chunks are written (in the
order of their ids, which is each account's order: see :meth:`SharedAccounts.take`); :meth:`SharedAccounts.settle`
then stores each account's balance, version and opening time in one statement per account.

One difference from the same year made through the use cases remains, by construction: a system account's transfers
are numbered chunk by chunk and family by family, not in the clock's order across families, so the running balances
they carry follow that order (the audit holds; the account's balance, version and every person's account are the
same).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from gongji.store import tables as t
from gongji.store.bulk import BulkWriter
from gongji.synth.rows import COLUMNS, ChunkRows

__all__ = ["SharedAccounts"]

_ACCOUNT = {name: index for index, name in enumerate(COLUMNS["accounts"])}
_TRANSFER = {name: index for index, name in enumerate(COLUMNS["transfers"])}
_ID, _JOURNAL, _AMOUNT = _TRANSFER["id"], _TRANSFER["journal_id"], _TRANSFER["amount_fen"]
_DEBIT, _CREDIT = _TRANSFER["debit_account_id"], _TRANSFER["credit_account_id"]
_DEBIT_AFTER, _CREDIT_AFTER = _TRANSFER["debit_balance_after_fen"], _TRANSFER["credit_balance_after_fen"]
_JOURNAL_ID, _BOOKED_AT = COLUMNS["journals"].index("id"), COLUMNS["journals"].index("booked_at")

#: What :meth:`SharedAccounts.settle` sets of each system account; the time as the driver stores it (it came from the
#: chunks' prepared rows).
_SETTLED = ("balance_fen", "version", "opened_at")


@dataclass
class _Running:
    """One system account's moves so far: its balance, the journals that touched it, the earliest of their times
    (as the driver stores them), and the last transfer and journal (each account's transfers come in id order)."""

    balance: int = 0
    version: int = 0
    opened: Any = None
    last_transfer: int = 0
    last_journal: int = 0

    def move(self, transfer: int, journal: int, delta: int, booked: Any) -> int:
        """The balance after a transfer of ``delta`` in ``journal`` (booked at ``booked``)."""
        assert transfer >= self.last_transfer, "a system account's transfers are written in the order of their ids"
        self.last_transfer = transfer
        self.balance += delta
        if journal != self.last_journal:  # a journal's transfers are consecutive
            self.version += 1
            self.last_journal = journal
            if self.opened is None or booked < self.opened:
                self.opened = booked
        return self.balance


class SharedAccounts:
    """The system accounts the chunks opened so far, by code, numbered from ``first_id``, beside those open before
    the load (``existing``, by id: the regions' opening-balance accounts among them); and the running balance of each
    (the database holds no transfers before a load)."""

    def __init__(self, first_id: int, existing: Iterable[int] = ()) -> None:
        self.ids: dict[str, int] = {}
        self.next_id = first_id
        self._running: dict[int, _Running] = {account: _Running() for account in existing}

    def take(self, writer: BulkWriter, conn: Connection, rows: ChunkRows) -> None:
        """Give the chunk's system accounts their province ids (writing the ones first named now), move its
        transfers onto them, and write on each transfer the running balance of each system account it moves. The
        chunks come in order, and within a chunk the transfers are in id order: a person's opening balance in
        the order of the people, the care's in the order the scratch database gave them (each chunk's above the
        last chunk's); no account has transfers of both kinds."""
        moved = self._open(writer, conn, rows)
        running = self._running
        transfers = rows.rows["transfers"]
        booked: dict[int, Any] | None = None
        for index, row in enumerate(transfers):
            debit, credit = row[_DEBIT], row[_CREDIT]
            if moved:
                debit, credit = moved.get(debit, debit), moved.get(credit, credit)
            debits, credits = running.get(debit), running.get(credit)
            if debits is None and credits is None:
                continue
            if booked is None:
                booked = {journal[_JOURNAL_ID]: journal[_BOOKED_AT] for journal in rows.rows["journals"]}
            transfer, journal, amount = row[_ID], row[_JOURNAL], row[_AMOUNT]
            changed = list(row)
            changed[_DEBIT], changed[_CREDIT] = debit, credit
            if debits is not None:
                changed[_DEBIT_AFTER] = debits.move(transfer, journal, -amount, booked[journal])
            if credits is not None:
                changed[_CREDIT_AFTER] = credits.move(transfer, journal, amount, booked[journal])
            transfers[index] = tuple(changed)

    def _open(self, writer: BulkWriter, conn: Connection, rows: ChunkRows) -> dict[int, int]:
        """The province id of each system account the chunk opened (by the chunk's own id), those named for the
        first time written now."""
        if not rows.shared:
            return {}
        moved: dict[int, int] = {}
        opened: list[tuple[Any, ...]] = []
        for local, row in rows.shared.items():
            code = row[_ACCOUNT["code"]]
            if code not in self.ids:
                self.ids[code] = self.next_id
                self._running[self.next_id] = _Running()
                self.next_id += 1
                fresh = list(row)
                fresh[_ACCOUNT["id"]], fresh[_ACCOUNT["balance_fen"]], fresh[_ACCOUNT["version"]] = self.ids[code], 0, 0
                opened.append(tuple(fresh))
            moved[local] = self.ids[code]
        writer.write(conn, t.accounts, COLUMNS["accounts"], opened)
        return moved

    def settle(self, writer: BulkWriter) -> None:
        """Once every chunk is written: each system account's balance and version, and its opening time that of
        the first journal that touched it (chunks and families are drawn apart, so the first to open it in a scratch
        database was not always the first in time)."""
        settled = [
            (account, moves.balance, moves.version, moves.opened)
            for account, moves in self._running.items()
            if moves.version
        ]
        if settled:
            with writer.transaction() as conn:
                writer.update(conn, t.accounts, _SETTLED, settled)
