"""The REST API (/api/v1) on each backend: the demo family loaded, tokens of every role, and a client that speaks
HTTP to the application in process (``httpx.ASGITransport`` behind a blocking portal, so tests stay synchronous).

The demo is loaded at 2026-11-22 10:00 (Shanghai) on the test's database (``ctx`` of ``tests/conftest.py``); the
clock then stands two hours later, when the family's relations are in force.

Tokens: an operator of Shijiazhuang (130100, where the demo family lives but 张丽), an operator of Beijing (110000,
张丽's region), the demo hospital, the demo pharmacy, and an analyst.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from sqlalchemy import Engine

from gongji.api.app import create_app
from gongji.service.api_tokens import IssueToken, Role, issue_token
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.demo import HOSPITAL, PHARMACY, load_demo
from tests.serving import BUSINESS_NOW, LOADED_AT

_KEYS = itertools.count()


def new_key() -> str:
    """A fresh idempotency key."""
    return f"test-{next(_KEYS)}"


@dataclass
class Api:
    """The application and a client for it, with a token of each role; ``as_`` picks the caller."""

    app: FastAPI
    ctx: Context
    engine: Engine
    backend: str
    clock: FixedClock
    portal: BlockingPortal
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        as_: str | None = "operator",
        key: str | bool | None = True,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Call ``/api/v1{path}`` as the token named ``as_`` (``None``: no token); ``key`` True sends a fresh
        Idempotency-Key, a string sends that one, False or None sends none."""
        sent = dict(headers or {})
        if as_ is not None:
            sent["Authorization"] = f"Bearer {self.tokens[as_]}"
        if key is True:
            sent["Idempotency-Key"] = new_key()
        elif isinstance(key, str):
            sent["Idempotency-Key"] = key
        call = partial(self.client.request, method, f"/api/v1{path}", json=json, params=params, headers=sent)
        return self.portal.call(call)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """A GET (no Idempotency-Key)."""
        return self.request("GET", path, key=False, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """A POST with a fresh Idempotency-Key unless told otherwise."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        """A PUT with a fresh Idempotency-Key unless told otherwise."""
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        """A DELETE with a fresh Idempotency-Key unless told otherwise."""
        return self.request("DELETE", path, **kwargs)


def issue_tokens(ctx: Context) -> dict[str, str]:
    """A token of each kind the tests use."""
    wanted = {
        "operator": IssueToken(Role.OPERATOR, ("130100",), label="石家庄经办"),
        "beijing": IssueToken(Role.OPERATOR, ("110000",), label="北京经办"),
        "both": IssueToken(Role.OPERATOR, ("110000", "130100"), label="京冀经办"),
        "hospital": IssueToken(Role.INSTITUTION, fixmedins_code=HOSPITAL),
        "pharmacy": IssueToken(Role.INSTITUTION, fixmedins_code=PHARMACY),
        "analyst": IssueToken(Role.ANALYST, label="政策分析"),
    }
    tokens = {}
    for name, cmd in wanted.items():
        token = issue_token(ctx, cmd, key=f"test-token:{name}").token
        assert token is not None
        tokens[name] = token
    return tokens


@pytest.fixture
def api(backend: str, engine: Engine, ctx: Context, clock: FixedClock) -> Iterator[Api]:
    """The demo family on the test's database, the application on it, and tokens of every role."""
    clock.set(LOADED_AT)
    load_demo(ctx)
    clock.set(BUSINESS_NOW)
    tokens = issue_tokens(ctx)
    app = create_app(ctx)
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gongji.test")
        try:
            yield Api(app, ctx, engine, backend, clock, portal, client, tokens)
        finally:
            portal.call(client.aclose)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The answer is RFC 9457 problem details with this status and code, in both languages; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    if code.startswith("HTTP_"):
        assert body["type"] == "about:blank"
    else:
        assert body["type"] == f"https://gongji.dev/problems/{code}"
    assert body["title"]
    assert body["detail"]
    assert body["detail_en"]
    assert isinstance(body["params"], dict)
    assert body["instance"].startswith("/api/v1")
    return body
