"""Use cases about money in personal accounts: credit, reverse, year rollover, balances and statements.

The current-year part (当年账户) belongs to one year; on 1 January its balance moves to the prior-years part
(历年账户). That move happens in the batch ``rollover`` and, so that no credit of a new year lands in last
year's part, also just before any credit booked in a later year than the part belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from gongji.domain.codes import Insutype
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.ledger import (
    AccountKind,
    AccountState,
    JournalEntry,
    JournalKind,
    PostedTransfer,
    TransferSpec,
    mirror,
    quota_used_code,
)
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.enrollment import active_enrollment
from gongji.service.people import resolve_person
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.views import (
    AccountBalanceView,
    BalancesView,
    JournalView,
    RolloverResult,
    StatementLineView,
    StatementView,
    TransferView,
)

__all__ = [
    "ROLLOVER_BATCH",
    "CreditAccount",
    "CreditKind",
    "Part",
    "ReverseJournal",
    "balances",
    "credit_account",
    "journal_view",
    "quota_used",
    "reverse_journal",
    "roll_over_account",
    "rollover",
    "statement",
]

#: Accounts rolled over per transaction in the batch rollover.
ROLLOVER_BATCH = 500
MAX_REFERENCE_CHARS = 200


class Part(StrEnum):
    """Which part of the personal account."""

    PRIOR_YEARS = "prior-years"
    CURRENT_YEAR = "current-year"

    @property
    def account_kind(self) -> AccountKind:
        """The ledger account kind of this part."""
        return AccountKind.PERSONAL_PRIOR if self is Part.PRIOR_YEARS else AccountKind.PERSONAL_CURRENT


class CreditKind(StrEnum):
    """Where credited money comes from."""

    CONTRIBUTION = "contribution"
    OPENING_BALANCE = "opening-balance"


@dataclass(frozen=True)
class CreditAccount:
    """Credit an employee's personal account: a contribution (into the current-year part) or an opening
    balance taken over from a previous system (into either part)."""

    person: str
    amount_fen: int
    reference: str
    part: Part = Part.CURRENT_YEAR
    kind: CreditKind = CreditKind.CONTRIBUTION


@dataclass(frozen=True)
class ReverseJournal:
    """Reverse a credit with a mirror journal."""

    journal_id: int
    reason: str


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


def _written_view(
    journal_id: int,
    kind: JournalKind,
    booked_at: datetime,
    reference: str | None,
    reverses_journal_id: int | None,
    posted: list[PostedTransfer],
    accounts: Mapping[int, AccountState],
) -> JournalView:
    """The view of a journal just written, from what the use case already holds (no read back)."""

    def name(account_id: int) -> str:
        state = accounts[account_id]
        return f"{state.kind.zh} {state.ledger.split(':')[0]}"

    return JournalView(
        journal_id=journal_id,
        kind=kind.value,
        kind_zh=kind.zh,
        booked_at=booked_at,
        reference=reference,
        reverses_journal_id=reverses_journal_id,
        person_id=next((a.owner_person_id for a in accounts.values() if a.owner_person_id is not None), None),
        transfers=[
            TransferView(
                seq=t.seq,
                debit_account_id=t.debit_account_id,
                debit_account=name(t.debit_account_id),
                credit_account_id=t.credit_account_id,
                credit_account=name(t.credit_account_id),
                amount_fen=t.amount_fen,
                debit_balance_after_fen=t.debit_balance_after_fen,
                credit_balance_after_fen=t.credit_balance_after_fen,
            )
            for t in posted
        ],
    )


def _clean_reference(reference: str) -> str:
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > MAX_REFERENCE_CHARS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="reference",
            reason=Said(Phrase.ACCOUNT_REFERENCE_REQUIRED, {"max": MAX_REFERENCE_CHARS}),
        )
    return cleaned


def _employee_region(uow: UnitOfWork, person: Person) -> str:
    """The pooling region of the person's normal employee enrollment, or the refusal that explains why not."""
    try:
        enrollment = active_enrollment(uow, person, Insutype.EMPLOYEE_BASIC)
    except NotFound:
        raise Refused(ErrorCode.NOT_AN_EMPLOYEE, ref=person.name) from None
    if not enrollment.is_normal:
        raise Refused(
            ErrorCode.ENROLLMENT_STATUS_WRONG,
            ref=person.name,
            status=enrollment.status,
            action=Phrase.ACT_CREDIT_PERSONAL_ACCOUNT,
        )
    return enrollment.pooling_region


