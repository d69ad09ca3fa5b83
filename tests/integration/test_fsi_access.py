"""Institutions' access to the national interface: gateway credentials (paasid, token) and sign-in (9001)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, delete, event, insert, select
from typer.testing import CliRunner

from gongji.cli import app
from gongji.cli.catalogue_cmd import institution_app
from gongji.domain.errors import Conflict, ErrorCode, InvalidInput, NotFound, Refused
from gongji.service.catalogue import DEMO_INSTITUTIONS, load_demo_institutions
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.institution_access import (
    PaasidToken,
    SignIn,
    check_sign_no,
    institution_credentials,
    paasid_of,
    rotate_credentials,
    sign_in,
    token_fingerprint,
    token_of_paasid,
)
from gongji.service.institutions import AddInstitution, add_institution
from gongji.store import tables as t
from gongji.store.column_types import SHANGHAI
from gongji.store.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.helpers import snapshot

HOSPITAL = AddInstitution("H13010200001", "石家庄市示例第一医院", "hospital", "130100", "3")
PHARMACY = AddInstitution("P13010200001", "示例大药房", "pharmacy", "130100")

_HEX_TOKEN = re.compile(r"^[0-9a-f]{48}$")


@contextmanager
def selects_on(engine: Engine) -> Iterator[list[str]]:
    """Every SELECT statement the engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- credentials -----------------------------------------------------------------------------------------------


def test_an_institution_gets_credentials_when_it_is_added(ctx: Context, clock: FixedClock) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    add_institution(ctx, PHARMACY, key="i2")
    hospital = institution_credentials(ctx, " h13010200001 ")
    assert (hospital.fixmedins_code, hospital.name, hospital.paasid) == (
        "H13010200001",
        "石家庄市示例第一医院",
        "gongji-H13010200001",
    )
    assert _HEX_TOKEN.match(hospital.token)
    assert hospital.token_fingerprint == token_fingerprint(hospital.token)
    assert hospital.token not in hospital.token_fingerprint
    assert (hospital.created_at, hospital.rotated_at) == (clock.now(), None)
    pharmacy = institution_credentials(ctx, "P13010200001")
    assert pharmacy.paasid == paasid_of("P13010200001")
    assert pharmacy.token != hospital.token


