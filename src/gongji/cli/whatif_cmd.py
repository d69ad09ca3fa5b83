"""``gongji whatif --rules DIR``: a period's settlements replayed under a rules overlay, through the pure core, and
what would change — per region, per relation type, for patients and for the fund — as a table, JSON, CSV or a chart.

Exit status as everywhere in the CLI: 2 when the input is malformed (a month not ``YYYY-MM``, a period backwards, an
overlay that is not rules data, an output neither ``.csv``, ``.svg`` nor ``.png``), 1 when something is missing.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import run
from .output import console, print_json, print_problem, table

if TYPE_CHECKING:
    from gongji.service.whatif.run import WhatIf

__all__ = ["whatif_cmd"]

RulesOpt = Annotated[
    Path, typer.Option("--rules", help="规则覆盖目录 Overlay: a directory of rules files (src/gongji/rules/overlays/…)")
]
RegionOpt = Annotated[list[str] | None, typer.Option("--region", help="统筹区 Region code (repeat; default: all)")]
FromOpt = Annotated[str | None, typer.Option("--from", help="起始月份 First month, YYYY-MM (default: every month)")]
ToOpt = Annotated[str | None, typer.Option("--to", help="截止月份 Last month, YYYY-MM")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="输出文件 FILE.csv (per region), FILE.svg or FILE.png")]
JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
ChartOpt = Annotated[
    str,
    typer.Option(
        "--chart",
        help="图表 What --out FILE.svg/.png draws: region (relatives' money by region), relation (by relation type), "
        "fund (the fund's part by region)",
    ),
]
FamiliesOpt = Annotated[
    Path | None,
    typer.Option("--families", help="家庭明细 FILE.csv: each family the overlay changes, with its sums (fen)"),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", min=1, max=64, help="进程数 Processes replaying families apart (default: one per core)"),
]


def _bad(code: str, zh: str, en: str, as_json: bool) -> typer.Exit:
    print_problem(code, zh, en, as_json=as_json)
    return typer.Exit(2)


def _period(first: str | None, last: str | None, as_json: bool) -> tuple[datetime, datetime]:
    from gongji.analytics.months import BadMonth, parse_month
    from gongji.service.clock import SHANGHAI

    try:
        start = parse_month(first) if first else "2000-01"
        end = parse_month(last) if last else "2099-12"
    except BadMonth as bad:
        zh, en = f"“{bad.text}”不是月份（YYYY-MM）", f"'{bad.text}' is not a month (YYYY-MM)"
        raise _bad("MONTH_INVALID", zh, en, as_json) from None
    if start > end:
        raise _bad("PERIOD_INVALID", f"起始月份 {start} 晚于截止月份 {end}", f"{start} is after {end}", as_json)
    year, month = (int(part) for part in end.split("-"))
    until = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=SHANGHAI)
    return datetime(int(start[:4]), int(start[5:]), 1, tzinfo=SHANGHAI), until


def _overlay(directory: Path, as_json: bool) -> Any:
    from gongji.rules.book import RuleBook
    from gongji.rules.loader import RuleDataError

    if not directory.is_dir():
        raise _bad("OVERLAY_MISSING", f"没有规则覆盖目录 {directory}", f"no overlay directory {directory}", as_json)
    try:
        return RuleBook.load([directory])
    except RuleDataError as error:
        problems = "; ".join(str(problem) for problem in error.problems[:5])
        zh, en = f"规则覆盖有误：{problems}", f"the overlay is not valid rules data: {problems}"
        raise _bad("OVERLAY_INVALID", zh, en, as_json) from None


def whatif_cmd(
    rules: RulesOpt,
    region: RegionOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    workers: WorkersOpt = None,
    families: FamiliesOpt = None,
    chart: ChartOpt = "region",
) -> None:
    """假如规则不同 Replay a period's settlements under a rules overlay: who pays more or less, how much less (or more)
    moves between relatives' accounts, the fund's part, and the refusals that appear or vanish."""
    from gongji.service.whatif.run import what_if

    since, until = _period(first, last, as_json)
    if out is not None and out.suffix.lower() not in (".csv", ".svg", ".png"):
        raise _bad(
            "OUTPUT_INVALID",
            f"输出文件应以 .csv、.svg 或 .png 结尾：{out}",
            f"write .csv, .svg or .png: {out}",
            as_json,
        )
    from gongji.analytics.whatif_chart import CHARTS

    if chart not in CHARTS:
        zh, en = f"没有图表 {chart}（可选 {'、'.join(CHARTS)}）", f"no chart {chart} (choose {', '.join(CHARTS)})"
        raise _bad("CHART_INVALID", zh, en, as_json)
    if families is not None and families.suffix.lower() != ".csv":
        raise _bad("OUTPUT_INVALID", f"家庭明细应以 .csv 结尾：{families}", f"write .csv: {families}", as_json)
    overlay = _overlay(rules, as_json)
    regions = frozenset(region) if region else None
    count = workers or os.cpu_count() or 1
    if count == 1:
        result = run(lambda ctx: what_if(ctx, overlay, since=since, until=until, regions=regions), as_json)
    else:
        result = run(lambda ctx: _in_parts(rules, since, until, regions, count), as_json)
    if out is not None:
        _write(result, out, chart)
    if families is not None:
        from gongji.service.whatif.run import FamilyDelta

        _write_csv(_family_rows(result), families, list(FamilyDelta.__dataclass_fields__))
    if as_json:
        print_json(_as_data(result, rules.name))
    else:
        _show(result, rules.name)


def _part(job: tuple[str, Path, datetime, datetime, frozenset[str] | None, int, int]) -> WhatIf:
    """One part of a what-if, in a process of its own (its own connection to the database)."""
    from gongji.bootstrap import Settings, build_context
    from gongji.rules.book import RuleBook
    from gongji.service.whatif.run import what_if

    database_url, rules, since, until, regions, index, count = job
    ctx = build_context(Settings(database_url=database_url))
    overlay = RuleBook.load([rules])
    return what_if(ctx, overlay, since=since, until=until, regions=regions, part=(index, count))


def _in_parts(rules: Path, since: datetime, until: datetime, regions: frozenset[str] | None, count: int) -> WhatIf:
    """The what-if's families split among ``count`` processes, their results added up."""
    from gongji.service.whatif.run import WhatIf

    from .common import settings

    url = settings().database_url
    jobs = [(url, rules, since, until, regions, index, count) for index in range(count)]
    whole = WhatIf()
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn")) as pool:
        for part in pool.map(_part, jobs):
            whole.merge(part)
    return whole


