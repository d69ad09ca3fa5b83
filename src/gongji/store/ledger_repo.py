"""SQL implementation of the ledger repository (:class:`gongji.service.ports.LedgerRepository`): accounts,
journals and transfers.

This module opens and locks accounts and posts journals; the ledger's reads (journals, statements, balances as of a
moment, the auditor's iterations) are in :mod:`gongji.store.ledger_reads`, which :class:`SqlLedger` inherits, with
the helpers that turn rows into domain objects (here and nowhere else).

The ledger's write path is shaped for few round trips: one statement locks and reads the accounts, one inserts the
journal, one (multi-row) inserts the transfers and one updates every touched account's balance and version with a
version check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from gongji.domain.ledger import (
    AccountKind,
    AccountOpening,
    AccountState,
    JournalEntry,
    JournalKind,
    PostedJournal,
    PostedTransfer,
    account_code,
    ledger_code,
    post_transfers,
)
from gongji.service.ports import AccountRow, TransientStoreError
from gongji.store import tables as t
from gongji.store.driver import DriverResult, Prepared, together
from gongji.store.ledger_reads import LedgerReads, account_row_of, account_state_of

__all__ = ["SqlLedger", "opening_values"]

# Statements of the settlement's hot path, built once: building a statement costs more than running it on SQLite.
ACCOUNTS_OF = Prepared(
    select(t.accounts)
    .where(t.accounts.c.owner_person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(t.accounts.c.id)
)
LOCK_ACCOUNTS_OF = Prepared(
    select(t.accounts.c.id)
    .where(t.accounts.c.owner_person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(t.accounts.c.id)
    .with_for_update()
)
_ACCOUNTS_BY_CODE = Prepared(select(t.accounts).where(t.accounts.c.code.in_(bindparam("codes", expanding=True))))
_ACCOUNTS_LOCKED = Prepared(
    select(t.accounts)
    .where(t.accounts.c.id.in_(bindparam("account_ids", expanding=True)))
    .order_by(t.accounts.c.id)
    .with_for_update()
)
_ACCOUNT_BY_CODE = Prepared(select(t.accounts).where(t.accounts.c.code == bindparam("code")))
# Open an account unless it exists; RETURNING gives the new row (none when it existed).
_OPEN_ACCOUNT_SQLITE = Prepared(
    sqlite.insert(t.accounts).on_conflict_do_nothing(index_elements=["code"]).returning(*t.accounts.c)
)
_OPEN_ACCOUNT_PG = Prepared(
    postgresql.insert(t.accounts).on_conflict_do_nothing(index_elements=["code"]).returning(*t.accounts.c)
)
_INSERT_JOURNAL = Prepared(insert(t.journals).returning(t.journals.c.id))
# PostgreSQL: the journal's id drawn from its sequence in the same round trip as the accounts' lock, so that the
# journal's insert needs no answer and rides the next pipeline with the transfers.
_NEXT_JOURNAL_ID = Prepared(select(func.nextval(func.pg_get_serial_sequence("journals", "id")).label("id")))
_INSERT_JOURNAL_WITH_ID = Prepared(insert(t.journals))
_INSERT_TRANSFERS = Prepared(insert(t.transfers))
_SET_BALANCE = Prepared(
    update(t.accounts)
    .where(t.accounts.c.id == bindparam("account_id"), t.accounts.c.version == bindparam("read_version"))
    .values(balance_fen=bindparam("new_balance_fen"), version=t.accounts.c.version + 1)
)


class SqlLedger(LedgerReads):
    """Accounts, journals and transfers in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def open_account(
        self, kind: AccountKind, region: str, owner_person_id: int | None, opened_at: datetime
    ) -> AccountState:
        return self._open(AccountOpening.of(kind, region, owner_person_id, opened_at.year), opened_at)

    def open_named_account(
        self, code: str, kind: AccountKind, region: str, asset: str, owner_person_id: int | None, opened_at: datetime
    ) -> AccountState:
        return self._open(AccountOpening(code, kind, region, asset, owner_person_id), opened_at)

    def _open(self, opening: AccountOpening, opened_at: datetime) -> AccountState:
        found = _ACCOUNT_BY_CODE(self._conn, {"code": opening.code}).mappings().first()
        if found is not None:  # the common case: one statement
            return account_state_of(found)
        return self._insert_or_read(opening, opened_at)

    def _insert_or_read(self, opening: AccountOpening, opened_at: datetime) -> AccountState:
        """Open the account of ``opening``, or read it when a concurrent transaction opened it first."""
        return self._insert_or_read_all([opening], opened_at)[opening.code]

    def _insert_or_read_all(self, openings: Sequence[AccountOpening], opened_at: datetime) -> dict[str, AccountState]:
        """Open these accounts (on PostgreSQL in one round trip), reading those a concurrent transaction opened
        first in one more statement; their states by code."""
        statement = _OPEN_ACCOUNT_PG if self._dialect == "postgresql" else _OPEN_ACCOUNT_SQLITE
        results = together(self._conn, [(statement, opening_values(opening, opened_at)) for opening in openings])
        opened = {row["code"]: account_state_of(row) for result in results for row in result}
        raced = [opening.code for opening in openings if opening.code not in opened]
        if raced:  # they exist: opened by someone else since
            opened.update((code, row.state) for code, row in self.find_accounts_by_code(raced).items())
        return opened

    def open_accounts(self, openings: Iterable[AccountOpening], opened_at: datetime) -> dict[str, AccountState]:
        """The accounts of these natural keys by code: one statement when they all exist (the common case), and
        one more round trip on PostgreSQL for those that have to be opened (two if another transaction raced)."""
        wanted = {opening.code: opening for opening in openings}
        found = {code: row.state for code, row in self.find_accounts_by_code(wanted).items()}
        missing = [opening for code, opening in wanted.items() if code not in found]
        if missing:
            found.update(self._insert_or_read_all(missing, opened_at))
        return found

    def find_account(self, kind: AccountKind, region: str, owner_person_id: int | None) -> AccountRow | None:
        return self.find_account_by_code(account_code(kind, region, owner_person_id))

    def find_account_by_code(self, code: str) -> AccountRow | None:
        row = _ACCOUNT_BY_CODE(self._conn, {"code": code}).mappings().first()
        return account_row_of(row) if row else None

    def accounts_of_person(self, person_id: int) -> list[AccountRow]:
        rows = self._conn.execute(
            select(t.accounts).where(t.accounts.c.owner_person_id == person_id).order_by(t.accounts.c.id)
        ).mappings()
        return [account_row_of(row) for row in rows]

    def accounts_of_people(self, person_ids: Iterable[int], *, lock: bool = False) -> list[AccountRow]:
        """Every account owned by these people, in id order; ``lock`` locks them first (PostgreSQL: FOR UPDATE in
        ascending id order, the order every other lock here follows)."""
        ids = sorted(set(person_ids))
        if lock and self._dialect == "postgresql":
            # Lock first, then read in a new statement: a statement that waited for a lock sees the rows it locked
            # as committed since, but not rows committed meanwhile by the transaction it waited for (a memo account
            # opened by a concurrent settlement). SQLite's BEGIN IMMEDIATE already serialises writers.
            LOCK_ACCOUNTS_OF(self._conn, {"person_ids": ids})
        rows = ACCOUNTS_OF(self._conn, {"person_ids": ids}).mappings()
        return [account_row_of(row) for row in rows]

    def find_accounts_by_code(self, codes: Iterable[str]) -> dict[str, AccountRow]:
        """The accounts that exist of these codes, in one statement."""
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = _ACCOUNTS_BY_CODE(self._conn, {"codes": wanted}).mappings()
        return {row["code"]: account_row_of(row) for row in rows}

    def accounts_by_id(self, account_ids: Iterable[int]) -> list[AccountRow]:
        ids = sorted(set(account_ids))
        rows = self._conn.execute(
            select(t.accounts).where(t.accounts.c.id.in_(ids)).order_by(t.accounts.c.id)
        ).mappings()
        return [account_row_of(row) for row in rows]

    def lock(self, account_ids: Iterable[int]) -> dict[int, AccountState]:
        ids = sorted(set(account_ids))
        # FOR UPDATE in ascending id order: two transactions never wait on each other in a cycle.
        # (SQLite has no row locks; BEGIN IMMEDIATE already holds the database's write lock.)
        return _locked(ids, _ACCOUNTS_LOCKED(self._conn, {"account_ids": ids}))

    def post(self, entry: JournalEntry) -> PostedJournal:
        """The one door money moves through: lock the journal's accounts in ascending id order and read them, check
        and post its transfers (a person's account never below zero: ``INSUFFICIENT_BALANCE``), and write the
        journal, its transfers and every new balance — each balance only if its version is still the one read."""
        journal_id: int | None = None
        if self._dialect == "postgresql" and entry.reverses_journal_id is None:
            # The lock and the journal's id in one round trip; the journal is then written with the transfers.
            ids = sorted(set(entry.account_ids))
            rows, drawn = together(self._conn, [(_ACCOUNTS_LOCKED, {"account_ids": ids}), (_NEXT_JOURNAL_ID, {})])
            locked, journal_id = _locked(ids, rows), int(drawn.scalar_one())
        else:
            locked = self.lock(entry.account_ids)
        posted, balances = post_transfers(locked, entry.transfers)
        journal_id = self._write_journal(
            journal_id=journal_id,
            kind=entry.kind,
            booked_at=entry.booked_at,
            reference=entry.reference,
            note=entry.note,
            person_id=entry.person_id,
            reverses_journal_id=entry.reverses_journal_id,
            transfers=posted,
            locked=locked,
            new_balances=balances,
        )
        return PostedJournal(journal_id, posted, locked, balances)

    def _write_journal(
        self,
        *,
        journal_id: int | None,
        kind: JournalKind,
        booked_at: datetime,
        reference: str | None,
        note: str | None,
        person_id: int | None,
        reverses_journal_id: int | None,
        transfers: Sequence[PostedTransfer],
        locked: dict[int, AccountState],
        new_balances: dict[int, int],
    ) -> int:
        journal = {
            "kind": kind.value,
            "booked_at": booked_at,
            "reference": reference,
            "note": note,
            "person_id": person_id,
            "reverses_journal_id": reverses_journal_id,
        }
        try:
            if journal_id is None:
                journal_id = _INSERT_JOURNAL(self._conn, journal).scalar_one()
            else:  # its id was drawn already: written with the transfers, in the next round trip
                _INSERT_JOURNAL_WITH_ID.defer(self._conn, [{"id": journal_id, **journal}])
        except IntegrityError as exc:
            if reverses_journal_id is not None:
                # Another transaction reversed the same journal first; the retry will see it and refuse.
                raise TransientStoreError("journal reversed concurrently") from exc
            raise
        _INSERT_TRANSFERS.defer(
            self._conn,
            [
                {
                    "journal_id": journal_id,
                    "seq": posted.seq,
                    "ledger": posted.ledger,
                    "debit_account_id": posted.debit_account_id,
                    "credit_account_id": posted.credit_account_id,
                    "amount_fen": posted.amount_fen,
                    "debit_balance_after_fen": posted.debit_balance_after_fen,
                    "credit_balance_after_fen": posted.credit_balance_after_fen,
                }
                for posted in transfers
            ],
        )
        ids = sorted(new_balances)
        # One parameter set per account (executemany: psycopg pipelines it, SQLite loops in C); each row is
        # written only if its version is still the one read under the lock.
        written = _SET_BALANCE.many(
            self._conn,
            [
                {
                    "account_id": account_id,
                    "read_version": locked[account_id].version,
                    "new_balance_fen": new_balances[account_id],
                }
                for account_id in ids
            ],
        )
        if written != len(ids):
            # Someone changed an account we had locked and read: never write over it.
            raise TransientStoreError(f"account versions moved under journal {journal_id}")
        return int(journal_id)

    def set_period_year(self, account_id: int, year: int) -> None:
        self._conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(period_year=year))


def _locked(ids: Sequence[int], rows: DriverResult) -> dict[int, AccountState]:
    """The locked accounts' states by id; every one asked for is there."""
    locked = {row["id"]: account_state_of(row) for row in rows}
    assert len(locked) == len(ids), f"accounts missing: {set(ids) - set(locked)}"
    return locked


def opening_values(opening: AccountOpening, opened_at: datetime) -> dict[str, object]:
    """The row of a new account of ``opening``: empty, version 0."""
    return {
        "code": opening.code,
        "kind": opening.kind.value,
        "region": opening.region,
        "ledger": ledger_code(opening.region, opening.asset),
        "owner_person_id": opening.owner_person_id,
        "must_not_go_negative": opening.kind.person_owned,
        "balance_fen": 0,
        "version": 0,
        "period_year": opening.period_year,
        "opened_at": opened_at,
    }
