"""Portal sessions over HTTP that hold across workers and restarts, on SQLite and PostgreSQL: a counter session ends
with its operator token (reads and writes alike) and acts in the regions the token has now; a signed-out cookie stays
refused by an application started again on the same database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import update

from gongji.api.app import create_app
from gongji.bootstrap import Settings
from gongji.domain.identity import mask_id_number
from gongji.service import api_tokens, suspension
from gongji.service.relations import queries
from gongji.store import tables as t
from tests.portal.conftest import SECRET, Site, Visitor, counter_operator, new_person

COOKIE = "gongji_portal"


def operator(site: Site, *regions: str) -> tuple[Visitor, int]:
    """A browser signed in at the counter with a new operator token of ``regions``, and the token's id."""
    return counter_operator(site, *regions, label="窗口二")


@pytest.fixture
def restarted(site: Site) -> Iterator[Site]:
    """The same site served by a second application on the same database: another worker, or a restart."""
    again = create_app(site.ctx, settings=Settings(secret_key=SECRET), code_sender=site.sender)
    other = replace(site, app=again, clients=[])
    yield other
    for client in other.clients:
        site.blocking.call(client.aclose)


def test_a_revoked_token_ends_the_counter_session_for_reads_and_writes(site: Site) -> None:
    psn = queries.family(site.ctx, new_person(site.ctx, "秦岭", date(1970, 3, 1))).psn_no
    visitor, token_id = operator(site, "130100")
    assert visitor.get(f"/portal/counter/people/{psn}").status_code == 200  # the form's CSRF token is now held

    cookie = visitor.client.cookies.get(COOKIE)
    assert cookie is not None

    api_tokens.revoke_token(site.ctx, token_id, key=f"sessions-bound:revoke:{token_id}")

    write = visitor.post(f"/portal/counter/people/{psn}/suspend", {"reason": "核查中"})  # cookie and CSRF token held
    assert (write.status_code, write.headers["location"]) == (303, "/portal/counter/sign-in")
    assert suspension.suspensions(site.ctx, psn) == []
    assert visitor.client.cookies.get(COOKIE) is None  # the ended session's cookie is deleted
    kept = site.visitor()  # a browser that keeps the cookie all the same
    kept.client.cookies.set(COOKIE, cookie, domain="gongji.test", path="/portal")
    read = kept.get(f"/portal/counter/people/{psn}")
    assert (read.status_code, read.headers["location"]) == (303, "/portal/counter/sign-in")


def test_a_counter_session_acts_in_the_regions_its_token_has_now(site: Site) -> None:
    psn = queries.family(site.ctx, new_person(site.ctx, "秦川", date(1972, 3, 1))).psn_no
    visitor, token_id = operator(site, "130100")
    assert visitor.get(f"/portal/counter/people/{psn}").status_code == 200
    with site.engine.begin() as conn:  # the token's grant changes (the cookie still says 130100)
        conn.execute(update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(regions="110000"))
    assert visitor.get(f"/portal/counter/people/{psn}").status_code == 403
    assert visitor.post(f"/portal/counter/people/{psn}/suspend", {"reason": "核查中"}).status_code == 403
    assert suspension.suspensions(site.ctx, psn) == []


def test_a_signed_out_session_stays_signed_out_after_a_restart(site: Site, restarted: Site) -> None:
    certno = new_person(site.ctx, "秦风", date(1980, 3, 1))
    visitor = site.signed_in(certno)
    cookie = visitor.client.cookies.get(COOKIE)
    assert cookie is not None

    def replay(on: Site) -> int:
        browser = on.visitor()
        browser.client.cookies.set(COOKIE, cookie, domain="gongji.test", path="/portal")
        return browser.get("/portal/family").status_code

    assert replay(restarted) == 200  # the same secret: a live session is good on either application
    assert visitor.post("/portal/sign-out", {}).status_code == 303
    assert replay(restarted) == 303
    assert replay(site) == 303


def test_a_code_sent_by_one_worker_signs_in_on_another(site: Site, restarted: Site) -> None:
    certno = new_person(site.ctx, "秦月", date(1982, 3, 1), female=True)
    visitor = site.visitor()
    visitor.get("/portal/sign-in")
    assert visitor.post("/portal/sign-in", {"certno": certno, "next": "/portal/family"}).status_code == 303
    cookie = visitor.client.cookies.get(COOKIE)
    assert cookie is not None
    other = restarted.visitor()
    other.client.cookies.set(COOKIE, cookie, domain="gongji.test", path="/portal")
    other.get("/portal/sign-in/code")
    code = site.sender.last_code(mask_id_number(certno))
    done = other.post("/portal/sign-in/code", {"code": code, "next": "/portal/family"})
    assert (done.status_code, done.headers["location"]) == (303, "/portal/family")
