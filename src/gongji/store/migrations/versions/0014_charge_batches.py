"""Charge batches (收费批次): a visit is settled batch by batch, and a long stay part by part (中途结算).

Each fee line keeps the batch it came in (``chrg_bchno``) and the settlement that took it (``settlement_id``); a
settlement keeps the batch it settled and whether it was a mid-stay one. Lines of visits settled before this revision
belong to the visit's live settlement. A unit price is now exact to the millionth of a yuan (the specification's six
decimals) instead of the fen. A serial names one live line of a visit: a cancelled line's may be uploaded again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MICRO_PER_FEN = 10_000


def upgrade() -> None:
    with op.batch_alter_table("settlements") as batch:
        batch.add_column(sa.Column("chrg_bchno", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("mid_stay", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("fee_lines") as batch:
        batch.add_column(sa.Column("chrg_bchno", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("settlement_id", _ID, nullable=True))
        batch.add_column(sa.Column("unit_price_microyuan", sa.BigInteger(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_fee_lines_settlement_id_settlements"), "settlements", ["settlement_id"], ["id"]
        )
        batch.create_index(batch.f("ix_fee_lines_settlement_id"), ["settlement_id"], unique=False)
    lines = sa.table(
        "fee_lines",
        sa.column("visit_id", _ID),
        sa.column("settlement_id", _ID),
        sa.column("cancelled", sa.Boolean()),
        sa.column("unit_price_fen", sa.BigInteger()),
        sa.column("unit_price_microyuan", sa.BigInteger()),
    )
    settlements = sa.table(
        "settlements", sa.column("id", _ID), sa.column("visit_id", _ID), sa.column("status", sa.String())
    )
    live = (
        sa.select(sa.func.max(settlements.c.id))
        .where(settlements.c.visit_id == lines.c.visit_id, settlements.c.status == "settled")
        .scalar_subquery()
    )
    op.execute(lines.update().where(lines.c.cancelled == sa.false()).values(settlement_id=live))
    op.execute(lines.update().values(unit_price_microyuan=lines.c.unit_price_fen * _MICRO_PER_FEN))
    with op.batch_alter_table("fee_lines") as batch:
        batch.drop_constraint(op.f("ck_fee_lines_price_not_negative"), type_="check")
        batch.drop_constraint(op.f("uq_fee_lines_visit_id_feedetl_sn"), type_="unique")
        batch.drop_column("unit_price_fen")
        batch.alter_column("unit_price_microyuan", existing_type=sa.BigInteger(), nullable=False)
        batch.create_check_constraint("price_not_negative", "unit_price_microyuan >= 0")
    op.create_index(
        "uq_fee_lines_live_serial",
        "fee_lines",
        ["visit_id", "feedetl_sn"],
        unique=True,
        sqlite_where=sa.text("cancelled = 0"),
        postgresql_where=sa.text("cancelled = false"),
    )


def downgrade() -> None:
    op.drop_index("uq_fee_lines_live_serial", table_name="fee_lines")
    with op.batch_alter_table("fee_lines") as batch:
        batch.create_unique_constraint(op.f("uq_fee_lines_visit_id_feedetl_sn"), ["visit_id", "feedetl_sn"])
        batch.add_column(sa.Column("unit_price_fen", sa.BigInteger(), nullable=True))
    lines = sa.table(
        "fee_lines", sa.column("unit_price_fen", sa.BigInteger()), sa.column("unit_price_microyuan", sa.BigInteger())
    )
    op.execute(lines.update().values(unit_price_fen=(lines.c.unit_price_microyuan + 5_000) / _MICRO_PER_FEN))
    with op.batch_alter_table("fee_lines") as batch:
        batch.drop_constraint(op.f("ck_fee_lines_price_not_negative"), type_="check")
        batch.drop_index(batch.f("ix_fee_lines_settlement_id"))
        batch.drop_constraint("fk_fee_lines_settlement_id_settlements", type_="foreignkey")
        batch.drop_column("settlement_id")
        batch.drop_column("chrg_bchno")
        batch.drop_column("unit_price_microyuan")
        batch.alter_column("unit_price_fen", existing_type=sa.BigInteger(), nullable=False)
        batch.create_check_constraint("price_not_negative", "unit_price_fen >= 0")
    with op.batch_alter_table("settlements") as batch:
        batch.drop_column("mid_stay")
        batch.drop_column("chrg_bchno")
