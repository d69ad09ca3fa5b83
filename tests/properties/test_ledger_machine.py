"""A stateful property test of the personal-account ledger against a pure in-memory model.

Hypothesis runs random sequences of credits (contributions and opening balances), moves of the clock into
later years with or without the batch year rollover, reversals (good ones, twice, of a reversal, of a journal
that does not exist, and ones that must be refused because the money moved on), and replays of earlier
writes by their idempotency key (the same request replays the stored outcome, another request is a conflict
that changes nothing). After every step the stored balances must match the model, the auditor must find
nothing, and no person-owned balance may be negative.

Each Hypothesis example runs on a fresh database: a copy of the migrated SQLite template in its own file, or
the session's PostgreSQL database truncated at the start of the example.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from gongji.bootstrap import build_context
from gongji.domain.codes import Insutype, PsnType
from gongji.domain.errors import Conflict, ErrorCode, GongjiError
from gongji.domain.ledger import AccountKind
from gongji.service.account_query import balances
from gongji.service.account_rollover import rollover
from gongji.service.accounts import CreditAccount, CreditKind, Part, ReverseJournal, credit_account, reverse_journal
from gongji.service.audit import audit
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person
from gongji.service.views import JournalView
from tests.helpers import EngineFactory

REGION = "130100"
PEOPLE = (
    ("130102197503150019", "张伟"),
    ("130102194801100016", "王芳"),
    ("110105198007040021", "李娜"),
)
START = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
NO_SUCH_JOURNAL = 999_999_999

amounts = st.integers(min_value=1, max_value=500_000)
references = st.sampled_from(["缴费 2026-11", "期初迁移", "ref-1", "ref-2", "凭证 42"])
reasons = st.sampled_from(["误划", "重复入账", "wrong person"])

#: Makes a fresh, migrated, empty database for one example; returns its engine.


# --------------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------------


@dataclass
class PersonModel:
    """What one person's personal account should hold."""

    certno: str
    person_id: int
    prior_fen: int = 0
    current_fen: int = 0
    #: The year the current-year part belongs to.
    period_year: int = START.year

    def balance(self, part: Part) -> int:
        return self.prior_fen if part is Part.PRIOR_YEARS else self.current_fen

    def add(self, part: Part, delta: int) -> None:
        if part is Part.PRIOR_YEARS:
            self.prior_fen += delta
        else:
            self.current_fen += delta

    def roll_over(self, year: int) -> int:
        """The model of ``_roll_over``: move the current-year part to the prior-years part; the amount moved."""
        if self.period_year >= year:
            return 0
        moved = self.current_fen
        self.prior_fen += moved
        self.current_fen = 0
        self.period_year = year
        return moved


