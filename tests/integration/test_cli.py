"""The ``gongji`` command as an operator uses it, on both backends."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gongji.cli import app
from tests.helpers import JIANGUO, XIUYING


@pytest.fixture
def gongji(database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"GONGJI_DATABASE_URL": database_url, "GONGJI_NOW": "2026-11-22T10:00:00+08:00", "COLUMNS": "200"}

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_demo_then_audit_and_statement(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    first = gongji("demo")
    assert "张建国" in first
    assert "3,800.00" in first
    assert "Every invariant holds" in first
    assert gongji("demo") == first  # idempotent
    report = json.loads(gongji("audit", "--json"))
    assert report["clean"] is True
    assert report["journals"] == 4
    statement = json.loads(gongji("account", "statement", JIANGUO, "--json"))
    assert [line["amount_fen"] for line in statement["lines"]] == [300_000, 80_000]
    person = json.loads(gongji("person", "show", XIUYING, "--json"))
    assert person["enrollments"][0]["insutype"] == "390"


def test_errors_say_what_was_wrong_and_exit_non_zero(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    bad_id = gongji("person", "add", "130102197503150018", "王五", code=2)
    assert "ID_NUMBER_INVALID" in bad_id
    assert "expected 9" in bad_id
    bad_amount = gongji("account", "credit", JIANGUO, "12.345", "--reference", "x", code=2)
    assert "at most two decimals" in bad_amount
    refused = json.loads(gongji("account", "credit", XIUYING, "12.34", "--reference", "x", "--json", code=1))
    assert refused["error"]["code"] == "NOT_AN_EMPLOYEE"
    bad_code = gongji(
        "enroll",
        "add",
        XIUYING,
        "--insutype",
        "999",
        "--psn-type",
        "1501",
        "--region",
        "130100",
        "--since",
        "2026-01-01",
        code=2,
    )
    assert "CODE_UNKNOWN" in bad_code


def test_a_credit_with_a_key_replays_and_reverses(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    credited = json.loads(
        gongji("account", "credit", JIANGUO, "¥1,200.00", "--reference", "补缴", "--key", "k1", "--json")
    )
    replayed = json.loads(gongji("account", "credit", JIANGUO, "1200", "--reference", "补缴", "--key", "k1", "--json"))
    assert replayed == credited
    conflict = json.loads(
        gongji("account", "credit", JIANGUO, "1201", "--reference", "补缴", "--key", "k1", "--json", code=1)
    )
    assert conflict["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    gongji("account", "reverse", str(credited["journal_id"]), "--reason", "多划")
    balance = json.loads(gongji("account", "balance", JIANGUO, "--json"))
    assert balance["current_year_fen"] == 80_000


def test_commands_refuse_an_unmigrated_database(gongji) -> None:  # type: ignore[no-untyped-def]
    # The fixtures hand over a migrated database; an empty one is made by pointing elsewhere.
    runner = CliRunner()
    result = runner.invoke(app, ["person", "list"], env={"GONGJI_DATABASE_URL": "sqlite:///:memory:"})
    assert result.exit_code != 0
    assert "gongji db upgrade" in result.output
