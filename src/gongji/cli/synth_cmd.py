"""``gongji synth``: generate a synthetic province into an empty database, with a progress bar, and say what it wrote
(people, employees, relations by state, the refusals the rules gave, the time)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import settings
from .output import ProgressBar, console, print_json, print_problem, table

if TYPE_CHECKING:
    from gongji.rules.book import RuleBook
from .people_cmd import JsonOpt

__all__ = ["synth_cmd"]

PeopleOpt = Annotated[int, typer.Option("--people", min=1, max=100_000_000, help="人数 How many people to draw")]
YearOpt = Annotated[int, typer.Option("--year", min=2022, max=2100, help="年度 The year of visits and bindings")]
SeedOpt = Annotated[int, typer.Option("--seed", help="随机种子 The same seed draws the same province")]
ProvinceOpt = Annotated[str, typer.Option("--province", help="省份代码 The province to draw (130000 河北省)")]
WorkersOpt = Annotated[
    int, typer.Option("--workers", min=0, max=64, help="进程数 Processes drawing chunks (0: one per core)")
]
CareOpt = Annotated[
    bool,
    typer.Option(
        "--care/--no-care",
        help="就医结算 With the year's visits and settlements of the relatives employees ask to bind (through the "
        "settlement use cases; slower)",
    ),
]
FraudOpt = Annotated[
    float,
    typer.Option(
        "--fraud",
        min=0.0,
        max=0.5,
        help="欺诈注入比例 Share of relatives whose card a known fraud pattern is injected for",
    ),
]
TruthOpt = Annotated[
    Path,
    typer.Option("--truth", help="真值文件 Where the injected fraud's ground truth goes (CSV, never the database)"),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="规则覆盖目录 Draw the year under a rules overlay (a what-if of bindings: who may bind whom)",
    ),
]
DatabaseOpt = Annotated[
    str | None, typer.Option("--database", help="数据库 Database URL (default: GONGJI_DATABASE_URL or gongji.db)")
]


def _overlay(directory: Path, as_json: bool) -> RuleBook:
    """The package's rules with ``directory``'s over them, or exit 2 naming what is wrong."""
    from gongji.rules.book import RuleBook
    from gongji.rules.loader import RuleDataError

    try:
        if not directory.is_dir():
            raise NotADirectoryError(directory)
        return RuleBook.load([directory])
    except (RuleDataError, NotADirectoryError) as error:
        print_problem(
            "OVERLAY_INVALID",
            f"规则覆盖 {directory} 无效：{error}",
            f"the rules overlay {directory} is not valid rules data: {error}",
            as_json=as_json,
        )
        raise typer.Exit(2) from None


def synth_cmd(
    people: PeopleOpt = 100_000,
    year: YearOpt = 2026,
    seed: SeedOpt = 1,
    province: ProvinceOpt = "130000",
    workers: WorkersOpt = 0,
    care: CareOpt = True,
    fraud: FraudOpt = 0.0,
    truth: TruthOpt = Path("synth-truth.csv"),
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
    rules: RulesOpt = None,
) -> None:
    """合成省份 Generate a synthetic province into an empty database: families with the census mix, their
    insurance, the year's mutual-aid bindings decided by the regions' rules, and (unless --no-care) the year's visits
    and settlements of the relatives asked for, made by the settlement use cases."""
    from gongji.rules.book import default_rule_book
    from gongji.store.engine import make_engine
    from gongji.store.migrate import upgrade
    from gongji.synth.figures import PROVINCES
    from gongji.synth.province import NotEmpty, check_empty, load

    book = default_rule_book() if rules is None else _overlay(rules, as_json)
    drawn = PROVINCES.get(province)
    if drawn is None:
        known = ", ".join(f"{code} {p.name}" for code, p in PROVINCES.items())
        print_problem(
            "PROVINCE_UNKNOWN",
            f"没有省份 {province} 的统计数据；可选：{known}",
            f"gongji has no statistics for province {province}; choose one of: {known}",
            as_json=as_json,
        )
        raise typer.Exit(2)
    engine = make_engine(database or settings().database_url)
    try:
        upgrade(engine)
        check_empty(engine)
        with ProgressBar("合成 Drawing", people, quiet=as_json) as bar:
            report = load(
                engine, drawn, people=people, year=year, seed=seed, book=book,
                workers=workers or os.cpu_count() or 1, progress=bar.advance, care=care, fraud_rate=fraud,
            )  # fmt: skip
    except NotEmpty as full:
        print_problem(
            "DATABASE_NOT_EMPTY",
            f"数据库已有数据（{full.table} 表 {full.rows} 行）：合成人口只写入空数据库，以免与真实人员混在一起",
            f"the database already holds data ({full.rows} rows in {full.table}): a synthetic province goes only "
            "into an empty database, never beside real people",
            as_json=as_json,
            params={"table": full.table, "rows": full.rows},
        )
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if fraud > 0:
        _write_truth(truth, report)
    if as_json:
        print_json(report.as_dict())
        return
    _show(report)


def _write_truth(path: Path, report: object) -> None:
    """The injected fraud's ground truth, one case a row (person id, pattern, when it began, visits added)."""
    from gongji.synth.province import SynthReport

    assert isinstance(report, SynthReport)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["person_id", "pattern", "began_at", "visits"])
        for case in sorted(report.truth, key=lambda c: (c.person_id, c.began_at)):
            writer.writerow([case.person_id, case.pattern.value, case.began_at.isoformat(), case.visits])


def _show(report: object) -> None:
    from gongji.synth.province import SynthReport

    assert isinstance(report, SynthReport)
    rate = report.people / report.seconds if report.seconds else 0
    console.print(
        f"{report.people:,} 人（职工 {report.employees:,}），{sum(report.relations.values()):,} 条共济关系，"
        f"用时 {report.seconds:.1f} 秒（每秒 {rate:,.0f} 人） · {report.people:,} people ({report.employees:,} "
        f"employees), {sum(report.relations.values()):,} relations in {report.seconds:.1f} s ({rate:,.0f} people/s)"
    )
    if report.settlements:
        console.print(f"就医结算 {report.settlements:,} 笔 · {report.settlements:,} settlements")
    if report.truth:
        console.print(
            f"注入欺诈 {len(report.truth):,} 例（真值另存） · "
            f"{len(report.truth):,} fraud cases injected (truth kept apart)"
        )
    console.print(
        table(
            "共济关系 Relations by state",
            ["状态 State", "数量 Count"],
            sorted(report.relations.items()),
            numeric=[1],
        )
    )
    rows = [(region, action, code, count) for (region, action, code), count in report.refusals.most_common()]
    console.print(table("拒绝 Refused", ["地区 Region", "步骤 Step", "代码 Code", "次数 Times"], rows, numeric=[3]))
