"""federation: the outbox and inbox of a node, and wallet transfers whose other party is on another node.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True)
_ONE_SIDE_HERE = (
    "(peer_node IS NULL AND sender_person_id IS NOT NULL AND receiver_person_id IS NOT NULL)"
    " OR (peer_node IS NOT NULL AND peer_certno IS NOT NULL"
    " AND (sender_person_id IS NULL) <> (receiver_person_id IS NULL))"
)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("msg_id", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("relayed_at", _MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("msg_id", name=op.f("uq_outbox_msg_id")),
    )
    op.create_index("ix_outbox_relayed_at_id", "outbox", ["relayed_at", "id"])
    op.create_table(
        "inbox",
        sa.Column("msg_id", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("received_at", _MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("msg_id", name=op.f("pk_inbox")),
    )
    with op.batch_alter_table("wallet_transfers") as batch:
        batch.alter_column("sender_person_id", existing_type=_ID, nullable=True)
        batch.alter_column("receiver_person_id", existing_type=_ID, nullable=True)
        batch.add_column(sa.Column("peer_node", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("peer_certno", sa.String(length=18), nullable=True))
        batch.add_column(sa.Column("peer_name", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("peer_transfer_id", sa.BigInteger(), nullable=True))
        batch.create_check_constraint(op.f("ck_wallet_transfers_one_side_here"), _ONE_SIDE_HERE)
    with op.batch_alter_table("settlement_payers") as batch:
        batch.alter_column("payer_person_id", existing_type=_ID, nullable=True)
    pending_peer = "status = 'pending' AND peer_node IS NOT NULL"
    op.create_index(
        "uq_wallet_transfers_pending_peer",
        "wallet_transfers",
        ["sender_person_id", "peer_certno"],
        unique=True,
        sqlite_where=sa.text(pending_peer),
        postgresql_where=sa.text(pending_peer),
    )


def downgrade() -> None:
    op.drop_index("uq_wallet_transfers_pending_peer", table_name="wallet_transfers")
    with op.batch_alter_table("settlement_payers") as batch:
        batch.alter_column("payer_person_id", existing_type=_ID, nullable=False)
    op.execute(
        "DELETE FROM wallet_events WHERE transfer_id IN (SELECT id FROM wallet_transfers WHERE peer_node IS NOT NULL)"
    )
    op.execute("DELETE FROM wallet_transfers WHERE peer_node IS NOT NULL")
    with op.batch_alter_table("wallet_transfers") as batch:
        batch.drop_constraint(op.f("ck_wallet_transfers_one_side_here"), type_="check")
        batch.drop_column("peer_transfer_id")
        batch.drop_column("peer_name")
        batch.drop_column("peer_certno")
        batch.drop_column("peer_node")
        batch.alter_column("receiver_person_id", existing_type=_ID, nullable=False)
        batch.alter_column("sender_person_id", existing_type=_ID, nullable=False)
    op.drop_table("inbox")
    op.drop_index("ix_outbox_relayed_at_id", table_name="outbox")
    op.drop_table("outbox")
