"""signals: fraud signals found by named rules, with their evidence and score, and the review queue's decisions.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("window_from", sa.Date(), nullable=False),
        sa.Column("window_to", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("found_at", _MOMENT, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", _MOMENT, nullable=True),
        sa.Column("review_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name=op.f("ck_signals_status_known")),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name=op.f("ck_signals_score_within")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_signals_fingerprint")),
    )
    op.create_index("ix_signals_region_status_score", "signals", ["region", "status", "score"])


def downgrade() -> None:
    op.drop_index("ix_signals_region_status_score", table_name="signals")
    op.drop_table("signals")
