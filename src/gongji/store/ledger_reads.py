"""The ledger's reads, for :class:`gongji.store.ledger_repo.SqlLedger`: journals, account statements, balances as
of a moment and the auditor's iterations over every account, transfer and journal; and the helpers that turn the
ledger's rows into domain objects (here and nowhere else).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from gongji.domain.ledger import AccountKind, AccountState, Journal, JournalKind, PostedTransfer
from gongji.service.ports import AccountRow, JournalHeader, StatementLine, TransferRow
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["LedgerReads"]

# An account's last transfer booked by a moment (its balance then), built once: the year-start parts of a yearly share
# ask it for every payer. Each parameter is named once (a prepared statement binds a name at one place).
_LAST_TRANSFER_BY = Prepared(
    select(
        t.transfers.c.debit_account_id, t.transfers.c.debit_balance_after_fen, t.transfers.c.credit_balance_after_fen
    )
    .join(t.journals, t.journals.c.id == t.transfers.c.journal_id)
    .where(
        or_(
            t.transfers.c.debit_account_id == bindparam("debit_account"),
            t.transfers.c.credit_account_id == bindparam("credit_account"),
        ),
        t.journals.c.booked_at <= bindparam("moment", type_=t.journals.c.booked_at.type),
    )
    .order_by(t.transfers.c.id.desc())
    .limit(1)
)


def account_state_of(row: Any) -> AccountState:
    """An ``accounts`` row as the ledger core's account state (balance, version, kind, ledger)."""
    return AccountState(
        id=row["id"],
        kind=AccountKind(row["kind"]),
        ledger=row["ledger"],
        owner_person_id=row["owner_person_id"],
        balance_fen=row["balance_fen"],
        version=row["version"],
    )


def account_row_of(row: Any) -> AccountRow:
    """An ``accounts`` row as the ledger port's account row (its state and how it was opened)."""
    return AccountRow(
        state=account_state_of(row),
        region=row["region"],
        period_year=row["period_year"],
        opened_at=row["opened_at"],
        code=row["code"],
    )


def _posted(row: Any) -> PostedTransfer:
    return PostedTransfer(
        seq=row["seq"],
        debit_account_id=row["debit_account_id"],
        credit_account_id=row["credit_account_id"],
        amount_fen=row["amount_fen"],
        ledger=row["ledger"],
        debit_balance_after_fen=row["debit_balance_after_fen"],
        credit_balance_after_fen=row["credit_balance_after_fen"],
    )