@dataclass
class JournalModel:
    """A credit or a reversal journal the model knows by id."""

    journal_id: int
    person: PersonModel
    part: Part
    amount_fen: int
    is_reversal: bool
    reversed_by: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What a write returned: a journal, or a refusal by its code."""

    result: JournalView | None = None
    error: ErrorCode | None = None

    def __repr__(self) -> str:
        return f"Outcome(error={self.error.name})" if self.error else f"Outcome(result={self.result!r})"


@dataclass
class WriteRecord:
    """An idempotent write already sent: enough to send it again, and what it answered."""

    key: str
    operation: str
    command: CreditAccount | ReverseJournal
    outcome: Outcome = field(default_factory=Outcome)

    def send(self, ctx: Context, command: CreditAccount | ReverseJournal | None = None) -> JournalView:
        command = command or self.command
        if isinstance(command, CreditAccount):
            return credit_account(ctx, command, key=self.key)
        return reverse_journal(ctx, command, key=self.key)


def _outcome(call: Callable[[], JournalView]) -> Outcome:
    try:
        return Outcome(result=call())
    except GongjiError as refusal:
        return Outcome(error=refusal.code)


# --------------------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Credits, rollovers, reversals and replays against the model. The test binds it to a backend by
    subclassing it with ``new_database`` set."""

    new_database: EngineFactory

    credits = Bundle("credits")
    reversals = Bundle("reversals")

    def __init__(self) -> None:
        super().__init__()
        self.engine = type(self).new_database()
        self.clock = FixedClock(START)
        self.ctx = build_context(engine=self.engine, clock=self.clock)
        self.people: list[PersonModel] = []
        self.journals: dict[int, JournalModel] = {}
        self.writes: list[WriteRecord] = []
        self.journal_count = 0
        self.source_accounts: set[AccountKind] = set()
        self._keys = itertools.count(1)

    def teardown(self) -> None:
        self.engine.dispose()

    # --- helpers -----------------------------------------------------------------------------------------

    def _key(self) -> str:
        return f"machine-{next(self._keys)}"

    def _roll_over_lazily(self, person: PersonModel) -> None:
        """A credit first rolls the person's current-year part into the year of the clock."""
        if person.roll_over(self.clock.now().year) > 0:
            self.journal_count += 1

    # --- setup -------------------------------------------------------------------------------------------

    @initialize(count=st.integers(min_value=2, max_value=3))
    def register_and_enroll(self, count: int) -> None:
        for certno, name in PEOPLE[:count]:
            view = register_person(self.ctx, RegisterPerson(certno=certno, name=name), key=self._key())
            enroll(
                self.ctx,
                Enroll(
                    person=certno,
                    insutype=Insutype.EMPLOYEE_BASIC,
                    psn_type=PsnType.EMPLOYEE_IN_SERVICE,
                    pooling_region=REGION,
                    since=date(2020, 1, 1),
                    employer="石家庄某有限公司",
                ),
                key=self._key(),
            )
            self.people.append(PersonModel(certno=certno, person_id=view.id))

    # --- credits -----------------------------------------------------------------------------------------

    @rule(target=credits, who=st.integers(min_value=0, max_value=2), amount=amounts, reference=references)
    def contribute(self, who: int, amount: int, reference: str) -> JournalModel:
        """A contribution, into the current-year part."""
        return self._credit(who, CreditKind.CONTRIBUTION, Part.CURRENT_YEAR, amount, reference)

    @rule(
        target=credits,
        who=st.integers(min_value=0, max_value=2),
        part=st.sampled_from(Part),
        amount=amounts,
        reference=references,
    )
    def take_over_opening_balance(self, who: int, part: Part, amount: int, reference: str) -> JournalModel:
        """An opening balance from a previous system, into either part."""
        return self._credit(who, CreditKind.OPENING_BALANCE, part, amount, reference)

    def _credit(self, who: int, kind: CreditKind, part: Part, amount: int, reference: str) -> JournalModel:
        person = self.people[who % len(self.people)]
        command = CreditAccount(person=person.certno, amount_fen=amount, reference=reference, part=part, kind=kind)
        record = WriteRecord(self._key(), "credit", command)
        view = record.send(self.ctx)
        record.outcome = Outcome(result=view)
        self.writes.append(record)

        self._roll_over_lazily(person)
        person.add(part, amount)
        self.journal_count += 1
        self.source_accounts.add(
            AccountKind.CONTRIBUTION_CLEARING if kind is CreditKind.CONTRIBUTION else AccountKind.OPENING_BALANCE
        )
        assert view.kind == ("contribution" if kind is CreditKind.CONTRIBUTION else "opening_balance")
        assert view.person_id == person.person_id
        assert view.reverses_journal_id is None
        assert view.reference == reference
        assert view.booked_at == self.clock.now()
        assert [t.amount_fen for t in view.transfers] == [amount]
        assert view.transfers[0].credit_balance_after_fen == person.balance(part)
        assert view.journal_id not in self.journals
        journal = JournalModel(view.journal_id, person, part, amount, is_reversal=False)
        self.journals[view.journal_id] = journal
        return journal

    @rule(
        which=st.sampled_from(["contribution into prior years", "rollover into the future", "missing journal"]),
        who=st.integers(min_value=0, max_value=2),
        ahead=st.integers(min_value=1, max_value=2),
    )
    def refused_before_anything_happens(self, which: str, who: int, ahead: int) -> None:
        """Requests refused outright: a contribution into the prior-years part, the batch rollover into a year
        that has not begun, a reversal of a journal that does not exist."""
        if which == "contribution into prior years":
            person = self.people[who % len(self.people)]
            command = CreditAccount(person=person.certno, amount_fen=100, reference="x", part=Part.PRIOR_YEARS)
            with pytest.raises(GongjiError) as refused:
                credit_account(self.ctx, command, key=self._key())
            assert refused.value.code is ErrorCode.CONTRIBUTION_PART_INVALID
        elif which == "rollover into the future":
            with pytest.raises(GongjiError) as refused:
                rollover(self.ctx, self.clock.now().year + ahead)
            assert refused.value.code is ErrorCode.ROLLOVER_YEAR_INVALID
        else:
            record, _ = self._reverse(NO_SUCH_JOURNAL, "不存在")
            assert record.outcome.error is ErrorCode.JOURNAL_NOT_FOUND

    # --- time and rollover -------------------------------------------------------------------------------

    @rule(
        years=st.integers(min_value=1, max_value=2),
        minutes=st.one_of(st.just(0), st.integers(min_value=0, max_value=364 * 24 * 60)),
        batch=st.booleans(),
    )
    def new_year(self, years: int, minutes: int, batch: bool) -> None:
        """Move the clock into a later year (at or after midnight on 1 January), then maybe run the batch."""
        year = self.clock.now().year + years
        self.clock.set(datetime(year, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=minutes))
        assert self.clock.now().year == year
        if batch:
            self._rollover(year)

    @rule(back=st.integers(min_value=0, max_value=3))
    def rollover_again(self, back: int) -> None:
        """The batch for this year or an earlier one: whatever is left to move, usually nothing."""
        self._rollover(self.clock.now().year - back)

    def _rollover(self, year: int) -> None:
        due = [p for p in self.people if p.period_year < year]
        result = rollover(self.ctx, year)
        event(f"rollover moved money: {any(p.current_fen > 0 for p in due)}")
        moved = [p.roll_over(year) for p in due]
        self.journal_count += sum(1 for m in moved if m > 0)
        assert result.year == year
        assert result.accounts_examined == len(due)
        assert result.journals_written == sum(1 for m in moved if m > 0)
        assert result.amount_moved_fen == sum(moved)

    # --- reversals ---------------------------------------------------------------------------------------

    def _reverse(self, journal_id: int, reason: str) -> tuple[WriteRecord, JournalView | None]:
        record = WriteRecord(self._key(), "reverse", ReverseJournal(journal_id=journal_id, reason=reason))
        record.outcome = _outcome(lambda: record.send(self.ctx))
        self.writes.append(record)
        return record, record.outcome.result

    @rule(target=reversals, journal=credits, reason=reasons)
    def reverse(self, journal: JournalModel, reason: str) -> Any:
        """Reverse a credit: done once, refused twice, refused if the money is no longer there."""
        person, part = journal.person, journal.part
        if journal.reversed_by is not None:
            expected: ErrorCode | None = ErrorCode.JOURNAL_ALREADY_REVERSED
        elif person.balance(part) < journal.amount_fen:
            expected = ErrorCode.INSUFFICIENT_BALANCE
        else:
            expected = None
        record, view = self._reverse(journal.journal_id, reason)
        assert record.outcome.error is expected, (record.outcome.error, expected)
        event(f"reverse: {expected.name if expected else 'done'}")
        if view is None:
            return multiple()

        person.add(part, -journal.amount_fen)
        self.journal_count += 1
        journal.reversed_by = view.journal_id
        assert view.kind == "reversal"
        assert view.reverses_journal_id == journal.journal_id
        assert view.person_id == person.person_id
        assert view.booked_at == self.clock.now()
        assert [t.amount_fen for t in view.transfers] == [journal.amount_fen]
        assert view.transfers[0].debit_balance_after_fen == person.balance(part)
        assert view.journal_id not in self.journals
        reversal = JournalModel(view.journal_id, person, part, journal.amount_fen, is_reversal=True)
        self.journals[view.journal_id] = reversal
        return reversal

    @rule(journal=reversals, reason=reasons)
    def reverse_a_reversal_is_refused(self, journal: JournalModel, reason: str) -> None:
        record, _ = self._reverse(journal.journal_id, reason)
        assert record.outcome.error is ErrorCode.JOURNAL_NOT_REVERSIBLE

    # --- replays -----------------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.writes))
    @rule(data=st.data(), cosmetic=st.booleans())
    def replay_same_request(self, data: st.DataObject, cosmetic: bool) -> None:
        """The same key with the same request answers as the first time, and changes nothing."""
        record = data.draw(st.sampled_from(self.writes), label="write")
        command = record.command
        if cosmetic:  # spaces around the person and the reference are not part of the request
            command = (
                replace(command, person=f"  {command.person} ", reference=f" {command.reference}  ")
                if isinstance(command, CreditAccount)
                else replace(command, reason=f" {command.reason} ")
            )
        again = _outcome(lambda: record.send(self.ctx, command))
        event(f"replay {record.operation}: {again.error.name if again.error else 'result'}")
        assert again == record.outcome, (again, record.outcome)

    @precondition(lambda self: bool(self.writes))
    @rule(data=st.data(), change=st.sampled_from(["amount", "reference", "part", "journal", "operation"]))
    def replay_other_request_conflicts(self, data: st.DataObject, change: str) -> None:
        """The same key with another request is a conflict and changes nothing (the invariants check that)."""
        record = data.draw(st.sampled_from(self.writes), label="write")
        command = record.command
        other: CreditAccount | ReverseJournal
        if change == "operation":
            other = (
                ReverseJournal(journal_id=1, reason="x")
                if isinstance(command, CreditAccount)
                else CreditAccount(person=self.people[0].certno, amount_fen=1, reference="x")
            )
        elif isinstance(command, CreditAccount):
            if change == "amount":
                other = replace(command, amount_fen=command.amount_fen % 500_000 + 1)
            elif change == "reference":
                other = replace(command, reference=command.reference + "-2")
            else:
                other = replace(
                    command,
                    kind=CreditKind.OPENING_BALANCE,
                    part=Part.PRIOR_YEARS if command.part is Part.CURRENT_YEAR else Part.CURRENT_YEAR,
                )
        elif change in {"amount", "journal", "part"}:
            other = replace(command, journal_id=command.journal_id + 1)
        else:
            other = replace(command, reason=command.reason + "-2")
        with pytest.raises(Conflict) as conflict:
            record.send(self.ctx, other)
        assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
        assert conflict.value.params["key"] == record.key

    # --- invariants --------------------------------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self) -> None:
        for person in self.people:
            view = balances(self.ctx, person.certno)
            assert (view.prior_years_fen, view.current_year_fen) == (person.prior_fen, person.current_fen), (
                person,
                view,
            )
            assert view.personal_account_fen == person.prior_fen + person.current_fen
            assert view.wallet_fen == 0
            current = [a for a in view.accounts if a.kind == AccountKind.PERSONAL_CURRENT.value]
            assert [a.period_year for a in current] == [person.period_year]
            for account in view.accounts:
                assert account.region == REGION
                assert account.balance_fen >= 0, account

    @invariant()
    def audit_is_clean(self) -> None:
        report = audit(self.ctx)
        if not report.clean:
            for finding in report.findings:
                print(f"audit finding: {finding}")
        assert report.clean, report.findings
        assert report.journals == self.journal_count
        assert report.transfers == self.journal_count  # every journal here has exactly one transfer
        assert report.accounts == 2 * len(self.people) + len(self.source_accounts)


# --------------------------------------------------------------------------------------------------------
# Running it on both backends
# --------------------------------------------------------------------------------------------------------


SETTINGS = {
    "sqlite": settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        print_blob=True,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ),
    "postgresql": settings(
        max_examples=15,
        stateful_step_count=20,
        deadline=None,
        print_blob=True,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ),
}


def test_ledger_matches_the_model(backend: str, engine_factory: EngineFactory) -> None:
    machine = type(f"LedgerMachine_{backend}", (LedgerMachine,), {"new_database": staticmethod(engine_factory)})
    run_state_machine_as_test(machine, settings=SETTINGS[backend])
