"""Every write takes an idempotency key: the same request replays, a different one conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gongji.domain.errors import Conflict, ErrorCode, InvalidInput, Refused
from gongji.service.account_query import balances
from gongji.service.accounts import CreditAccount, ReverseJournal, credit_account, reverse_journal
from gongji.service.context import Context
from gongji.service.people import RegisterPerson, register_person
from tests.helpers import JIANGUO, XIUYING, employee, snapshot


def test_the_same_key_and_request_replays_the_first_outcome(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    first = credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key="k")
    after_first = snapshot(engine)
    again = credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key="k")
    assert again == first
    assert snapshot(engine) == after_first
    assert balances(ctx, JIANGUO).current_year_fen == 500


def test_the_same_key_with_another_request_is_a_conflict(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key="k")
    before = snapshot(engine)
    with pytest.raises(Conflict) as conflict:
        credit_account(ctx, CreditAccount(JIANGUO, 600, "x"), key="k")
    assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    with pytest.raises(Conflict):
        register_person(ctx, RegisterPerson(XIUYING, "李秀英"), key="k")
    assert snapshot(engine) == before


def test_a_refusal_is_replayed_even_when_it_would_now_succeed(ctx: Context, engine: Engine) -> None:
    """A request that failed keeps failing with the same answer when replayed (TigerBeetle's rule)."""
    employee(ctx, current_fen=100)
    original = credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key="c")
    reverse_journal(ctx, ReverseJournal(original.journal_id, "undo"), key="r1")
    with pytest.raises(Refused) as first:
        reverse_journal(ctx, ReverseJournal(original.journal_id, "undo again"), key="r2")
    before = snapshot(engine)
    with pytest.raises(Refused) as replayed:
        reverse_journal(ctx, ReverseJournal(original.journal_id, "undo again"), key="r2")
    assert replayed.value.to_dict() == first.value.to_dict()
    assert snapshot(engine) == before


def test_a_malformed_key_is_refused(ctx: Context) -> None:
    employee(ctx)
    for bad in ["", "has space", "x" * 129, "中文"]:
        with pytest.raises(InvalidInput) as invalid:
            credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key=bad)
        assert invalid.value.code is ErrorCode.IDEMPOTENCY_KEY_INVALID
