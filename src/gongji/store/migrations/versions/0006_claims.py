"""Manual reimbursement claims (手工报销) and their receipts, each used once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_claims_person_id_people")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_claims_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_claims_visit_id")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_person_id"), ["person_id"], unique=False)

    op.create_table(
        "claim_receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("issuer", sa.String(length=30), nullable=False),
        sa.Column("receipt_no", sa.String(length=50), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_claim_receipts_amount_positive")),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_receipts_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_receipts")),
        sa.UniqueConstraint("issuer", "receipt_no", name=op.f("uq_claim_receipts_issuer_receipt_no")),
    )
    with op.batch_alter_table("claim_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_receipts_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_receipts_claim_id"))

    op.drop_table("claim_receipts")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_person_id"))

    op.drop_table("claims")
