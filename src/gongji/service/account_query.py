"""Reading personal accounts and the wallet: balances (now or at the end of a day), a statement of every movement
in a period, one stored journal with its transfers, and what a relation's quota has paid in a year.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound
from gongji.domain.ledger import AccountKind, quota_used_code
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.views import (
    AccountBalanceView,
    BalancesView,
    JournalView,
    StatementLineView,
    StatementView,
    TransferView,
)

__all__ = ["balances", "journal_view", "quota_used", "statement"]


def _names(uow: UnitOfWork, account_ids: set[int]) -> dict[int, AccountRow]:
    return {row.state.id: row for row in uow.ledger.accounts_by_id(account_ids)}


def journal_view(uow: UnitOfWork, journal_id: int) -> JournalView:
    """A stored journal with its transfers and the accounts named."""
    journal = uow.ledger.get_journal(journal_id)
    if journal is None:
        raise NotFound(ErrorCode.JOURNAL_NOT_FOUND, journal_id=journal_id)
    ids = {t.debit_account_id for t in journal.transfers} | {t.credit_account_id for t in journal.transfers}
    named = _names(uow, ids)
    person_id = next((row.state.owner_person_id for row in named.values() if row.state.owner_person_id), None)
    return JournalView(
        journal_id=journal.id,
        kind=journal.kind.value,
        kind_zh=journal.kind.zh,
        booked_at=journal.booked_at,
        reference=journal.reference,
        reverses_journal_id=journal.reverses_journal_id,
        person_id=person_id,
        transfers=[
            TransferView(
                seq=t.seq,
                debit_account_id=t.debit_account_id,
                debit_account=f"{named[t.debit_account_id].state.kind.zh} {named[t.debit_account_id].region}",
                credit_account_id=t.credit_account_id,
                credit_account=f"{named[t.credit_account_id].state.kind.zh} {named[t.credit_account_id].region}",
                amount_fen=t.amount_fen,
                debit_balance_after_fen=t.debit_balance_after_fen,
                credit_balance_after_fen=t.credit_balance_after_fen,
            )
            for t in journal.transfers
        ],
    )


def quota_used(uow: UnitOfWork, relation_id: int, year: int) -> int:
    """What a relation's quota has paid in a year: the balance of its memo account (0 before its first payment)."""
    row = uow.ledger.find_account_by_code(quota_used_code(relation_id, year))
    return row.state.balance_fen if row else 0


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI) - timedelta(microseconds=1)


def _balances(uow: UnitOfWork, person: Person, as_of: datetime, *, historical: bool) -> BalancesView:
    rows = [row for row in uow.ledger.accounts_of_person(person.id) if not row.state.kind.is_memo]
    views = [
        AccountBalanceView(
            account_id=row.state.id,
            kind=row.state.kind.value,
            kind_zh=row.state.kind.zh,
            region=row.region,
            balance_fen=uow.ledger.balance_as_of(row.state.id, as_of) if historical else row.state.balance_fen,
            period_year=row.period_year,
        )
        for row in rows
    ]

    def total(kind: AccountKind) -> int:
        return sum(v.balance_fen for v in views if v.kind == kind.value)

    prior, current = total(AccountKind.PERSONAL_PRIOR), total(AccountKind.PERSONAL_CURRENT)
    return BalancesView(
        person_id=person.id,
        psn_no=person.psn_no,
        name=person.name,
        as_of=as_of,
        accounts=views,
        personal_account_fen=prior + current,
        prior_years_fen=prior,
        current_year_fen=current,
        wallet_fen=total(AccountKind.WALLET),
    )


def balances(ctx: Context, person_ref: str, *, on: date | None = None) -> BalancesView:
    """A person's account balances now, or at the end of the day ``on``."""

    def handler(uow: UnitOfWork) -> BalancesView:
        person = resolve_person(uow, person_ref)
        if on is None:
            return _balances(uow, person, ctx.clock.now(), historical=False)
        return _balances(uow, person, _end_of_day(on), historical=True)

    return ctx.read(handler)


def statement(ctx: Context, person_ref: str, *, start: date, end: date) -> StatementView:
    """Every movement on a person's accounts from ``start`` to ``end`` (both days included), with the
    balance after each, and the opening and closing totals of the personal account and wallet."""
    if end < start:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="period",
            reason=Phrase.PERIOD_ENDS_BEFORE_START,
        )
    start_at = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    end_at = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)

    def handler(uow: UnitOfWork) -> StatementView:
        person = resolve_person(uow, person_ref)
        rows = [row for row in uow.ledger.accounts_of_person(person.id) if not row.state.kind.is_memo]
        ids = [row.state.id for row in rows]
        opening = sum(uow.ledger.balance_as_of(i, start_at - timedelta(microseconds=1)) for i in ids)
        closing = sum(uow.ledger.balance_as_of(i, end_at - timedelta(microseconds=1)) for i in ids)
        names: dict[int, str] = {person.id: person.name}

        def paid_for(person_id: int | None) -> str | None:
            if person_id is None or person_id == person.id:
                return None
            if person_id not in names:
                other = uow.people.get(person_id)
                names[person_id] = other.name if other else str(person_id)
            return names[person_id]

        lines = [
            StatementLineView(
                booked_at=line.booked_at,
                journal_id=line.journal_id,
                kind=line.journal_kind.value,
                kind_zh=line.journal_kind.zh,
                account=line.account_kind.value,
                account_zh=line.account_kind.zh,
                amount_fen=line.amount_fen,
                balance_after_fen=line.balance_after_fen,
                counterparty=line.counter_account_kind.value,
                counterparty_zh=line.counter_account_kind.zh,
                reference=line.reference,
                reverses_journal_id=line.reverses_journal_id,
                paid_for=paid_for(line.journal_person_id),
            )
            for line in uow.ledger.statement(ids, start_at, end_at)
        ]
        return StatementView(
            person_id=person.id,
            psn_no=person.psn_no,
            name=person.name,
            start=start,
            end=end,
            opening_fen=opening,
            closing_fen=closing,
            lines=lines,
        )

    return ctx.read(handler)
