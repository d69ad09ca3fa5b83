"""The first schema: people, contacts, enrollments, accounts, journals, transfers and idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("is_error", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("psn_no", sa.String(length=30), nullable=False),
        sa.Column("certno", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("died_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("certno", name=op.f("uq_people_certno")),
        sa.UniqueConstraint("psn_no", name=op.f("uq_people_psn_no")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("ledger", sa.String(length=24), nullable=False),
        sa.Column("owner_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("must_not_go_negative", sa.Boolean(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("period_year", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "NOT must_not_go_negative OR balance_fen >= 0", name=op.f("ck_accounts_balance_not_negative")
        ),
        sa.CheckConstraint(
            "owner_person_id IS NULL OR must_not_go_negative",
            name=op.f("ck_accounts_person_owned_not_negative"),
        ),
        sa.CheckConstraint("version >= 0", name=op.f("ck_accounts_version_not_negative")),
        sa.ForeignKeyConstraint(["owner_person_id"], ["people.id"], name=op.f("fk_accounts_owner_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_accounts_code")),
        sa.UniqueConstraint("id", "ledger", name=op.f("uq_accounts_id_ledger")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_owner_person_id"), ["owner_person_id"], unique=False)

    op.create_table(
        "enrollments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("insutype", sa.String(length=6), nullable=False),
        sa.Column("psn_type", sa.String(length=6), nullable=False),
        sa.Column("pooling_region", sa.String(length=6), nullable=False),
        sa.Column("employer", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("began_on", sa.Date(), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_enrollments_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "journals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reverses_journal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_journals_person_id_people")),
        sa.ForeignKeyConstraint(
            ["reverses_journal_id"], ["journals.id"], name=op.f("fk_journals_reverses_journal_id_journals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journals")),
        sa.UniqueConstraint("reverses_journal_id", name=op.f("uq_journals_reverses_journal_id")),
    )
    with op.batch_alter_table("journals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journals_person_id"), ["person_id"], unique=False)

    op.create_table(
        "person_contacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_contacts_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_contacts")),
    )
    with op.batch_alter_table("person_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_contacts_person_id"), ["person_id"], unique=False)

    op.create_table(
        "enrollment_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("enrollment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"], ["enrollments.id"], name=op.f("fk_enrollment_events_enrollment_id_enrollments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_events")),
    )
    with op.batch_alter_table("enrollment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollment_events_enrollment_id"), ["enrollment_id"], unique=False)

    op.create_table(
        "transfers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("journal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("ledger", sa.String(length=24), nullable=False),
        sa.Column("debit_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("credit_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("debit_balance_after_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_balance_after_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_transfers_amount_positive")),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name=op.f("ck_transfers_two_accounts")),
        sa.ForeignKeyConstraint(
            ["credit_account_id", "ledger"],
            ["accounts.id", "accounts.ledger"],
            name=op.f("fk_transfers_credit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["debit_account_id", "ledger"],
            ["accounts.id", "accounts.ledger"],
            name=op.f("fk_transfers_debit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(["journal_id"], ["journals.id"], name=op.f("fk_transfers_journal_id_journals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("journal_id", "seq", name=op.f("uq_transfers_journal_id_seq")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index("ix_transfers_credit_account", ["credit_account_id", "id"], unique=False)
        batch_op.create_index("ix_transfers_debit_account", ["debit_account_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_transfers_debit_account")
        batch_op.drop_index("ix_transfers_credit_account")

    op.drop_table("transfers")
    with op.batch_alter_table("enrollment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollment_events_enrollment_id"))

    op.drop_table("enrollment_events")
    with op.batch_alter_table("person_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_contacts_person_id"))

    op.drop_table("person_contacts")
    with op.batch_alter_table("journals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journals_person_id"))

    op.drop_table("journals")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_person_id"))

    op.drop_table("enrollments")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_owner_person_id"))

    op.drop_table("accounts")
    op.drop_table("people")
    op.drop_table("idempotency_keys")
