"""Mutual-aid relations with their events, proxy links (亲情账户) and shared quotas.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proxy_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("relative_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("owner_id <> relative_id", name=op.f("ck_proxy_links_two_people")),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_proxy_links_owner_id_people")),
        sa.ForeignKeyConstraint(["relative_id"], ["people.id"], name=op.f("fk_proxy_links_relative_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_links")),
    )
    with op.batch_alter_table("proxy_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proxy_links_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proxy_links_relative_id"), ["relative_id"], unique=False)
        batch_op.create_index(
            "uq_proxy_links_active_pair",
            ["owner_id", "relative_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "relations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("authoriser_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("beneficiary_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("relation_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("beneficiary_region", sa.String(length=6), nullable=False),
        sa.Column("proof_kind", sa.String(length=16), nullable=False),
        sa.Column("proof_reference", sa.String(length=200), nullable=True),
        sa.Column("commitment_text", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("end_requested_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_position", sa.Integer(), nullable=True),
        sa.Column("quota_fen", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("authoriser_id <> beneficiary_id", name=op.f("ck_relations_two_people")),
        sa.CheckConstraint("quota_fen IS NULL OR quota_fen >= 0", name=op.f("ck_relations_quota_not_negative")),
        sa.ForeignKeyConstraint(["authoriser_id"], ["people.id"], name=op.f("fk_relations_authoriser_id_people")),
        sa.ForeignKeyConstraint(["beneficiary_id"], ["people.id"], name=op.f("fk_relations_beneficiary_id_people")),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["people.id"], name=op.f("fk_relations_confirmed_by_id_people")),
        sa.ForeignKeyConstraint(
            ["end_requested_by_id"], ["people.id"], name=op.f("fk_relations_end_requested_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relations")),
    )
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relations_authoriser_id"), ["authoriser_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relations_beneficiary_id"), ["beneficiary_id"], unique=False)
        batch_op.create_index(
            "uq_relations_open_pair",
            ["authoriser_id", "beneficiary_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('requested', 'active')"),
            postgresql_where=sa.text("status IN ('requested', 'active')"),
        )

    op.create_table(
        "shared_quotas",
        sa.Column("authoriser_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quota_fen", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quota_fen IS NULL OR quota_fen >= 0", name=op.f("ck_shared_quotas_quota_not_negative")),
        sa.ForeignKeyConstraint(["authoriser_id"], ["people.id"], name=op.f("fk_shared_quotas_authoriser_id_people")),
        sa.PrimaryKeyConstraint("authoriser_id", name=op.f("pk_shared_quotas")),
    )
    op.create_table(
        "relation_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("relation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_person_id"], ["people.id"], name=op.f("fk_relation_events_actor_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["relation_id"], ["relations.id"], name=op.f("fk_relation_events_relation_id_relations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relation_events")),
    )
    with op.batch_alter_table("relation_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relation_events_relation_id"), ["relation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("relation_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relation_events_relation_id"))

    op.drop_table("relation_events")
    op.drop_table("shared_quotas")
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_relations_open_pair",
            sqlite_where=sa.text("status IN ('requested', 'active')"),
            postgresql_where=sa.text("status IN ('requested', 'active')"),
        )
        batch_op.drop_index(batch_op.f("ix_relations_beneficiary_id"))
        batch_op.drop_index(batch_op.f("ix_relations_authoriser_id"))

    op.drop_table("relations")
    with op.batch_alter_table("proxy_links", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_proxy_links_active_pair",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_proxy_links_relative_id"))
        batch_op.drop_index(batch_op.f("ix_proxy_links_owner_id"))

    op.drop_table("proxy_links")
