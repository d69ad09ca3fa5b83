"""fsi files: files handed in and fetched (9101/9102, catalogue downloads), settlement lists (4101), clearing
applications (3203/3204).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MOMENT = sa.DateTime(timezone=True)


def _files() -> None:
    op.create_table(
        "fsi_files",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("file_qury_no", sa.String(length=64), nullable=False),
        sa.Column("institution_id", _ID, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_fsi_files_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_fsi_files_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fsi_files")),
        sa.UniqueConstraint("file_qury_no", name=op.f("uq_fsi_files_file_qury_no")),
    )
    op.create_index(op.f("ix_fsi_files_institution_id"), "fsi_files", ["institution_id"])


def _settlement_lists() -> None:
    op.create_table(
        "settlement_lists",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("setl_list_id", sa.String(length=30), nullable=False),
        sa.Column("settlement_id", _ID, nullable=False),
        sa.Column("institution_id", _ID, nullable=False),
        sa.Column("infno", sa.String(length=8), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("uploads", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", _MOMENT, nullable=False),
        sa.Column("updated_at", _MOMENT, nullable=False),
        sa.CheckConstraint("uploads >= 1", name=op.f("ck_settlement_lists_uploads_positive")),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_settlement_lists_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["settlements.id"], name=op.f("fk_settlement_lists_settlement_id_settlements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_lists")),
        sa.UniqueConstraint("setl_list_id", name=op.f("uq_settlement_lists_setl_list_id")),
        sa.UniqueConstraint("settlement_id", name=op.f("uq_settlement_lists_settlement_id")),
    )
    op.create_index(op.f("ix_settlement_lists_institution_id"), "settlement_lists", ["institution_id"])


def _clearing_applications() -> None:
    op.create_table(
        "clearing_applications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("clr_appy_evt_id", sa.String(length=30), nullable=False),
        sa.Column("institution_id", _ID, nullable=False),
        sa.Column("live_key", sa.String(length=120), nullable=True),
        sa.Column("clr_type", sa.String(length=10), nullable=False),
        sa.Column("clr_way", sa.String(length=10), nullable=True),
        sa.Column("clr_optins", sa.String(length=6), nullable=True),
        sa.Column("setlym", sa.String(length=6), nullable=False),
        sa.Column("begndate", sa.String(length=10), nullable=False),
        sa.Column("enddate", sa.String(length=10), nullable=False),
        sa.Column("psntime", sa.Integer(), nullable=False),
        sa.Column("medfee_sumamt_fen", sa.BigInteger(), nullable=False),
        sa.Column("med_sumfee_fen", sa.BigInteger(), nullable=False),
        sa.Column("fund_appy_sum_fen", sa.BigInteger(), nullable=False),
        sa.Column("cash_payamt_fen", sa.BigInteger(), nullable=False),
        sa.Column("acct_pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("applied_at", _MOMENT, nullable=False),
        sa.Column("cancelled_at", _MOMENT, nullable=True),
        sa.CheckConstraint("status IN ('applied', 'cancelled')", name=op.f("ck_clearing_applications_status_known")),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_clearing_applications_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearing_applications")),
        sa.UniqueConstraint("clr_appy_evt_id", name=op.f("uq_clearing_applications_clr_appy_evt_id")),
        sa.UniqueConstraint("live_key", name=op.f("uq_clearing_applications_live_key")),
    )
    op.create_index(op.f("ix_clearing_applications_institution_id"), "clearing_applications", ["institution_id"])


def upgrade() -> None:
    _files()
    _settlement_lists()
    _clearing_applications()


def downgrade() -> None:
    op.drop_index(op.f("ix_clearing_applications_institution_id"), table_name="clearing_applications")
    op.drop_table("clearing_applications")
    op.drop_index(op.f("ix_settlement_lists_institution_id"), table_name="settlement_lists")
    op.drop_table("settlement_lists")
    op.drop_index(op.f("ix_fsi_files_institution_id"), table_name="fsi_files")
    op.drop_table("fsi_files")
