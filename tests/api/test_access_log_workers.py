"""A real server with two worker processes writes one access-log line per request, and no personal data.

uvicorn runs the application factory in two worker processes (``--workers 2``, as ``gongji serve --workers 2`` does)
on a copy of the SQLite template with the demo loaded, with the access log asked for as ``gongji serve`` asks for it
(:data:`~gongji.api.observability.ACCESS_LOG_ENV`). A hospital simulation drives complete visits through the national
interface (his-sim), a demo person signs in to the portal with the code the demo's sender prints, and one REST call
is refused. Then the server's whole output is read: exactly one access-log line per request, per interface, and
nowhere a demo person's ID number or full name.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gongji.api.fsi.his_sim import Institution, run_simulation
from gongji.api.observability import ACCESS_LOG_ENV
from gongji.domain.identity import mask_id_number
from gongji.service.demo import DEMO_FAMILY, HOSPITAL, JIANGUO, PHARMACY
from gongji.service.institution_access import institution_credentials
from tests.serving import BUSINESS_NOW, demo_database, uvicorn_process

STARTUP_TIMEOUT_S = 60
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Server:
    """A gongji server of two workers in its own process, its output going to a file."""

    url: str
    output: Path
    institutions: tuple[Institution, ...]

    def printed(self) -> str:
        """Everything the server has written so far (standard output and error)."""
        return self.output.read_text("utf-8", errors="replace")


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo on a copy of the SQLite template, served by ``uvicorn --workers 2`` until the test ends."""
    with demo_database("sqlite", request, tmp_path_factory) as (engine, ctx, _):
        places = tuple(
            Institution(code, creds.paasid, creds.token, code == PHARMACY)
            for code, creds in ((code, institution_credentials(ctx, code)) for code in (HOSPITAL, PHARMACY))
        )
        database = Path(str(engine.url.database))
        output = tmp_path_factory.mktemp("workers") / "server.log"
        env = {
            "GONGJI_DATABASE_URL": f"sqlite:///{database}",
            "GONGJI_SECRET_KEY": "workers-test",
            "GONGJI_NOW": BUSINESS_NOW.isoformat(),
            ACCESS_LOG_ENV: "1",
        }
        with uvicorn_process(env, workers=2, output=output, startup_s=STARTUP_TIMEOUT_S) as (_, url):
            yield Server(url, output, places)


def _portal_sign_in(server: Server, certno: str) -> int:
    """Sign in to the portal with the code the demo's sender printed; the number of requests it took."""
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        page = browser.get("/portal/sign-in")
        token = _CSRF.search(page.text)
        assert token, page.text
        form = {"certno": certno, "next": "/portal/family", "csrf_token": token.group(1)}
        asked = browser.post("/portal/sign-in", data=form)
        assert asked.status_code == 303, asked.text
        code_page = browser.get(asked.headers["location"])
        token = _CSRF.search(code_page.text)
        assert token, code_page.text
        code = _printed_code(server, mask_id_number(certno))
        done = browser.post(
            "/portal/sign-in/code", data={"code": code, "next": "/portal/family", "csrf_token": token[1]}
        )
        assert (done.status_code, done.headers.get("location")) == (303, "/portal/family"), done.text
        assert browser.get("/portal/family").status_code == 200
    return 5


def _printed_code(server: Server, masked_certno: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in server.printed().splitlines():
            if masked_certno in line and "sign-in code" in line:
                found = re.search(r": ([0-9]{6})\b", line)
                if found:
                    return found.group(1)
        time.sleep(0.05)
    raise AssertionError("the demo's code sender printed no code")


def test_two_workers_write_one_masked_line_per_request(server: Server) -> None:
    people = [member.certno for member in DEMO_FAMILY]
    report = run_simulation(
        server.url,
        server.institutions,
        people,
        visits=8,
        concurrency=4,
        reverse_every=3,
        undo_every=4,
        clock=lambda: BUSINESS_NOW,
    )
    assert report.completed > 0, report.refused
    national = sum(len(latencies) for latencies in report.latencies_s.values()) + len(server.institutions)
    portal = _portal_sign_in(server, JIANGUO)
    assert httpx.get(f"{server.url}/api/v1/people/{JIANGUO}").status_code == 401

    printed = server.printed()
    lines = [json.loads(line) for line in printed.splitlines() if line.startswith('{"interface"')]
    assert Counter(line["interface"] for line in lines) == {"fsi": national, "portal": portal, "rest": 1}
    for member in DEMO_FAMILY:
        assert member.certno not in printed
        assert member.name not in printed
