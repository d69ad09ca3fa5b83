"""fsi sessions: sign-out (签退, 9002) of a sign-in.

A sign-in number is refused once signed out, by every worker and after restarts, so the sign-out is kept with the
sign-in itself: ``sign_ins.signed_out_at`` (null while signed in).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sign_ins") as batch:
        batch.drop_column("signed_out_at")
