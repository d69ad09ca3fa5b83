"""SQL implementation of a node's outbox and inbox (:mod:`gongji.service.federation_ports`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gongji.service.federation_ports import Outgoing
from gongji.store.federation_tables import inbox, outbox
from gongji.store.tables import accounts

__all__ = ["SqlInbox", "SqlOutbox"]


class SqlOutbox:
    """The outbox in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, msg_id: str, subject: str, payload: str, at: datetime) -> None:
        """Write a message to relay after the commit."""
        self._conn.execute(insert(outbox).values(msg_id=msg_id, subject=subject, payload=payload, created_at=at))

    def unrelayed(self, *, limit: int) -> list[Outgoing]:
        """The oldest messages not relayed yet, in the order they were written."""
        query = select(outbox).where(outbox.c.relayed_at.is_(None)).order_by(outbox.c.id).limit(limit)
        return [
            Outgoing(int(row["id"]), row["msg_id"], row["subject"], row["payload"], row["created_at"])
            for row in self._conn.execute(query).mappings()
        ]

    def mark_relayed(self, ids: Sequence[int], at: datetime) -> None:
        """Record that JetStream acknowledged these messages."""
        if ids:
            self._conn.execute(update(outbox).where(outbox.c.id.in_(list(ids))).values(relayed_at=at))

    def every(self) -> list[Outgoing]:
        """Every message written here, oldest first."""
        query = select(outbox).order_by(outbox.c.id)
        return [
            Outgoing(int(row["id"]), row["msg_id"], row["subject"], row["payload"], row["created_at"])
            for row in self._conn.execute(query).mappings()
        ]

    def clearing(self) -> dict[str, int]:
        """The ``node_clearing`` accounts' balances by the node they clear with (the code's last part)."""
        query = select(accounts.c.code, accounts.c.balance_fen).where(accounts.c.kind == "node_clearing")
        found: dict[str, int] = {}
        for code, balance in self._conn.execute(query):
            node = str(code).rsplit(":", 1)[-1].split("#", 1)[0]
            found[node] = found.get(node, 0) + int(balance)
        return found

    def lag(self) -> tuple[int, datetime | None]:
        """How many messages wait, and when the oldest was written."""
        query = select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.relayed_at.is_(None))
        count, oldest = self._conn.execute(query).one()
        return int(count), oldest


class SqlInbox:
    """The inbox in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def take(self, msg_id: str, subject: str, at: datetime) -> bool:
        """Record the message as applied; ``False`` when it was applied before (the key exists)."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(inbox).values(msg_id=msg_id, subject=subject, received_at=at))
        except IntegrityError:
            return False
        return True

    def applied(self, msg_ids: Sequence[str]) -> set[str]:
        """Which of these messages were applied here."""
        found: set[str] = set()
        ids = list(msg_ids)
        for start in range(0, len(ids), 500):
            query = select(inbox.c.msg_id).where(inbox.c.msg_id.in_(ids[start : start + 500]))
            found |= {str(row[0]) for row in self._conn.execute(query)}
        return found
