"""The portal over HTTP in process (httpx + ``ASGITransport`` behind a blocking portal), on SQLite and PostgreSQL.

The demo family is loaded once per test module and backend at 2026-11-22 10:00 (Shanghai); the clock then stands two
hours later, when the family's relations are in force. Sign-in codes go to a :class:`RecordingCodeSender`, so a test
signs in as anyone it names. Tests that write make people of their own (:func:`new_person`) and never rely on another
test's writes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from sqlalchemy import Engine

from gongji.api.app import create_app
from gongji.api.portal import portal_state
from gongji.api.portal.otp import RecordingCodeSender
from gongji.api.portal.state import Portal
from gongji.bootstrap import Settings
from gongji.domain.codes import Insutype, PsnType
from gongji.domain.identity import check_character, mask_id_number
from gongji.service import api_tokens
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person
from tests.conftest import BACKENDS
from tests.serving import demo_database

SECRET = "portal-tests-secret"
BASE = "http://gongji.test"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SEQUENCE = itertools.count(100)


def new_certno(birth: date, *, female: bool = False, area: str = "130102") -> str:
    """A valid resident ID number nobody else in the test run has (a fresh 3-digit sequence, the right check)."""
    seq = next(_SEQUENCE) % 500 * 2 + (0 if female else 1)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def new_person(
    ctx: Context,
    name: str,
    birth: date,
    *,
    female: bool = False,
    employee: bool = True,
    prior_fen: int = 0,
    phone: str | None = "13800000000",
    region: str = "130100",
) -> str:
    """Register and enroll a person (an employee with an opening balance, or a resident); their ID number."""
    certno = new_certno(birth, female=female)
    register_person(ctx, RegisterPerson(certno, name, phone=phone), key=f"portal-test:{certno}:register")
    insutype = Insutype.EMPLOYEE_BASIC if employee else Insutype.RESIDENT_BASIC
    psn_type = PsnType.EMPLOYEE_IN_SERVICE if employee else PsnType.ADULT_RESIDENT
    enroll(
        ctx,
        Enroll(certno, insutype, psn_type, region, date(2010, 1, 1), "示例单位" if employee else None),
        key=f"portal-test:{certno}:enroll",
    )
    if prior_fen:
        credit_account(
            ctx,
            CreditAccount(certno, prior_fen, "opening", Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE),
            key=f"portal-test:{certno}:prior",
        )
    return certno


@dataclass
class Site:
    """The application on a database with the demo loaded, and what tests need around it."""

    app: FastAPI
    ctx: Context
    clock: FixedClock
    engine: Engine
    backend: str
    portal: Portal
    sender: RecordingCodeSender
    blocking: BlockingPortal
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def visitor(self, client_host: str = "127.0.0.1") -> Visitor:
        """A new browser: its own cookies, no session yet."""
        transport = httpx.ASGITransport(app=self.app, client=(client_host, 50000))
        client = httpx.AsyncClient(transport=transport, base_url=BASE)
        self.clients.append(client)
        return Visitor(self, client)

    def signed_in(self, certno: str) -> Visitor:
        """A browser signed in as the person holding ``certno``."""
        visitor = self.visitor()
        visitor.sign_in(certno)
        return visitor


@dataclass
class Visitor:
    """One browser: remembers cookies and the CSRF token of the last page it saw."""

    site: Site
    client: httpx.AsyncClient
    token: str | None = None

    def request(
        self, method: str, path: str, *, form: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a request (``form``: fields sent url-encoded, names may repeat); note an HTML answer's CSRF token."""
        if form is not None:
            kwargs["content"] = urlencode(form)
            kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded", **kwargs.get("headers", {})}
        response: httpx.Response = self.site.blocking.call(partial(self.client.request, method, path, **kwargs))
        found = (
            _CSRF.search(response.text) if response.headers.get("content-type", "").startswith("text/html") else None
        )
        if found:
            self.token = found.group(1)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """A GET (redirects are not followed unless asked)."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]], *, csrf: bool = True) -> httpx.Response:
        """A form POST carrying the last page's CSRF token (unless told not to)."""
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        if csrf:
            assert self.token, "open a page first: the CSRF token comes from it"
            fields.append(("csrf_token", self.token))
        return self.request("POST", path, form=[(k, str(v)) for k, v in fields])

    def sign_in(self, certno: str) -> httpx.Response:
        """The whole sign-in: ID number, the code the sender got, and the redirect to My family."""
        self.get("/portal/sign-in")
        asked = self.post("/portal/sign-in", {"certno": certno, "next": "/portal/family"})
        assert asked.status_code == 303, asked.text
        assert self.get(asked.headers["location"]).status_code == 200
        code = self.site.sender.last_code(mask_id_number(certno))
        done = self.post("/portal/sign-in/code", {"code": code, "next": "/portal/family"})
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/portal/family"
        self.get("/portal/family")
        return done


@pytest.fixture(scope="module", params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo family on a fresh database of the backend, and the application on it."""
    backend = str(request.param)
    with demo_database(backend, request, tmp_path_factory) as (engine, ctx, clock):
        sender = RecordingCodeSender()
        app = create_app(ctx, settings=Settings(secret_key=SECRET), code_sender=sender)
        portal = portal_state(app)
        portal.codes.resend_after_s = 0  # tests sign the same person in again at once
        with start_blocking_portal() as blocking:
            found = Site(app, ctx, clock, engine, backend, portal, sender, blocking)
            try:
                yield found
            finally:
                for client in found.clients:
                    blocking.call(client.aclose)


_TOKENS = itertools.count()


def counter_operator(site: Site, *regions: str, label: str = "窗口一") -> tuple[Visitor, int]:
    """A browser signed in at the counter with a new operator token of ``regions``, and the token's id."""
    issued = api_tokens.issue_token(
        site.ctx,
        api_tokens.IssueToken(api_tokens.Role.OPERATOR, regions=regions, label=label),
        key=f"counter-operator:{id(site)}:{next(_TOKENS)}",
    )
    assert issued.token
    visitor = site.visitor()
    visitor.get("/portal/counter/sign-in")
    answer = visitor.post("/portal/counter/sign-in", {"token": issued.token})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/counter"
    return visitor, issued.view.id
