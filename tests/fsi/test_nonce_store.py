"""Gateway nonces in the database, on SQLite and PostgreSQL: a nonce accepted by one worker process (or before a
restart) is refused by every other, two workers racing with one nonce accept it once, and expired nonces are swept."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from sqlalchemy import Engine, select

from gongji.api.app import create_app
from gongji.api.fsi.auth import DatabaseNonceStore, GatewayReason, GatewayRefused, verify_gateway
from gongji.api.fsi.client import FsiClient
from gongji.api.fsi.router import FSI_PATH
from gongji.service import access_state
from gongji.service.access_ports import Expiring
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.demo import DEMO_FAMILY, HOSPITAL, load_demo
from gongji.service.institution_access import institution_credentials
from gongji.store import tables as t
from tests.fsi.test_auth import NOW, NOW_S, headers, token_of
from tests.serving import BUSINESS_NOW, LOADED_AT

PAASID = "hosp-130102-001"


def nonces(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(t.gateway_nonces.c.nonce)).scalars())


def test_a_nonce_seen_by_one_worker_is_a_replay_for_another(ctx: Context) -> None:
    assert verify_gateway(headers(), token_of, NOW, DatabaseNonceStore(ctx)) == PAASID
    restarted = DatabaseNonceStore(ctx)
    with pytest.raises(GatewayRefused) as caught:
        verify_gateway(headers(), token_of, NOW, restarted)
    assert caught.value.reason_code is GatewayReason.NONCE_REUSED
    assert verify_gateway(headers(paasid="pharmacy-7"), token_of, NOW, restarted) == "pharmacy-7"


def test_a_nonce_is_kept_until_its_request_leaves_the_window(ctx: Context, engine: Engine) -> None:
    store = DatabaseNonceStore(ctx, sweep_every=0)
    verify_gateway(headers(), token_of, NOW, store)
    with pytest.raises(GatewayRefused):  # at the window's edge the timestamp still passes: the nonce must be known
        verify_gateway(headers(), token_of, NOW + timedelta(seconds=300), store)
    fresh = headers(timestamp=str(NOW_S + 301))
    assert verify_gateway(fresh, token_of, NOW + timedelta(seconds=301), DatabaseNonceStore(ctx)) == PAASID
    assert nonces(engine) == ["abc123"]  # the expired entry was taken over, not doubled


def test_expired_nonces_are_swept_and_live_ones_kept(ctx: Context, engine: Engine) -> None:
    quiet = DatabaseNonceStore(ctx, sweep_every=0)
    for nonce in ("old-1", "old-2"):
        quiet.remember(PAASID, nonce, now=NOW, until=NOW + timedelta(seconds=300))
    quiet.remember(PAASID, "live", now=NOW, until=NOW + timedelta(seconds=600))
    assert nonces(engine) == ["live", "old-1", "old-2"]
    later = NOW + timedelta(seconds=301)
    DatabaseNonceStore(ctx, sweep_every=1).remember(PAASID, "new", now=later, until=later + timedelta(seconds=300))
    assert nonces(engine) == ["live", "new"]


def test_a_sweep_deletes_a_bounded_batch(ctx: Context, engine: Engine) -> None:
    quiet = DatabaseNonceStore(ctx, sweep_every=0)
    for n in range(5):
        quiet.remember(PAASID, f"n{n}", now=NOW, until=NOW + timedelta(seconds=1))
    later = NOW + timedelta(seconds=2)
    assert access_state.sweep(ctx, Expiring.NONCES, later, limit=2) == 2
    assert len(nonces(engine)) == 3
    assert access_state.sweep(ctx, Expiring.NONCES, later) == 3
    assert nonces(engine) == []


def test_two_workers_racing_with_one_nonce_accept_it_once(ctx: Context) -> None:
    accepted: list[bool] = []
    lock, start = threading.Lock(), threading.Barrier(8)

    def attempt() -> None:
        worker = DatabaseNonceStore(ctx)
        start.wait()
        outcome = worker.remember(PAASID, "same", now=NOW, until=NOW + timedelta(seconds=300))
        with lock:
            accepted.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(accepted) == [False] * 7 + [True]


# --- two application instances on one database ------------------------------------------------------------------


def post(app: FastAPI, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """One request to ``app`` in process, on an event loop of its own thread (the browser tests may have one
    running in this thread)."""

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gongji.test") as client:
            return await client.post(FSI_PATH, content=body, headers=headers)

    with start_blocking_portal() as portal:
        return portal.call(send)


def message(client: FsiClient, infno: str, input_: dict[str, Any]) -> bytes:
    return json.dumps(client.envelope(infno, input_, client.new_msgid()), ensure_ascii=False).encode()


def test_a_captured_1101_is_refused_by_another_worker_and_after_a_restart(ctx: Context, clock: FixedClock) -> None:
    clock.set(LOADED_AT)
    load_demo(ctx)
    clock.set(BUSINESS_NOW)
    first = create_app(ctx)
    credentials = institution_credentials(ctx, HOSPITAL)
    with httpx.Client() as unused:
        client = FsiClient("http://gongji.test", HOSPITAL, credentials.paasid, credentials.token, http=unused)
        signed_in = post(
            first, message(client, "9001", {"signIn": {"opter_no": "1", "ip": "127.0.0.1"}}), client.headers()
        )
        client.sign_no = signed_in.json()["output"]["signinoutb"]["sign_no"]
        certno = DEMO_FAMILY[0].certno
        data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "psn_cert_type": "01", "certno": certno}
        body, captured = message(client, "1101", {"data": data}), client.headers()

    answered = post(first, body, captured)
    assert (answered.status_code, answered.json()["infcode"]) == (200, 0)
    assert answered.json()["output"]["baseinfo"]["certno"] == certno
    for app in (first, create_app(ctx), create_app(ctx)):  # the same worker; a second one; the server started again
        replayed = post(app, body, captured)
        assert (replayed.status_code, replayed.json()["infcode"]) == (401, -2)
        assert "nonce" in replayed.json()["err_msg"]
        assert not replayed.json().get("output")
