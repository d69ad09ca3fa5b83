"""The auditor finds every broken invariant and says precisely where."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, update

from gongji.domain.ledger import AccountKind
from gongji.service.accounts import CreditAccount, credit_account
from gongji.service.audit import audit
from gongji.service.context import Context
from gongji.service.demo import load_demo
from gongji.store import tables as t
from tests.helpers import JIANGUO, employee, snapshot


def _corrupt(engine: Engine, statement: object) -> None:
    with engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]


def _rules(ctx: Context) -> set[str]:
    return {finding.rule for finding in audit(ctx).findings}


def test_the_demo_is_clean_and_loading_it_twice_changes_nothing(ctx: Context, engine: Engine) -> None:
    first = load_demo(ctx)
    report = audit(ctx)
    assert report.clean, report.findings
    # 4 opening credits, 3 settlements and 1 reversal of a settlement; then the wallet: a transfer, its acceptance
    # and the pharmacy purchase it paid.
    assert report.journals == 11
    before = snapshot(engine)
    second = load_demo(ctx)
    assert snapshot(engine) == before
    assert [b.personal_account_fen for b in second.balances] == [b.personal_account_fen for b in first.balances]
    # 张建国 paid 54.38 for 李秀英 (106.60 less the fund's 47.22 and 5.00 over the price cap) and 50.00 (his quota) for
    # 张小明; 张德福 paid the other 30.20 of 张小明's 80.20 (his own visit was settled and then reversed, which leaves
    # his balance as it was).
    assert [b.personal_account_fen for b in first.balances] == [
        380_000 - 5_438 - 5_000,
        0,
        0,
        500_000 - 3_020,
        0,
        200_000 - 50_000,  # 张丽's 500.00 for her mother's wallet is reserved, no longer in her account's two parts
    ]


@pytest.fixture
def funded(ctx: Context) -> Context:
    employee(ctx, prior_fen=300_000, current_fen=80_000)
    credit_account(ctx, CreditAccount(JIANGUO, 100, "x"), key="c")
    assert audit(ctx).clean
    return ctx


def test_a_stored_balance_that_differs_from_its_transfers_is_found(funded: Context, engine: Engine) -> None:
    _corrupt(
        engine,
        update(t.accounts).where(t.accounts.c.kind == AccountKind.PERSONAL_PRIOR.value).values(balance_fen=300_001),
    )
    report = audit(funded)
    found = {f.rule: f for f in report.findings}
    assert set(found) == {"stored balance equals the sum of transfers", "every ledger sums to zero"}
    mismatch = found["stored balance equals the sum of transfers"]
    assert "personal_prior 130100" in mismatch.subject
    assert (mismatch.expected, mismatch.found) == ("3,000.00", "3,000.01")
    assert found["every ledger sums to zero"].subject == "ledger 130100:CNY"


def test_a_broken_balance_after_chain_is_found(funded: Context, engine: Engine) -> None:
    _corrupt(engine, update(t.transfers).where(t.transfers.c.id == 2).values(credit_balance_after_fen=1))
    assert _rules(funded) == {"balance after each transfer continues the running balance"}


def test_a_version_that_does_not_count_journals_is_found(funded: Context, engine: Engine) -> None:
    _corrupt(engine, update(t.accounts).where(t.accounts.c.id == 1).values(version=7))
    assert _rules(funded) == {"version counts the journals that touched the account"}


def test_a_journal_without_transfers_is_found(funded: Context, engine: Engine) -> None:
    _corrupt(engine, insert(t.journals).values(kind="contribution", booked_at=funded.clock.now()))
    assert _rules(funded) == {"journal has transfers"}


def test_a_reversal_that_does_not_mirror_is_found(funded: Context, engine: Engine) -> None:
    with engine.begin() as conn:
        reversal_id = conn.execute(
            insert(t.journals)
            .values(kind="reversal", booked_at=funded.clock.now(), reverses_journal_id=3)
            .returning(t.journals.c.id)
        ).scalar_one()
    assert "a reversal mirrors its journal exactly" in _rules(funded)
    assert any(f.subject == f"reversal {reversal_id} of journal 3" for f in audit(funded).findings)
