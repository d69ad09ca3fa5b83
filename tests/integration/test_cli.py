"""The ``gongji`` command as an operator uses it, on both backends."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gongji.cli import app
from tests.helpers import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI


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
    # 张建国 after paying 54.38 for his wife (her 106.60 less the fund's 47.22 and 5.00 over the price cap, cash) and
    # 50.00 for his son: 3,800.00 − 104.38.
    assert "3,695.62" in first
    assert "Every invariant holds" in first
    assert gongji("demo") == first  # idempotent
    report = json.loads(gongji("audit", "--json"))
    assert report["clean"] is True
    assert report["journals"] == 8
    statement = json.loads(gongji("account", "statement", JIANGUO, "--json"))
    assert [(line["amount_fen"], line["paid_for"]) for line in statement["lines"]] == [
        (300_000, None),
        (80_000, None),
        (-5_438, "李秀英"),  # mutual aid for his wife's outpatient visit
        (-5_000, "张小明"),  # his whole 50.00 quota for his son's pharmacy purchase
    ]
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


def test_the_demo_binds_the_family_and_shows_the_refused_sister(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    shown = gongji("demo")
    assert "GEOGRAPHY_NOT_OPEN" in shown
    assert "PROXY_LINK_IS_NOT_MUTUAL_AID" in shown
    son = json.loads(gongji("relation", "list", XIAOMING, "--json"))
    assert [(p["position"], p["relation"]["authoriser"]) for p in son["pay_for_me"]] == [(2, "张建国"), (3, "张德福")]
    assert son["own_account_first"] is True
    can = json.loads(gongji("relation", "why", DEFU, XIAOMING, "--json"))
    assert can["can_pay"] is True
    # The demo's pharmacy purchase used up the 50.00 quota 张建国 set for his son.
    spent = json.loads(gongji("relation", "why", JIANGUO, XIAOMING, "--json", code=1))
    assert [c["code"] for c in spent["failed"]] == ["QUOTA_EXHAUSTED"]
    cannot = json.loads(gongji("relation", "why", JIANGUO, GUILAN, "--json", code=1))
    assert [c["code"] for c in cannot["failed"]] == ["PROXY_LINK_IS_NOT_MUTUAL_AID"]
    gongji("relation", "why", JIANGUO, ZHANGLI, code=1)


def test_relation_commands_at_the_counter_and_online(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    # 张德福 binds his wife 赵桂兰 at the counter: documents checked, effective at once.
    counter = json.loads(
        gongji(
            "relation",
            "request",
            DEFU,
            GUILAN,
            "--type",
            "spouse",
            "--proof",
            "结婚证 J1301-1970-0001",
            "--operator",
            "窗口01",
            "--json",
        )
    )
    assert counter["state"] == "effective"
    assert counter["channel"] == "counter"
    mother = json.loads(gongji("relation", "list", GUILAN, "--json"))
    assert [p["relation"]["authoriser"] for p in mother["pay_for_me"]] == ["张德福"]
    ended = json.loads(gongji("relation", "end", str(counter["id"]), "--by", DEFU, "--json"))
    assert ended["state"] == "ended"
    assert "RELATION_ENDED" in gongji("relation", "why", DEFU, GUILAN, code=1)
    # A quota in yuan for the son, and the order of his payers swapped by his guardian.
    son = json.loads(gongji("relation", "list", XIAOMING, "--json"))
    relation_id = son["pay_for_me"][0]["relation"]["id"]
    family = json.loads(gongji("relation", "quota", JIANGUO, "300.00", "--relation", str(relation_id), "--json"))
    assert [r["quota_fen"] for r in family["i_pay_for"] if r["id"] == relation_id] == [30_000]
    order = json.loads(gongji("relation", "order", XIAOMING, DEFU, JIANGUO, "--by", XIUYING, "--json"))
    assert [r["authoriser"] for r in order] == ["张德福", "张建国"]
    assert "ORDER_INVALID" in gongji("relation", "order", XIAOMING, DEFU, "--by", XIUYING, code=2)


def test_why_for_a_stay_takes_the_admission_time(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    # 张建国 → his son, a stay admitted on 1 November (before the demo's binding): Shijiazhuang lets a binding made
    # during a stay pay it, so the only failing check is the 50.00 quota the demo's pharmacy purchase used up.
    answer = json.loads(
        gongji(
            "relation",
            "why",
            JIANGUO,
            XIAOMING,
            "--kind",
            "inpatient",
            "--admitted-at",
            "2026-11-01T09:00",
            "--json",
            code=1,
        )
    )
    assert [check["code"] for check in answer["failed"]] == ["QUOTA_EXHAUSTED"]
    bad = gongji("relation", "why", JIANGUO, XIAOMING, "--admitted-at", "yesterday", code=2)
    assert "FIELD_INVALID" in bad
    assert "admitted_at" in bad
