"""A web application made a node of its federation: connected to the NATS server, sending the national-interface
messages of other nodes' patients there, and answering the messages they send here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from gongji.api.fsi.router import FsiService
from gongji.federation.bus import Bus
from gongji.federation.config import Federation
from gongji.federation.fsi_route import Forwarder, serve_forwarded
from gongji.service.context import Context
from gongji.service.node_messages import apply_message, mark_relayed, node_subject, unrelayed
from gongji.service.wallet_remote import APPLIERS

__all__ = ["exchange_messages", "join_federation"]


def exchange_messages(bus: Bus, federation: Federation, ctx: Context) -> None:
    """Relay this node's outbox to JetStream and apply the messages other nodes sent it (the wallet's two-phase
    transfers), each once."""
    bus.relay(lambda: unrelayed(ctx), lambda ids: mark_relayed(ctx, ids))

    def apply(msg_id: str, subject: str, payload: bytes) -> bool:
        return apply_message(ctx, APPLIERS, msg_id, subject, payload)

    bus.consume(node_subject(federation.node), f"node-{federation.node}", apply)


def join_federation(app: FastAPI, fsi: FsiService, federation: Federation) -> Bus:
    """Connect ``app``'s node to the federation's NATS server (in the background: a node starts even while the server
    is down, and refuses other nodes' patients until it is up), route ``fsi``'s messages, and close the connection
    when the application shuts down."""
    bus = Bus(federation.nats_url, name=federation.node).start()
    fsi.forward = Forwarder(federation, bus, fsi.ctx)
    serve_forwarded(bus, federation, fsi)
    exchange_messages(bus, federation, fsi.ctx)
    inner: Callable[[Any], Any] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        async with inner(served) as state:
            try:
                yield state
            finally:
                bus.close()

    app.router.lifespan_context = lifespan
    app.state.bus = bus
    return bus
