"""Bodies over their interface's limit are refused unread, before any credential is checked, and never make the
server hold them: a real server (uvicorn in its own process) is sent 300 MB bodies without credentials, declared
and streamed, and its peak memory is read from ``/proc``.
"""

from __future__ import annotations

import json
import select
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gongji.api.fsi.router import FSI_PATH
from tests.serving import uvicorn_process

MiB = 1024 * 1024
HUGE = 300 * MiB
#: A refusal comes at once; a server that waits for the whole body never answers a body that is never sent.
ANSWER_TIMEOUT_S = 30
#: How much more than its idle size the server may hold at its peak while refusing the huge bodies.
MEMORY_MARGIN = 64 * MiB

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads memory from /proc")


@dataclass(frozen=True)
class Server:
    """A gongji server in its own process."""

    process: subprocess.Popen[bytes]
    port: int

    def memory(self, field: str) -> int:
        """``VmRSS`` (now) or ``VmHWM`` (peak) of the server process, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"{field} not in /proc status")


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("limits") / "gongji.db"
    shutil.copy(sqlite_template, database)
    env = {"GONGJI_DATABASE_URL": f"sqlite:///{database}", "GONGJI_SECRET_KEY": "limits-test"}
    with uvicorn_process(env) as (process, url):
        yield Server(process, int(url.rsplit(":", 1)[1]))


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def _read_answer(sock: socket.socket) -> Answer:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        except TimeoutError:
            raise AssertionError("the server did not answer (it is waiting for the body)") from None
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Answer(int(lines[0].split()[1]), headers.get("content-type", ""), body)


def _post(port: int, path: str, *, declared: int | None = None, streamed: int | None = None) -> Answer:
    """POST with no credentials: either only the headers of a body of ``declared`` bytes, or ``streamed`` bytes
    sent chunked until the server answers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S)
    length = f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{length}\r\n\r\n"
    sock.sendall(head.encode("ascii"))
    chunk = b"7" * MiB
    sent = 0
    try:
        while streamed is not None and sent < streamed:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the server has answered: stop sending
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        return _read_answer(sock)
    finally:
        sock.close()


PATHS = [FSI_PATH, "/api/v1/people", "/portal/sign-in"]


def _assert_refused(path: str, answer: Answer) -> None:
    assert answer.status == 413
    if path == FSI_PATH:
        envelope = json.loads(answer.body)
        assert envelope["infcode"] == -2
        assert "请求体过大" in envelope["err_msg"]
    elif path.startswith("/api/v1"):
        assert answer.content_type.startswith("application/problem+json")
        assert json.loads(answer.body)["code"] == "REQUEST_BODY_TOO_LARGE"
    else:
        assert "请求过大" in answer.body.decode("utf-8")


@pytest.mark.parametrize("path", PATHS)
def test_a_declared_huge_body_is_refused_before_it_is_sent(server: Server, path: str) -> None:
    _assert_refused(path, _post(server.port, path, declared=HUGE))


@pytest.mark.parametrize("path", PATHS)
def test_a_huge_body_streamed_without_a_length_is_cut_off_and_refused(server: Server, path: str) -> None:
    _assert_refused(path, _post(server.port, path, streamed=20 * MiB))


def test_huge_bodies_without_credentials_leave_the_servers_memory_near_its_idle_size(server: Server) -> None:
    for path in PATHS:  # warm up the routes once
        httpx.post(f"http://127.0.0.1:{server.port}{path}", content=b"{}")
    idle = server.memory("VmRSS")
    for path in PATHS:
        _post(server.port, path, streamed=HUGE)
        _post(server.port, path, declared=HUGE)
    peak = server.memory("VmHWM")
    assert peak - idle < MEMORY_MARGIN, f"idle {idle // MiB} MiB, peak {peak // MiB} MiB"


def test_a_body_within_the_limit_is_read_and_answered_as_usual(server: Server) -> None:
    answer = httpx.post(f"http://127.0.0.1:{server.port}/api/v1/people", json={"name": "x"})
    assert answer.status_code == 401  # read, then refused for its missing token: the limit did not stand in the way
    envelope = httpx.post(f"http://127.0.0.1:{server.port}{FSI_PATH}", content=b"{}").json()
    assert envelope["infcode"] == -2
