"""The database schema, as SQLAlchemy Core tables (the second of the three shapes: rows).

The ledger's invariants that a database can hold are declared here so that no code path can break them:
amounts are positive, person-owned accounts never go negative, both sides of a transfer belong to the same
ledger (a composite foreign key), and a journal is reversed at most once (a unique reference).
Alembic migrations under ``store/migrations`` create and change these tables; a test checks they agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from gongji.store.column_types import AwareDateTime, Id

__all__ = [
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

metadata: MetaData = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


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

# The tables kept in modules of their own share this metadata (imported last: they import this module).
from gongji.store import credential_tables as _credential_tables  # noqa: E402,F401
from gongji.store import export_tables as _export_tables  # noqa: E402,F401
from gongji.store import federation_tables as _federation_tables  # noqa: E402,F401
from gongji.store import file_tables as _file_tables  # noqa: E402,F401
from gongji.store import filing_tables as _filing_tables  # noqa: E402,F401
from gongji.store import refusal_tables as _refusal_tables  # noqa: E402,F401
from gongji.store import signal_tables as _signal_tables  # noqa: E402,F401
from gongji.store import wallet_tables as _wallet_tables  # noqa: E402,F401
from gongji.store.access_tables import (  # noqa: E402
    api_tokens,
    gateway_nonces,
    institution_credentials,
    operator_actions,
    portal_challenges,
    portal_failures,
    portal_signed_out,
    sign_ins,
)
from gongji.store.visit_tables import (  # noqa: E402
    claim_receipts,
    claims,
    fee_lines,
    settlement_payers,
    settlements,
    suspensions,
    visit_diagnoses,
    visits,
)
