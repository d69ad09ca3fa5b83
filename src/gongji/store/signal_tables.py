"""Fraud signals and their review (issue 18): what a named rule found, with its evidence and score, and what an
operator of the region decided about it.

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata``. A signal is never a verdict: it is
``open`` until an operator marks it ``confirmed`` or ``dismissed``. ``fingerprint`` (the rule, its subject and the
evidence's window) makes a run idempotent: running the rules again finds the same signals, and never reopens one
that was reviewed.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, String, Table, Text

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = ["signals"]

signals = Table(
    "signals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("rule", String(40), nullable=False),
    Column("region", String(6), nullable=False),
    # person (a card, an authoriser) or relation
    Column("subject_kind", String(12), nullable=False),
    Column("subject_id", Id, nullable=False),
    Column("score", Integer(), nullable=False),
    Column("evidence", Text(), nullable=False),
    Column("window_from", Date(), nullable=False),
    Column("window_to", Date(), nullable=False),
    Column("fingerprint", String(200), nullable=False, unique=True),
    Column("found_at", AwareDateTime(), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reviewed_by", String(64), nullable=True),
    Column("reviewed_at", AwareDateTime(), nullable=True),
    Column("review_note", String(500), nullable=True),
    CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="status_known"),
    CheckConstraint("score BETWEEN 0 AND 100", name="score_within"),
    Index("ix_signals_region_status_score", "region", "status", "score"),
)
