"""Messages between the nodes of a federation: written to the outbox in the transaction of what they report, applied
from the inbox in the transaction of what they change — each exactly once, whatever the transport repeats.

A message is JSON: its ``kind``, the node it comes ``from``, and the kind's fields. Its id (``<node>:<random>``) is
JetStream's deduplication id on the way and the receiving node's inbox key, so a message relayed twice (a relay that
crashed between JetStream's acknowledgement and marking the row) or delivered twice (a consumer that crashed before
acknowledging) changes the receiving node once. An applier runs inside that transaction; one that raises leaves the
message unapplied, to be delivered again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from gongji.domain.errors import ErrorCode, Refused
from gongji.service.context import Context
from gongji.service.federation_ports import Nodes, Outgoing
from gongji.service.ports import UnitOfWork

__all__ = [
    "RELAY_BATCH",
    "Applier",
    "MessageKind",
    "apply_message",
    "mark_relayed",
    "node_subject",
    "post_message",
    "require_nodes",
    "unrelayed",
]


class MessageKind(StrEnum):
    """What a message between nodes reports (the wallet's two-phase transfers)."""

    #: sender's node → receiver's node: a transfer is reserved; the receiver may accept it.
    WALLET_OFFER = "wallet.offer"
    #: receiver's node → sender's node: the receiver accepted (the reservation is posted).
    WALLET_ACCEPTED = "wallet.accepted"
    #: receiver's node → sender's node: an amount goes back (declined, not accepted in time, wallet closed, refused).
    WALLET_RETURNED = "wallet.returned"
    #: receiver's node → sender's node: a settlement there spent an amount of the transfer.
    WALLET_SPENT = "wallet.spent"
    #: receiver's node → sender's node: that settlement was reversed; the amount is the transfer's again.
    WALLET_UNSPENT = "wallet.unspent"


#: Applies a message in the receiving node's transaction: (context, unit of work, the message, the time, the nodes).
Applier = Callable[[Context, UnitOfWork, dict[str, Any], datetime, Nodes], None]


def node_subject(node: str) -> str:
    """The JetStream subject of the messages to ``node``."""
    return f"gongji.node.{node}.messages"


def require_nodes(nodes: Nodes | None) -> Nodes:
    """The federation, which a use case that crosses nodes needs (``NODE_NOT_IN_FEDERATION`` when this gongji stands
    alone)."""
    if nodes is None:
        raise Refused(ErrorCode.NODE_NOT_IN_FEDERATION)
    return nodes


def post_message(
    uow: UnitOfWork, nodes: Nodes, to_node: str, kind: MessageKind, fields: dict[str, Any], at: datetime
) -> str:
    """Write a message to ``to_node`` into the outbox of this transaction; its id."""
    msg_id = f"{nodes.node}:{secrets.token_hex(12)}"
    payload = json.dumps({"kind": kind.value, "from": nodes.node, **fields}, ensure_ascii=False, sort_keys=True)
    uow.outbox.add(msg_id, node_subject(to_node), payload, at)
    return msg_id


def apply_message(
    ctx: Context, appliers: Mapping[MessageKind, Applier], msg_id: str, subject: str, payload: bytes
) -> bool:
    """Apply a message from another node with the applier of its kind, in one transaction with its inbox row;
    ``False`` when it was applied before (nothing changes). A kind with no applier is an error (it stays
    unapplied)."""
    nodes = require_nodes(ctx.nodes)
    message: dict[str, Any] = json.loads(payload)
    applier = appliers[MessageKind(message["kind"])]

    def handler(uow: UnitOfWork) -> bool:
        now = ctx.clock.now()
        if not uow.inbox.take(msg_id, subject, now):
            return False
        applier(ctx, uow, message, now, nodes)
        uow.commit()
        return True

    return ctx.transaction(handler)


#: How many outbox messages one relay round publishes.
RELAY_BATCH = 200


def unrelayed(ctx: Context, limit: int = RELAY_BATCH) -> list[Outgoing]:
    """The outbox's oldest messages still to relay."""
    return ctx.read(lambda uow: uow.outbox.unrelayed(limit=limit))


def mark_relayed(ctx: Context, ids: list[int]) -> None:
    """Record that JetStream acknowledged these outbox messages."""

    def handler(uow: UnitOfWork) -> None:
        uow.outbox.mark_relayed(ids, ctx.clock.now())
        uow.commit()

    ctx.transaction(handler)
