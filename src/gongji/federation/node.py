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

__all__ = ["join_federation"]


def join_federation(app: FastAPI, fsi: FsiService, federation: Federation) -> Bus:
    """Connect ``app``'s node to the federation's NATS server (in the background: a node starts even while the server
    is down, and refuses other nodes' patients until it is up), route ``fsi``'s messages, and close the connection
    when the application shuts down."""
    bus = Bus(federation.nats_url, name=federation.node).start()
    fsi.forward = Forwarder(federation, bus, fsi.ctx)
    serve_forwarded(bus, federation, fsi)
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
