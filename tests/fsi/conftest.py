"""A real gongji server for the national interface's HTTP tests: one per backend per test module.

The database is set up once per module (SQLite: a copy of the migrated template; PostgreSQL: the session's database,
truncated), the demo family is loaded under a clock standing on 2026-11-22 10:00 in Shanghai, and the server's clock
then stands two hours later so that the family's relations are in force. uvicorn serves the application on a free
port in a thread; the tests call it through :class:`gongji.api.fsi.client.FsiClient`, over real HTTP.

Tests share the module's database, so each one opens its own visits and never relies on another test's writes.
"""

from __future__ import annotations

import itertools
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from gongji.api.app import create_app
from gongji.api.fsi.client import FsiClient
from gongji.bootstrap import build_context
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.demo import HOSPITAL, PHARMACY, load_demo
from gongji.service.institution_access import institution_credentials
from gongji.store.engine import make_engine
from tests.conftest import BACKENDS, _truncate_all

#: When the demo family is loaded (its relations are bound at this moment).
LOADED_AT = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
#: The server's business time: later the same day, when the relations bound at LOADED_AT are in force.
BUSINESS_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=SHANGHAI)
#: ``begntime`` / ``fee_ocur_time`` as the clients send them: the business time.
BEGNTIME = BUSINESS_NOW.strftime("%Y-%m-%d %H:%M:%S")

_STARTUP_TIMEOUT_S = 20.0
#: One message sequence for every client of the test run, so that no two messages share a ``msgid``.
_MESSAGE_SEQUENCE = itertools.count()


class HisClient(FsiClient):
    """The interface's own client, with message ids drawn from one sequence shared by all test clients (two
    :class:`FsiClient` of one institution each start at a random point and could meet within one second)."""

    def new_msgid(self) -> str:
        """Institution code (12) + ``yyyyMMddHHmmss`` + the next number of the shared sequence (4 digits)."""
        return (
            f"{self.fixmedins_code[:12]:<12}{datetime.now(SHANGHAI):%Y%m%d%H%M%S}{next(_MESSAGE_SEQUENCE) % 10_000:04d}"
        )


@dataclass
class FsiServer:
    """A running server and what tests need around it: its database, its context, and signed-in clients."""

    backend: str
    base_url: str
    engine: Engine
    ctx: Context
    hospital: HisClient
    pharmacy: HisClient
    http: httpx.Client

    def client(self, fixmedins_code: str, *, sign_no: str | None = None) -> HisClient:
        """Another client of an institution, sharing the HTTP connection pool (not signed in unless told)."""
        return _client(self.ctx, self.http, fixmedins_code, sign_no)


def _client(ctx: Context, http: httpx.Client, fixmedins_code: str, sign_no: str | None = None) -> HisClient:
    credentials = institution_credentials(ctx, fixmedins_code)
    return HisClient(
        str(http.base_url), fixmedins_code, credentials.paasid, credentials.token, http=http, sign_no=sign_no
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "sqlite":
        target = tmp_path_factory.mktemp("fsi-http") / "gongji.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = str(request.getfixturevalue("postgres_url"))
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="module", params=BACKENDS)
def fsi_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FsiServer]:
    """The demo loaded on a fresh database of the backend, served by uvicorn on a free local port."""
    backend = str(request.param)
    engine = make_engine(_database_url(backend, request, tmp_path_factory))
    clock = FixedClock(LOADED_AT)
    ctx = build_context(engine=engine, clock=clock)
    load_demo(ctx)
    clock.set(BUSINESS_NOW)

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{backend}", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.02)

    base_url = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=base_url, timeout=30.0)
    hospital, pharmacy = _client(ctx, http, HOSPITAL), _client(ctx, http, PHARMACY)
    hospital.sign_in()
    pharmacy.sign_in()
    try:
        yield FsiServer(backend, base_url, engine, ctx, hospital, pharmacy, http)
    finally:
        http.close()
        server.should_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT_S)
        engine.dispose()
