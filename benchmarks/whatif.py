"""What-if replay speed, beside its anchor in the same run: the pure core alone on the same settlements.

A what-if reads every settlement of a period back as it was made and runs ``compute_plan`` on it under two rule books
(``gongji.service.whatif``). The anchor is the part no replay can avoid: ``outcome`` under both books — the pure core
and the moves it would post — on the same settlements, their reads done beforehand and the year-start balances
already remembered. The line ``replay X ms = R × the core (Y ms)`` says how much the reading around the core costs.

The province is a database made by ``gongji synth`` (with its year of care), given by ``--database``, or drawn here
into a temporary SQLite file (``--people``, default 4,000: some 7,000 settlements, about a minute to draw).
``--part K`` replays one family in K (the way ``gongji whatif --workers K`` splits the work). Figures only, never
asserted: they go into docs/performance.md.

    .venv/bin/python benchmarks/whatif.py
    .venv/bin/python benchmarks/whatif.py --database sqlite:////tmp/p100k.db --part 4
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

from gongji.bootstrap import build_context
from gongji.rules.book import RuleBook, default_rule_book
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.whatif.memory import FamilyMemory
from gongji.service.whatif.replay import Situation, outcome, situation
from gongji.service.whatif.run import settlements_by_family, what_if
from gongji.store.engine import make_engine
from gongji.store.migrate import upgrade
from gongji.synth.figures import PROVINCES
from gongji.synth.province import load

OVERLAYS = Path(__file__).resolve().parent.parent / "src" / "gongji" / "rules" / "overlays"


def _drawn(folder: Path, people: int, year: int) -> str:
    """A province of ``people`` with its year of care, drawn into a SQLite file in ``folder``."""
    url = f"sqlite:///{folder / 'whatif.db'}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    report = load(engine, PROVINCES["130000"], people=people, year=year, seed=1, book=default_rule_book(), workers=2)
    engine.dispose()
    print(f"drew {people:,} people, {report.settlements:,} settlements in {time.perf_counter() - started:.1f} s")
    return url


def _core(
    ctx: Context, overlay: RuleBook, since: datetime, until: datetime, part: tuple[int, int]
) -> tuple[int, float]:
    """The anchor: how long ``outcome`` under both books takes on the part's settlements, read beforehand."""

    def handler(uow: UnitOfWork) -> tuple[int, float]:
        read: list[tuple[Situation, FamilyMemory]] = []
        for setl_ids in settlements_by_family(uow, since, until, None, part).values():
            memory = FamilyMemory(uow)
            read += [(seen, memory) for s in setl_ids if (seen := situation(uow, memory, s)) is not None]
        for seen, memory in read:  # the year-start balances remembered, as a replay has them after a family's first
            outcome(uow, overlay, seen, {}, memory)
        started = time.perf_counter()
        for seen, memory in read:
            outcome(uow, ctx.rules, seen, {}, memory)
            outcome(uow, overlay, seen, {}, memory)
        return len(read), time.perf_counter() - started

    return ctx.read(handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a synth province (SQLAlchemy URL); drawn here when not given")
    parser.add_argument("--people", type=int, default=4_000, help="people to draw when no --database is given")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--overlay", default="hebei-yearly-share-60", help="a shipped overlay's name")
    parser.add_argument("--part", type=int, default=1, help="replay one family in PART")
    args = parser.parse_args()
    since = datetime(args.year, 1, 1, tzinfo=SHANGHAI)
    until = datetime(args.year + 1, 1, 1, tzinfo=SHANGHAI)
    overlay = RuleBook.load([OVERLAYS / args.overlay])
    with tempfile.TemporaryDirectory(prefix="gongji-whatif-") as folder:
        url = args.database or _drawn(Path(folder), args.people, args.year)
        engine = make_engine(url)
        ctx = build_context(engine=engine)
        part = (0, args.part)
        started = time.perf_counter()
        result = what_if(ctx, overlay, since=since, until=until, part=part)
        replay = time.perf_counter() - started
        count, core = _core(ctx, overlay, since, until, part)
        engine.dispose()
    each, core_each = 1000 * replay / max(result.replayed, 1), 1000 * core / max(count, 1)
    print(f"{result.replayed:,} settlements replayed ({result.mismatched} baseline mismatches) in {replay:.1f} s")
    print(f"replay {each:.2f} ms = {each / core_each:.2f} × the core ({core_each:.2f} ms, both books)")


if __name__ == "__main__":
    main()
