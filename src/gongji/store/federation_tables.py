"""The tables of a node of a federation (issue 19): the outbox of messages to other nodes and the inbox of those
taken in.

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata``. An outbox row is written in the
transaction of the change it reports, and relayed to NATS JetStream afterwards (at least once, with its ``msg_id`` as
JetStream's deduplication id); an inbox row is written in the transaction that applies a message, so a message
delivered twice is applied once.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = ["inbox", "outbox"]

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # globally unique: the sending node's name and a random part (JetStream's Nats-Msg-Id, the receiver's inbox key)
    Column("msg_id", String(80), nullable=False, unique=True),
    Column("subject", String(120), nullable=False),
    Column("payload", Text(), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    # when JetStream acknowledged it; NULL: still to relay
    Column("relayed_at", AwareDateTime(), nullable=True),
    Index("ix_outbox_relayed_at_id", "relayed_at", "id"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("msg_id", String(80), primary_key=True),
    Column("subject", String(120), nullable=False),
    Column("received_at", AwareDateTime(), nullable=False),
)
