"""A real gongji server for the national interface's HTTP tests: one per backend per test module.

The database is set up once per module (SQLite: a copy of the migrated template; PostgreSQL: the session's database,
truncated), the demo family is loaded under a clock standing on 2026-11-22 10:00 in Shanghai, and the server's clock
then stands two hours later so that the family's relations are in force. uvicorn serves the application on a free
port in a thread; the tests call it through :class:`gongji.api.fsi.client.FsiClient`, over real HTTP.

Tests share the module's database, so each one opens its own visits and never relies on another test's writes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from sqlalchemy import Engine

from gongji.api.app import create_app
from gongji.api.fsi.client import FsiClient
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.demo import HOSPITAL, PHARMACY
from gongji.service.institution_access import institution_credentials
from tests.conftest import BACKENDS
from tests.serving import BUSINESS_NOW, demo_database, serving

#: ``begntime`` / ``fee_ocur_time`` as the clients send them: the business time.
BEGNTIME = BUSINESS_NOW.strftime("%Y-%m-%d %H:%M:%S")

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


@pytest.fixture(scope="module", params=BACKENDS)
def fsi_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FsiServer]:
    """The demo loaded on a fresh database of the backend, served by uvicorn on a free local port."""
    backend = str(request.param)
    with (
        demo_database(backend, request, tmp_path_factory) as (engine, ctx, _),
        serving(create_app(ctx), backend) as base_url,
        httpx.Client(base_url=base_url, timeout=30.0) as http,
    ):
        hospital, pharmacy = _client(ctx, http, HOSPITAL), _client(ctx, http, PHARMACY)
        hospital.sign_in()
        pharmacy.sign_in()
        yield FsiServer(backend, base_url, engine, ctx, hospital, pharmacy, http)
