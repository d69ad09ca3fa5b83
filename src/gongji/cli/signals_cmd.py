"""``gongji signals``: run the fraud rules, list the review queue, mark a signal confirmed or dismissed, and measure
the rules against a synthetic province's injected ground truth (``gongji synth --fraud … --truth FILE``)."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import new_key, run
from .output import console, print_json, table

if TYPE_CHECKING:
    from gongji.service.signal_ports import SignalRow

__all__ = ["signals_app"]

signals_app = typer.Typer(help="风险信号 Fraud signals and their review queue.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
RegionOpt = Annotated[list[str] | None, typer.Option("--region", help="统筹区 Pooling region (repeatable)")]


def _rule_name(rule: str) -> str:
    from gongji.domain.signal_names import signal_name

    zh, en = signal_name(rule)
    return f"{zh} {en}"


@signals_app.command("run")
def signals_run(
    year: Annotated[int, typer.Option("--year", min=2021, max=2100, help="年度 The year whose facts are read")],
    as_json: JsonOpt = False,
) -> None:
    """运行风险规则 Run every rule over a year's visits, payments and bindings; keep what is new (idempotent)."""
    from gongji.service.signals.queue import run_signals

    report = run(lambda ctx: run_signals(ctx, year=year, key=new_key(None)), as_json)
    rows = [(rule, _rule_name(rule), report.found.get(rule, 0), report.new[rule]) for rule in report.new]
    if as_json:
        print_json({"found": dict(report.found), "new": dict(report.new)})
        return
    headers = ["规则 Rule", "名称 Name", "发现 Found", "新增 New"]
    console.print(table("风险信号 Signals", headers, rows, numeric=[2, 3]))


def _shown(rows: list[SignalRow]) -> list[tuple[object, ...]]:
    return [
        (s.id, s.score, _rule_name(s.rule), s.region, f"{s.subject_kind} {s.subject_id}", s.status, str(s.window_from))
        for s in rows
    ]


@signals_app.command("list")
def signals_list(
    region: RegionOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="open, confirmed or dismissed")] = "open",
    rule: Annotated[str | None, typer.Option("--rule", help="规则 One rule only")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="最多条数 At most this many")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """风险信号队列 The review queue, highest score first."""
    from gongji.service.signals.queue import list_signals

    found = run(lambda ctx: list_signals(ctx, regions=region, status=status, rule=rule, limit=limit), as_json)
    if as_json:
        print_json([dataclasses.asdict(s) for s in found])
        return
    headers = ["编号 ID", "分数 Score", "规则 Rule", "统筹区 Region", "对象 Subject", "状态 Status", "自 From"]
    console.print(table("风险信号 Signals", headers, _shown(found), numeric=[0, 1]))


@signals_app.command("review")
def signals_review(
    signal_id: Annotated[int, typer.Argument(help="信号编号 Signal id")],
    operator: Annotated[str, typer.Option("--operator", help="经办人 Who reviews")],
    confirm: Annotated[bool, typer.Option("--confirm/--dismiss", help="属实 confirmed / 排除 dismissed")],
    note: Annotated[str | None, typer.Option("--note", help="说明 Why")] = None,
    key: Annotated[str | None, typer.Option("--key", help="幂等键 Idempotency key.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """处理风险信号 Mark a signal confirmed or dismissed."""
    from gongji.service.signals.queue import review_signal

    status = "confirmed" if confirm else "dismissed"
    done = run(
        lambda ctx: review_signal(ctx, signal_id, status, operator=operator, note=note, key=new_key(key)), as_json
    )
    if as_json:
        print_json(dataclasses.asdict(done))
        return
    console.print(f"信号 {done.id} 已标记为 {done.status} · signal {done.id} marked {done.status}")


@signals_app.command("measure")
def signals_measure(
    truth: Annotated[Path, typer.Option("--truth", exists=True, dir_okay=False, help="真值文件 gongji synth --truth")],
    as_json: JsonOpt = False,
) -> None:
    """评估规则 Precision and recall of each rule against an injected ground truth, person by person."""
    from gongji.service.signals.queue import every_signal, measure

    with truth.open(encoding="utf-8", newline="") as source:
        cases = [(int(row["person_id"]), row["pattern"]) for row in csv.DictReader(source)]
    found = run(every_signal, as_json)
    scores = measure(found, cases)
    rows = [
        (a.rule, a.pattern, a.hits, a.false_alarms, a.missed, _share(a.precision), _share(a.recall)) for a in scores
    ]
    if as_json:
        print_json([{**dataclasses.asdict(a), "precision": a.precision, "recall": a.recall} for a in scores])
        return
    headers = [
        "规则 Rule",
        "注入 Pattern",
        "命中 Hits",
        "误报 False",
        "漏报 Missed",
        "精确率 Precision",
        "召回率 Recall",
    ]
    console.print(table("规则评估 Rules against the truth", headers, rows, numeric=[2, 3, 4]))


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"
