"""The audit trail tells a refused counter action from a done one: the refusal's error code in its own column.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operator_actions") as batch:
        batch.add_column(sa.Column("refused_code", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator_actions") as batch:
        batch.drop_column("refused_code")
