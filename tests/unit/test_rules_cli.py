"""``gongji rules check|show|diff`` as an operator uses them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gongji.cli import app

runner = CliRunner()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result.output


def test_check_passes_on_the_shipped_rules_and_counts_confidence() -> None:
    report = json.loads(_run("rules", "check", "--json"))
    assert report["ok"] is True
    assert "100000" in report["regions"]
    assert report["confidence"]["official"] > 0
    assert report["confidence"]["unverified"] > 0
    assert "Rules data is valid" in _run("rules", "check")


def test_check_fails_with_every_problem_located(tmp_path: Path) -> None:
    (tmp_path / "130100.yaml").write_text(
        'region: "130100"\nname: 石家庄市\nparameters:\n  authoriser_min_balance_yuan:\n'
        "    - since: 2022-01-01\n      value: 1000\n      confidence: official\n",
        encoding="utf-8",
    )
    output = _run("rules", "check", "--dir", str(tmp_path), code=1)
    assert "130100.yaml:4: parameters.authoriser_min_balance_yuan: wrong unit" in output


def test_show_gives_each_value_with_its_source() -> None:
    shown = json.loads(_run("rules", "show", "130100", "--on", "2026-11-22", "--json"))
    assert shown["chain"] == ["130100", "130000", "100000"]
    relations = shown["parameters"]["allowed_relations"]
    assert relations["source"]["region"] == "100000"
    assert relations["source"]["reference"]["address"].startswith("http")
    assert shown["parameters"]["max_beneficiaries_at_once_count"] == {
        "value": 8,
        "source": shown["parameters"]["max_beneficiaries_at_once_count"]["source"],
    }
    assert shown["parameters"]["category_b_self_pay_default_bp"]["value"] is None
    table = _run("rules", "show", "130100", "--on", "2026-11-22")
    assert "石家庄市" in table
    assert "3,500.00" in table  # Shijiazhuang's outpatient cap, shown in yuan


def test_diff_lists_only_the_parameters_that_differ() -> None:
    diff = json.loads(_run("rules", "diff", "130100", "131100", "--on", "2026-11-22", "--json"))
    differing = diff["differences"]
    assert differing["authoriser_min_balance_fen"]["131100"]["value"] == 100000
    assert differing["authoriser_min_balance_fen"]["130100"]["value"] == 0
    assert "allowed_relations" not in differing


def test_an_unknown_region_is_refused() -> None:
    assert "CODE_UNKNOWN" in _run("rules", "show", "999999", code=2)
