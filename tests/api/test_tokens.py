"""API tokens: issued once (only a hash kept), listed without the secret, revoked; from the service and the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from gongji.cli import app as cli
from gongji.domain.errors import GongjiError
from gongji.service.api_tokens import (
    IssueToken,
    Role,
    authenticate,
    issue_token,
    list_tokens,
    revoke_token,
    token_sha256,
)
from gongji.service.catalogue import load_demo_institutions
from gongji.service.context import Context
from gongji.service.demo import DEMO_COUNTER_LABEL, demo_counter_token
from gongji.store import tables


def test_a_token_is_shown_once_and_only_its_hash_is_kept(ctx: Context, engine: Engine) -> None:
    issued = issue_token(ctx, IssueToken(Role.OPERATOR, ("130100", " 131100", "130100"), label="石家庄"), key="k1")
    assert issued.token is not None
    assert issued.token.startswith("gjt_")
    assert issued.view.regions == ["130100", "131100"]
    with engine.connect() as conn:
        [row] = conn.execute(select(tables.api_tokens)).mappings().all()
    assert row["token_sha256"] == token_sha256(issued.token)
    assert issued.token not in json.dumps({k: str(v) for k, v in row.items()})
    with engine.connect() as conn:
        outcomes = [r.outcome for r in conn.execute(select(tables.idempotency_keys.c.outcome))]
    assert all(issued.token not in outcome for outcome in outcomes)
    replay = issue_token(ctx, IssueToken(Role.OPERATOR, ("130100", "131100"), label="石家庄"), key="k1")
    assert replay.token is None
    assert replay.view == issued.view
    authenticated = authenticate(ctx, issued.token)
    assert authenticated is not None
    assert authenticated.role == "operator"


def test_revoked_and_unknown_tokens_do_not_authenticate(ctx: Context) -> None:
    token = issue_token(ctx, IssueToken(Role.ANALYST), key="k1").token
    assert token is not None
    assert authenticate(ctx, token + "x") is None
    assert authenticate(ctx, "not-a-token") is None
    view = revoke_token(ctx, 1, key="k2")
    assert view.revoked_at is not None
    assert authenticate(ctx, token) is None
    assert revoke_token(ctx, 1, key="k3").revoked_at == view.revoked_at  # revoking again changes nothing
    assert [v.revoked_at for v in list_tokens(ctx)] == [view.revoked_at]
    with pytest.raises(GongjiError) as missing:
        revoke_token(ctx, 99, key="k4")
    assert missing.value.code.name == "API_TOKEN_NOT_FOUND"


@pytest.mark.parametrize(
    ("cmd", "code"),
    [
        (IssueToken(Role.OPERATOR), "FIELD_INVALID"),
        (IssueToken(Role.OPERATOR, ("999999",)), "CODE_UNKNOWN"),
        (IssueToken(Role.OPERATOR, ("100000",)), "FIELD_INVALID"),
        (IssueToken(Role.OPERATOR, ("130100",), fixmedins_code="H13010200001"), "FIELD_INVALID"),
        (IssueToken(Role.INSTITUTION), "FIELD_INVALID"),
        (IssueToken(Role.INSTITUTION, fixmedins_code="H99999999999"), "INSTITUTION_NOT_FOUND"),
        (IssueToken(Role.ANALYST, ("130100",)), "FIELD_INVALID"),
    ],
)
def test_a_token_names_what_its_role_needs(ctx: Context, cmd: IssueToken, code: str) -> None:
    load_demo_institutions(ctx)
    with pytest.raises(GongjiError) as refused:
        issue_token(ctx, cmd, key="k")
    assert refused.value.code.name == code


@pytest.fixture
def gongji(database_url: str) -> Callable[..., str]:
    runner = CliRunner()
    env = {"GONGJI_DATABASE_URL": database_url, "GONGJI_NOW": "2026-11-22T10:00:00+08:00", "COLUMNS": "200"}

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_the_cli_adds_lists_and_revokes_tokens(gongji: Callable[..., str], ctx: Context) -> None:
    gongji("demo")
    operator = json.loads(
        gongji("token", "add", "--role", "operator", "--region", "130100", "--region", "131100", "--json")
    )
    assert operator["token"].startswith("gjt_")
    assert operator["view"]["regions"] == ["130100", "131100"]
    shown = gongji("token", "add", "--role", "institution", "--institution", "H13010200001", "--label", "一院")
    assert "gjt_" in shown
    assert "H13010200001" in shown
    gongji("token", "add", "--role", "analyst")
    listed = json.loads(gongji("token", "list", "--json"))
    assert [t["role"] for t in listed] == ["operator", "institution", "analyst"]
    assert "gjt_" not in json.dumps(listed)
    assert "一院" in gongji("token", "list")
    revoked = json.loads(gongji("token", "revoke", str(operator["view"]["id"]), "--json"))
    assert revoked["revoked_at"] is not None
    assert authenticate(ctx, operator["token"]) is None
    refused = gongji("token", "add", "--role", "operator", code=2)
    assert "FIELD_INVALID" in refused
    assert "API_TOKEN_NOT_FOUND" in gongji("token", "revoke", "99", code=1)


def test_the_demo_counter_token_is_replaced_at_every_start(ctx: Context) -> None:
    other = issue_token(ctx, IssueToken(Role.OPERATOR, ("130100",), label="石家庄柜台"), key="other").token
    first = demo_counter_token(ctx, key="start-1")
    second = demo_counter_token(ctx, key="start-2")
    assert first.token is not None
    assert second.token is not None
    assert authenticate(ctx, first.token) is None
    signed_in = authenticate(ctx, second.token)
    assert signed_in is not None
    assert (signed_in.role, signed_in.regions) == ("operator", ["110000", "130100"])
    assert other is not None
    assert authenticate(ctx, other) is not None
    live = [t.label for t in list_tokens(ctx) if t.revoked_at is None]
    assert sorted(live, key=str) == sorted(["石家庄柜台", DEMO_COUNTER_LABEL], key=str)


def test_serve_demo_prints_a_working_counter_token(
    gongji: Callable[..., str], ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: served.append(kwargs))
    gongji("demo")
    banner = gongji("serve", "--demo", "--port", "8123")
    [token] = re.findall(r"gjt_[A-Za-z0-9_-]+", banner)
    view = authenticate(ctx, token)
    assert view is not None
    assert view.label == DEMO_COUNTER_LABEL
    assert served
    assert served[0]["port"] == 8123
    plain = gongji("serve", "--port", "8123")
    assert "gjt_" not in plain
    assert "gongji token add --role operator" in plain
    assert authenticate(ctx, token) is not None  # without --demo nothing is issued or revoked
