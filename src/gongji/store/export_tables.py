"""The keys that make the analytical export's pseudonymous ids (``gongji export``, :mod:`gongji.analytics`).

An export names people, settlements, relations and institutions by a keyed hash of their internal id, never by the id
itself (which the REST API and the portal show) nor by any number a person carries. The key must survive between
exports, or the ids of one run would not join those of the next: it is state, so it lives in the database. Whoever
holds the database holds the data the ids stand for anyway; whoever holds only the export cannot reverse them.

Kept apart from :mod:`gongji.store.tables` for size; it shares its ``metadata`` (``tables`` imports this module last).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, LargeBinary, String, Table

from gongji.store.column_types import AwareDateTime
from gongji.store.tables import metadata

__all__ = ["export_keys"]

# One row per named key: "default", or one per recipient whose exports must not join another's.
export_keys = Table(
    "export_keys",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("secret", LargeBinary(), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    CheckConstraint("length(secret) >= 32", name="secret_long_enough"),
)
