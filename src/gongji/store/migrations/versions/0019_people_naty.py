"""people naty: a person's ethnicity (民族, national code list GB/T 3304: 01 汉族 … 56 基诺族, 97, 98, 99).

The national interface answers it in ``baseinfo.naty`` (1101) and ``setlinfo.naty`` (settlements). Nullable: people
enrolled before this revision, or without it, have none recorded, and the interface then answers ``null``.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("naty", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("naty")
