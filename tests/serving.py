"""What the HTTP and browser tests share: a fresh database of a backend, the demo family on it, and the application
served by uvicorn on a free local port in a thread.

The demo is loaded under a clock standing on 2026-11-22 10:00 in Shanghai (its relations are bound then); the clock
then stands two hours later, when those relations are in force.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from gongji.bootstrap import build_context
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.demo import load_demo
from gongji.store.engine import make_engine
from tests.conftest import _truncate_all

__all__ = ["BUSINESS_NOW", "LOADED_AT", "demo_database", "serving", "uvicorn_process"]

#: When the demo family is loaded (its relations are bound at this moment).
LOADED_AT = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
#: The business time of the tests: later the same day, when the relations bound at LOADED_AT are in force.
BUSINESS_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=SHANGHAI)

_STARTUP_TIMEOUT_S = 20.0


def _database_url(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite: a copy of the migrated template; PostgreSQL: the session's database, truncated."""
    if backend == "sqlite":
        target = tmp_path_factory.mktemp("served") / "gongji.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = str(request.getfixturevalue("postgres_url"))
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@contextmanager
def demo_database(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Context, FixedClock]]:
    """A fresh database of ``backend`` with the demo loaded at LOADED_AT, the clock then at BUSINESS_NOW."""
    engine = make_engine(_database_url(backend, request, tmp_path_factory))
    clock = FixedClock(LOADED_AT)
    ctx = build_context(engine=engine, clock=clock)
    load_demo(ctx)
    clock.set(BUSINESS_NOW)
    try:
        yield engine, ctx, clock
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: FastAPI, name: str) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port until the block ends; its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT_S)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def uvicorn_process(
    env: dict[str, str], *, workers: int = 1, output: Path | None = None, startup_s: float = 60.0
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """gongji served by uvicorn in its own process (``workers`` of them) with ``env`` added to the environment,
    its output going to ``output`` (or inherited); yields the process and its base URL once ``/healthz`` answers,
    and stops it afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "gongji.api.app:create_app", "--factory", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    with ExitStack() as stack:
        sink = stack.enter_context(output.open("wb")) if output is not None else None
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=sink, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(url, process, startup_s)
            yield process, url
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], startup_s: float) -> None:
    deadline = time.monotonic() + startup_s
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
