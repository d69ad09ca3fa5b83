"""The database itself holds the ledger's invariants, whatever code writes to it; migrations match the tables."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError

from gongji.domain.ledger import AccountKind
from gongji.service.accounts import CreditAccount, credit_account
from gongji.service.context import Context
from gongji.store import tables as t
from gongji.store.migrate import current_revision, head_revision
from tests.helpers import JIANGUO, employee


def _account_id(engine: Engine, kind: AccountKind, region: str = "130100") -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(t.accounts.select().where(t.accounts.c.kind == kind.value, t.accounts.c.region == region))
            .mappings()
            .one()["id"]
        )


def test_the_migrated_schema_is_exactly_the_declared_tables(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), t.metadata)
    assert diff == []


def test_a_person_owned_account_cannot_go_negative_in_the_database(ctx: Context, engine: Engine) -> None:
    employee(ctx, current_fen=100)
    current = _account_id(engine, AccountKind.PERSONAL_CURRENT)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(update(t.accounts).where(t.accounts.c.id == current).values(balance_fen=-1))


def test_transfers_must_be_positive_and_stay_within_one_ledger(ctx: Context, engine: Engine) -> None:
    employee(ctx, current_fen=100)
    employee(ctx, "110105198007040021", "张丽", region="110000", current_fen=100)
    journal = credit_account(ctx, CreditAccount(JIANGUO, 1, "x"), key="c")
    hebei = _account_id(engine, AccountKind.CONTRIBUTION_CLEARING, "130100")
    beijing = _account_id(engine, AccountKind.CONTRIBUTION_CLEARING, "110000")
    current = _account_id(engine, AccountKind.PERSONAL_CURRENT, "130100")
    row = {
        "journal_id": journal.journal_id,
        "seq": 99,
        "ledger": "130100:CNY",
        "debit_account_id": hebei,
        "credit_account_id": current,
        "amount_fen": 0,
        "debit_balance_after_fen": 0,
        "credit_balance_after_fen": 0,
    }
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.transfers).values(**row))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.transfers).values(**{**row, "amount_fen": 1, "debit_account_id": beijing}))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.transfers).values(**{**row, "amount_fen": 1, "credit_account_id": hebei}))


def test_a_journal_can_be_reversed_only_once_in_the_database(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    journal = credit_account(ctx, CreditAccount(JIANGUO, 1, "x"), key="c")
    values = {"kind": "reversal", "booked_at": journal.booked_at, "reverses_journal_id": journal.journal_id}
    with engine.begin() as conn:
        conn.execute(insert(t.journals).values(**values))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(t.journals).values(**values))
