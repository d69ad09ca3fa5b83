"""Access to the national interface: institutions' gateway credentials (paasid, token) and sign-ins (9001).

Institutions registered before this revision are given credentials here, so that every institution has them
(new ones get theirs when they are added).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "institution_credentials",
        sa.Column("institution_id", _ID, nullable=False),
        sa.Column("paasid", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_institution_credentials_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("institution_id", name=op.f("pk_institution_credentials")),
        sa.UniqueConstraint("paasid", name=op.f("uq_institution_credentials_paasid")),
    )

    op.create_table(
        "sign_ins",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sign_no", sa.String(length=40), nullable=False),
        sa.Column("institution_id", _ID, nullable=False),
        sa.Column("opter_no", sa.String(length=30), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_sign_ins_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
        sa.UniqueConstraint("sign_no", name=op.f("uq_sign_ins_sign_no")),
    )
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_ins_institution_id"), ["institution_id"], unique=False)

    _issue_missing_credentials()


def _issue_missing_credentials() -> None:
    """Credentials for the institutions that exist already: the paasid from the code, a fresh random token."""
    bind = op.get_bind()
    institutions = sa.table("institutions", sa.column("id", _ID), sa.column("fixmedins_code", sa.String()))
    credentials = sa.table(
        "institution_credentials",
        sa.column("institution_id", _ID),
        sa.column("paasid", sa.String()),
        sa.column("token", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    # Stored as the application stores times (gongji.store.tables.AwareDateTime): naive UTC on SQLite.
    created_at = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    rows = [
        {
            "institution_id": row.id,
            "paasid": f"gongji-{row.fixmedins_code}",
            "token": secrets.token_hex(24),
            "created_at": created_at,
        }
        for row in bind.execute(sa.select(institutions.c.id, institutions.c.fixmedins_code))
    ]
    if rows:
        bind.execute(sa.insert(credentials), rows)


def downgrade() -> None:
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_ins_institution_id"))

    op.drop_table("sign_ins")
    op.drop_table("institution_credentials")