def _region_rows(result: WhatIf) -> list[dict[str, Any]]:
    return [{"region": code, **vars(totals)} for code, totals in sorted(result.by_region.items())]


def _family_rows(result: WhatIf) -> list[dict[str, Any]]:
    """Each changed family, the largest change of cash first."""
    ordered = sorted(result.families.values(), key=lambda f: (-abs(f.cash_fen), -abs(f.mutual_aid_fen), f.family))
    return [vars(family) for family in ordered]


def _change(change: Any) -> dict[str, Any]:
    base, over = change.base, change.over
    return {
        "setl_id": change.setl_id,
        "region": change.region,
        "settled_at": change.settled_at.isoformat(),
        "cash_fen": [base.cash_fen, over.cash_fen],
        "mutual_aid_fen": [base.mutual_aid_fen, over.mutual_aid_fen],
        "fund_fen": [base.fund_fen, over.fund_fen],
        "refused": [base.refused, over.refused],
    }


def _as_data(result: WhatIf, name: str) -> dict[str, Any]:
    more, less = result.patients()
    return {
        "overlay": name,
        "replayed": result.replayed,
        "skipped": result.skipped,
        "baseline_mismatches": result.mismatched,
        "mismatched_settlements": result.mismatches,
        "changed": result.changed,
        "families_changed": len(result.families),
        "largest_changes": [_change(change) for change in result.changes],
        "patients_paying_more": more,
        "patients_paying_less": less,
        "total": vars(result.total),
        "regions": _region_rows(result),
        "relation_types": {
            k: {"base_fen": b, "overlay_fen": o} for k, (b, o) in sorted(result.by_relation_type.items())
        },
        "refusals_appear": dict(result.refusals_appear),
        "refusals_vanish": dict(result.refusals_vanish),
    }


def _write_csv(rows: list[dict[str, Any]], out: Path, header: list[str]) -> None:
    with io.StringIO(newline="") as text:
        writer = csv.DictWriter(text, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
        out.write_bytes(text.getvalue().encode("utf-8-sig"))


def _write(result: WhatIf, out: Path, chart: str) -> None:
    from gongji.service.whatif.run import Totals

    if out.suffix.lower() == ".csv":
        _write_csv(_region_rows(result), out, ["region", *Totals.__dataclass_fields__])
        return
    from gongji.analytics.whatif_chart import CHARTS, whatif_chart

    by = next(name for name in CHARTS if name == chart)
    out.write_bytes(whatif_chart(result, out.suffix.lower().lstrip("."), by))


def _yuan(fen: int) -> str:
    from gongji.domain.money import format_yuan

    return format_yuan(fen)


def _show(result: WhatIf, name: str) -> None:
    from gongji.domain.regions import region_name

    more, less = result.patients()
    console.print(
        f"规则覆盖 Overlay {name}: 重放 {result.replayed:,} 笔结算 settlements replayed, "
        f"跳过 {result.skipped:,} skipped (wallet), 基线不符 {result.mismatched:,} baseline mismatches; "
        f"变化 {result.changed:,} changed ({len(result.families):,} 个家庭 families); "
        f"多付现金的患者 {more:,} patients pay more cash, 少付 {less:,} pay less"
    )
    rows = [
        (
            f"{code} {region_name(code)}", f"{t.settlements:,}", _yuan(t.mutual_aid_base), _yuan(t.mutual_aid_over),
            _yuan(t.own_base), _yuan(t.own_over), _yuan(t.cash_base), _yuan(t.cash_over),
            _yuan(t.fund_over - t.fund_base),
        )
        for code, t in sorted(result.by_region.items())
    ]  # fmt: skip
    headers = [
        "统筹区 Region", "结算 Settlements", "共济 Mutual aid", "→ 覆盖后 overlay", "本人账户 Own account",
        "→ 覆盖后 overlay", "现金 Cash", "→ 覆盖后 overlay", "基金差额 Fund Δ",
    ]  # fmt: skip
    console.print(table("按统筹区 By region (元)", headers, rows, numeric=list(range(1, 9))))
    kinds = [(kind, _yuan(b), _yuan(o), _yuan(o - b)) for kind, (b, o) in sorted(result.by_relation_type.items())]
    console.print(
        table(
            "按关系类型 By relation type (元)",
            ["关系 Relation", "共济 Base", "覆盖后 Overlay", "差额 Δ"],
            kinds,
            numeric=[1, 2, 3],
        )
    )
    for title, counts in (
        ("出现的拒绝 Refusals that appear", result.refusals_appear),
        ("消失的拒绝 Refusals that vanish", result.refusals_vanish),
    ):
        if counts:
            console.print(table(title, ["代码 Code", "次数 Times"], sorted(counts.items()), numeric=[1]))
