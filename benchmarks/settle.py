"""Settlement throughput: mutual-aid settlements committed by several clients, on SQLite and PostgreSQL, beside
pgbench's built-in TPC-B-like script on the same PostgreSQL server at the same client counts, and beside a bare-driver
sketch of the same settlement (``sketch.py``) on the same database at the same client counts.

Each family is an employee, a retired parent and a resident child whom both employees support (so every
settlement pays from a relative's account, in the child's order). ``--people`` of them (default 100,000) are written
straight into the tables by ``loader.py`` (``--slow-load``: through the use cases, about 300 people a second, to
cross-check); ``--audit`` audits the ledger after loading and after settling. Visits and fee lines are then prepared
through the use cases for children drawn at random from the whole population; what is timed is
``commit_settlement`` alone. After gongji's settlements at each client count, the sketch commits as many
settlements of the same shape (copied from one gongji has just written) straight through the driver, from as many
clients, and the line ``gongji X/s = P % of the bare sketch (Y/s)`` says how far gongji is from what the machine
allows for the same writes (``--no-sketch`` skips it). gongji runs at each client count both with group commit and with
one transaction per settlement, the backend's default mode last (``--default-only`` skips the other); the ratios use
the default mode, and a group-commit run says how many settlements each of its transactions took. Both ratios — to
pgbench and to the sketch — come from the same run. Figures only, never asserted: they go into docs/performance.md.

    .venv/bin/python benchmarks/settle.py --people 3000 --settlements 300 --clients 1 --audit
    .venv/bin/python benchmarks/settle.py --people 1000000 --backends sqlite
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from loader import BENCH_NOW, bulk_load, family, load_by_use_cases
from sketch import run_sketch
from sketch_shape import Template, prepare
from sqlalchemy import Engine, text

from gongji.bootstrap import build_context
from gongji.domain.codes import MedType
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.group_commit import committer_for
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from gongji.store import tables
from gongji.store.engine import make_engine
from gongji.store.migrate import upgrade


def load(ctx: Context, engine: Engine, name: str, families: int, *, slow: bool) -> None:
    """Load the families in bulk (or through the use cases, to cross-check) and say how long it took."""
    started = time.perf_counter()
    if slow:
        load_by_use_cases(ctx, families)
    else:
        bulk_load(engine, families, now=ctx.clock.now(), rules=ctx.rules, progress=True)
    elapsed = time.perf_counter() - started
    settle_statistics(engine)
    how = "through the use cases" if slow else "in bulk"
    print(
        f"{name}: loaded {families:,} families ({3 * families:,} people) {how} in {elapsed:.1f} s "
        f"({3 * families / elapsed:,.0f} people/s)",
        flush=True,
    )


def settle_statistics(engine: Engine) -> None:
    """Gather the planner's statistics of what was just loaded (PostgreSQL: and vacuum it), so that no autovacuum or
    analyze of the fresh tables runs during the first timed run — it made the one-client figure swing two-fold."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def run_audit(ctx: Context, name: str, when: str) -> None:
    started = time.perf_counter()
    report = audit(ctx)
    print(
        f"{name}: audit {when}: {'clean' if report.clean else report.findings[:3]} ({report.accounts:,} accounts, "
        f"{report.journals:,} journals, {report.transfers:,} transfers; {time.perf_counter() - started:.1f} s)",
        flush=True,
    )


def prepare_visits(ctx: Context, families: int, count: int, rng: random.Random, tag: str) -> list[str]:
    """Open ``count`` pharmacy visits with fee lines for children drawn at random from the whole population (so
    that the lookups range over every index, not over its first pages)."""
    population = range(families)
    drawn = rng.sample(population, count) if count <= families else rng.choices(population, k=count)
    visits = []
    for i, n in enumerate(drawn):
        child = family(n).child
        visit = open_visit(ctx, OpenVisit(child, "P13010200001", MedType.PHARMACY_PURCHASE), key=f"{tag}:v{i}")
        upload_fees(
            ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", "XR06AXL001A001010100009", "1", 2_380),)), key=f"{tag}:f{i}"
        )
        visits.append(visit.mdtrt_id)
    return visits


def settle_all(ctx: Context, visits: list[str], clients: int, tag: str) -> tuple[float, float, float]:
    latencies: list[float] = []

    def one(mdtrt_id: str) -> None:
        started = time.perf_counter()
        commit_settlement(ctx, Settle(mdtrt_id), key=f"{tag}:{mdtrt_id}")
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, visits))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(visits) / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def settle_in_mode(ctx: Context, visits: list[str], clients: int, name: str) -> tuple[float, float, float, float]:
    """``settle_all`` in ``ctx``'s mode; with the mean number of settlements per group-commit transaction."""
    committer = committer_for(ctx.uow)
    batches_before, jobs_before = committer.batches
    rate, p50, p99 = settle_all(ctx, visits, clients, f"{name}{clients}{int(ctx.group_commit)}")
    batches_after, jobs_after = committer.batches
    return rate, p50, p99, (jobs_after - jobs_before) / max(batches_after - batches_before, 1)


