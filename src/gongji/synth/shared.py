"""The province's system accounts (a region's fund, its clearing accounts, memo sources, opening balances): one row per
code however many chunks posted to it, and their balances set once every chunk is written.

Chunks are drawn apart, so a chunk's settlements open the system accounts they post to in the chunk's own scratch
database, under the chunk's own ids, with balances that count that chunk alone. :class:`SharedAccounts` gives each
code one id in the province (opened when a chunk first names it) and moves the chunk's transfers onto it; once every
chunk is written, :func:`settle_balances` sets each system account's running balance on every transfer (a running
sum in id order, as the audit reads them), its balance, its version and when it was opened, in a handful of
statements.

One difference from the same year made through the use cases remains, by construction: a system account's transfers
are numbered chunk by chunk and family by family, not in the clock's order across families, so the running balances
they carry follow that order (the audit holds; the account's balance, version and every person's account are the
same).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gongji.store import tables as t
from gongji.store.bulk import BulkWriter
from gongji.synth.rows import COLUMNS, ChunkRows

__all__ = ["SharedAccounts", "settle_balances"]

_ACCOUNT = {name: index for index, name in enumerate(COLUMNS["accounts"])}
_DEBIT = COLUMNS["transfers"].index("debit_account_id")
_CREDIT = COLUMNS["transfers"].index("credit_account_id")


class SharedAccounts:
    """The system accounts opened so far, by code, numbered from ``first_id``."""

    def __init__(self, first_id: int) -> None:
        self.ids: dict[str, int] = {}
        self.next_id = first_id

    def take(self, writer: BulkWriter, conn: Connection, rows: ChunkRows) -> None:
        """Give the chunk's system accounts their province ids (writing the ones first named now) and move its
        transfers onto them."""
        if not rows.shared:
            return
        moved: dict[int, int] = {}
        opened: list[tuple[Any, ...]] = []
        for local, row in rows.shared.items():
            code = row[_ACCOUNT["code"]]
            if code not in self.ids:
                self.ids[code] = self.next_id
                self.next_id += 1
                fresh = list(row)
                fresh[_ACCOUNT["id"]], fresh[_ACCOUNT["balance_fen"]], fresh[_ACCOUNT["version"]] = self.ids[code], 0, 0
                opened.append(tuple(fresh))
            moved[local] = self.ids[code]
        writer.write(conn, t.accounts, COLUMNS["accounts"], opened)
        transfers = rows.rows["transfers"]
        for index, row in enumerate(transfers):
            debit, credit = row[_DEBIT], row[_CREDIT]
            if debit in moved or credit in moved:
                changed = list(row)
                changed[_DEBIT], changed[_CREDIT] = moved.get(debit, debit), moved.get(credit, credit)
                transfers[index] = tuple(changed)


_STATEMENTS = (
    "DROP TABLE IF EXISTS synth_moves",
    # Every movement of a system account (either side of a transfer), with the running balance after it.
    "CREATE TEMPORARY TABLE synth_moves AS"
    " SELECT id, account, journal_id, side, SUM(delta) OVER (PARTITION BY account ORDER BY id) AS after FROM ("
    "  SELECT tr.id, tr.debit_account_id AS account, tr.journal_id, 0 AS side, -tr.amount_fen AS delta"
    "  FROM transfers tr JOIN accounts a ON a.id = tr.debit_account_id WHERE a.owner_person_id IS NULL"
    "  UNION ALL"
    "  SELECT tr.id, tr.credit_account_id, tr.journal_id, 1, tr.amount_fen"
    "  FROM transfers tr JOIN accounts a ON a.id = tr.credit_account_id WHERE a.owner_person_id IS NULL"
    " ) AS m",
    "CREATE INDEX synth_moves_account ON synth_moves (account, id)",
    "UPDATE transfers SET debit_balance_after_fen = m.after FROM synth_moves m"
    " WHERE m.side = 0 AND transfers.id = m.id",
    "UPDATE transfers SET credit_balance_after_fen = m.after FROM synth_moves m"
    " WHERE m.side = 1 AND transfers.id = m.id",
    "UPDATE accounts SET"
    " balance_fen = COALESCE((SELECT m.after FROM synth_moves m WHERE m.account = accounts.id"
    "  ORDER BY m.id DESC, m.side DESC LIMIT 1), 0),"
    " version = (SELECT COUNT(DISTINCT m.journal_id) FROM synth_moves m WHERE m.account = accounts.id)"
    " WHERE owner_person_id IS NULL",
    # Opened by the first settlement that posted to it: chunks and families are drawn apart, so the first to open
    # it in a scratch database was not always the first in time.
    "UPDATE accounts SET opened_at = (SELECT MIN(j.booked_at) FROM synth_moves m JOIN journals j ON j.id = m.journal_id"
    "  WHERE m.account = accounts.id)"
    " WHERE owner_person_id IS NULL AND EXISTS (SELECT 1 FROM synth_moves m WHERE m.account = accounts.id)",
    "DROP TABLE synth_moves",
)


def settle_balances(writer: BulkWriter) -> None:
    """Every system account's transfers with their running balance, and its balance and version."""
    with writer.transaction() as conn:
        for statement in _STATEMENTS:
            conn.execute(text(statement))
