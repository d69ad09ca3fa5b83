"""``gongji report NAME``: a report over an export directory (``gongji export``), as a table, a CSV file or a chart.

Exit status as everywhere in the CLI: 2 when the input is malformed (an unknown report or breakdown, a month that is
not ``YYYY-MM``, a region that is not six digits, an output that is neither ``.csv``, ``.svg`` nor ``.png``), 1 when
something is missing (no export in the directory, no CJK font to draw with).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .output import console, print_json, print_problem, table

if TYPE_CHECKING:
    from gongji.analytics.reports import Report, ReportResult, Scope

__all__ = ["report_cmd"]

_REPORT_NAMES = "mutual-aid, share, beneficiaries, refusals, wallet"
NameArg = Annotated[str, typer.Argument(help=f"报表 Report: {_REPORT_NAMES}")]
DataOpt = Annotated[Path, typer.Option("--data", help="导出目录 The directory `gongji export` wrote")]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by", help="细分 Breakdown: of mutual-aid by relation, med-type or insutype; of refusals by channel or month"
    ),
]
RegionOpt = Annotated[
    list[str] | None, typer.Option("--region", help="统筹区 Region code (repeat for several; default: all)")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="起始月份 First month, YYYY-MM")]
ToOpt = Annotated[str | None, typer.Option("--to", help="截止月份 Last month, YYYY-MM")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="输出文件 Write FILE.csv, FILE.svg or FILE.png instead of a table")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
SqlOpt = Annotated[
    bool, typer.Option("--sql", help="只打印报表的 SQL Print the report's portable SQL (to run on a cluster engine)")
]

_REGION_CODE = re.compile(r"[0-9]{6}")
_SUFFIXES = (".csv", ".svg", ".png")


def _malformed(code: str, zh: str, en: str, as_json: bool) -> typer.Exit:
    print_problem(code, zh, en, as_json=as_json)
    return typer.Exit(2)


def _scope(regions: list[str] | None, first: str | None, last: str | None, as_json: bool) -> Scope:
    from gongji.analytics.months import BadMonth, parse_month
    from gongji.analytics.reports import Scope

    try:
        first_month = parse_month(first) if first is not None else None
        last_month = parse_month(last) if last is not None else None
    except BadMonth as bad:
        raise _malformed(
            "MONTH_INVALID",
            f"“{bad.text}”不是月份（YYYY-MM，如 2026-03）",
            f"'{bad.text}' is not a month (YYYY-MM, e.g. 2026-03)",
            as_json,
        ) from None
    if first_month and last_month and first_month > last_month:
        raise _malformed(
            "PERIOD_INVALID",
            f"起始月份 {first_month} 晚于截止月份 {last_month}",
            f"the first month {first_month} is after the last month {last_month}",
            as_json,
        )
    for region in regions or []:
        if not _REGION_CODE.fullmatch(region):
            raise _malformed(
                "REGION_INVALID",
                f"“{region}”不是统筹区代码（6 位数字）",
                f"'{region}' is not a region code (6 digits)",
                as_json,
            )
    return Scope(first_month, last_month, tuple(sorted(set(regions or []))))


def _report(name: str, by: str | None, as_json: bool) -> Report:
    from gongji.analytics.reports import BREAKDOWNS, UnknownReport, report_named

    try:
        return report_named(name, by)
    except UnknownReport:
        if by is not None and name in BREAKDOWNS:
            choices = ", ".join(BREAKDOWNS[name])
            raise _malformed(
                "BREAKDOWN_UNKNOWN",
                f"报表 {name} 没有细分 {by}；可选：{choices}",
                f"report {name} has no breakdown {by}; choose one of: {choices}",
                as_json,
            ) from None
        if by is not None:
            raise _malformed(
                "BREAKDOWN_UNKNOWN",
                f"报表 {name} 没有细分",
                f"report {name} has no breakdowns",
                as_json,
            ) from None
        raise _malformed(
            "REPORT_UNKNOWN",
            f"没有名为 {name} 的报表；可选：{_REPORT_NAMES}",
            f"there is no report called {name}; choose one of: {_REPORT_NAMES}",
            as_json,
        ) from None


def report_cmd(
    name: NameArg,
    data: DataOpt,
    by: ByOpt = None,
    region: RegionOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    sql: SqlOpt = False,
) -> None:
    """分析报表 A report over an export: mutual-aid money (--by relation, med-type, insutype), the share of
    personal-account spending that went to relatives, beneficiaries per authoriser, the refusals people met (--by
    channel, month), wallet transfers."""
    from gongji.analytics.duck import ExportMissing
    from gongji.analytics.reports import run_report

    report = _report(name, by, as_json)
    if sql:
        console.print(report.sql.strip(), markup=False, soft_wrap=True)
        return
    scope = _scope(region, first, last, as_json)
    if out is not None and out.suffix.lower() not in _SUFFIXES:
        raise _malformed(
            "OUTPUT_INVALID",
            f"输出文件应以 {'、'.join(_SUFFIXES)} 结尾：{out}",
            f"the output file must end in {', '.join(_SUFFIXES)}: {out}",
            as_json,
        )
    try:
        result = run_report(data, report, scope)
    except ExportMissing:
        print_problem(
            "EXPORT_MISSING",
            f"{data} 中没有导出数据，请先运行 gongji export --out {data}",
            f"{data} holds no export; run `gongji export --out {data}` first",
            as_json=as_json,
        )
        raise typer.Exit(1) from None
    if out is not None:
        _write(result, out, as_json)
    elif as_json:
        print_json({"report": report.name, "scope": scope, "rows": result.rows})
    else:
        _show(result)


def _write(result: ReportResult, out: Path, as_json: bool) -> None:
    from gongji.analytics.charts import NoCjkFont, draw
    from gongji.analytics.render import write_csv

    if out.suffix.lower() == ".csv":
        write_csv(result, out)
    else:
        try:
            draw(result, out)
        except NoCjkFont as missing:
            looked = "、".join(missing.looked_at) or "无 none"
            print_problem(
                "CJK_FONT_MISSING",
                f"找不到含中文字形的字体（查看过：{looked}），图表会显示方框；请安装 fonts-noto-cjk，"
                "或用 GONGJI_CJK_FONT 指定字体文件",
                f"no font with Chinese glyphs was found (looked at: {looked}); the chart would show boxes. "
                "Install fonts-noto-cjk, or name a font file in GONGJI_CJK_FONT",
                as_json=as_json,
            )
            raise typer.Exit(1) from None
    if as_json:
        print_json({"report": result.report.name, "out": str(out), "rows": len(result.rows)})
    else:
        console.print(f"已写入 Wrote {out}（{len(result.rows):,} 行 rows）")


def _show(result: ReportResult) -> None:
    from gongji.analytics.render import display_table

    headings, rows, numeric = display_table(result)
    scope = result.scope
    if scope.from_month or scope.to_month:
        period = f"{scope.from_month or '…'} – {scope.to_month or '…'}"
    else:
        period = "全部月份 all months"
    console.print(table(f"{result.report.title}（{period}）", headings, rows, numeric=numeric))
    if not rows:
        console.print("无数据 No data for this period and these regions")