def roll_over_account(uow: UnitOfWork, current: AccountRow, year: int, now: datetime) -> int:
    """Move the current-year part's balance to the prior-years part and mark it as belonging to ``year``.

    Returns the amount moved. Does nothing if the part already belongs to ``year``.
    """
    if current.period_year is not None and current.period_year >= year:
        return 0
    owner = current.state.owner_person_id
    assert owner is not None
    prior = uow.ledger.open_account(AccountKind.PERSONAL_PRIOR, current.region, owner, now)
    locked = uow.ledger.lock([current.state.id, prior.id])
    # Read the year again under the lock: a concurrent credit may have rolled this account over (and
    # credited the new year) since ``current`` was read; moving that money would put new-year money in 历年.
    (fresh,) = uow.ledger.accounts_by_id([current.state.id])
    if fresh.period_year is not None and fresh.period_year >= year:
        return 0
    amount = locked[current.state.id].balance_fen
    if amount > 0:
        transfer = TransferSpec(current.state.id, prior.id, amount)
        reference = f"{year} {JournalKind.ROLLOVER.zh}"
        uow.ledger.post(JournalEntry(JournalKind.ROLLOVER, now, [transfer], reference=reference, person_id=owner))
    uow.ledger.set_period_year(current.state.id, year)
    return amount


def quota_used(uow: UnitOfWork, relation_id: int, year: int) -> int:
    """What a relation's quota has paid in a year: the balance of its memo account (0 before its first payment)."""
    row = uow.ledger.find_account_by_code(quota_used_code(relation_id, year))
    return row.state.balance_fen if row else 0


def credit_account(ctx: Context, cmd: CreditAccount, *, key: str) -> JournalView:
    """Credit a personal account (see :class:`CreditAccount`); one journal, idempotent by ``key``."""
    if not 0 < cmd.amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            ErrorCode.AMOUNT_INVALID,
            value=format_yuan(cmd.amount_fen),
            reason=Phrase.AMOUNT_WITHIN_LIMIT,
        )
    reference = _clean_reference(cmd.reference)
    if cmd.kind is CreditKind.CONTRIBUTION and cmd.part is not Part.CURRENT_YEAR:
        raise Refused(ErrorCode.CONTRIBUTION_PART_INVALID)

    def handler(uow: UnitOfWork) -> JournalView:
        person = resolve_person(uow, cmd.person)
        region = _employee_region(uow, person)
        now = ctx.clock.now()
        parts: dict[AccountKind, AccountRow] = {
            row.state.kind: row
            for row in uow.ledger.accounts_of_person(person.id)
            if row.region == region and row.state.kind in (AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT)
        }
        assert len(parts) == 2, "an employee enrollment always has both parts of its personal account"
        roll_over_account(uow, parts[AccountKind.PERSONAL_CURRENT], now.year, now)
        target = parts[cmd.part.account_kind].state
        source_kind = (
            AccountKind.CONTRIBUTION_CLEARING if cmd.kind is CreditKind.CONTRIBUTION else AccountKind.OPENING_BALANCE
        )
        source = uow.ledger.open_account(source_kind, region, None, now)
        kind = JournalKind.CONTRIBUTION if cmd.kind is CreditKind.CONTRIBUTION else JournalKind.OPENING_BALANCE
        transfer = TransferSpec(source.id, target.id, cmd.amount_fen)
        written = uow.ledger.post(JournalEntry(kind, now, [transfer], reference=reference, person_id=person.id))
        return _written_view(written.journal_id, kind, now, reference, None, written.transfers, written.before)

    request = {
        "person": cmd.person.strip().upper(),
        "amount_fen": cmd.amount_fen,
        "reference": reference,
        "part": cmd.part.value,
        "kind": cmd.kind.value,
    }
    return ctx.write(key=key, operation="account.credit", request=request, result_type=JournalView, handler=handler)


