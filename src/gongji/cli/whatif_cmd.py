"""``gongji whatif --rules DIR``: a period's settlements replayed under a rules overlay, through the pure core, and
what would change — per region, per relation type, for patients and for the fund — as a table, JSON, CSV or a chart.
On several machines: each replays a part (``--part I/N --save FILE.json``) and the parts are added up
(``--merge FILE`` for each; :mod:`gongji.service.whatif.parts`).

Exit status as everywhere in the CLI: 2 when the input is malformed (a month not ``YYYY-MM``, a period backwards, an
overlay that is not rules data, an output neither ``.csv``, ``.svg`` nor ``.png``, parts that are not one what-if),
1 when something is missing.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import run
from .output import ProgressBar, print_json, print_problem
from .whatif_output import as_data, show, write_families, write_out

if TYPE_CHECKING:
    from gongji.rules.book import RuleBook
    from gongji.service.context import Context
    from gongji.service.whatif.parts import PartHeader
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
PartOpt = Annotated[
    str | None,
    typer.Option("--part", help="部分 I/N: replay only the I-th of N parts of the families (one machine of N)"),
]
SaveOpt = Annotated[Path | None, typer.Option("--save", help="保存部分 FILE.json: keep this part's result, to --merge")]
MergeOpt = Annotated[
    list[Path] | None, typer.Option("--merge", help="合并 FILE.json of each part (repeat): add them up, replay nothing")
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


def _checked_outputs(out: Path | None, families: Path | None, chart: str, save: Path | None, as_json: bool) -> None:
    from gongji.analytics.whatif_chart import CHARTS

    if out is not None and out.suffix.lower() not in (".csv", ".svg", ".png"):
        zh, en = f"输出文件应以 .csv、.svg 或 .png 结尾：{out}", f"write .csv, .svg or .png: {out}"
        raise _bad("OUTPUT_INVALID", zh, en, as_json)
    if chart not in CHARTS:
        zh, en = f"没有图表 {chart}（可选 {'、'.join(CHARTS)}）", f"no chart {chart} (choose {', '.join(CHARTS)})"
        raise _bad("CHART_INVALID", zh, en, as_json)
    for path, suffix in ((families, ".csv"), (save, ".json")):
        if path is not None and path.suffix.lower() != suffix:
            raise _bad("OUTPUT_INVALID", f"应以 {suffix} 结尾：{path}", f"write {suffix}: {path}", as_json)


def _part_of(text: str | None, as_json: bool) -> tuple[int, int]:
    """``I/N`` as (index from 0, count); the whole when not given."""
    if text is None:
        return 0, 1
    matched = re.fullmatch(r"(\d{1,4})/(\d{1,4})", text)
    if matched is None or not 1 <= int(matched[1]) <= int(matched[2]):
        zh, en = f"“{text}”不是部分（I/N，1 ≤ I ≤ N）", f"'{text}' is not a part (I/N, 1 ≤ I ≤ N)"
        raise _bad("PART_INVALID", zh, en, as_json)
    return int(matched[1]) - 1, int(matched[2])


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
    part: PartOpt = None,
    save: SaveOpt = None,
    merge: MergeOpt = None,
) -> None:
    """假如规则不同 Replay a period's settlements under a rules overlay: who pays more or less, how much less (or more)
    moves between relatives' accounts, the fund's part, and the refusals that appear or vanish."""
    from gongji.service.whatif.parts import PartHeader, overlay_digest, save_part

    since, until = _period(first, last, as_json)
    _checked_outputs(out, families, chart, save, as_json)
    overlay = _overlay(rules, as_json)
    regions = tuple(sorted(set(region))) if region else None
    header = PartHeader(rules.name, overlay_digest(rules), since, until, regions, *_part_of(part, as_json))
    if merge:
        scoped = bool(first or last or region)
        header, result = _merged(merge, header, scoped, as_json)
    else:
        count = workers or os.cpu_count() or 1
        with ProgressBar("推演 Replaying", None, quiet=as_json) as bar:
            result = run(lambda ctx: _in_parts(ctx, overlay, rules, header, count, bar.show), as_json)
    if save is not None:
        save.write_text(json.dumps(save_part(result, header), ensure_ascii=False), encoding="utf-8")
    if out is not None:
        write_out(result, out, chart)
    if families is not None:
        write_families(result, families)
    if as_json:
        print_json({**as_data(result, rules.name), "part": [header.index + 1, header.count]})
    else:
        show(result, rules.name)


def _merged(files: list[Path], asked: PartHeader, scoped: bool, as_json: bool) -> tuple[PartHeader, WhatIf]:
    """The parts in ``files`` added up; they must be every part of the what-if ``asked`` names: its overlay, and its
    period and regions if ``scoped`` (given on the command line)."""
    from gongji.service.whatif.parts import PartsMismatch, load_part, merge_parts

    parts = []
    for path in files:
        try:
            parts.append(load_part(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as error:  # PartInvalid and malformed JSON are ValueErrors
            code = "PART_MISSING" if isinstance(error, OSError) else "PART_INVALID"
            raise _bad(
                code, f"无法读取部分 {path}：{error}", f"cannot read the part {path}: {error}", as_json
            ) from None
    try:
        header, result = merge_parts(parts)
    except PartsMismatch as error:
        zh, en = f"这些部分不是同一次推演：{error}", f"not one what-if's parts: {error}"
        raise _bad("PARTS_MISMATCH", zh, en, as_json) from None
    if (header.overlay, header.digest) != (asked.overlay, asked.digest):
        zh, en = f"这些部分用的是另一规则覆盖 {header.overlay}", f"the parts replayed another overlay, {header.overlay}"
        raise _bad("PARTS_MISMATCH", zh, en, as_json)
    if scoped and (header.since, header.until, header.regions) != (asked.since, asked.until, asked.regions):
        zh, en = "这些部分的期间或统筹区与所问不同", "the parts replayed another period or other regions than asked"
        raise _bad("PARTS_MISMATCH", zh, en, as_json)
    return header, result


#: A process's queue of progress, set when the process starts (:func:`_listen_to`); ``None`` in the parent.
_told: Any = None


def _listen_to(queue: Any) -> None:
    """Where this worker process tells its progress (set once, as it starts)."""
    global _told
    _told = queue


def _part(job: tuple[str, Path, datetime, datetime, tuple[str, ...] | None, int, int]) -> WhatIf:
    """One part of a what-if, in a process of its own (its own connection to the database, closed after), telling
    its progress as (part, done, total) when the process has a queue for it."""
    from gongji.bootstrap import Settings, build_context
    from gongji.rules.book import RuleBook
    from gongji.service.whatif.run import what_if
    from gongji.store.engine import make_engine

    database_url, rules, since, until, regions, index, count = job
    queue = _told

    def tell(done: int, total: int) -> None:
        if queue is not None:
            queue.put((index, done, total))

    engine = make_engine(database_url)
    try:
        ctx = build_context(Settings(database_url=database_url), engine=engine)
        overlay = RuleBook.load([rules])
        return what_if(ctx, overlay, since=since, until=until, regions=regions, part=(index, count), progress=tell)
    finally:
        engine.dispose()


def _in_parts(
    ctx: Context,
    overlay: RuleBook,
    rules: Path,
    header: PartHeader,
    count: int,
    progress: Callable[[int, int | None], None] | None = None,
) -> WhatIf:
    """The part ``header`` names of the what-if's families, split among ``count`` processes, their results added up
    (part I of N is, among ``count`` processes, the parts I + N·w of N·count: a family's number falls to one of them
    exactly when it falls to part I of N); in this process, on ``ctx`` with ``overlay`` (read from ``rules``), when
    ``count`` is one. ``progress`` is told the settlements replayed of all processes' (their total ``None`` until
    every process has counted its own)."""
    from gongji.service.whatif.run import WhatIf, what_if

    from .common import settings

    if count == 1:
        part = (header.index, header.count)
        return what_if(
            ctx, overlay, since=header.since, until=header.until, regions=header.regions, part=part, progress=progress
        )
    url = settings().database_url
    index, parts = header.index, header.count
    period = (url, rules, header.since, header.until, header.regions)
    jobs = [(*period, index + parts * w, parts * count) for w in range(count)]
    spawn = multiprocessing.get_context("spawn")
    queue = spawn.Queue()
    with ProcessPoolExecutor(count, mp_context=spawn, initializer=_listen_to, initargs=(queue,)) as pool:
        futures = [pool.submit(_part, job) for job in jobs]
        _follow(futures, queue, progress)
        whole = WhatIf()
        for future in futures:
            whole.merge(future.result())
    if progress is not None:  # every settlement, whichever of the processes' last reports are still on their way
        progress(whole.replayed + whole.skipped, whole.replayed + whole.skipped)
    return whole


def _follow(futures: list[Future[WhatIf]], queue: Any, progress: Callable[[int, int | None], None] | None) -> None:
    """Until every process is done, add up what they tell on ``queue`` (part, done, total) and tell ``progress``
    (the total ``None`` until every part has counted its own)."""
    reports: dict[int, tuple[int, int]] = {}
    while not all(future.done() for future in futures) or not queue.empty():
        try:
            part, done, total = queue.get(timeout=0.2)
        except Empty:
            continue
        reports[part] = (done, total)
        if progress is not None:
            known = sum(t for _, t in reports.values()) if len(reports) == len(futures) else None
            progress(sum(d for d, _ in reports.values()), known)