class LedgerReads:
    """The reading half of :class:`gongji.store.ledger_repo.SqlLedger` (a mixin on its connection)."""

    _conn: Connection

    def get_journal(self, journal_id: int) -> Journal | None:
        header = self._conn.execute(select(t.journals).where(t.journals.c.id == journal_id)).mappings().first()
        if header is None:
            return None
        rows = self._conn.execute(
            select(t.transfers).where(t.transfers.c.journal_id == journal_id).order_by(t.transfers.c.seq)
        ).mappings()
        return Journal(
            id=header["id"],
            kind=JournalKind(header["kind"]),
            booked_at=header["booked_at"],
            reference=header["reference"],
            reverses_journal_id=header["reverses_journal_id"],
            transfers=tuple(_posted(row) for row in rows),
        )

    def reversal_of(self, journal_id: int) -> int | None:
        return self._conn.execute(
            select(t.journals.c.id).where(t.journals.c.reverses_journal_id == journal_id)
        ).scalar_one_or_none()

    def current_parts_before(self, year: int, *, after_id: int, limit: int) -> list[AccountRow]:
        rows = self._conn.execute(
            select(t.accounts)
            .where(
                t.accounts.c.kind == AccountKind.PERSONAL_CURRENT.value,
                t.accounts.c.period_year < year,
                t.accounts.c.id > after_id,
            )
            .order_by(t.accounts.c.id)
            .limit(limit)
        ).mappings()
        return [account_row_of(row) for row in rows]

    def balance_as_of(self, account_id: int, moment: datetime) -> int:
        given = {"debit_account": account_id, "credit_account": account_id, "moment": moment}
        row = _LAST_TRANSFER_BY(self._conn, given).first()
        if row is None:
            return 0
        debit = row["debit_account_id"] == account_id
        return int(row["debit_balance_after_fen"] if debit else row["credit_balance_after_fen"])

    def statement(self, account_ids: Sequence[int], start: datetime, end: datetime) -> list[StatementLine]:
        wanted = set(account_ids)
        debit_acct = t.accounts.alias("debit_acct")
        credit_acct = t.accounts.alias("credit_acct")
        rows = self._conn.execute(
            select(
                t.transfers,
                t.journals.c.kind.label("journal_kind"),
                t.journals.c.booked_at,
                t.journals.c.reference,
                t.journals.c.reverses_journal_id,
                t.journals.c.person_id.label("journal_person_id"),
                debit_acct.c.kind.label("debit_kind"),
                credit_acct.c.kind.label("credit_kind"),
            )
            .join(t.journals, t.journals.c.id == t.transfers.c.journal_id)
            .join(debit_acct, debit_acct.c.id == t.transfers.c.debit_account_id)
            .join(credit_acct, credit_acct.c.id == t.transfers.c.credit_account_id)
            .where(
                or_(t.transfers.c.debit_account_id.in_(wanted), t.transfers.c.credit_account_id.in_(wanted)),
                t.journals.c.booked_at >= start,
                t.journals.c.booked_at < end,
            )
            .order_by(t.transfers.c.id)
        ).mappings()
        lines: list[StatementLine] = []
        for row in rows:
            common = {
                "journal_id": row["journal_id"],
                "transfer_id": row["id"],
                "booked_at": row["booked_at"],
                "journal_kind": JournalKind(row["journal_kind"]),
                "reference": row["reference"],
                "reverses_journal_id": row["reverses_journal_id"],
                "journal_person_id": row["journal_person_id"],
            }
            if row["debit_account_id"] in wanted:
                lines.append(
                    StatementLine(
                        **common,
                        account_id=row["debit_account_id"],
                        account_kind=AccountKind(row["debit_kind"]),
                        amount_fen=-row["amount_fen"],
                        balance_after_fen=row["debit_balance_after_fen"],
                        counter_account_kind=AccountKind(row["credit_kind"]),
                    )
                )
            if row["credit_account_id"] in wanted:
                lines.append(
                    StatementLine(
                        **common,
                        account_id=row["credit_account_id"],
                        account_kind=AccountKind(row["credit_kind"]),
                        amount_fen=row["amount_fen"],
                        balance_after_fen=row["credit_balance_after_fen"],
                        counter_account_kind=AccountKind(row["debit_kind"]),
                    )
                )
        return lines

    def all_accounts(self) -> list[AccountRow]:
        rows = self._conn.execute(select(t.accounts).order_by(t.accounts.c.id)).mappings()
        return [account_row_of(row) for row in rows]

    def iter_transfers(self) -> Iterator[TransferRow]:
        query = select(t.transfers).order_by(t.transfers.c.id).execution_options(yield_per=5000)
        result = self._conn.execute(query)
        for row in result.mappings():
            yield TransferRow(id=row["id"], journal_id=row["journal_id"], transfer=_posted(row))

    def all_journals(self) -> list[JournalHeader]:
        rows = self._conn.execute(select(t.journals).order_by(t.journals.c.id)).mappings()
        return [
            JournalHeader(
                id=row["id"],
                kind=JournalKind(row["kind"]),
                booked_at=row["booked_at"],
                reference=row["reference"],
                reverses_journal_id=row["reverses_journal_id"],
                person_id=row["person_id"],
            )
            for row in rows
        ]

    def count_journals(self) -> int:
        """How many journals exist (for reports and benchmarks)."""
        return int(self._conn.execute(select(func.count()).select_from(t.journals)).scalar_one())