def reverse_journal(ctx: Context, cmd: ReverseJournal, *, key: str) -> JournalView:
    """Reverse a credit: a new journal that mirrors it, linked to it. A journal is reversed at most once; a
    reversal, a rollover or a region transfer is not reversed by hand; money already spent cannot be taken
    back (``INSUFFICIENT_BALANCE``)."""
    reason = _clean_reference(cmd.reason)

    def handler(uow: UnitOfWork) -> JournalView:
        original = uow.ledger.get_journal(cmd.journal_id)
        if original is None:
            raise NotFound(ErrorCode.JOURNAL_NOT_FOUND, journal_id=cmd.journal_id)
        if not original.kind.reversible:
            raise Refused(
                ErrorCode.JOURNAL_NOT_REVERSIBLE,
                journal_id=original.id,
                kind=original.kind,
                reason=Phrase.JOURNAL_IS_A_REVERSAL
                if original.kind is JournalKind.REVERSAL
                else Phrase.JOURNAL_WRITTEN_BY_SYSTEM,
            )
        specs = mirror(original.transfers)
        locked: dict[int, AccountState] = uow.ledger.lock(
            {s.debit_account_id for s in specs} | {s.credit_account_id for s in specs}
        )
        # Checked after taking the locks: a reversal that committed while we waited is visible now, and is
        # the true reason to refuse (not the balance it already took back).
        existing = uow.ledger.reversal_of(original.id)
        if existing is not None:
            raise Refused(ErrorCode.JOURNAL_ALREADY_REVERSED, journal_id=original.id, reversal_id=existing)
        owner = next((s.owner_person_id for s in locked.values() if s.owner_person_id is not None), None)
        now = ctx.clock.now()
        written = uow.ledger.post(
            JournalEntry(
                JournalKind.REVERSAL,
                now,
                specs,
                reference=original.reference,
                note=reason,
                person_id=owner,
                reverses_journal_id=original.id,
            )
        )
        return _written_view(
            written.journal_id, JournalKind.REVERSAL, now, original.reference, original.id, written.transfers, locked
        )

    request = {"journal_id": cmd.journal_id, "reason": reason}
    return ctx.write(key=key, operation="account.reverse", request=request, result_type=JournalView, handler=handler)


def rollover(ctx: Context, year: int) -> RolloverResult:
    """Year rollover into ``year``: every current-year part that belongs to an earlier year moves its balance
    to the prior-years part, one journal per account, in batches of :data:`ROLLOVER_BATCH` accounts per
    transaction. Running it again finds nothing left to do."""
    today = ctx.clock.today()
    if today < date(year, 1, 1) or year < 2000:
        raise Refused(ErrorCode.ROLLOVER_YEAR_INVALID, year=year, today=today.isoformat())
    examined = written = moved = 0
    after_id = 0
    while True:

        def batch(uow: UnitOfWork, after: int = after_id) -> tuple[int, int, int, int]:
            rows = uow.ledger.current_parts_before(year, after_id=after, limit=ROLLOVER_BATCH)
            journals = amount = 0
            for row in rows:
                moved_fen = roll_over_account(uow, row, year, ctx.clock.now())
                journals += moved_fen > 0
                amount += moved_fen
            uow.commit()
            return len(rows), journals, amount, rows[-1].state.id if rows else after

        count, journals, amount, after_id = ctx.transaction(batch)
        examined += count
        written += journals
        moved += amount
        if count < ROLLOVER_BATCH:
            return RolloverResult(
                year=year, accounts_examined=examined, journals_written=written, amount_moved_fen=moved
            )


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
