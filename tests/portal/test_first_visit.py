"""The first visit, on SQLite and PostgreSQL: counter staff who open the counter's address are sent to the counter's
own sign-in (an operator token), the person's sign-in page shows them the way there, a malformed ID number at the
counter is said to be invalid (not "not found"), and the English pages read as English."""

from __future__ import annotations

from datetime import date

from gongji.service import api_tokens
from gongji.service.demo import GUILAN, JIANGUO
from gongji.service.household_identity import sign_in_identity
from gongji.service.relations import queries
from tests.portal.conftest import Site, Visitor, new_person


def _operator(site: Site) -> Visitor:
    issued = api_tokens.issue_token(
        site.ctx,
        api_tokens.IssueToken(api_tokens.Role.OPERATOR, regions=("130100",), label="窗口二"),
        key=f"first-visit:{id(site)}:{len(site.clients)}",
    )
    assert issued.token
    visitor = site.visitor()
    visitor.get("/portal/counter/sign-in")
    assert visitor.post("/portal/counter/sign-in", {"token": issued.token}).status_code == 303
    return visitor


def test_the_counter_sends_a_stranger_to_the_counters_own_sign_in(site: Site) -> None:
    visitor = site.visitor()
    for path in ("/portal/counter", "/portal/counter/audit", "/portal/counter/people/13010000000000000001"):
        answer = visitor.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/portal/counter/sign-in", path
    page = visitor.get("/portal/counter/sign-in")
    assert page.status_code == 200
    assert 'name="token"' in page.text
    # A person's page still sends to the person's sign-in, coming back afterwards.
    family = visitor.get("/portal/family")
    assert family.headers["location"] == "/portal/sign-in?next=/portal/family"


def test_a_signed_in_person_is_sent_to_the_counters_sign_in_too(site: Site) -> None:
    answer = site.signed_in(GUILAN).get("/portal/counter")
    assert answer.headers["location"] == "/portal/counter/sign-in"


def test_the_persons_sign_in_page_shows_counter_staff_their_way_in(site: Site) -> None:
    visitor = site.visitor()
    chinese = visitor.get("/portal/sign-in").text
    assert 'href="/portal/counter/sign-in"' in chinese
    assert "经办窗口工作人员：用操作员令牌登录" in chinese
    assert "Counter staff: sign in with an operator token" in visitor.get("/portal/sign-in?lang=en").text


def test_a_malformed_id_number_at_the_counter_is_invalid_not_unknown(site: Site) -> None:
    me = new_person(site.ctx, "严峻", date(1979, 3, 1), prior_fen=50_000)
    psn = queries.family(site.ctx, me).psn_no
    visitor = _operator(site)
    visitor.get(f"/portal/counter/people/{psn}")
    answer = visitor.post(
        f"/portal/counter/people/{psn}/bind",
        {"relation_type": "sibling", "relative": "123456", "proof_reference": "户口簿 2026-002"},
    )
    assert answer.status_code == 422, answer.text
    assert "身份证号码“123456”无效" in answer.text
    assert "查无此人" not in answer.text
    assert queries.family(site.ctx, me).i_pay_for == []


def test_english_pages_count_and_name_things_in_english(site: Site) -> None:
    visitor = site.signed_in(GUILAN)
    son = sign_in_identity(site.ctx, JIANGUO)
    assert son is not None
    why = visitor.get(f"/portal/why?relative={son.person_id}&direction=they_pay&kind=pharmacy&lang=en").text
    assert "No: one condition fails." in why
    assert "condition(s)" not in why
    family = site.signed_in(JIANGUO).get("/portal/family?lang=en").text
    assert "Proxy links (亲情账户)" in family
    assert "family account" not in family.lower()
