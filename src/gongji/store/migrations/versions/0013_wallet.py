"""The wallet (医保钱包): wallets, transfers and their history, notifications, and wallet payments in settlements.

A wallet account now holds quota (asset ``WLT``), not money: the money stays reserved in the sender's region until
it is spent. Wallet accounts opened before this revision never held anything; they move to the quota ledger, and
each gets its row in ``wallets``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wallets",
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_at", _MOMENT, nullable=False),
        sa.Column("closed_at", _MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_wallets_person_id_people")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_wallets")),
    )
    op.create_table(
        "wallet_transfers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sender_person_id", _ID, nullable=False),
        sa.Column("receiver_person_id", _ID, nullable=False),
        sa.Column("sender_region", sa.String(length=6), nullable=False),
        sa.Column("receiver_region", sa.String(length=6), nullable=False),
        sa.Column("relation_type", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("from_prior_fen", sa.BigInteger(), nullable=False),
        sa.Column("from_current_fen", sa.BigInteger(), nullable=False),
        sa.Column("current_year", sa.Integer(), nullable=False),
        sa.Column("remaining_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_at", _MOMENT, nullable=False),
        sa.Column("return_due_at", _MOMENT, nullable=False),
        sa.Column("decided_at", _MOMENT, nullable=True),
        sa.Column("verification", sa.String(length=200), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_wallet_transfers_amount_positive")),
        sa.CheckConstraint(
            "from_prior_fen + from_current_fen = amount_fen", name=op.f("ck_wallet_transfers_parts_add_up")
        ),
        sa.CheckConstraint(
            "remaining_fen >= 0 AND remaining_fen <= amount_fen",
            name=op.f("ck_wallet_transfers_remaining_within_amount"),
        ),
        sa.CheckConstraint("sender_person_id <> receiver_person_id", name=op.f("ck_wallet_transfers_two_people")),
        sa.ForeignKeyConstraint(
            ["sender_person_id"], ["people.id"], name=op.f("fk_wallet_transfers_sender_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["receiver_person_id"], ["people.id"], name=op.f("fk_wallet_transfers_receiver_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_transfers")),
    )
    op.create_index(
        op.f("ix_wallet_transfers_receiver_person_id"), "wallet_transfers", ["receiver_person_id"], unique=False
    )
    op.create_index(
        "ix_wallet_transfers_sender_requested", "wallet_transfers", ["sender_person_id", "requested_at"], unique=False
    )
    op.create_index("ix_wallet_transfers_status_due", "wallet_transfers", ["status", "return_due_at"], unique=False)
    op.create_index(
        "uq_wallet_transfers_pending_pair",
        "wallet_transfers",
        ["sender_person_id", "receiver_person_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "wallet_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("transfer_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("at", _MOMENT, nullable=False),
        sa.Column("journal_id", _ID, nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["wallet_transfers.id"], name=op.f("fk_wallet_events_transfer_id_wallet_transfers")
        ),
        sa.ForeignKeyConstraint(["journal_id"], ["journals.id"], name=op.f("fk_wallet_events_journal_id_journals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_events")),
    )
    op.create_index(op.f("ix_wallet_events_transfer_id"), "wallet_events", ["transfer_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("read_at", _MOMENT, nullable=True),
        sa.Column("delivered_at", _MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_notifications_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_person_id", "notifications", ["person_id", "id"], unique=False)
    with op.batch_alter_table("settlement_payers") as batch:
        batch.add_column(sa.Column("wallet_transfer_id", _ID, nullable=True))
    # Wallets opened before: they never held anything; they move to the quota ledger and get their wallet row.
    op.execute(
        "INSERT INTO wallets (person_id, region, status, opened_at, closed_at) "
        "SELECT owner_person_id, region, 'open', opened_at, NULL FROM accounts WHERE kind = 'wallet'"
    )
    op.execute(sa.text("UPDATE accounts SET ledger = region || :asset WHERE kind = 'wallet'").bindparams(asset=":WLT"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE accounts SET ledger = region || :asset WHERE kind = 'wallet'").bindparams(asset=":CNY"))
    with op.batch_alter_table("settlement_payers") as batch:
        batch.drop_column("wallet_transfer_id")
    op.drop_index("ix_notifications_person_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_wallet_events_transfer_id"), table_name="wallet_events")
    op.drop_table("wallet_events")
    op.drop_index("uq_wallet_transfers_pending_pair", table_name="wallet_transfers")
    op.drop_index("ix_wallet_transfers_status_due", table_name="wallet_transfers")
    op.drop_index("ix_wallet_transfers_sender_requested", table_name="wallet_transfers")
    op.drop_index(op.f("ix_wallet_transfers_receiver_person_id"), table_name="wallet_transfers")
    op.drop_table("wallet_transfers")
    op.drop_table("wallets")
