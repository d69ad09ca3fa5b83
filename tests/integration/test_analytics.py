"""The analytical export and the reports over it, on a small province made through the use cases
(:mod:`tests.integration.analytics_data`): the files hold what the database holds, under pseudonymous ids and
without names or numbers; a later export rewrites exactly the partitions that changed; the reports' sums are the
database's own, computed here from its tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, func, select

from gongji.analytics.export import ExportOutcome, export
from gongji.analytics.reports import Scope, report_named, run_report
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.store import tables as t
from gongji.store.refusal_tables import refusals
from tests.helpers import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI
from tests.integration.analytics_data import CHANGCHUN, Bills, december_changes, three_months


@pytest.fixture
def bills(ctx: Context, clock: FixedClock) -> Bills:
    return three_months(ctx, clock)


def _export(engine: Engine, clock: FixedClock, out: Path, key_name: str = "default") -> ExportOutcome:
    return export(engine, out, now=clock.now(), key_name=key_name)


def _partitions(out: Path, dataset: str) -> dict[str, Path]:
    root = out / dataset
    return {str(p.parent.relative_to(root)): p for p in sorted(root.glob("**/part-0.parquet"))}


def _written(outcome: ExportOutcome) -> dict[str, int]:
    return {d.name: d.written for d in outcome.datasets}


def test_the_files_are_partitioned_by_region_and_month_and_name_nobody(
    engine: Engine, clock: FixedClock, bills: Bills, tmp_path: Path
) -> None:
    _export(engine, clock, tmp_path)
    assert sorted(_partitions(tmp_path, "settlements")) == [
        "region=130100/month=2026-10",
        "region=130100/month=2026-11",
        "region=130100/month=2026-12",
        "region=220100/month=2026-11",
    ]
    assert sorted(_partitions(tmp_path, "people")) == ["region=110000", "region=130100", "region=220100"]
    with engine.connect() as conn:
        people = conn.execute(select(t.people.c.name, t.people.c.certno, t.people.c.psn_no)).all()
    secrets = {value for row in people for value in row} | {
        JIANGUO,
        XIUYING,
        XIAOMING,
        DEFU,
        GUILAN,
        ZHANGLI,
        CHANGCHUN,
    }
    for path in tmp_path.glob("**/*.parquet"):
        raw = path.read_bytes()
        text = str(pq.read_table(path).to_pylist())
        for secret in secrets:
            assert secret.encode() not in raw, (path, secret)
            assert secret not in text, (path, secret)
    ids = pq.read_table(next(iter(_partitions(tmp_path, "settlements").values()))).column("patient_id").to_pylist()
    assert all(isinstance(value, bytes) and len(value) == 16 for value in ids)


def test_the_files_hold_what_the_database_holds(
    engine: Engine, clock: FixedClock, bills: Bills, tmp_path: Path
) -> None:
    _export(engine, clock, tmp_path)
    with engine.connect() as conn:
        settlements = conn.execute(
            select(func.count(), func.sum(t.settlements.c.acct_mulaid_pay_fen), func.sum(t.settlements.c.acct_pay_fen))
        ).one()
        payers = conn.execute(select(func.count()).select_from(t.settlement_payers)).scalar_one()
        relations = conn.execute(select(func.count()).select_from(t.relations)).scalar_one()
        logged = conn.execute(select(func.count()).select_from(refusals)).scalar_one()
    duck = duckdb.connect()
    glob = f"{tmp_path}/settlements/*/*/part-0.parquet"
    found = duck.execute(
        f"SELECT COUNT(*), SUM(acct_mulaid_pay_fen), SUM(acct_pay_fen) FROM read_parquet('{glob}')"
    ).fetchone()
    assert found == tuple(settlements)
    for dataset, rows in (("payers", payers), ("relations", relations), ("refusals", logged)):
        assert duck.execute(
            f"SELECT COUNT(*) FROM read_parquet('{tmp_path}/{dataset}/*/*/part-0.parquet')"
        ).fetchone() == (rows,)


def test_the_same_key_gives_the_same_ids_and_another_key_other_ids(
    engine: Engine, clock: FixedClock, bills: Bills, tmp_path: Path
) -> None:
    def patients(out: Path) -> list[Any]:
        return sorted(pq.read_table(out / "people").column("person_id").to_pylist())

    _export(engine, clock, tmp_path / "a")
    _export(engine, clock, tmp_path / "b")
    _export(engine, clock, tmp_path / "c", key_name="recipient-2")
    assert patients(tmp_path / "a") == patients(tmp_path / "b")
    assert not set(patients(tmp_path / "a")) & set(patients(tmp_path / "c"))


def test_a_later_export_rewrites_exactly_the_partitions_that_changed(
    ctx: Context, engine: Engine, clock: FixedClock, bills: Bills, tmp_path: Path
) -> None:
    _export(engine, clock, tmp_path)
    before = {where: os.stat(path).st_ino for where, path in _partitions(tmp_path, "settlements").items()}
    assert _written(_export(engine, clock, tmp_path)) == dict.fromkeys(_written(_export(engine, clock, tmp_path)), 0)

    december_changes(ctx, clock, bills)  # a December purchase, and November's visit of 李秀英 reversed
    outcome = _export(engine, clock, tmp_path)
    after = {where: os.stat(path).st_ino for where, path in _partitions(tmp_path, "settlements").items()}
    rewritten = {where for where in after if after[where] != before.get(where)}
    assert rewritten == {"region=130100/month=2026-11", "region=130100/month=2026-12"}
    written = _written(outcome)
    assert written["settlements"] == 2
    assert written["payers"] == 1  # December's new payers; a reversal leaves the payers of November as they were
    assert written["people"] == 0


def _mutual_aid_by_month(engine: Engine, region: str) -> dict[str, tuple[int, int]]:
    """From the database's tables: settlements paid partly by relatives, not reversed, by Shanghai month."""
    s = t.settlements
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.c.settled_at, s.c.acct_mulaid_pay_fen).where(
                s.c.region == region, s.c.acct_mulaid_pay_fen > 0, s.c.reversal_journal_id.is_(None)
            )
        ).all()
    found: dict[str, tuple[int, int]] = {}
    for settled_at, amount in rows:
        month = settled_at.astimezone(SHANGHAI).strftime("%Y-%m")
        count, total = found.get(month, (0, 0))
        found[month] = (count + 1, total + amount)
    return found


