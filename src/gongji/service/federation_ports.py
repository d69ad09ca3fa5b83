"""The ports of a node of a federation (gongji.federation): the map of nodes, the outbox of messages to other nodes and
the inbox of those applied here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["InboxRepository", "Nodes", "OutboxRepository", "Outgoing"]


class Nodes(Protocol):
    """This node's name and which node serves a region (:class:`gongji.federation.config.Federation`)."""

    @property
    def node(self) -> str:
        """This node's name."""
        ...

    def node_of(self, region: str) -> str | None:
        """The node serving the province of ``region`` (this one, another, or ``None``: no node)."""
        ...


@dataclass(frozen=True)
class Outgoing:
    """A message written in the transaction of what it reports, still to be relayed or relayed already."""

    id: int
    msg_id: str
    subject: str
    payload: str
    created_at: datetime


class OutboxRepository(Protocol):
    """Messages to other nodes, written with the change they report and relayed after the commit."""

    def add(self, msg_id: str, subject: str, payload: str, at: datetime) -> None: ...
    def unrelayed(self, *, limit: int) -> list[Outgoing]: ...
    def mark_relayed(self, ids: Sequence[int], at: datetime) -> None: ...
    def lag(self) -> tuple[int, datetime | None]:
        """How many messages wait to be relayed, and when the oldest of them was written."""
        ...

    def every(self) -> list[Outgoing]:
        """Every message this node wrote, oldest first (the cross-node audit)."""
        ...

    def clearing(self) -> dict[str, int]:
        """The balance of this node's ``node_clearing`` account for each other node (the cross-node audit)."""
        ...


class InboxRepository(Protocol):
    """Messages from other nodes applied here, each once."""

    def take(self, msg_id: str, subject: str, at: datetime) -> bool:
        """Record the message as applied in this transaction: ``False`` when it was applied before."""
        ...

    def applied(self, msg_ids: Sequence[str]) -> set[str]:
        """Which of these messages were applied here."""
        ...
