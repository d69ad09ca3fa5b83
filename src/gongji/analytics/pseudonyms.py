"""Pseudonymous ids for the analytical export: a keyed BLAKE2b hash of an internal id, 16 bytes.

Why not the internal ids: the REST API, the portal's links and the counter's screens show them, so a file carrying
them would name people to anyone who also holds one of those. Why a keyed hash: without the key an id cannot be
turned back (nor guessed by hashing every small integer), while with the same key every export gives the same id, so
the datasets join (a payer to a relation, a patient to a person) and one run's files join the next run's. Why 16
bytes: no two of a province's hundreds of millions of rows can collide in practice (8 bytes would, about once in a
few thousand exports of 10⁸ settlements), and Parquet stores them as ``FIXED_LEN_BYTE_ARRAY(16)``, which DuckDB,
Spark and Trino read as a binary value they can join on.

Each kind of thing is hashed apart (BLAKE2b's personalisation string), so person 7 and settlement 7 differ. The key
is made at random on the first export under its name and kept in the database (``export_keys``); exporting under
another name gives ids that join nothing of the first (one name per recipient keeps their files apart).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from gongji.store.engine import READONLY_OPTION
from gongji.store.export_tables import export_keys

__all__ = ["DEFAULT_KEY_NAME", "KEY_BYTES", "PSEUDONYM_BYTES", "Kind", "Pseudonymiser", "export_key"]

#: The key an export uses unless told otherwise.
DEFAULT_KEY_NAME = "default"
#: The key's length (BLAKE2b takes up to 64 bytes of key; 32 is its security level).
KEY_BYTES = 32
#: The length of a pseudonymous id.
PSEUDONYM_BYTES = 16


class Kind(StrEnum):
    """What an id names: each kind is hashed with its own personalisation, so their ids never coincide."""

    PERSON = "person"
    SETTLEMENT = "settlement"
    RELATION = "relation"
    INSTITUTION = "institution"
    TRANSFER = "transfer"


def export_key(engine: Engine, name: str, now: datetime) -> bytes:
    """The secret of the export key ``name``, made (and stored) on first use; two exports starting at once both get
    the one that was stored first."""
    query = select(export_keys.c.secret).where(export_keys.c.name == name)
    with engine.connect().execution_options(**{READONLY_OPTION: True}) as conn:
        found = conn.execute(query).scalar_one_or_none()
    if found is not None:
        return bytes(found)
    try:
        with engine.begin() as conn:
            conn.execute(insert(export_keys).values(name=name, secret=secrets.token_bytes(KEY_BYTES), created_at=now))
    except IntegrityError:
        pass  # made by a concurrent export: use that one
    with engine.connect().execution_options(**{READONLY_OPTION: True}) as conn:
        return bytes(conn.execute(query).scalar_one())


class Pseudonymiser:
    """Turns internal ids into pseudonymous ones under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"an export key has at least {KEY_BYTES} bytes")
        self._key = key

    @property
    def check(self) -> str:
        """A short value that tells keys apart without revealing them (the manifest keeps it: an export under
        another key rewrites every file instead of mixing ids of two keys)."""
        return hashlib.blake2b(b"gongji-export-key-check", key=self._key, digest_size=8).hexdigest()

    def one(self, kind: Kind, internal_id: int) -> bytes:
        """The pseudonymous id of one thing."""
        return hashlib.blake2b(
            internal_id.to_bytes(8, "big", signed=True),
            key=self._key,
            digest_size=PSEUDONYM_BYTES,
            person=kind.value.encode(),
        ).digest()

    def many(self, kind: Kind, internal_ids: Iterable[int | None]) -> list[bytes | None]:
        """The pseudonymous ids of a column of internal ids (``None`` stays ``None``)."""
        key, person = self._key, kind.value.encode()
        blake2b = hashlib.blake2b
        return [
            None
            if value is None
            else blake2b(
                value.to_bytes(8, "big", signed=True), key=key, digest_size=PSEUDONYM_BYTES, person=person
            ).digest()
            for value in internal_ids
        ]
