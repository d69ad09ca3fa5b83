"""The tables of visits, fee lines, settlements and their payers, suspensions and manual claims.

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata``, and ``tables`` names them (it imports
this module last: this module imports it).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = [
    "claim_receipts",
    "claims",
    "fee_lines",
    "settlement_payers",
    "settlements",
    "suspensions",
    "visit_diagnoses",
    "visits",
]

visits = Table(
    "visits",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mdtrt_id", String(30), nullable=False, unique=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=False, index=True),
    Column("insutype", String(6), nullable=False),
    Column("psn_type", String(6), nullable=False),
    Column("med_type", String(10), nullable=False),
    Column("region", String(6), nullable=False),
    Column("ipt_otp_no", String(30), nullable=True),
    Column("begin_at", AwareDateTime(), nullable=False),
    Column("end_at", AwareDateTime(), nullable=True),
    Column("status", String(16), nullable=False),
    # 代买药: who bought for the patient with the patient's card (seed 002), when not the patient.
    Column("buyer_name", String(50), nullable=True),
    Column("buyer_certno", String(18), nullable=True),
    Column("created_at", AwareDateTime(), nullable=False),
    # 出院办理 (2402): a stay is settled after it; 出院方式 as the hospital gives it.
    Column("discharged_at", AwareDateTime(), nullable=True),
    Column("discharge_way", String(10), nullable=True),
)
visit_diagnoses = Table(
    "visit_diagnoses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("visit_id", Id, ForeignKey("visits.id"), nullable=False, index=True),
    Column("stage", String(16), nullable=False),  # admission | discharge
    Column("seq", Integer(), nullable=False),
    Column("diag_type", String(10), nullable=False),
    Column("diag_code", String(30), nullable=False),
    Column("diag_name", String(200), nullable=False),
    Column("main", Boolean(), nullable=False),
    Column("recorded_at", AwareDateTime(), nullable=False),
    UniqueConstraint("visit_id", "stage", "seq", name="uq_visit_diagnoses_visit_stage_seq"),
)

fee_lines = Table(
    "fee_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("visit_id", Id, ForeignKey("visits.id"), nullable=False, index=True),
    Column("feedetl_sn", String(30), nullable=False),
    Column("item_code", String(50), nullable=False),
    Column("item_name", String(200), nullable=False),
    # Quantity in thousandths (0.5 box = 500); negative for a return, which names the line it returns.
    Column("quantity_milli", BigInteger(), nullable=False),
    # The unit price in millionths of a yuan: the specification gives ``pric`` six decimals (3.3333 yuan a pill).
    Column("unit_price_microyuan", BigInteger(), nullable=False),
    Column("total_fen", BigInteger(), nullable=False),
    Column("fulamt_ownpay_fen", BigInteger(), nullable=False),
    Column("overlmt_fen", BigInteger(), nullable=False),
    Column("preselfpay_fen", BigInteger(), nullable=False),
    Column("inscp_fen", BigInteger(), nullable=False),
    Column("category", String(1), nullable=True),
    Column("returns_line_id", Id, ForeignKey("fee_lines.id"), nullable=True),
    Column("cancelled", Boolean(), nullable=False),
    # 收费批次: the batch the line was charged in; the settlement that took it (none while it waits to be settled).
    Column("chrg_bchno", String(30), nullable=True),
    Column("settlement_id", Id, ForeignKey("settlements.id"), nullable=True, index=True),
    Column("fee_at", AwareDateTime(), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    CheckConstraint("quantity_milli <> 0", name="quantity_not_zero"),
    CheckConstraint("unit_price_microyuan >= 0", name="price_not_negative"),
    CheckConstraint(
        "total_fen = fulamt_ownpay_fen + overlmt_fen + preselfpay_fen + inscp_fen", name="classified_whole"
    ),
)
# A serial names one live line of a visit: a cancelled line's serial may be uploaded again (HIS reuse their row ids
# when a cancelled batch is charged anew).
Index(
    "uq_fee_lines_live_serial",
    fee_lines.c.visit_id,
    fee_lines.c.feedetl_sn,
    unique=True,
    sqlite_where=fee_lines.c.cancelled == false(),
    postgresql_where=fee_lines.c.cancelled == false(),
)

settlements = Table(
    "settlements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("setl_id", String(30), nullable=False, unique=True),
    Column("visit_id", Id, ForeignKey("visits.id"), nullable=True, index=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=True, index=True),
    Column("journal_id", Id, ForeignKey("journals.id"), nullable=False, unique=True),
    Column("reversal_journal_id", Id, ForeignKey("journals.id"), nullable=True, unique=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("region", String(6), nullable=False),
    Column("insutype", String(6), nullable=False),
    Column("psn_type", String(6), nullable=False),
    Column("med_type", String(10), nullable=True),
    Column("acct_used_flag", Boolean(), nullable=False),
    # The charge batch it settled (none: every line of the visit waiting then) and whether it was a mid-stay one.
    Column("chrg_bchno", String(30), nullable=True),
    Column("mid_stay", Boolean(), nullable=False, server_default=false()),
    Column("medfee_sumamt_fen", BigInteger(), nullable=False),
    Column("fulamt_ownpay_amt_fen", BigInteger(), nullable=False),
    Column("overlmt_selfpay_fen", BigInteger(), nullable=False),
    Column("preselfpay_amt_fen", BigInteger(), nullable=False),
    Column("inscp_scp_amt_fen", BigInteger(), nullable=False),
    Column("act_pay_dedc_fen", BigInteger(), nullable=False),
    Column("hifp_pay_fen", BigInteger(), nullable=False),
    Column("pool_prop_selfpay_fen", BigInteger(), nullable=False),
    Column("fund_pay_sumamt_fen", BigInteger(), nullable=False),
    Column("psn_part_amt_fen", BigInteger(), nullable=False),
    Column("acct_pay_fen", BigInteger(), nullable=False),
    Column("acct_mulaid_pay_fen", BigInteger(), nullable=False),
    Column("psn_cash_pay_fen", BigInteger(), nullable=False),
    Column("hosp_part_amt_fen", BigInteger(), nullable=False),
    Column("balc_fen", BigInteger(), nullable=False),
    Column("settled_at", AwareDateTime(), nullable=False),
    Column("reversed_at", AwareDateTime(), nullable=True),
    Column("explanation", Text(), nullable=False),
    # The idempotency key of the write that made it (national interface: "fsi:<institution>:<msgid>").
    Column("request_key", String(160), nullable=True, index=True),
    CheckConstraint(
        "medfee_sumamt_fen = fulamt_ownpay_amt_fen + overlmt_selfpay_fen + preselfpay_amt_fen + inscp_scp_amt_fen",
        name="bill_parts_add_up",
    ),
    CheckConstraint(
        "medfee_sumamt_fen = fund_pay_sumamt_fen + psn_part_amt_fen + hosp_part_amt_fen", name="payers_add_up"
    ),
    CheckConstraint("psn_part_amt_fen = acct_pay_fen + psn_cash_pay_fen", name="person_part_adds_up"),
    CheckConstraint("acct_mulaid_pay_fen <= acct_pay_fen", name="mutual_aid_within_account"),
)

settlement_payers = Table(
    "settlement_payers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("settlement_id", Id, ForeignKey("settlements.id"), nullable=False, index=True),
    Column("seq", Integer(), nullable=False),
    # NULL: a wallet payment whose sender is on another node (the wallet transfer names him)
    Column("payer_person_id", Id, ForeignKey("people.id"), nullable=True, index=True),
    Column("relation_id", Id, ForeignKey("relations.id"), nullable=True),
    Column("region", String(6), nullable=False),
    Column("prior_years_fen", BigInteger(), nullable=False),
    Column("current_year_fen", BigInteger(), nullable=False),
    Column("balance_after_fen", BigInteger(), nullable=False),
    # A payment from the patient's wallet (医保钱包): the transfer whose reserved money paid (the payer is its sender).
    Column("wallet_transfer_id", Id, nullable=True),
    UniqueConstraint("settlement_id", "seq"),
)

# 暂停联网结算 (seed 001: a lent card): settlements of the person are refused from ``since`` until lifted or ``until``.
suspensions = Table(
    "suspensions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("reason", String(200), nullable=False),
    Column("since", Date(), nullable=False),
    Column("until", Date(), nullable=True),
    Column("operator", String(64), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("lifted_at", AwareDateTime(), nullable=True),
    Column("lifted_by", String(64), nullable=True),
    CheckConstraint("until IS NULL OR until >= since", name="dates_in_order"),
)

# 手工报销: bills paid in full where direct settlement was not available, settled later from the receipts.
claims = Table(
    "claims",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("visit_id", Id, ForeignKey("visits.id"), nullable=False, unique=True),
    Column("operator", String(64), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
)

claim_receipts = Table(
    "claim_receipts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("claim_id", Id, ForeignKey("claims.id"), nullable=False, index=True),
    Column("issuer", String(30), nullable=False),
    Column("receipt_no", String(50), nullable=False),
    Column("amount_fen", BigInteger(), nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    # A receipt pays out once: the same number from the same issuer is refused the second time.
    UniqueConstraint("issuer", "receipt_no"),
)
