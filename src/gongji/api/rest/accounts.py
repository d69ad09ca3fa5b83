"""Personal accounts: balances, statements, credits, journals and their reversal (operators only); the wallet is
:mod:`gongji.api.rest.wallet`'s."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from gongji.api.rest.auth import ContextDep, IdempotencyKey, Operator
from gongji.api.rest.models import BalancesOut, CreditIn, Day, JournalOut, ReverseJournalIn, StatementOut
from gongji.api.rest.params import DayQuery, JournalIdPath, PersonPath
from gongji.api.rest.people import require_person
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.service import account_query, accounts, scopes

__all__ = ["router"]

router = APIRouter(tags=["accounts 个人账户"], responses=PROBLEM_RESPONSES)


@router.get("/people/{ref}/balances", summary="账户余额 Balances now or at the end of a day")
def balances(ref: PersonPath, ctx: ContextDep, principal: Operator, on: DayQuery = None) -> BalancesOut:
    """Every account of the person (personal account parts, wallet) with the totals."""
    require_person(ctx, principal, ref, "查看账户余额", "see balances")
    return BalancesOut.model_validate(account_query.balances(ctx, ref, on=on))


@router.get("/people/{ref}/statement", summary="账户明细 Every movement with the balance after it")
def statement(
    ref: PersonPath,
    ctx: ContextDep,
    principal: Operator,
    start: Annotated[Day | None, Query(description="起 From YYYY-MM-DD (default 1 January)")] = None,
    end: Annotated[Day | None, Query(description="止 To YYYY-MM-DD (default today)")] = None,
) -> StatementOut:
    """Movements from ``start`` to ``end`` (both included), with the opening and closing totals."""
    require_person(ctx, principal, ref, "查看账户明细", "see the statement")
    today = ctx.clock.today()
    first = start or date(today.year, 1, 1)
    return StatementOut.model_validate(account_query.statement(ctx, ref, start=first, end=end or today))


@router.post(
    "/people/{ref}/credits", status_code=status.HTTP_201_CREATED, summary="个人账户划入 Credit the personal account"
)
def credit(ref: PersonPath, body: CreditIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> JournalOut:
    """A contribution (current-year part) or an opening balance taken over (either part); one journal."""
    require_person(ctx, principal, ref, "划入个人账户", "credit the personal account")
    cmd = accounts.CreditAccount(ref, body.amount_fen, body.reference, body.part, body.kind)
    return JournalOut.model_validate(accounts.credit_account(ctx, cmd, key=key))


@router.get("/journals/{journal_id}", summary="查看记账凭证 A journal and its transfers")
def journal(journal_id: JournalIdPath, ctx: ContextDep, principal: Operator) -> JournalOut:
    """A journal with its transfers (a journal belongs to the regions of the personal accounts it moved)."""
    principal.require_any_region(scopes.journal_regions(ctx, journal_id), "查看记账凭证", "see this journal")
    return JournalOut.model_validate(ctx.read(lambda uow: account_query.journal_view(uow, journal_id)))


@router.post(
    "/journals/{journal_id}/reversal",
    status_code=status.HTTP_201_CREATED,
    summary="冲销 Reverse a credit with a mirror journal",
)
def reverse(
    journal_id: JournalIdPath, body: ReverseJournalIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> JournalOut:
    """A credit is reversed once; money already spent cannot be taken back (``INSUFFICIENT_BALANCE``)."""
    principal.require_any_region(scopes.journal_regions(ctx, journal_id), "冲销记账凭证", "reverse this journal")
    cmd = accounts.ReverseJournal(journal_id, body.reason)
    return JournalOut.model_validate(accounts.reverse_journal(ctx, cmd, key=key))
