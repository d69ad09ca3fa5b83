"""The ``gongji`` command as an operator uses it, on both backends."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import typing
from typing import Any

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
    # 8 journals of the family's bills and credits, then the wallet: 张丽's transfer, her mother's acceptance and
    # the pharmacy purchase it paid.
    assert report["journals"] == 11
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


def test_commands_refuse_an_unmigrated_database_with_the_usual_bilingual_error(gongji) -> None:  # type: ignore[no-untyped-def]
    # The fixtures hand over a migrated database; an empty one is made by pointing elsewhere. Nothing the person typed
    # was malformed, so it is not a usage error (exit 2) but a refusal (exit 1), said as every error is said.
    runner = CliRunner()
    empty = {"GONGJI_DATABASE_URL": "sqlite:///:memory:", "COLUMNS": "200"}
    result = runner.invoke(app, ["person", "list"], env=empty)
    assert result.exit_code == 1, result.output
    assert "错误 DATABASE_NOT_UPGRADED：数据库未初始化或版本过旧" in result.output
    assert "Error: the database is empty or out of date" in result.output
    assert "gongji db upgrade" in result.output
    assert "Usage:" not in result.output
    as_json = runner.invoke(app, ["person", "list", "--json"], env=empty)
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "DATABASE_NOT_UPGRADED"


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


def test_a_negative_amount_is_an_amount_refused_for_what_it_is(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    credit = gongji("account", "credit", JIANGUO, "-5", "--reference", "x", code=2)
    assert "AMOUNT_INVALID" in credit
    assert "No such option" not in credit
    assert "AMOUNT_INVALID" in gongji("relation", "quota", JIANGUO, "-3.00", "--relation", "1", code=2)
    assert "AMOUNT_INVALID" in gongji("settle", "contribution", JIANGUO, XIUYING, "-1", code=2)


def test_a_malformed_id_number_is_invalid_never_not_found(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    for args in (("person", "show", "123"), ("relation", "why", JIANGUO, "123456"), ("account", "balance", "12345")):
        shown = gongji(*args, code=2)
        assert "ID_NUMBER_INVALID" in shown, args
        assert "PERSON_NOT_FOUND" not in shown, args
    refused = json.loads(gongji("person", "show", "130102197503150018", "--json", code=2))  # a wrong check character
    assert refused["error"]["code"] == "ID_NUMBER_INVALID"
    # A well-formed number nobody holds is not found (masked), and a person number still finds its person.
    assert "PERSON_NOT_FOUND" in gongji("person", "show", "130102199001011237", code=1)
    psn_no = json.loads(gongji("person", "show", JIANGUO, "--json"))["psn_no"]
    assert json.loads(gongji("person", "show", psn_no, "--json"))["name"] == "张建国"


def test_help_shows_flags_without_a_type(gongji) -> None:  # type: ignore[no-untyped-def]
    for args in ((), ("person", "show"), ("account", "credit"), ("settle", "preview")):
        shown = gongji(*args, "--help")
        assert "<bool>" not in shown, args
        assert "--help" in shown
    assert "--json" in gongji("person", "show", "--help")


def _printed_apart(probe: str) -> str:
    """What ``probe`` prints run in a process of its own (this one has imported everything already)."""
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def test_help_loads_no_use_case_store_or_rules() -> None:
    # Run in a process of its own: this one has imported everything already.
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from gongji.cli import app\n"
        'for args in (["--help"], ["account", "credit", "--help"], ["settle", "--help"]):\n'
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "heavy = ('sqlalchemy', 'alembic', 'yaml', 'fastapi', 'gongji.service', 'gongji.store', 'gongji.rules')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    assert _printed_apart(probe) == "[]"


def test_a_what_if_that_draws_no_chart_loads_no_analytical_engine() -> None:
    """Naming the what-if's charts must not load DuckDB and Arrow (some 80 MB in every replaying process)."""
    probe = (
        "import sys\n"
        "from gongji.analytics.whatif_chart import CHARTS\n"
        "import gongji.cli.whatif_cmd, gongji.service.whatif.run, gongji.service.whatif.parts\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('duckdb', 'pyarrow', 'matplotlib')))\n"
    )
    assert _printed_apart(probe) == "[]"


