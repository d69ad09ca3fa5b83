"""``gongji person add --naty``: the counter records a person's ethnicity (民族) as the national code."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from gongji.cli import app

#: A valid resident ID number of nobody the demo registers.
NEWCOMER = "130102199001011237"


def test_person_add_records_the_ethnicity_code_and_refuses_one_outside_the_list(database_url: str) -> None:
    runner = CliRunner()
    env = {"GONGJI_DATABASE_URL": database_url, "GONGJI_NOW": "2026-11-22T10:00:00+08:00", "COLUMNS": "200"}

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output
        return result.output

    run("db", "upgrade")
    refused = json.loads(run("person", "add", NEWCOMER, "马小军", "--naty", "60", "--json", code=2))
    added = json.loads(run("person", "add", NEWCOMER, "马小军", "--naty", "3", "--json"))

    assert refused["error"]["code"] == "CODE_UNKNOWN"
    assert added["naty"] == "03"
    assert json.loads(run("person", "show", NEWCOMER, "--json"))["naty"] == "03"