def sketch_at(ctx: Context, engine: Engine, args: argparse.Namespace, clients: int, name: str, first: bool) -> float:
    """The bare-driver sketch at ``clients`` clients, on visits of its own prepared like gongji's; its rate."""
    template = Template.read(engine)
    if first:
        print(f"{name}: a gongji settlement writes {template.describe()}; the sketch writes the same", flush=True)
    rng = random.Random(f"{args.seed}:sketch:{clients}")  # its own draw: gongji's are the same without the sketch
    visits = prepare_visits(ctx, args.people // 3, args.settlements, rng, f"{name}{clients}s")
    jobs = prepare(engine, template, visits, BENCH_NOW, f"{name}{clients}")
    rate, p50, p99 = run_sketch(engine, template, jobs, clients)
    print(f"{name}: {clients} client(s): bare sketch {rate:,.0f} settlements/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    return rate


def bench(
    name: str, engine: Engine, args: argparse.Namespace, client_counts: list[int]
) -> dict[int, tuple[float, float | None]]:
    """gongji's settlements (and the sketch's, unless ``--no-sketch``) at each client count: the two rates."""
    ctx = build_context(engine=engine, clock=FixedClock(BENCH_NOW))
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    families = args.people // 3
    load(ctx, engine, name, families, slow=args.slow_load)
    if args.audit:
        run_audit(ctx, name, "after loading")
    rng = random.Random(args.seed)
    rates: dict[int, tuple[float, float | None]] = {}
    modes = {False: "one transaction each", True: "group commit"}
    default = ctx.group_commit
    order = [default] if args.default_only else [not default, default]  # the default last: it is what the ratios use
    for clients in client_counts:
        for grouped in order:
            visits = prepare_visits(ctx, families, args.settlements, rng, f"{name}{clients}{int(grouped)}")
            rate, p50, p99, batches = settle_in_mode(replace(ctx, group_commit=grouped), visits, clients, name)
            mode = modes[grouped] + (" (the default)" if grouped == default else "")
            per_batch = f", {batches:.1f} settlements a transaction" if grouped else ""
            print(
                f"{name}: {clients} client(s), {mode}: {rate:,.0f} settlements/s, p50 {p50:.2f} ms, "
                f"p99 {p99:.2f} ms{per_batch}",
                flush=True,
            )
        bare = None if args.no_sketch else sketch_at(ctx, engine, args, clients, name, first=not rates)
        rates[clients] = (rate, bare)
        if bare:
            print(f"{name}: {clients} client(s): {_beside_sketch(rate, bare)}", flush=True)
    if args.audit:
        run_audit(ctx, name, "after settling")
    engine.dispose()
    return rates


def _beside_sketch(rate: float, bare: float) -> str:
    return f"gongji {rate:,.0f}/s = {100 * rate / bare:.1f} % of the bare sketch ({bare:,.0f}/s)"


def pgbench(bin_dir: Path, socket_dir: str, database: str, clients: int, seconds: int) -> float:
    out = subprocess.run(
        [
            str(bin_dir / "pgbench"),
            "-h",
            socket_dir,
            "-U",
            "postgres",
            "-c",
            str(clients),
            "-j",
            str(clients),
            "-T",
            str(seconds),
            "-n",
            database,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"tps = ([0-9.]+)", out)
    assert match, out
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000, help="people to load (a family is three)")
    parser.add_argument("--settlements", type=int, default=1500, help="settlements per client count")
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--slow-load", action="store_true", help="load through the use cases (to cross-check)")
    parser.add_argument("--audit", action="store_true", help="audit the ledger after loading and after settling")
    parser.add_argument("--seed", type=int, default=1, help="seed of the draw of patients")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--no-sketch", action="store_true", help="skip the bare-driver sketch")
    parser.add_argument(
        "--default-only",
        action="store_true",
        help="run only the backend's default mode (GONGJI_GROUP_COMMIT=auto), not also the other one",
    )
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown or not backends:
        parser.error(f"unknown backends {sorted(unknown)}; choose from sqlite, postgresql")
    if args.people < 3:
        parser.error("at least one family (three people)")

    with tempfile.TemporaryDirectory() as folder:
        if "sqlite" in backends:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade(engine)
            bench("sqlite", engine, args, client_counts)
        if "postgresql" in backends:
            postgresql(Path(folder), args, client_counts)


def postgresql(folder: Path, args: argparse.Namespace, client_counts: list[int]) -> None:
    import pgserver

    server = pgserver.get_server(folder / "pg", cleanup_mode="stop")
    server.psql("CREATE DATABASE gongji_bench;")
    server.psql("CREATE DATABASE pgbench;")
    url = server.get_uri("gongji_bench")
    engine = make_engine(url, pool_size=max(client_counts) + 2)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in tables.metadata.sorted_tables)
        if conn.dialect.has_table(conn, "accounts"):
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    upgrade(engine)
    rates = bench("postgresql", engine, args, client_counts)
    bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
    socket_dir = re.search(r"host=([^&]+)", server.get_uri("pgbench"))
    assert socket_dir
    subprocess.run(
        [str(bin_dir / "pgbench"), "-h", socket_dir.group(1), "-U", "postgres", "-i", "-s", "1", "-q", "pgbench"],
        capture_output=True,
        check=True,
    )
    for clients in client_counts:
        tps = pgbench(bin_dir, socket_dir.group(1), "pgbench", clients, args.pgbench_seconds)
        rate, bare = rates[clients]
        beside = f"; {_beside_sketch(rate, bare)}" if bare else ""
        print(
            f"pgbench TPC-B-like: {clients} client(s): {tps:,.0f} tps; gongji settlements/s are "
            f"{100 * rate / tps:.0f} % of it{beside}",
            flush=True,
        )
    server.cleanup()


if __name__ == "__main__":
    os.environ.setdefault("PGUSER", "postgres")
    main()
