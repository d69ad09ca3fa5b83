"""``gongji rules``: check the rules data, show a region's effective values, compare two regions, and show which
bills each region's pooling-fund rules cover."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gongji.domain.errors import GongjiError
from gongji.domain.regions import parse_region

from .output import console, err_console, print_error, print_json, table

if TYPE_CHECKING:
    from gongji.rules.book import Resolved, RuleBook

__all__ = ["rules_app"]

rules_app = typer.Typer(help="地区规则 Regional rules (dated, referenced data).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
OnOpt = Annotated[str | None, typer.Option("--on", help="日期 On this day YYYY-MM-DD (default today)")]
DirOpt = Annotated[
    list[str] | None,
    typer.Option("--dir", help="另加规则目录 Extra rules directory (overrides the package's; also GONGJI_RULES_DIR)"),
]


def _book(extra: list[str] | None) -> RuleBook:
    from gongji.rules.book import RuleBook, default_rule_book
    from gongji.rules.loader import RuleDataError

    try:
        return RuleBook.load([Path(d) for d in extra]) if extra else default_rule_book()
    except RuleDataError as error:
        count = len(error.problems)
        problems = "1 problem" if count == 1 else f"{count} problems"
        err_console.print(f"[bold red]规则数据有 {count} 处错误 Rules data has {problems}:[/]")
        for problem in error.problems:
            err_console.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None


def _day(text: str | None) -> date:
    from gongji.service.clock import SystemClock

    return date.fromisoformat(text) if text else SystemClock().today()


def _region(code: str, as_json: bool) -> str:
    try:
        return parse_region(code).code
    except GongjiError as error:
        print_error(error, as_json=as_json)
        raise typer.Exit(2) from None


def _trace(found: Resolved[Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    t = found.trace
    return {
        "region": t.region,
        "since": t.since.isoformat(),
        "end": t.end.isoformat() if t.end else None,
        "confidence": t.confidence,
        "reference": {"title": t.reference_title, "address": t.reference_address},
    }


@rules_app.command("check")
def rules_check(extra: DirOpt = None, as_json: JsonOpt = False) -> None:
    """校验规则数据 Validate every rules file; exit 1 listing every problem with file, key and line."""
    from gongji.rules.schema import PARAMETERS

    book = _book(extra)
    counts = book.confidence_counts()
    regions = sorted(book.regions)
    values = sum(len(v) for r in book.regions.values() for v in r.parameters.values())
    if as_json:
        print_json({"ok": True, "regions": regions, "values": values, "confidence": dict(counts)})
        return
    console.print(
        f"[green]规则数据有效 Rules data is valid[/]: {len(regions)} 个地区 regions, "
        f"{len(PARAMETERS)} 个参数 parameters, {values} 个取值 dated values"
        f"（official {counts['official']}, unverified {counts['unverified']}）"
    )
    rows = []
    for code in regions:
        rules = book.regions[code]
        confidences = Counter(v.confidence for vs in rules.parameters.values() for v in vs if v.value is not None)
        rows.append(
            [
                code,
                rules.name,
                ", ".join(rules.files),
                len(rules.parameters),
                confidences.total(),
                confidences["official"],
                confidences["unverified"],
            ]
        )
    console.print(
        table(
            "地区 Regions",
            ["代码 Code", "名称 Name", "文件 Files", "参数 Parameters", "取值 Values", "official", "unverified"],
            rows,
            numeric=[3, 4, 5, 6],
        )
    )


@rules_app.command("show")
def rules_show(
    region: Annotated[str, typer.Argument(help="地区代码 Region code, e.g. 130100")],
    on: OnOpt = None,
    extra: DirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """地区有效规则 The values in effect for a region on a day, with where each comes from."""
    from gongji.rules.present import format_value, plain_value

    code = _region(region, as_json)
    day = _day(on)
    book = _book(extra)
    rows = book.effective(code, day)
    if as_json:
        print_json(
            {
                "region": code,
                "on": day.isoformat(),
                "chain": book.chain(code),
                "parameters": {
                    param.name: {"value": plain_value(found.value) if found else None, "source": _trace(found)}
                    for param, found in rows
                },
            }
        )
        return
    chain = " → ".join(f"{c} {parse_region(c).zh}" for c in book.chain(code))
    console.print(
        table(
            f"{code} {parse_region(code).zh} 规则 Rules on {day}（{chain}）",
            ["参数 Parameter", "值 Value", "来源 From", "起始 Since", "可信度 Confidence", "依据 Reference"],
            [
                [
                    f"{param.zh}\n{param.name}",
                    format_value(param, found.value) if found else "（未设定 not set）",
                    f"{found.trace.region} {found.trace.region_zh}" if found else "",
                    found.trace.since if found else "",
                    found.trace.confidence if found else "",
                    f"{found.trace.reference_title}\n{found.trace.reference_address}" if found else "",
                ]
                for param, found in rows
            ],
        )
    )


@rules_app.command("diff")
def rules_diff(
    region_a: Annotated[str, typer.Argument(help="地区 A Region A")],
    region_b: Annotated[str, typer.Argument(help="地区 B Region B")],
    on: OnOpt = None,
    extra: DirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """比较两地规则 The parameters whose values differ between two regions on a day."""
    from gongji.rules.present import format_value, plain_value

    a, b = _region(region_a, as_json), _region(region_b, as_json)
    day = _day(on)
    book = _book(extra)
    rows = book.diff(a, b, day)
    if as_json:
        print_json(
            {
                "regions": [a, b],
                "on": day.isoformat(),
                "differences": {
                    param.name: {
                        a: {"value": plain_value(x.value) if x else None, "source": _trace(x)},
                        b: {"value": plain_value(y.value) if y else None, "source": _trace(y)},
                    }
                    for param, x, y in rows
                },
            }
        )
        return

    def cell(found: Resolved[Any] | None, param: Any) -> str:
        if found is None:
            return "（未设定 not set）"
        t = found.trace
        source = f"[{t.region} {t.confidence}] {t.reference_title}\n{t.reference_address}"
        return f"{format_value(param, found.value)}\n{source}"

    name_a, name_b = parse_region(a).zh, parse_region(b).zh
    console.print(
        table(
            f"{a} {name_a} ↔ {b} {name_b} 规则差异 Differences on {day}: {len(rows)}",
            ["参数 Parameter", f"{a} {name_a}", f"{b} {name_b}"],
            [[f"{param.zh}\n{param.name}", cell(x, param), cell(y, param)] for param, x, y in rows],
        )
    )


_MARK = {"covered": "✓", "partial": "◐", "missing": "✗"}


@rules_app.command("coverage")
def rules_coverage(
    region: Annotated[list[str] | None, typer.Argument(help="地区（默认全部）Regions (default: every one)")] = None,
    on: OnOpt = None,
    extra: DirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """统筹基金规则覆盖 Which (category, medical type) each region's fund rules cover; the rest is refused."""
    from gongji.rules.coverage import COVERAGE_MED_TYPES, fund_coverage
    from gongji.rules.schema import InsuredCategory

    day = _day(on)
    book = _book(extra)
    regions = [_region(code, as_json) for code in region] if region else None
    cells = fund_coverage(book, day, regions)
    if as_json:
        print_json(
            {
                "on": day.isoformat(),
                "cells": [
                    {
                        "region": c.region,
                        "category": c.category.value,
                        "med_type": c.med_type.value,
                        "status": c.status,
                        "source": {
                            "title": c.trace.reference_title,
                            "address": c.trace.reference_address,
                            "confidence": c.trace.confidence,
                        }
                        if c.trace
                        else None,
                    }
                    for c in cells
                ],
            }
        )
        return
    columns = [(cat, med) for cat in InsuredCategory for med in COVERAGE_MED_TYPES]
    by_region: dict[str, dict[tuple[Any, Any], Any]] = {}
    for c in cells:
        by_region.setdefault(c.region, {})[(c.category, c.med_type)] = c
    short = {"in_service": "在职", "retired": "退休", "resident": "居民"}
    headers = ["地区 Region", *(f"{short[cat.value]}\n{med.value}" for cat, med in columns)]
    rows = [
        [f"{code} {parse_region(code).zh}", *(_MARK[row[col].status] for col in columns)]
        for code, row in by_region.items()
    ]
    counts = Counter(c.status for c in cells)
    console.print(
        table(
            f"统筹基金规则覆盖 Fund rules coverage on {day}: ✓ {counts['covered']} ◐ {counts['partial']} "
            f"✗ {counts['missing']} (✗/◐: settlements refused with FUND_RULES_MISSING)",
            headers,
            rows,
        )
    )
    console.print("来源 Sources (confidence, address):")
    for code, row in by_region.items():
        traces = {c.trace.reference_address: c.trace for c in row.values() if c.trace}
        for trace in traces.values():
            console.print(f"  {code} [{trace.confidence}] {trace.reference_address}", markup=False)
