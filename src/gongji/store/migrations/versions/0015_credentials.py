"""People's credentials: social-security cards (社会保障卡, one live card per person) and electronic vouchers
(医保电子凭证, kept as the SHA-256 of their token).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "social_security_cards",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("card_no", sa.String(length=20), nullable=False),
        sa.Column("card_sn", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("issued_at", _MOMENT, nullable=False),
        sa.Column("replaced_at", _MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_social_security_cards_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_security_cards")),
        sa.UniqueConstraint("card_no", name=op.f("uq_social_security_cards_card_no")),
        sa.UniqueConstraint("card_sn", name=op.f("uq_social_security_cards_card_sn")),
    )
    op.create_index(op.f("ix_social_security_cards_person_id"), "social_security_cards", ["person_id"], unique=False)
    op.create_index(
        "uq_social_security_cards_live",
        "social_security_cards",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("replaced_at IS NULL"),
        postgresql_where=sa.text("replaced_at IS NULL"),
    )
    op.create_table(
        "e_vouchers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("shown_by_person_id", _ID, nullable=True),
        sa.Column("issued_at", _MOMENT, nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.Column("revoked_at", _MOMENT, nullable=True),
        sa.CheckConstraint("expires_at > issued_at", name=op.f("ck_e_vouchers_expires_after_issue")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_e_vouchers_person_id_people")),
        sa.ForeignKeyConstraint(
            ["shown_by_person_id"], ["people.id"], name=op.f("fk_e_vouchers_shown_by_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_e_vouchers")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_e_vouchers_token_sha256")),
    )
    op.create_index(op.f("ix_e_vouchers_person_id"), "e_vouchers", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_e_vouchers_person_id"), table_name="e_vouchers")
    op.drop_table("e_vouchers")
    op.drop_index("uq_social_security_cards_live", table_name="social_security_cards")
    op.drop_index(op.f("ix_social_security_cards_person_id"), table_name="social_security_cards")
    op.drop_table("social_security_cards")
