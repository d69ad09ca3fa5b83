"""Short-lived access state moves from process memory to the database, so that every worker process and every restart
agrees: signed-out portal sessions, gateway nonces of the national interface, pending sign-in challenges and failed
sign-ins.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_signed_out",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_portal_signed_out")),
    )
    op.create_index(op.f("ix_portal_signed_out_expires_at"), "portal_signed_out", ["expires_at"], unique=False)
    op.create_table(
        "gateway_nonces",
        sa.Column("paasid", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("paasid", "nonce", name=op.f("pk_gateway_nonces")),
    )
    op.create_index(op.f("ix_gateway_nonces_expires_at"), "gateway_nonces", ["expires_at"], unique=False)
    op.create_table(
        "portal_challenges",
        sa.Column("certno_mac", sa.String(length=64), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("person_id", _ID, nullable=True),
        sa.Column("code_mac", sa.String(length=64), nullable=True),
        sa.Column("issued_at", _MOMENT, nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.Column("attempts_left", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("certno_mac", name=op.f("pk_portal_challenges")),
        sa.UniqueConstraint("challenge", name=op.f("uq_portal_challenges_challenge")),
    )
    op.create_index(op.f("ix_portal_challenges_expires_at"), "portal_challenges", ["expires_at"], unique=False)
    op.create_table(
        "portal_failures",
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", _MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_portal_failures")),
    )
    op.create_index(op.f("ix_portal_failures_last_failed_at"), "portal_failures", ["last_failed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_failures_last_failed_at"), table_name="portal_failures")
    op.drop_table("portal_failures")
    op.drop_index(op.f("ix_portal_challenges_expires_at"), table_name="portal_challenges")
    op.drop_table("portal_challenges")
    op.drop_index(op.f("ix_gateway_nonces_expires_at"), table_name="gateway_nonces")
    op.drop_table("gateway_nonces")
    op.drop_index(op.f("ix_portal_signed_out_expires_at"), table_name="portal_signed_out")
    op.drop_table("portal_signed_out")
