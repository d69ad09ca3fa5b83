"""SQLAlchemy implementation of the API tokens' repository (``gongji.service.api_ports.ApiTokenRepository``).

Authenticating a request is one query on the unique index of the token's SHA-256; the token itself is never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gongji.service.api_ports import StoredApiToken
from gongji.store import tables as t

__all__ = ["SqlApiTokens", "stored_token"]

_SEPARATOR = ","


def stored_token(row: Any) -> StoredApiToken:
    """A token as the service sees it, from its row."""
    regions = row["regions"] or ""
    return StoredApiToken(
        id=int(row["id"]),
        token_sha256=row["token_sha256"],
        role=row["role"],
        regions=tuple(code for code in regions.split(_SEPARATOR) if code),
        fixmedins_code=row["fixmedins_code"],
        label=row["label"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class SqlApiTokens:
    """API tokens in SQL, one row per token."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        *,
        token_sha256: str,
        role: str,
        regions: Sequence[str],
        fixmedins_code: str | None,
        label: str | None,
        created_at: datetime,
    ) -> StoredApiToken:
        """Store a new token (its hash) and answer it as stored."""
        token_id = self._conn.execute(
            insert(t.api_tokens)
            .values(
                token_sha256=token_sha256,
                role=role,
                regions=_SEPARATOR.join(regions) or None,
                fixmedins_code=fixmedins_code,
                label=label,
                created_at=created_at,
            )
            .returning(t.api_tokens.c.id)
        ).scalar_one()
        stored = self.get(int(token_id))
        assert stored is not None
        return stored

    def get(self, token_id: int) -> StoredApiToken | None:
        """The token with this id, revoked or not."""
        row = self._conn.execute(select(t.api_tokens).where(t.api_tokens.c.id == token_id)).mappings().first()
        return stored_token(row) if row else None

    def by_hash(self, token_sha256: str) -> StoredApiToken | None:
        """The token whose SHA-256 this is, revoked or not: one query on the unique index."""
        query = select(t.api_tokens).where(t.api_tokens.c.token_sha256 == token_sha256)
        row = self._conn.execute(query).mappings().first()
        return stored_token(row) if row else None

    def list(self) -> list[StoredApiToken]:
        """Every token, in the order they were issued."""
        rows = self._conn.execute(select(t.api_tokens).order_by(t.api_tokens.c.id)).mappings().all()
        return [stored_token(row) for row in rows]

    def revoke(self, token_id: int, at: datetime) -> None:
        """Mark the token revoked at ``at`` (a token already revoked keeps its first time)."""
        self._conn.execute(
            update(t.api_tokens)
            .where(t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