def test_a_refused_institution_gets_no_credentials(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    before = snapshot(engine)
    with pytest.raises(Refused):
        add_institution(ctx, AddInstitution("H13010200001", "另一家医院", "hospital", "130100", "2"), key="i2")
    assert snapshot(engine) == before


def test_the_demo_institutions_have_distinct_credentials(ctx: Context, engine: Engine) -> None:
    load_demo_institutions(ctx)
    views = [institution_credentials(ctx, cmd.fixmedins_code) for cmd in DEMO_INSTITUTIONS]
    assert [v.paasid for v in views] == [f"gongji-{cmd.fixmedins_code}" for cmd in DEMO_INSTITUTIONS]
    assert len({v.token for v in views}) == len(views)
    before = snapshot(engine)
    load_demo_institutions(ctx)  # loading again issues nothing new
    assert snapshot(engine) == before
    assert [institution_credentials(ctx, cmd.fixmedins_code) for cmd in DEMO_INSTITUTIONS] == views


def test_a_paasid_finds_its_institution_and_token_in_one_query(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    add_institution(ctx, PHARMACY, key="i2")
    hospital = institution_credentials(ctx, "H13010200001")
    with selects_on(engine) as selects:
        found = token_of_paasid(ctx, "gongji-H13010200001")
    assert found == PaasidToken("H13010200001", hospital.token)
    assert found is not None
    assert found.fixmedins_code == "H13010200001"
    assert len(selects) == 1
    pharmacy = token_of_paasid(ctx, "gongji-P13010200001")
    assert pharmacy is not None
    assert pharmacy.token != hospital.token


@pytest.mark.parametrize("paasid", ["gongji-H99999999999", "GONGJI-H13010200001", "H13010200001", "", "x" * 200])
def test_an_unknown_paasid_finds_nothing(ctx: Context, paasid: str) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    assert token_of_paasid(ctx, paasid) is None


def test_a_rotated_token_replaces_the_old_one_at_once(ctx: Context, clock: FixedClock) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    before = institution_credentials(ctx, "H13010200001")
    clock.advance(timedelta(days=30))
    rotated = rotate_credentials(ctx, "h13010200001", key="rotate-1")
    after = institution_credentials(ctx, "H13010200001")
    assert after.token != before.token
    assert _HEX_TOKEN.match(after.token)
    assert (after.paasid, after.created_at, after.rotated_at) == (before.paasid, before.created_at, clock.now())
    assert (rotated.fixmedins_code, rotated.paasid, rotated.rotated_at) == ("H13010200001", before.paasid, clock.now())
    assert rotated.token_fingerprint == after.token_fingerprint
    authenticated = token_of_paasid(ctx, before.paasid)
    assert authenticated is not None
    assert authenticated.token == after.token  # the old token no longer authenticates
    assert authenticated.token != before.token


def test_a_rotation_replays_under_its_key_and_rotates_once(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    add_institution(ctx, PHARMACY, key="i2")
    first = rotate_credentials(ctx, "H13010200001", key="rotate-1")
    token = institution_credentials(ctx, "H13010200001").token
    before = snapshot(engine)
    assert rotate_credentials(ctx, "H13010200001", key="rotate-1") == first
    assert snapshot(engine) == before
    assert institution_credentials(ctx, "H13010200001").token == token
    with pytest.raises(Conflict):
        rotate_credentials(ctx, "P13010200001", key="rotate-1")
    second = rotate_credentials(ctx, "H13010200001", key="rotate-2")
    assert second.token_fingerprint != first.token_fingerprint


def test_a_rotation_outcome_keeps_no_token(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    rotate_credentials(ctx, "H13010200001", key="rotate-1")
    token = institution_credentials(ctx, "H13010200001").token
    with engine.connect() as conn:
        outcomes = conn.execute(select(t.idempotency_keys.c.outcome)).scalars().all()
    assert not any(token in outcome for outcome in outcomes)


def test_credentials_of_an_unknown_institution_are_not_found(ctx: Context, engine: Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(NotFound) as missing:
        institution_credentials(ctx, "H99999999999")
    assert missing.value.code is ErrorCode.INSTITUTION_NOT_FOUND
    with pytest.raises(NotFound) as rotating:
        rotate_credentials(ctx, "H99999999999", key="rotate-1")
    assert rotating.value.code is ErrorCode.INSTITUTION_NOT_FOUND
    assert snapshot(engine) == before


def test_an_institution_without_credentials_is_issued_them_by_a_rotation(
    ctx: Context, engine: Engine, clock: FixedClock
) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    with engine.begin() as conn:  # as if inserted by hand, outside gongji
        conn.execute(delete(t.institution_credentials))
    with pytest.raises(NotFound) as missing:
        institution_credentials(ctx, "H13010200001")
    assert missing.value.code is ErrorCode.FSI_CREDENTIALS_NOT_FOUND
    assert "--rotate" in missing.value.message_zh
    assert token_of_paasid(ctx, "gongji-H13010200001") is None
    rotate_credentials(ctx, "H13010200001", key="issue")
    issued = institution_credentials(ctx, "H13010200001")
    assert (issued.paasid, issued.created_at) == ("gongji-H13010200001", clock.now())
    assert token_of_paasid(ctx, "gongji-H13010200001") == PaasidToken("H13010200001", issued.token)


def test_the_migration_issues_credentials_to_institutions_registered_before_it(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(t.institutions).values(
                    fixmedins_code="H13010200009",
                    name="旧医院",
                    kind="hospital",
                    level="2",
                    region="130100",
                    created_at=datetime(2026, 1, 1, 8, 0, tzinfo=SHANGHAI),
                )
            )
    finally:
        upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        rows = conn.execute(select(t.institution_credentials)).mappings().all()
    assert [row["paasid"] for row in rows] == ["gongji-H13010200009"]
    assert _HEX_TOKEN.match(rows[0]["token"])
    assert rows[0]["created_at"].tzinfo is not None


# --- sign-in ---------------------------------------------------------------------------------------------------


def test_every_sign_in_gets_its_own_number(ctx: Context, clock: FixedClock) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    first = sign_in(ctx, SignIn("H13010200001", "001", "00-1A-2B-3C-4D-5E", "10.0.0.8"), key="m1")
    second = sign_in(ctx, SignIn("H13010200001", "001", "00-1A-2B-3C-4D-5E", "10.0.0.8"), key="m2")
    assert first.sign_no != second.sign_no
    for view in (first, second):
        assert re.fullmatch(r"20261122100000\d{12}", view.sign_no), view.sign_no
        assert view.sign_time == clock.now()
    clock.advance(timedelta(hours=1))
    later = sign_in(ctx, SignIn("h13010200001", " 002 "), key="m3")
    assert later.sign_no.startswith("20261122110000")
    record = ctx.read(lambda uow: uow.sign_ins.find(later.sign_no))
    assert record is not None
    assert (record.fixmedins_code, record.opter_no, record.mac, record.ip) == ("H13010200001", "002", None, None)


def test_a_sign_in_replays_under_its_msgid(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    msgid = "H13010200001202611221000000001"
    first = sign_in(ctx, SignIn("H13010200001", "001", "mac", "ip"), key=msgid)
    before = snapshot(engine)
    assert sign_in(ctx, SignIn("H13010200001", "001", "mac", "ip"), key=msgid) == first
    assert snapshot(engine) == before
    with pytest.raises(Conflict):
        sign_in(ctx, SignIn("H13010200001", "002", "mac", "ip"), key=msgid)


def test_a_sign_in_is_refused_for_an_unknown_institution_or_a_bad_operator(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    before = snapshot(engine)
    with pytest.raises(NotFound) as missing:
        sign_in(ctx, SignIn("H99999999999", "001"), key="m1")
    assert missing.value.code is ErrorCode.INSTITUTION_NOT_FOUND
    with pytest.raises(InvalidInput) as blank:
        sign_in(ctx, SignIn("H13010200001", "  "), key="m2")
    assert blank.value.code is ErrorCode.FIELD_INVALID
    with pytest.raises(InvalidInput):
        sign_in(ctx, SignIn("H13010200001", "001", mac="x" * 65), key="m3")
    assert snapshot(engine) == before


def test_a_sign_no_is_accepted_from_its_own_institution_only(ctx: Context, engine: Engine) -> None:
    add_institution(ctx, HOSPITAL, key="i1")
    add_institution(ctx, PHARMACY, key="i2")
    mine = sign_in(ctx, SignIn("H13010200001", "001"), key="m1")
    theirs = sign_in(ctx, SignIn("P13010200001", "007"), key="m2")

    with selects_on(engine) as selects:
        record = check_sign_no(ctx, "H13010200001", mine.sign_no)
    assert len(selects) == 1
    assert (record.sign_no, record.fixmedins_code, record.opter_no, record.signed_in_at) == (
        mine.sign_no,
        "H13010200001",
        "001",
        mine.sign_time,
    )
    assert check_sign_no(ctx, " h13010200001 ", f" {mine.sign_no} ") == record

    with pytest.raises(Refused) as other:
        check_sign_no(ctx, "H13010200001", theirs.sign_no)
    assert other.value.code is ErrorCode.FSI_SIGN_NO_OF_OTHER_INSTITUTION
    assert "P13010200001" not in other.value.message_zh  # whose number it is stays unsaid

    for unknown in ("20261122100000999999999999", "", "x" * 100):
        with pytest.raises(Refused) as not_signed_in:
            check_sign_no(ctx, "H13010200001", unknown)
        assert not_signed_in.value.code is ErrorCode.FSI_NOT_SIGNED_IN

    with pytest.raises(NotFound) as no_institution:
        check_sign_no(ctx, "H99999999999", mine.sign_no)
    assert no_institution.value.code is ErrorCode.INSTITUTION_NOT_FOUND


# --- the command -----------------------------------------------------------------------------------------------


@pytest.fixture
def invoke(database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"GONGJI_DATABASE_URL": database_url, "GONGJI_NOW": "2026-11-22T10:00:00+08:00", "COLUMNS": "200"}

    def run(typer_app, *args: str, code: int = 0) -> str:  # type: ignore[no-untyped-def]
        result = runner.invoke(typer_app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_the_credentials_command_shows_and_rotates_the_token(invoke) -> None:  # type: ignore[no-untyped-def]
    invoke(institution_app, "add", "H13010200001", "石家庄市示例第一医院", "--kind", "hospital", "--region",
           "130100", "--level", "3")  # fmt: skip
    shown = json.loads(invoke(institution_app, "credentials", "H13010200001", "--json"))
    assert shown["paasid"] == "gongji-H13010200001"
    assert _HEX_TOKEN.match(shown["token"])
    assert shown["rotated_at"] is None

    page = invoke(institution_app, "credentials", "h13010200001")
    assert "接口凭证 Interface credentials" in page
    assert "gongji-H13010200001" in page
    assert shown["token"] in page

    rotated_page = invoke(institution_app, "credentials", "H13010200001", "--rotate", "--key", "r1")
    assert "旧密钥立即失效" in rotated_page
    assert "old token no longer authenticates" in rotated_page
    rotated = json.loads(invoke(institution_app, "credentials", "H13010200001", "--json"))
    assert rotated["token"] != shown["token"]
    assert rotated["token"] in rotated_page
    assert rotated["rotated_at"] == "2026-11-22T10:00:00+08:00"

    replayed = json.loads(invoke(institution_app, "credentials", "H13010200001", "--rotate", "--key", "r1", "--json"))
    assert replayed["token"] == rotated["token"]  # the same key rotated once
    fresh = json.loads(invoke(institution_app, "credentials", "H13010200001", "--rotate", "--json"))
    assert fresh["token"] != rotated["token"]  # without --key every rotation is a new one

    missing = json.loads(invoke(institution_app, "credentials", "H99999999999", "--json", code=1))
    assert missing["error"]["code"] == "INSTITUTION_NOT_FOUND"


def test_the_demo_institutions_have_credentials_after_gongji_demo(invoke) -> None:  # type: ignore[no-untyped-def]
    invoke(app, "db", "upgrade")
    invoke(app, "demo")
    for cmd in DEMO_INSTITUTIONS:
        shown = json.loads(invoke(app, "institution", "credentials", cmd.fixmedins_code, "--json"))
        assert shown["paasid"] == f"gongji-{cmd.fixmedins_code}"
        assert _HEX_TOKEN.match(shown["token"])
