"""Inpatient stays (discharge and diagnoses) and the key each settlement was written under.

- ``visits.discharged_at`` / ``visits.discharge_way``: 出院办理 (2402); a stay is settled after its discharge.
- ``visit_diagnoses``: the diagnoses (diseinfo) a hospital gives at admission (2401) and at discharge (2402).
- ``settlements.request_key``: the idempotency key of the write that made the settlement (for the national
  interface, the institution and the message id), so reconciliation (3202) can name each settlement's message.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("discharge_way", sa.String(10), nullable=True))
    with op.batch_alter_table("settlements") as batch:
        batch.add_column(sa.Column("request_key", sa.String(160), nullable=True))
        batch.create_index("ix_settlements_request_key", ["request_key"])
    op.create_table(
        "visit_diagnoses",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("visit_id", _ID, sa.ForeignKey("visits.id"), nullable=False, index=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("diag_type", sa.String(10), nullable=False),
        sa.Column("diag_code", sa.String(30), nullable=False),
        sa.Column("diag_name", sa.String(200), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("visit_id", "stage", "seq", name="uq_visit_diagnoses_visit_stage_seq"),
    )


def downgrade() -> None:
    op.drop_table("visit_diagnoses")
    with op.batch_alter_table("settlements") as batch:
        batch.drop_index("ix_settlements_request_key")
        batch.drop_column("request_key")
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("discharge_way")
        batch.drop_column("discharged_at")
