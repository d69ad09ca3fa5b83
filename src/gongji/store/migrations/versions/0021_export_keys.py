"""export keys: the secret behind the analytical export's pseudonymous ids (``gongji export``).

A keyed hash (BLAKE2b) of an internal id names a person, a settlement, a relation or an institution in the Parquet
files; the key is made on the first export under its name and kept here, so that later exports give the same ids and
their files join. Nothing else reads it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_keys",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(secret) >= 32", name=op.f("ck_export_keys_secret_long_enough")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_export_keys")),
    )


def downgrade() -> None:
    op.drop_table("export_keys")
