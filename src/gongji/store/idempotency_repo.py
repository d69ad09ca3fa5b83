"""SQL implementation of the idempotency repository (:class:`gongji.service.ports.IdempotencyRepository`): each
message key with the outcome it was answered with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from gongji.service.ports import StoredOutcome, TransientStoreError
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["SqlIdempotency"]

# Statements of the settlement's hot path, built once: building a statement costs more than running it on SQLite.
_IDEMPOTENCY_GET = Prepared(select(t.idempotency_keys).where(t.idempotency_keys.c.key == bindparam("idempotency_key")))
_IDEMPOTENCY_PUT = Prepared(insert(t.idempotency_keys))


class SqlIdempotency:
    """Idempotency keys in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> StoredOutcome | None:
        row = _IDEMPOTENCY_GET(self._conn, {"idempotency_key": key}).mappings().first()
        if row is None:
            return None
        return StoredOutcome(
            operation=row["operation"],
            request_hash=row["request_hash"],
            is_error=row["is_error"],
            outcome=row["outcome"],
        )

    def put(self, key: str, stored: StoredOutcome, created_at: datetime) -> None:
        try:
            _IDEMPOTENCY_PUT(
                self._conn,
                {
                    "key": key,
                    "operation": stored.operation,
                    "request_hash": stored.request_hash,
                    "is_error": stored.is_error,
                    "outcome": stored.outcome,
                    "created_at": created_at,
                },
            )
        except IntegrityError as exc:
            # Two transactions raced on the same key; the retry replays the winner's outcome.
            raise TransientStoreError(f"idempotency key {key!r} written concurrently") from exc
