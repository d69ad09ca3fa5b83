"""The wallet's tables (医保钱包): wallets, transfers with their history, and the notifications people receive.

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata`` (``tables`` imports this module last,
so every table is known wherever the schema is).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = ["notifications", "wallet_events", "wallet_transfers", "wallets"]

# One wallet per person, opened in the pooling region of his basic insurance; a closed wallet may be opened again.
wallets = Table(
    "wallets",
    metadata,
    Column("person_id", Id, ForeignKey("people.id"), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("status", String(12), nullable=False),
    Column("opened_at", AwareDateTime(), nullable=False),
    Column("closed_at", AwareDateTime(), nullable=True),
)

# A transfer from a sender's personal account to a relative's wallet. ``remaining_fen`` is what is still reserved
# in the sender's account for it (pending: all of it; accepted: what the receiver has not spent yet; else 0).
wallet_transfers = Table(
    "wallet_transfers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # Across nodes (gongji.federation) each node keeps its half: the other party is on ``peer_node``, known here by
    # ID number and name, and that side's person id is NULL.
    Column("sender_person_id", Id, ForeignKey("people.id"), nullable=True),
    Column("receiver_person_id", Id, ForeignKey("people.id"), nullable=True, index=True),
    Column("sender_region", String(6), nullable=False),
    Column("receiver_region", String(6), nullable=False),
    Column("relation_type", String(32), nullable=False),
    Column("amount_fen", BigInteger(), nullable=False),
    Column("from_prior_fen", BigInteger(), nullable=False),
    Column("from_current_fen", BigInteger(), nullable=False),
    Column("current_year", Integer(), nullable=False),
    Column("remaining_fen", BigInteger(), nullable=False),
    Column("status", String(12), nullable=False),
    Column("requested_at", AwareDateTime(), nullable=False),
    Column("return_due_at", AwareDateTime(), nullable=False),
    Column("decided_at", AwareDateTime(), nullable=True),
    Column("verification", String(200), nullable=False),
    Column("peer_node", String(32), nullable=True),
    Column("peer_certno", String(18), nullable=True),
    Column("peer_name", String(50), nullable=True),
    # the same transfer's id on the peer node (the sender's id is the transfer's reference on both)
    Column("peer_transfer_id", BigInteger(), nullable=True),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint(
        "(peer_node IS NULL AND sender_person_id IS NOT NULL AND receiver_person_id IS NOT NULL)"
        " OR (peer_node IS NOT NULL AND peer_certno IS NOT NULL"
        " AND (sender_person_id IS NULL) <> (receiver_person_id IS NULL))",
        name="one_side_here",
    ),
    CheckConstraint("from_prior_fen + from_current_fen = amount_fen", name="parts_add_up"),
    CheckConstraint("remaining_fen >= 0 AND remaining_fen <= amount_fen", name="remaining_within_amount"),
    CheckConstraint("sender_person_id <> receiver_person_id", name="two_people"),
    Index("ix_wallet_transfers_sender_requested", "sender_person_id", "requested_at"),
    Index("ix_wallet_transfers_status_due", "status", "return_due_at"),
)
# While one transfer to a person waits to be accepted, no second one from the same sender: two racing requests
# cannot both insert (the index decides, on both backends).
Index(
    "uq_wallet_transfers_pending_pair",
    wallet_transfers.c.sender_person_id,
    wallet_transfers.c.receiver_person_id,
    unique=True,
    sqlite_where=wallet_transfers.c.status == "pending",
    postgresql_where=wallet_transfers.c.status == "pending",
)

# The same across nodes: one pending transfer from a sender to a person of another node.
Index(
    "uq_wallet_transfers_pending_peer",
    wallet_transfers.c.sender_person_id,
    wallet_transfers.c.peer_certno,
    unique=True,
    sqlite_where=(wallet_transfers.c.status == "pending") & wallet_transfers.c.peer_node.is_not(None),
    postgresql_where=(wallet_transfers.c.status == "pending") & wallet_transfers.c.peer_node.is_not(None),
)

# Each transfer's history, as both sides see it.
wallet_events = Table(
    "wallet_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("transfer_id", Id, ForeignKey("wallet_transfers.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("amount_fen", BigInteger(), nullable=False),
    Column("at", AwareDateTime(), nullable=False),
    Column("journal_id", Id, ForeignKey("journals.id"), nullable=True),
    Column("reference", String(200), nullable=True),
)

# What people are told (a transfer to accept, a binding to confirm, a payment from their account): the kind and its
# parameters as encoded terms, rendered in the reader's language; the portal's inbox reads them back.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("params", Text(), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("read_at", AwareDateTime(), nullable=True),
    # When the notifier (SMS gateway, app push) took it; NULL: still to send (an outbox, read after the commit).
    Column("delivered_at", AwareDateTime(), nullable=True),
    Index("ix_notifications_person_id", "person_id", "id"),
)