def test_the_choices_of_the_commands_are_the_services_codes() -> None:
    # The commands spell their choices out (so that --help imports no use case); they must be the services' codes.
    from gongji.cli.accounts_cmd import account_credit
    from gongji.cli.his_sim_cmd import his_sim
    from gongji.cli.settle_cmd import settle_contribution
    from gongji.cli.token_cmd import token_add
    from gongji.rules.schema import Contribution
    from gongji.service.accounts import CreditKind, Part
    from gongji.service.api_tokens import Role
    from gongji.service.demo import HOSPITAL, PHARMACY

    def choices(command: Any, name: str) -> set[str]:
        annotated = typing.get_type_hints(command, include_extras=True)[name]
        return set(typing.get_args(typing.get_args(annotated)[0]))

    assert choices(account_credit, "part") == {p.value for p in Part}
    assert choices(account_credit, "kind") == {k.value for k in CreditKind}
    assert choices(token_add, "role") == {r.value for r in Role}
    assert choices(settle_contribution, "kind") == {c.value for c in Contribution}
    defaults = inspect.signature(his_sim).parameters
    assert (defaults["hospital"].default, defaults["pharmacy"].default) == (HOSPITAL, PHARMACY)


def test_the_demo_says_it_briefly_and_every_table_with_verbose(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    summary = gongji("demo")
    assert len(summary.splitlines()) < 60
    for shown in (
        "GEOGRAPHY_NOT_OPEN",
        "PROXY_LINK_IS_NOT_MUTUAL_AID",
        "106.60",
        "47.22",
        "54.38",
        "gongji demo --verbose",
    ):
        assert shown in summary, shown
    assert "Every invariant holds" in summary
    everything = gongji("demo", "--verbose")
    assert len(everything.splitlines()) > 150
    assert "Who paid from personal accounts" in everything
    # The reversal shows what it gave back and the balance it left (张德福: 5,000.00 again), not the settlement's table.
    reversal = everything[everything.index("The same settlement reversed") : everything.index("Pharmacy purchase")]
    assert "Returned to personal accounts" in reversal
    assert "74.50" in reversal
    assert "5,000.00" in reversal
    assert "medfee_sumamt" not in reversal


def test_a_reversal_prints_its_own_figures(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    demo = json.loads(gongji("demo", "--json"))
    setl_id = demo["settlements"][0]["settlement"]["setl_id"]  # 李秀英's visit: 张建国's account paid 54.38
    shown = gongji("settle", "reverse", setl_id)
    assert "Returned to personal accounts" in shown
    assert "54.38" in shown
    assert "3,750.00" in shown  # 张建国's 3,695.62 after the demo, with the 54.38 back
    assert "Who paid from personal accounts" not in shown


def test_why_and_my_family_read_as_sentences(gongji) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    # No check of a proxy link rests on a rule value: no empty 依据 column.
    why = gongji("relation", "why", JIANGUO, GUILAN, code=1)
    assert "依据" not in why
    assert "cannot pay: 1 check fails" in why
    family = gongji("relation", "list", XIAOMING)
    assert "changes this year: 0 (no limit)" in family
    assert "/不限" not in family
    assert "Proxy links" in gongji("proxy", "--help")


def test_the_serve_banner_says_where_to_go_and_masks_id_numbers(
    gongji,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import logging

    import uvicorn

    from gongji.service.demo import DEMO_FAMILY

    gongji("db", "upgrade")
    gongji("demo")
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **_: served.append(target))
    monkeypatch.setattr(logging, "basicConfig", lambda **_: None)  # the test's own logging stays as it is
    otp, access = logging.getLogger("gongji.portal.otp"), logging.getLogger("gongji.access")
    levels = otp.level, access.level
    try:
        banner = gongji("serve", "--demo", "--port", "8123")
        # The demo's code sender prints each code once; its log line is not printed beside it.
        assert not otp.isEnabledFor(logging.INFO)
    finally:
        otp.setLevel(levels[0])
        access.setLevel(levels[1])
    assert served == ["gongji.cli.serve_cmd:served_app"]  # the application with the wallet's job
    for member in DEMO_FAMILY:
        assert member.certno not in banner, member.name
    assert "张建国 **************0019" in banner
    assert "http://127.0.0.1:8123/portal/counter/sign-in" in banner
    assert "gjt_" in banner  # the demo counter operator's fresh token
    assert "http://127.0.0.1:8123/docs" in banner
    assert "paasid" in banner


def test_synth_writes_a_province_with_its_care_and_the_injected_frauds_truth_beside_it(  # type: ignore[no-untyped-def]
    gongji, tmp_path
) -> None:
    truth = tmp_path / "truth.csv"
    report = json.loads(
        gongji("synth", "--people", "300", "--workers", "1", "--fraud", "0.3", "--truth", str(truth), "--json")
    )
    assert report["people"] == 300
    assert report["settlements"] > 0
    lines = truth.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "person_id,pattern,began_at,visits"
    assert len(lines) - 1 == report["fraud_injected"] > 0
    assert json.loads(gongji("audit", "--json"))["clean"] is True
    refused = json.loads(gongji("synth", "--people", "300", "--no-care", "--json", code=1))
    assert refused["error"]["code"] == "DATABASE_NOT_EMPTY"


def test_export_then_report_as_table_csv_and_charts(gongji, tmp_path) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    gongji("demo")
    data = tmp_path / "data"
    first = json.loads(gongji("export", "--out", str(data), "--json"))
    assert {d["name"]: d["written"] > 0 for d in first["datasets"]} == {
        "settlements": True,
        "payers": True,
        "relations": True,
        "people": True,
        "refusals": True,
        "wallet_transfers": True,
    }
    again = json.loads(gongji("export", "--out", str(data), "--json"))
    assert {d["written"] for d in again["datasets"]} == {0}

    table = gongji("report", "mutual-aid", "--data", str(data), "--by", "relation")
    assert "配偶 spouse" in table
    assert "54.38" in table  # 张建国's account paid 54.38 of his wife's visit (see the demo test above)
    shown = json.loads(gongji("report", "share", "--data", str(data), "--region", "130100", "--json"))
    [month] = shown["rows"]
    aid, spent = month["mutual_aid_fen"], month["acct_pay_fen"]
    assert month["share_bp"] == (2 * aid * 10_000 + spent) // (2 * spent)  # basis points, rounded half up

    csv_file, svg, png = tmp_path / "r.csv", tmp_path / "r.svg", tmp_path / "r.png"
    gongji("report", "refusals", "--data", str(data), "--out", str(csv_file))
    lines = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "region,region_zh,code,code_zh,refusals,people"
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets read the Chinese right
    gongji("report", "mutual-aid", "--data", str(data), "--out", str(svg))
    assert "家庭共济金额" in svg.read_text(encoding="utf-8")  # the labels stay text, in Chinese
    gongji("report", "wallet", "--data", str(data), "--out", str(png))
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_report_refuses_what_it_cannot_answer(gongji, tmp_path) -> None:  # type: ignore[no-untyped-def]
    gongji("db", "upgrade")
    empty = str(tmp_path / "nothing")

    def code(*args: str, exit_code: int) -> str:
        problem: str = json.loads(gongji(*args, "--json", code=exit_code))["error"]["code"]
        return problem

    assert code("report", "mutual-aid", "--data", empty, exit_code=1) == "EXPORT_MISSING"
    assert code("report", "nonsense", "--data", empty, exit_code=2) == "REPORT_UNKNOWN"
    assert code("report", "share", "--by", "relation", "--data", empty, exit_code=2) == "BREAKDOWN_UNKNOWN"
    assert code("report", "share", "--from", "2026-13", "--data", empty, exit_code=2) == "MONTH_INVALID"
    assert code("report", "share", "--from", "2026-12", "--to", "2026-01", "--data", empty, exit_code=2) == (
        "PERIOD_INVALID"
    )
    assert code("report", "share", "--region", "北京", "--data", empty, exit_code=2) == "REGION_INVALID"
    assert code("report", "share", "--out", "x.pdf", "--data", empty, exit_code=2) == "OUTPUT_INVALID"
    assert code("export", "--out", str(tmp_path / "x"), "--key-name", "k" * 33, exit_code=2) == "FIELD_INVALID"


def test_whatif_replays_the_demo_under_a_shipped_overlay(gongji, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    overlays = Path(__file__).resolve().parents[2] / "src" / "gongji" / "rules" / "overlays"
    gongji("db", "upgrade")
    gongji("demo")
    shown = json.loads(gongji("whatif", "--rules", str(overlays / "hebei-yearly-share-60"), "--json"))
    assert shown["overlay"] == "hebei-yearly-share-60"
    # Without --json a bar tells how far the replay has come, adding up what each process went through (the two
    # bills and the wallet's purchase, skipped).
    lines = gongji("whatif", "--rules", str(overlays / "hebei-yearly-share-60"), "--workers", "2").splitlines()
    assert [line.split()[-3] for line in lines if line.startswith("推演 Replaying")] == ["3/3"]
    assert shown["replayed"] == 2  # the family's two bills (the wallet's purchase is not replayed)
    assert shown["baseline_mismatches"] == 0
    chart = tmp_path / "whatif.svg"
    gongji("whatif", "--rules", str(overlays / "hebei-prior-years-only"), "--out", str(chart))
    assert "规则覆盖前后的家庭共济金额" in chart.read_text(encoding="utf-8")
    gongji("whatif", "--rules", str(overlays / "hebei-prior-years-only"), "--out", str(chart), "--chart", "relation")
    drawn = chart.read_text(encoding="utf-8")
    assert "按关系类型的共济金额" in drawn
    assert "配偶 spouse" in drawn  # the relation types named, not their codes
    gongji("whatif", "--rules", str(overlays / "hebei-prior-years-only"), "--out", str(chart), "--chart", "fund")
    assert "统筹基金支付" in chart.read_text(encoding="utf-8")
    table = gongji("whatif", "--rules", str(overlays / "hebei-prior-years-only"), "--region", "130100")
    assert "石家庄市" in table
    families = tmp_path / "families.csv"
    gongji("whatif", "--rules", str(overlays / "hebei-prior-years-only"), "--families", str(families))
    header = families.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "family,settlements,cash_fen,mutual_aid_fen,own_fen,fund_fen"  # the demo's bills stay as they are

    def code(*args: str) -> str:
        problem: str = json.loads(gongji("whatif", *args, "--json", code=2))["error"]["code"]
        return problem

    assert code("--rules", str(tmp_path / "nowhere")) == "OVERLAY_MISSING"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "130000.yaml").write_text("region: '130000'\nparameters:\n  no_such_rule: []\n", encoding="utf-8")
    assert code("--rules", str(broken)) == "OVERLAY_INVALID"
    assert code("--rules", str(overlays / "hebei-prior-years-only"), "--from", "2026-13") == "MONTH_INVALID"
    assert code("--rules", str(overlays / "hebei-prior-years-only"), "--out", "x.pdf") == "OUTPUT_INVALID"
    assert code("--rules", str(overlays / "hebei-prior-years-only"), "--families", "x.txt") == "OUTPUT_INVALID"
    assert code("--rules", str(overlays / "hebei-prior-years-only"), "--chart", "pie") == "CHART_INVALID"

    # On two machines: a part each, saved, then added up anywhere — the same as replayed whole.
    share = str(overlays / "hebei-yearly-share-60")
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    gongji("whatif", "--rules", share, "--part", "1/2", "--save", str(first), "--workers", "2")
    gongji("whatif", "--rules", share, "--part", "2/2", "--save", str(second), "--workers", "1")
    merged = json.loads(gongji("whatif", "--rules", share, "--merge", str(first), "--merge", str(second), "--json"))
    assert {**merged, "part": None} == {**shown, "part": None}
    assert merged["part"] == [1, 1]
    assert code("--rules", share, "--merge", str(first)) == "PARTS_MISMATCH"  # the second part is missing
    other = str(overlays / "hebei-prior-years-only")
    assert code("--rules", other, "--merge", str(first), "--merge", str(second)) == "PARTS_MISMATCH"
    assert code("--rules", share, "--merge", str(first), "--merge", str(second), "--from", "2026-03") == (
        "PARTS_MISMATCH"
    )
    assert code("--rules", share, "--part", "3/2") == "PART_INVALID"
    assert code("--rules", share, "--merge", str(tmp_path / "families.csv")) == "PART_INVALID"
    garbled = tmp_path / "garbled.json"
    garbled.write_bytes(b"\xff\xfe{")
    assert code("--rules", share, "--merge", str(garbled)) == "PART_INVALID"  # not even text
    assert code("--rules", share, "--merge", str(tmp_path / "nowhere.json")) == "PART_MISSING"
    assert code("--rules", share, "--save", str(tmp_path / "part.txt")) == "OUTPUT_INVALID"


def test_synth_draws_a_year_under_a_rules_overlay(gongji, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A what-if of bindings: the same people under a rule that opens no binding in Hebei bind nobody."""
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "130000.yaml").write_text(
        "region: '130000'\nname: 河北省\nparameters:\n  mutual_aid_enabled:\n    - since: 2021-01-01\n"
        "      value: false\n      reference: {title: 'a what-if', address: 'https://example.org/whatif'}\n"
        "      confidence: unverified\n",
        encoding="utf-8",
    )
    report = json.loads(
        gongji("synth", "--people", "300", "--workers", "1", "--no-care", "--rules", str(closed), "--json")
    )
    assert report["people"] == 300
    assert report["relations"] == {}
    assert report["refusals"]  # every request refused, and logged
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "130000.yaml").write_text("region: '130000'\nparameters:\n  no_such_rule: []\n", encoding="utf-8")
    refused = json.loads(gongji("synth", "--people", "300", "--rules", str(broken), "--json", code=2))
    assert refused["error"]["code"] == "OVERLAY_INVALID"
