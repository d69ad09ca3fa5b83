"""fsi records: people's filings through the national interface (备案, 2501–2506).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fsi_filings",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("insutype", sa.String(length=6), nullable=True),
        sa.Column("fixmedins_code", sa.String(length=30), nullable=False),
        sa.Column("subject_code", sa.String(length=50), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=True),
        sa.Column("begin_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("filed_at", _MOMENT, nullable=False),
        sa.Column("cancelled_at", _MOMENT, nullable=True),
        sa.Column("cancel_memo", sa.String(length=200), nullable=True),
        sa.CheckConstraint("end_on IS NULL OR end_on >= begin_on", name=op.f("ck_fsi_filings_period_ordered")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_fsi_filings_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fsi_filings")),
    )
    op.create_index("ix_fsi_filings_person_kind", "fsi_filings", ["person_id", "kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fsi_filings_person_kind", table_name="fsi_filings")
    op.drop_table("fsi_filings")
