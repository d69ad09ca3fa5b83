"""The refusals log (issue 18): every refusal a write met, with when, where, through which channel and for whom.

Kept apart from :mod:`gongji.store.tables` for size; it shares its ``metadata``. A refusal is also kept under its
idempotency key (so that a retried request is answered the same), but keys are one row per request of any kind and
hold the refusal as an opaque outcome; this log is what analysts count — by code, region, channel and month — to see
what does not work for people. It holds no personal data of its own: the person is an id, the region a code.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = ["refusals"]

refusals = Table(
    "refusals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", AwareDateTime(), nullable=False),
    # the use case's operation (``commit_settlement``, ``request_binding``…) and the error code it refused with
    Column("operation", String(64), nullable=False),
    Column("code", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    # rest, fsi, portal, counter, cli, synth or internal (gongji.service.refusal_log.Channel)
    Column("channel", String(16), nullable=False),
    # the region of the person the write was about, when it got that far; else NULL
    Column("region", String(6), nullable=True),
    Column("person_id", Id, nullable=True),
    Index("ix_refusals_at", "at"),
)
