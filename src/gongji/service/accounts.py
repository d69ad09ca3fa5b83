"""Use cases that put money into a personal account by hand, and take it back: credit (a contribution into the
current-year part, or an opening balance taken over from a previous system into either part) and reverse a credit
with a mirror journal.

A credit booked in a later year than the current-year part belongs to first rolls that part over
(:func:`gongji.service.account_rollover.roll_over_account`), so that no credit of a new year lands in last year's
part. Reading accounts (balances, statements, a journal) is :mod:`gongji.service.account_query`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
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
)
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said
from gongji.service.account_rollover import roll_over_account
from gongji.service.context import Context
from gongji.service.enrollment import active_enrollment
from gongji.service.people import resolve_person
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.views import JournalView, TransferView

__all__ = [
    "CreditAccount",
    "CreditKind",
    "Part",
    "ReverseJournal",
    "credit_account",
    "reverse_journal",
]

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
