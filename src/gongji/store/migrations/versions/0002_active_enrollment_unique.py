"""One active enrollment per person and insurance type, and one active basic insurance per person.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ACTIVE = "status <> '4'"
_ACTIVE_BASIC = "status <> '4' AND insutype IN ('310', '380', '390', '391')"


def upgrade() -> None:
    op.create_index(
        "uq_enrollments_active_insutype",
        "enrollments",
        ["person_id", "insutype"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )
    op.create_index(
        "uq_enrollments_active_basic",
        "enrollments",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE_BASIC),
        postgresql_where=sa.text(_ACTIVE_BASIC),
    )


def downgrade() -> None:
    op.drop_index("uq_enrollments_active_basic", table_name="enrollments")
    op.drop_index("uq_enrollments_active_insutype", table_name="enrollments")
