"""The database schema, as SQLAlchemy Core tables (the second of the three shapes: rows).

The ledger's invariants that a database can hold are declared here so that no code path can break them:
amounts are positive, person-owned accounts never go negative, both sides of a transfer belong to the same
ledger (a composite foreign key), and a journal is reversed at most once (a unique reference).
Alembic migrations under ``store/migrations`` create and change these tables; a test checks they agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)

__all__ = [
    "SHANGHAI",
    "AwareDateTime",
    "accounts",
    "api_tokens",
    "catalogue_items",
    "claim_receipts",
    "claims",
    "enrollment_events",
    "enrollments",
    "fee_lines",
    "gateway_nonces",
    "idempotency_keys",
    "institution_credentials",
    "institutions",
    "journals",
    "metadata",
    "operator_actions",
    "people",
    "person_contacts",
    "portal_challenges",
    "portal_failures",
    "portal_signed_out",
    "proxy_links",
    "relation_events",
    "relations",
    "settlement_payers",
    "settlements",
    "shared_quotas",
    "sign_ins",
    "suspensions",
    "transfers",
    "visit_diagnoses",
    "visits",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite gives AUTOINCREMENT-like row ids only to INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
Id = BigInteger().with_variant(Integer(), "sqlite")


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on both backends: stored as UTC, read back in Asia/Shanghai."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; gongji uses aware times only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        aware: datetime = value.astimezone(SHANGHAI)
        return aware


people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("psn_no", String(30), nullable=False, unique=True),
    Column("certno", String(18), nullable=False, unique=True),
    Column("name", String(50), nullable=False),
    Column("registered_at", AwareDateTime(), nullable=False),
    Column("died_on", Date(), nullable=True),
    #: 民族 (GB/T 3304 code, ``01`` 汉族); null when not recorded.
    Column("naty", String(2), nullable=True),
)

person_contacts = Table(
    "person_contacts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("effective_on", Date(), nullable=False),
    Column("recorded_at", AwareDateTime(), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("address", String(200), nullable=True),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("insutype", String(6), nullable=False),
    Column("psn_type", String(6), nullable=False),
    Column("pooling_region", String(6), nullable=False),
    Column("employer", String(100), nullable=True),
    Column("status", String(2), nullable=False),
    Column("began_on", Date(), nullable=False),
    Column("status_since", Date(), nullable=False),
    Column("reason", String(32), nullable=True),
)

# At most one active (normal or paused) enrollment per person and insurance type, and at most one active basic
# insurance per person (重复参保): held by the database, so two racing enrollments cannot both land.
_ACTIVE = text("status <> '4'")
_ACTIVE_BASIC = text("status <> '4' AND insutype IN ('310', '380', '390', '391')")
Index(
    "uq_enrollments_active_insutype",
    enrollments.c.person_id,
    enrollments.c.insutype,
    unique=True,
    sqlite_where=_ACTIVE,
    postgresql_where=_ACTIVE,
)
Index(
    "uq_enrollments_active_basic",
    enrollments.c.person_id,
    unique=True,
    sqlite_where=_ACTIVE_BASIC,
    postgresql_where=_ACTIVE_BASIC,
)

enrollment_events = Table(
    "enrollment_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("enrollment_id", Id, ForeignKey("enrollments.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("on_date", Date(), nullable=False),
    Column("reason", String(32), nullable=True),
    Column("note", Text(), nullable=True),
    Column("recorded_at", AwareDateTime(), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # A stable natural key ("PSN:12:personal_prior:130100", "SYS:130100:fund_pool") so that opening an
    # account twice, even from two transactions at once, yields one account.
    Column("code", String(80), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("region", String(6), nullable=False),
    Column("ledger", String(24), nullable=False),
    Column("owner_person_id", Id, ForeignKey("people.id"), nullable=True, index=True),
    Column("must_not_go_negative", Boolean(), nullable=False),
    Column("balance_fen", BigInteger(), nullable=False),
    Column("version", BigInteger(), nullable=False),
    # For the current-year part of a personal account: the year its balance belongs to (rollover moves it).
    Column("period_year", Integer(), nullable=True),
    Column("opened_at", AwareDateTime(), nullable=False),
    CheckConstraint("NOT must_not_go_negative OR balance_fen >= 0", name="balance_not_negative"),
    CheckConstraint("owner_person_id IS NULL OR must_not_go_negative", name="person_owned_not_negative"),
    CheckConstraint("version >= 0", name="version_not_negative"),
    UniqueConstraint("id", "ledger"),
)

journals = Table(
    "journals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("booked_at", AwareDateTime(), nullable=False),
    Column("reference", String(200), nullable=True),
    Column("note", Text(), nullable=True),
    # A journal is reversed at most once: the unique constraint makes a second reversal impossible.
    Column("reverses_journal_id", Id, ForeignKey("journals.id"), nullable=True, unique=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=True, index=True),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("journal_id", Id, ForeignKey("journals.id"), nullable=False),
    Column("seq", Integer(), nullable=False),
    Column("ledger", String(24), nullable=False),
    Column("debit_account_id", Id, nullable=False),
    Column("credit_account_id", Id, nullable=False),
    Column("amount_fen", BigInteger(), nullable=False),
    Column("debit_balance_after_fen", BigInteger(), nullable=False),
    Column("credit_balance_after_fen", BigInteger(), nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
    UniqueConstraint("journal_id", "seq"),
    ForeignKeyConstraint(["debit_account_id", "ledger"], ["accounts.id", "accounts.ledger"]),
    ForeignKeyConstraint(["credit_account_id", "ledger"], ["accounts.id", "accounts.ledger"]),
    Index("ix_transfers_debit_account", "debit_account_id", "id"),
    Index("ix_transfers_credit_account", "credit_account_id", "id"),
)

relations = Table(
    "relations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("authoriser_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("beneficiary_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("relation_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("operator", String(64), nullable=True),
    Column("region", String(6), nullable=False),
    Column("beneficiary_region", String(6), nullable=False),
    Column("proof_kind", String(16), nullable=False),
    Column("proof_reference", String(200), nullable=True),
    Column("commitment_text", Text(), nullable=True),
    Column("requested_at", AwareDateTime(), nullable=False),
    Column("expires_at", AwareDateTime(), nullable=True),
    Column("confirmed_at", AwareDateTime(), nullable=True),
    Column("confirmed_by_id", Id, ForeignKey("people.id"), nullable=True),
    Column("effective_from", AwareDateTime(), nullable=True),
    Column("valid_until", Date(), nullable=True),
    Column("ended_at", AwareDateTime(), nullable=True),
    Column("end_reason", String(32), nullable=True),
    Column("end_requested_by_id", Id, ForeignKey("people.id"), nullable=True),
    Column("order_position", Integer(), nullable=True),
    # The authoriser's quota for this relative per year, in fen; NULL means the whole shareable balance.
    Column("quota_fen", BigInteger(), nullable=True),
    CheckConstraint("authoriser_id <> beneficiary_id", name="two_people"),
    CheckConstraint("quota_fen IS NULL OR quota_fen >= 0", name="quota_not_negative"),
)
# One open (requested or active) relation per authoriser and beneficiary, held by the database.
_OPEN = text("status IN ('requested', 'active')")
Index(
    "uq_relations_open_pair",
    relations.c.authoriser_id,
    relations.c.beneficiary_id,
    unique=True,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
)

relation_events = Table(
    "relation_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("relation_id", Id, ForeignKey("relations.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("at", AwareDateTime(), nullable=False),
    Column("actor_person_id", Id, ForeignKey("people.id"), nullable=True),
    Column("operator", String(64), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("note", Text(), nullable=True),
)

proxy_links = Table(
    "proxy_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("relative_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("operator", String(64), nullable=True),
    Column("ended_at", AwareDateTime(), nullable=True),
    CheckConstraint("owner_id <> relative_id", name="two_people"),
)
_ACTIVE_LINK = text("ended_at IS NULL")
Index(
    "uq_proxy_links_active_pair",
    proxy_links.c.owner_id,
    proxy_links.c.relative_id,
    unique=True,
    sqlite_where=_ACTIVE_LINK,
    postgresql_where=_ACTIVE_LINK,
)

# The authoriser's one quota for all relatives, where a region's quota model is "shared" (Tai'an).
shared_quotas = Table(
    "shared_quotas",
    metadata,
    Column("authoriser_id", Id, ForeignKey("people.id"), primary_key=True),
    Column("quota_fen", BigInteger(), nullable=True),
    Column("updated_at", AwareDateTime(), nullable=False),
    CheckConstraint("quota_fen IS NULL OR quota_fen >= 0", name="quota_not_negative"),
)

institutions = Table(
    "institutions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("fixmedins_code", String(30), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("level", String(16), nullable=True),
    Column("region", String(6), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
)

catalogue_items = Table(
    "catalogue_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(50), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("category", String(1), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("unit", String(20), nullable=True),
    # 乙类先行自付比例 in basis points (category B only); NULL means the region's default.
    Column("self_pay_bp", Integer(), nullable=True),
    Column("price_cap_fen", BigInteger(), nullable=True),
    Column("account_payable", Boolean(), nullable=False),
    Column("sample", Boolean(), nullable=False),
    Column("updated_at", AwareDateTime(), nullable=False),
    CheckConstraint("category IN ('A', 'B', 'C')", name="category_known"),
    CheckConstraint("self_pay_bp IS NULL OR (self_pay_bp >= 0 AND self_pay_bp <= 10000)", name="self_pay_bp_range"),
    CheckConstraint("price_cap_fen IS NULL OR price_cap_fen >= 0", name="price_cap_not_negative"),
)

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
    Column("payer_person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
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

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("is_error", Boolean(), nullable=False),
    Column("outcome", Text(), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
)

# The national interface's gateway credentials of an institution: ``x-tif-paasid`` names it, and the signature is
# SHA-256 of timestamp + token + nonce + timestamp, so the token itself is kept (not a hash of it). One per institution.
institution_credentials = Table(
    "institution_credentials",
    metadata,
    Column("institution_id", Id, ForeignKey("institutions.id"), primary_key=True),
    # Unique: every request is authenticated by one indexed lookup of its paasid.
    Column("paasid", String(40), nullable=False, unique=True),
    Column("token", String(64), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("rotated_at", AwareDateTime(), nullable=True),
)

# 签到 (9001): each sign-in of an operator at an institution gets a sign_no that later envelopes carry.
sign_ins = Table(
    "sign_ins",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sign_no", String(40), nullable=False, unique=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=False, index=True),
    Column("opter_no", String(30), nullable=False),
    Column("mac", String(64), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("signed_in_at", AwareDateTime(), nullable=False),
    # 签退 (9002): when the number was signed out; a signed-out number is refused (migration 0018).
    Column("signed_out_at", AwareDateTime(), nullable=True),
)

# Tokens of gongji's own API (/api/v1). Only the SHA-256 of a token is kept: the token is shown once, when issued.
# An operator acts within the pooling regions listed in ``regions`` (comma-separated codes); an institution only
# on its own visits (``fixmedins_code``); an analyst reads aggregates. A revoked token stops authenticating at once.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("regions", String(400), nullable=True),
    Column("fixmedins_code", String(30), nullable=True),
    Column("label", String(100), nullable=True),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("revoked_at", AwareDateTime(), nullable=True),
    CheckConstraint("role IN ('operator', 'institution', 'analyst')", name="role_known"),
)

# Every action a counter operator takes in the portal (谁、何时、做了什么、对谁): the operator as his token's id and
# fingerprint, the pooling region acted in, the action's name, the person acted on (masked ID number only) and a short
# detail. Rows are only ever added.
operator_actions = Table(
    "operator_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", AwareDateTime(), nullable=False, index=True),
    Column("operator", String(120), nullable=False),
    Column("region", String(12), nullable=True, index=True),
    Column("action", String(40), nullable=False),
    Column("subject", String(120), nullable=True),
    Column("detail", String(400), nullable=True),
    Column("refused_code", String(60), nullable=True),  # the error code of a refused action; NULL: done
)

# --- short-lived access state, shared by every worker process and kept across restarts ---------------------------
# Rows live until ``expires_at`` (or, for failures, a window after the last one); expired rows mean nothing and are
# deleted in small batches by whichever request happens to sweep (see ``gongji.service.access_state``).

# Portal sessions signed out before their cookies expire: the cookie stays refused until it would have expired anyway.
portal_signed_out = Table(
    "portal_signed_out",
    metadata,
    Column("sid", String(64), primary_key=True),
    Column("expires_at", AwareDateTime(), nullable=False, index=True),
)

# Gateway nonces (x-tif-nonce) of the national interface, kept until their request's timestamp leaves the window.
# The primary key makes "insert; a conflict means a replay" one atomic step, whichever worker the replay reaches.
gateway_nonces = Table(
    "gateway_nonces",
    metadata,
    Column("paasid", String(40), primary_key=True),
    Column("nonce", String(128), primary_key=True),
    Column("expires_at", AwareDateTime(), nullable=False, index=True),
)

# Pending portal sign-in challenges, one per ID number (a new code replaces the pending one). The ID number and the
# code are kept only as keyed hashes (HMAC with a key derived from the portal's secret), never in clear.
portal_challenges = Table(
    "portal_challenges",
    metadata,
    Column("certno_mac", String(64), primary_key=True),
    Column("challenge", String(64), nullable=False, unique=True),
    Column("person_id", Id, nullable=True),  # NULL: nobody holds the number (a challenge is made all the same)
    Column("code_mac", String(64), nullable=True),
    Column("issued_at", AwareDateTime(), nullable=False),
    Column("expires_at", AwareDateTime(), nullable=False, index=True),
    Column("attempts_left", Integer(), nullable=False),
)

# Failed portal sign-ins per subject (``certno:<hmac>``, ``client:<address>``), for the sign-in throttle.
portal_failures = Table(
    "portal_failures",
    metadata,
    Column("subject", String(120), primary_key=True),
    Column("failures", Integer(), nullable=False),
    Column("last_failed_at", AwareDateTime(), nullable=False, index=True),
)


# The wallet's tables share this metadata (imported last: that module imports this one).
from gongji.store import credential_tables as _credential_tables  # noqa: E402,F401
from gongji.store import file_tables as _file_tables  # noqa: E402,F401
from gongji.store import filing_tables as _filing_tables  # noqa: E402,F401
from gongji.store import wallet_tables as _wallet_tables  # noqa: E402,F401