def test_the_mutual_aid_report_gives_the_databases_sums_and_leaves_reversed_settlements_out(
    ctx: Context, engine: Engine, clock: FixedClock, bills: Bills, tmp_path: Path
) -> None:
    december_changes(ctx, clock, bills)
    _export(engine, clock, tmp_path)
    result = run_report(tmp_path, report_named("mutual-aid"), Scope(regions=("130100",)))
    got = {row["month"]: (row["settlements"], row["mutual_aid_fen"]) for row in result.rows}
    assert got == _mutual_aid_by_month(engine, "130100")
    assert "2026-11" not in got  # November's one mutual-aid settlement was reversed
    later = run_report(tmp_path, report_named("mutual-aid"), Scope("2026-12", "2026-12"))
    assert {row["month"] for row in later.rows} == {"2026-12"}


def test_the_refusals_report_counts_the_log_by_code_and_region(
    engine: Engine, clock: FixedClock, bills: Bills, tmp_path: Path
) -> None:
    _export(engine, clock, tmp_path)
    with engine.connect() as conn:
        logged = conn.execute(select(refusals.c.region, refusals.c.code)).all()
    assert logged  # the demo meets refusals on purpose
    result = run_report(tmp_path, report_named("refusals"), Scope())
    counted = {(row["region"], row["code"]): row["refusals"] for row in result.rows}
    expected: dict[tuple[str | None, str], int] = {}
    for region, code in logged:
        expected[(region, code)] = expected.get((region, code), 0) + 1
    assert counted == expected
