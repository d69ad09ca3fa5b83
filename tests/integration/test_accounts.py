"""Personal accounts: credits, reversals, the year rollover, balances and statements."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.service.account_query import balances, statement
from gongji.service.account_rollover import rollover
from gongji.service.accounts import CreditAccount, CreditKind, Part, ReverseJournal, credit_account, reverse_journal
from gongji.service.audit import audit
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.wallet import OpenWallet, open_wallet
from tests.helpers import DEFU, JIANGUO, XIUYING, employee, resident, snapshot


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def test_a_contribution_goes_into_the_current_year_part(ctx: Context) -> None:
    employee(ctx)
    journal = credit_account(ctx, CreditAccount(JIANGUO, 80_000, "2026-11 划入"), key="c")
    assert journal.kind == "contribution"
    assert [(t.amount_fen, t.credit_balance_after_fen) for t in journal.transfers] == [(80_000, 80_000)]
    view = balances(ctx, JIANGUO)
    assert (view.prior_years_fen, view.current_year_fen, view.personal_account_fen) == (0, 80_000, 80_000)


def test_a_contribution_cannot_go_into_the_prior_years_part(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        credit_account(ctx, CreditAccount(JIANGUO, 100, "x", Part.PRIOR_YEARS), key="c")
    assert refused.value.code is ErrorCode.CONTRIBUTION_PART_INVALID
    assert snapshot(engine) == before
    credit_account(ctx, CreditAccount(JIANGUO, 100, "期初", Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE), key="o")
    assert balances(ctx, JIANGUO).prior_years_fen == 100


@pytest.mark.parametrize("amount_fen", [0, -1, 10_000_000_001])
def test_absurd_amounts_are_refused(ctx: Context, engine: Engine, amount_fen: int) -> None:
    employee(ctx)
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as invalid:
        credit_account(ctx, CreditAccount(JIANGUO, amount_fen, "x"), key="c")
    assert invalid.value.code is ErrorCode.AMOUNT_INVALID
    assert snapshot(engine) == before


def test_a_credit_needs_a_reference(ctx: Context) -> None:
    employee(ctx)
    with pytest.raises(InvalidInput) as invalid:
        credit_account(ctx, CreditAccount(JIANGUO, 100, "   "), key="c")
    assert invalid.value.params["field"] == "reference"


def test_a_reversal_restores_the_balance_and_links_to_the_original(ctx: Context) -> None:
    employee(ctx, current_fen=1_000)
    original = credit_account(ctx, CreditAccount(JIANGUO, 500, "错误划入"), key="c")
    reversal = reverse_journal(ctx, ReverseJournal(original.journal_id, "单位多报"), key="r")
    assert reversal.kind == "reversal"
    assert reversal.reverses_journal_id == original.journal_id
    assert [(t.debit_account_id, t.credit_account_id, t.amount_fen) for t in reversal.transfers] == [
        (t.credit_account_id, t.debit_account_id, t.amount_fen) for t in original.transfers
    ]
    assert balances(ctx, JIANGUO).current_year_fen == 1_000
    assert audit(ctx).clean


def test_a_journal_is_reversed_once_and_a_reversal_never(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    original = credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key="c")
    reversal = reverse_journal(ctx, ReverseJournal(original.journal_id, "first"), key="r1")
    before = snapshot(engine)
    with pytest.raises(Refused) as twice:
        reverse_journal(ctx, ReverseJournal(original.journal_id, "second"), key="r2")
    assert twice.value.code is ErrorCode.JOURNAL_ALREADY_REVERSED
    assert twice.value.params["reversal_id"] == reversal.journal_id
    with pytest.raises(Refused) as of_reversal:
        reverse_journal(ctx, ReverseJournal(reversal.journal_id, "undo"), key="r3")
    assert of_reversal.value.code is ErrorCode.JOURNAL_NOT_REVERSIBLE
    with pytest.raises(NotFound) as missing:
        reverse_journal(ctx, ReverseJournal(9999, "?"), key="r4")
    assert missing.value.code is ErrorCode.JOURNAL_NOT_FOUND
    assert snapshot(engine) == before


def test_money_that_moved_on_cannot_be_reversed(ctx: Context, clock: FixedClock, engine: Engine) -> None:
    employee(ctx)
    original = credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key="c")
    clock.set(at(2027, 1, 1, 1))
    rollover(ctx, 2027)
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        reverse_journal(ctx, ReverseJournal(original.journal_id, "late"), key="r")
    assert refused.value.code is ErrorCode.INSUFFICIENT_BALANCE
    assert snapshot(engine) == before


def test_rollover_moves_current_year_balances_once(ctx: Context, clock: FixedClock, engine: Engine) -> None:
    employee(ctx, JIANGUO, "张建国", prior_fen=300_000, current_fen=80_000)
    employee(ctx, DEFU, "张德福", prior_fen=500_000)
    with pytest.raises(Refused) as early:
        rollover(ctx, 2027)
    assert early.value.code is ErrorCode.ROLLOVER_YEAR_INVALID
    clock.set(at(2027, 1, 1, 0))
    result = rollover(ctx, 2027)
    assert (result.accounts_examined, result.journals_written, result.amount_moved_fen) == (2, 1, 80_000)
    jianguo = balances(ctx, JIANGUO)
    assert (jianguo.prior_years_fen, jianguo.current_year_fen) == (380_000, 0)
    assert {a.period_year for a in jianguo.accounts if a.kind == "personal_current"} == {2027}
    before = snapshot(engine)
    again = rollover(ctx, 2027)
    assert (again.accounts_examined, again.journals_written) == (0, 0)
    assert snapshot(engine) == before
    assert audit(ctx).clean


def test_a_credit_in_a_new_year_rolls_last_year_over_first(ctx: Context, clock: FixedClock) -> None:
    employee(ctx, current_fen=10_000)
    clock.set(at(2027, 1, 5))
    credit_account(ctx, CreditAccount(JIANGUO, 700, "2027-01 划入"), key="c2027")
    view = balances(ctx, JIANGUO)
    assert (view.prior_years_fen, view.current_year_fen) == (10_000, 700)
    kinds = [line.kind for line in statement(ctx, JIANGUO, start=date(2027, 1, 1), end=date(2027, 1, 31)).lines]
    assert kinds == ["rollover", "rollover", "contribution"]  # out of 当年, into 历年, then the credit
    assert rollover(ctx, 2027).journals_written == 0


def test_balances_as_of_a_day_and_statements(ctx: Context, clock: FixedClock) -> None:
    employee(ctx)
    clock.set(at(2026, 3, 10))
    credit_account(ctx, CreditAccount(JIANGUO, 1_000, "三月"), key="c3")
    clock.set(at(2026, 4, 10))
    credit_account(ctx, CreditAccount(JIANGUO, 2_000, "四月"), key="c4")
    clock.set(at(2026, 5, 10))
    credit_account(ctx, CreditAccount(JIANGUO, 4_000, "五月"), key="c5")
    assert balances(ctx, JIANGUO, on=date(2026, 3, 9)).personal_account_fen == 0
    assert balances(ctx, JIANGUO, on=date(2026, 3, 10)).personal_account_fen == 1_000
    assert balances(ctx, JIANGUO, on=date(2026, 4, 30)).personal_account_fen == 3_000
    april = statement(ctx, JIANGUO, start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert (april.opening_fen, april.closing_fen) == (1_000, 3_000)
    assert [(line.amount_fen, line.balance_after_fen, line.reference) for line in april.lines] == [
        (2_000, 3_000, "四月")
    ]
    with pytest.raises(InvalidInput):
        statement(ctx, JIANGUO, start=date(2026, 5, 1), end=date(2026, 4, 1))


def test_an_insured_person_opens_a_wallet_once(ctx: Context) -> None:
    resident(ctx, XIUYING, "李秀英")
    open_wallet(ctx, OpenWallet(XIUYING), key="w1")
    view = balances(ctx, XIUYING)
    assert [(a.kind, a.region, a.balance_fen) for a in view.accounts] == [("wallet", "130100", 0)]
    open_wallet(ctx, OpenWallet(XIUYING), key="w2")
    assert [a.account_id for a in balances(ctx, XIUYING).accounts] == [a.account_id for a in view.accounts]
    with pytest.raises(NotFound):
        open_wallet(ctx, OpenWallet(DEFU), key="w3")
