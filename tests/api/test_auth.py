"""Tokens, roles and idempotency keys of the REST API: who may do what, and every write exactly once."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from gongji.service.api_tokens import Role, revoke_token
from tests.api.conftest import Api, assert_problem
from tests.helpers import GUILAN, JIANGUO, XIUYING, ZHANGLI, snapshot

STRANGER = "130102199001011237"


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(api: Api) -> None:
    missing = assert_problem(api.get("/me", as_=None), 401, "API_TOKEN_MISSING")
    assert missing["title"] == "未认证 Unauthenticated"
    assert api.get("/me", as_=None).headers["www-authenticate"].startswith("Bearer")
    assert_problem(api.get("/me", as_=None, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "API_TOKEN_MISSING")
    assert_problem(api.get("/me", as_=None, headers={"Authorization": "Bearer gjt_nope"}), 401, "API_TOKEN_INVALID")
    assert_problem(api.get("/me", as_=None, headers={"Authorization": "Bearer x"}), 401, "API_TOKEN_INVALID")
    # Authentication comes before anything else: a bad body without a token is still 401.
    assert_problem(api.post("/people", as_=None, json={"nonsense": 1}), 401, "API_TOKEN_MISSING")


def test_a_revoked_token_stops_at_once(api: Api) -> None:
    assert api.get("/me", as_="beijing").status_code == 200
    token_id = api.get("/me", as_="beijing").json()["token_id"]
    revoke_token(api.ctx, token_id, key="test:revoke")
    assert_problem(api.get("/me", as_="beijing"), 401, "API_TOKEN_INVALID")
    assert_problem(api.get(f"/people/{ZHANGLI}", as_="beijing"), 401, "API_TOKEN_INVALID")
    assert api.get("/me").status_code == 200  # other tokens are untouched


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("operator", {"role": "operator", "role_zh": "经办机构", "regions": ["130100"], "fixmedins_code": None}),
        (
            "hospital",
            {"role": "institution", "role_zh": "定点医药机构", "regions": [], "fixmedins_code": "H13010200001"},
        ),
        ("analyst", {"role": "analyst", "role_zh": "分析人员", "regions": [], "fixmedins_code": None}),
    ],
)
def test_me_says_who_the_token_is(api: Api, role: str, expected: dict[str, Any]) -> None:
    body = api.get("/me", as_=role).json()
    assert {k: body[k] for k in expected} == expected


#: (caller, method, path, body): calls each role may not make.
FORBIDDEN = [
    ("analyst", "GET", "/people", None),
    ("analyst", "POST", "/people", {"not": "even valid"}),
    ("analyst", "GET", f"/people/{JIANGUO}", None),
    ("analyst", "GET", f"/people/{JIANGUO}/balances", None),
    ("analyst", "GET", f"/people/{JIANGUO}/why/{XIUYING}", None),
    ("analyst", "POST", "/visits", {"person": XIUYING, "med_type": "11"}),
    ("analyst", "GET", "/visits/130100000000000001", None),
    ("analyst", "GET", "/settlements/130100000000000001", None),
    ("hospital", "GET", "/people", None),
    ("hospital", "POST", "/people", {"certno": STRANGER, "name": "王五"}),
    ("hospital", "GET", f"/people/{JIANGUO}", None),
    ("hospital", "POST", f"/people/{JIANGUO}/credits", {"amount_fen": 100, "reference": "x"}),
    ("hospital", "POST", "/relations", {"authoriser": JIANGUO, "beneficiary": GUILAN, "relation_type": "parent"}),
    ("hospital", "GET", f"/people/{JIANGUO}/family", None),
    ("hospital", "GET", "/aggregates/settlements", None),
    ("hospital", "GET", "/journals/1", None),
]


@pytest.mark.parametrize(("role", "method", "path", "body"), FORBIDDEN, ids=lambda v: str(v)[:30])
def test_each_role_is_refused_what_it_may_not_do(api: Api, role: str, method: str, path: str, body: Any) -> None:
    before = snapshot(api.engine)
    problem = assert_problem(api.request(method, path, as_=role, json=body), 403, "ROLE_NOT_ALLOWED")
    assert problem["params"]["role"] in {"analyst", "institution"}
    role = Role(problem["params"]["role"])
    assert (problem["params"]["role_zh"], problem["params"]["role_en"]) == (role.zh, role.en)
    assert f"{role.zh}（{role.value}）令牌" in problem["detail"]
    assert method in problem["detail_en"]
    assert snapshot(api.engine) == before


#: (caller, method, path): calls each role may make (reads that need nothing else).
ALLOWED = [
    ("analyst", "GET", "/rules"),
    ("analyst", "GET", "/rules/130100"),
    ("analyst", "GET", "/aggregates/settlements"),
    ("analyst", "GET", "/aggregates/relations"),
    ("hospital", "GET", "/rules/110000"),
    ("operator", "GET", "/people"),
    ("operator", "GET", f"/people/{JIANGUO}/family"),
    ("operator", "GET", "/aggregates/relations"),
]


@pytest.mark.parametrize(("role", "method", "path"), ALLOWED, ids=lambda v: str(v)[:30])
def test_each_role_may_do_what_it_is_for(api: Api, role: str, method: str, path: str) -> None:
    response = api.request(method, path, as_=role, key=False)
    assert response.status_code == 200, response.text


def test_the_same_key_and_request_replay_the_first_answer(api: Api) -> None:
    body = {"amount_fen": 5_000, "reference": "2026-11 补缴"}
    first = api.post(f"/people/{JIANGUO}/credits", json=body, key="credit-1")
    assert first.status_code == 201, first.text
    after_first = snapshot(api.engine)
    api.clock.advance(timedelta(minutes=5))
    again = api.post(f"/people/{JIANGUO}/credits", json=body, key="credit-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert snapshot(api.engine) == after_first
    assert api.get(f"/people/{JIANGUO}/balances").json()["personal_account_fen"] == 369_562 + 5_000


def test_the_same_key_with_another_request_is_a_409_conflict(api: Api) -> None:
    api.post(f"/people/{JIANGUO}/credits", json={"amount_fen": 5_000, "reference": "a"}, key="credit-2")
    before = snapshot(api.engine)
    other = api.post(f"/people/{JIANGUO}/credits", json={"amount_fen": 6_000, "reference": "a"}, key="credit-2")
    problem = assert_problem(other, 409, "IDEMPOTENCY_CONFLICT")
    assert problem["title"] == "请求冲突 Conflict"
    assert problem["params"]["operation"] == "account.credit"
    elsewhere = api.post("/people", json={"certno": STRANGER, "name": "王五"}, key="credit-2")
    assert_problem(elsewhere, 409, "IDEMPOTENCY_CONFLICT")
    assert snapshot(api.engine) == before


def test_a_refusal_is_replayed_too(api: Api) -> None:
    body = {"amount_fen": 100, "reference": "x"}
    first = assert_problem(api.post(f"/people/{XIUYING}/credits", json=body, key="refused-1"), 422, "NOT_AN_EMPLOYEE")
    again = api.post(f"/people/{XIUYING}/credits", json=body, key="refused-1")
    assert again.json() == first


def test_keys_are_namespaced_by_token(api: Api) -> None:
    body = {"amount_fen": 100, "reference": "same key, other client"}
    mine = api.post(f"/people/{JIANGUO}/credits", json=body, key="shared-key")
    theirs = api.post(f"/people/{ZHANGLI}/credits", json=body, key="shared-key", as_="beijing")
    assert (mine.status_code, theirs.status_code) == (201, 201), (mine.text, theirs.text)
    assert mine.json()["journal_id"] != theirs.json()["journal_id"]


def test_keys_are_checked(api: Api) -> None:
    body = {"amount_fen": 100, "reference": "x"}
    assert_problem(api.post(f"/people/{JIANGUO}/credits", json=body, key=False), 400, "IDEMPOTENCY_KEY_MISSING")
    assert_problem(api.post(f"/people/{JIANGUO}/credits", json=body, key="has space"), 400, "IDEMPOTENCY_KEY_INVALID")
    assert_problem(api.post(f"/people/{JIANGUO}/credits", json=body, key="k" * 129), 400, "IDEMPOTENCY_KEY_INVALID")
    longest = "k" * 128
    first = api.post(f"/people/{JIANGUO}/credits", json=body, key=longest)
    assert first.status_code == 201, first.text
    assert api.post(f"/people/{JIANGUO}/credits", json=body, key=longest).json() == first.json()


def _example_path(path: str) -> str:
    values = {
        "ref": JIANGUO,
        "relative": GUILAN,
        "relation_id": "1",
        "journal_id": "1",
        "mdtrt_id": "1",
        "setl_id": "1",
        "transfer_id": "1",
        "signal_id": "1",
        "name": "mutual-aid",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_write_needs_an_idempotency_key(api: Api) -> None:
    """Every POST, PUT and DELETE of the API but the preview (which writes nothing) declares the header required,
    and answers 400 without it, before reading its body."""
    writes = [
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
        if method in {"post", "put", "delete"} and not path.endswith("/preview")
    ]
    assert len(writes) >= 20
    for method, path in writes:
        operation = api.app.openapi()["paths"][path][method.lower()]
        [header] = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert header["required"] is True
        response = api.request(method, _example_path(path.removeprefix("/api/v1")), key=False, json={})
        assert_problem(response, 400, "IDEMPOTENCY_KEY_MISSING")
