"""Institutions, the catalogue, visits and fee lines, settlements and who paid them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=1), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("self_pay_bp", sa.Integer(), nullable=True),
        sa.Column("price_cap_fen", sa.BigInteger(), nullable=True),
        sa.Column("account_payable", sa.Boolean(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("category IN ('A', 'B', 'C')", name=op.f("ck_catalogue_items_category_known")),
        sa.CheckConstraint(
            "price_cap_fen IS NULL OR price_cap_fen >= 0", name=op.f("ck_catalogue_items_price_cap_not_negative")
        ),
        sa.CheckConstraint(
            "self_pay_bp IS NULL OR (self_pay_bp >= 0 AND self_pay_bp <= 10000)",
            name=op.f("ck_catalogue_items_self_pay_bp_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_items")),
        sa.UniqueConstraint("code", name=op.f("uq_catalogue_items_code")),
    )
    op.create_table(
        "institutions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("fixmedins_code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("fixmedins_code", name=op.f("uq_institutions_fixmedins_code")),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("mdtrt_id", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("insutype", sa.String(length=6), nullable=False),
        sa.Column("psn_type", sa.String(length=6), nullable=False),
        sa.Column("med_type", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("ipt_otp_no", sa.String(length=30), nullable=True),
        sa.Column("begin_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("buyer_name", sa.String(length=50), nullable=True),
        sa.Column("buyer_certno", sa.String(length=18), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_visits_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_visits_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("mdtrt_id", name=op.f("uq_visits_mdtrt_id")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_person_id"), ["person_id"], unique=False)

    op.create_table(
        "fee_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("feedetl_sn", sa.String(length=30), nullable=False),
        sa.Column("item_code", sa.String(length=50), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("fulamt_ownpay_fen", sa.BigInteger(), nullable=False),
        sa.Column("overlmt_fen", sa.BigInteger(), nullable=False),
        sa.Column("preselfpay_fen", sa.BigInteger(), nullable=False),
        sa.Column("inscp_fen", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=1), nullable=True),
        sa.Column("returns_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("fee_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity_milli <> 0", name=op.f("ck_fee_lines_quantity_not_zero")),
        sa.CheckConstraint(
            "total_fen = fulamt_ownpay_fen + overlmt_fen + preselfpay_fen + inscp_fen",
            name=op.f("ck_fee_lines_classified_whole"),
        ),
        sa.CheckConstraint("unit_price_fen >= 0", name=op.f("ck_fee_lines_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["returns_line_id"], ["fee_lines.id"], name=op.f("fk_fee_lines_returns_line_id_fee_lines")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_fee_lines_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_lines")),
        sa.UniqueConstraint("visit_id", "feedetl_sn", name=op.f("uq_fee_lines_visit_id_feedetl_sn")),
    )
    with op.batch_alter_table("fee_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_lines_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "settlements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("setl_id", sa.String(length=30), nullable=False),
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("journal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reversal_journal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("insutype", sa.String(length=6), nullable=False),
        sa.Column("psn_type", sa.String(length=6), nullable=False),
        sa.Column("med_type", sa.String(length=10), nullable=True),
        sa.Column("acct_used_flag", sa.Boolean(), nullable=False),
        sa.Column("medfee_sumamt_fen", sa.BigInteger(), nullable=False),
        sa.Column("fulamt_ownpay_amt_fen", sa.BigInteger(), nullable=False),
        sa.Column("overlmt_selfpay_fen", sa.BigInteger(), nullable=False),
        sa.Column("preselfpay_amt_fen", sa.BigInteger(), nullable=False),
        sa.Column("inscp_scp_amt_fen", sa.BigInteger(), nullable=False),
        sa.Column("act_pay_dedc_fen", sa.BigInteger(), nullable=False),
        sa.Column("hifp_pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("pool_prop_selfpay_fen", sa.BigInteger(), nullable=False),
        sa.Column("fund_pay_sumamt_fen", sa.BigInteger(), nullable=False),
        sa.Column("psn_part_amt_fen", sa.BigInteger(), nullable=False),
        sa.Column("acct_pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("acct_mulaid_pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("psn_cash_pay_fen", sa.BigInteger(), nullable=False),
        sa.Column("hosp_part_amt_fen", sa.BigInteger(), nullable=False),
        sa.Column("balc_fen", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "acct_mulaid_pay_fen <= acct_pay_fen", name=op.f("ck_settlements_mutual_aid_within_account")
        ),
        sa.CheckConstraint(
            "medfee_sumamt_fen = fulamt_ownpay_amt_fen + overlmt_selfpay_fen + preselfpay_amt_fen + inscp_scp_amt_fen",
            name=op.f("ck_settlements_bill_parts_add_up"),
        ),
        sa.CheckConstraint(
            "medfee_sumamt_fen = fund_pay_sumamt_fen + psn_part_amt_fen + hosp_part_amt_fen",
            name=op.f("ck_settlements_payers_add_up"),
        ),
        sa.CheckConstraint(
            "psn_part_amt_fen = acct_pay_fen + psn_cash_pay_fen", name=op.f("ck_settlements_person_part_adds_up")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_settlements_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["journal_id"], ["journals.id"], name=op.f("fk_settlements_journal_id_journals")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_settlements_person_id_people")),
        sa.ForeignKeyConstraint(
            ["reversal_journal_id"], ["journals.id"], name=op.f("fk_settlements_reversal_journal_id_journals")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_settlements_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("journal_id", name=op.f("uq_settlements_journal_id")),
        sa.UniqueConstraint("reversal_journal_id", name=op.f("uq_settlements_reversal_journal_id")),
        sa.UniqueConstraint("setl_id", name=op.f("uq_settlements_setl_id")),
    )
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_settlements_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlements_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlements_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "settlement_payers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("settlement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payer_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("relation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("prior_years_fen", sa.BigInteger(), nullable=False),
        sa.Column("current_year_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payer_person_id"], ["people.id"], name=op.f("fk_settlement_payers_payer_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["relation_id"], ["relations.id"], name=op.f("fk_settlement_payers_relation_id_relations")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"], ["settlements.id"], name=op.f("fk_settlement_payers_settlement_id_settlements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_payers")),
        sa.UniqueConstraint("settlement_id", "seq", name=op.f("uq_settlement_payers_settlement_id_seq")),
    )
    with op.batch_alter_table("settlement_payers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_settlement_payers_payer_person_id"), ["payer_person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_settlement_payers_settlement_id"), ["settlement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("settlement_payers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_payers_settlement_id"))
        batch_op.drop_index(batch_op.f("ix_settlement_payers_payer_person_id"))

    op.drop_table("settlement_payers")
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlements_visit_id"))
        batch_op.drop_index(batch_op.f("ix_settlements_person_id"))
        batch_op.drop_index(batch_op.f("ix_settlements_institution_id"))

    op.drop_table("settlements")
    with op.batch_alter_table("fee_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_lines_visit_id"))

    op.drop_table("fee_lines")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_person_id"))
        batch_op.drop_index(batch_op.f("ix_visits_institution_id"))

    op.drop_table("visits")
    op.drop_table("institutions")
    op.drop_table("catalogue_items")
