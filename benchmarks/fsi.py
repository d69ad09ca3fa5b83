"""The national interface under load: `gongji serve` with several workers, `his-sim` as the hospitals.

For each backend (SQLite file, PostgreSQL from pgserver): load N people in bulk (families of an employee, a retired
parent and a child both support, as in benchmarks/settle.py) plus the demo institutions and sample catalogue; start
`gongji serve --workers W` in a subprocess; then drive complete visits (1101, 2201, 2204, 2206, 2207) through real
HTTP, patients drawn from the whole population:

1. as fast as `--concurrency` clients go: 2207 settlements per second, p50/p99 latency;
2. `/healthz` from the same number of client threads for `--healthz-seconds`, on the same server: a route that does
   next to nothing (one primary-key read, no envelope, no signature check, no use case), so its rate is the ceiling of
   the HTTP stack itself — server, workers and this Python client — on this machine; the visit mix's rate of
   requests is printed as a share of it, so the two figures come from one run;
3. at a fixed offered load of `--rps` requests per second for `--seconds`, offered open-loop by `openloop.py` in a
   process of its own (visits start on schedule whatever the answers; how late they started is printed): p50/p99 of
   2207 and of every request.

Figures only, never asserted (they go into docs/performance.md). The client runs on the same machine as the server
and takes its share of the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from loader import bulk_load, family
from openloop import report_from_json
from sqlalchemy import text

from gongji.api.fsi.his_sim import Institution, SimReport, run_simulation
from gongji.bootstrap import build_context
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.demo import HOSPITAL, PHARMACY
from gongji.service.institution_access import institution_credentials
from gongji.store import tables
from gongji.store.engine import make_engine
from gongji.store.migrate import upgrade

REQUESTS_PER_VISIT = 5  # 1101, 2201, 2204, 2206, 2207


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str, people: int) -> Context:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            if conn.dialect.has_table(conn, "accounts"):
                names = ", ".join(t.name for t in tables.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    upgrade(engine)
    ctx = build_context(engine=engine)
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    started = time.perf_counter()
    # Loaded a day back, so that the relations are in force however the region counts its waiting days.
    # (Today at 08:00 alone was in the future between midnight and 08:00 in Shanghai: no relation was in force, and
    # no visit paid by mutual aid.)
    loaded_at = datetime.now(SHANGHAI).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=1)
    bulk_load(engine, people // 3, now=loaded_at, rules=ctx.rules)
    print(f"  loaded {people:,} people in {time.perf_counter() - started:.1f} s", flush=True)
    return ctx


def _serve(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GONGJI_DATABASE_URL": url}
    gongji = Path(sys.executable).with_name("gongji")
    # The server's output goes to a file (a pipe nobody reads would fill and stop the server).
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(gongji), "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start: {log.read_text(errors='replace')[-2000:]}")


def _show(title: str, report: SimReport) -> float:
    """Print the run's figures; its rate of requests (every transaction) a second."""
    every = [value for values in report.latencies_s.values() for value in values]
    report.latencies_s["all"] = every
    print(
        f"  {title}: {report.completed}/{report.visits} visits in {report.elapsed_s:.1f} s "
        f"({report.with_mutual_aid} with mutual aid); 2207: {report.rate('2207'):,.0f}/s, "
        f"p50 {report.percentile_ms('2207', 0.5):.1f} ms, p99 {report.percentile_ms('2207', 0.99):.1f} ms; "
        f"all requests: {len(every) / report.elapsed_s:,.0f}/s, p50 {report.percentile_ms('all', 0.5):.1f} ms, "
        f"p99 {report.percentile_ms('all', 0.99):.1f} ms",
        flush=True,
    )
    if report.refused:
        print(f"  refused: {report.refused.most_common(3)}")
    if report.identity_failures:
        print(f"  IDENTITIES BROKEN: {report.identity_failures[:3]}")
    return len(every) / report.elapsed_s


def _open_loop(
    base: str, places: list[Institution], patients: list[str], visits: int, rate: float, seed: int, folder: Path
) -> SimReport:
    """The fixed-rate run, offered by ``openloop.py`` in a process of its own; its report."""
    folder.mkdir(parents=True, exist_ok=True)
    job, out = folder / "openloop-job.json", folder / "openloop-report.json"
    job.write_text(
        json.dumps(
            {
                "url": base,
                "institutions": [asdict(place) for place in places],
                "patients": patients,
                "visits": visits,
                "rate": rate,
                # Enough threads that arrivals never wait for answers: a visit takes well under a second here.
                "threads": max(32, int(rate * 2)),
                "seed": seed,
            }
        )
    )
    subprocess.run([sys.executable, str(Path(__file__).with_name("openloop.py")), str(job), str(out)], check=True)
    return report_from_json(json.loads(out.read_text()))


def _healthz(base: str, concurrency: int, seconds: float) -> tuple[float, float, float]:
    """``GET /healthz`` from ``concurrency`` threads sharing one client as his-sim's do, for ``seconds``: requests a
    second, p50 and p99 in milliseconds."""
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    with httpx.Client(base_url=base, timeout=30.0, limits=limits) as http:
        deadline = time.perf_counter() + seconds

        def client(_: int) -> list[float]:
            latencies = []
            while (started := time.perf_counter()) < deadline:
                answer = http.get("/healthz")
                latencies.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text
            return latencies

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            every = sorted(value for values in pool.map(client, range(concurrency)) for value in values)
        elapsed = time.perf_counter() - started
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
    return len(every) / elapsed, every[len(every) // 2] * 1000, p99 * 1000


def bench(name: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    print(f"{name}:", flush=True)
    ctx = _prepare(url, args.people)
    places = []
    for code, pharmacy in ((HOSPITAL, False), (PHARMACY, True)):
        creds = institution_credentials(ctx, code)
        places.append(Institution(code, creds.paasid, creds.token, pharmacy))
    rng = random.Random(args.seed)
    families = args.people // 3
    patients = [family(rng.randrange(families)).child for _ in range(min(5_000, families))]
    port = _free_port()
    log = folder / f"server-{name}.log"
    server = _serve(url, port, args.workers, log)
    base = f"http://127.0.0.1:{port}"
    try:
        warm = run_simulation(base, places, patients, visits=50, concurrency=4, reverse_every=0, undo_every=0)
        assert warm.completed, warm.refused
        fast = run_simulation(
            base, places, patients, visits=args.visits, concurrency=args.concurrency, reverse_every=0, undo_every=0
        )
        mix = _show(f"{args.concurrency} clients, as fast as they go", fast)
        ceiling, p50, p99 = _healthz(base, args.concurrency, args.healthz_seconds)
        print(
            f"  /healthz, {args.concurrency} clients: {ceiling:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
            f"the visit mix's {mix:,.0f} requests/s = {100 * mix / ceiling:.1f} % of it",
            flush=True,
        )
        rate = args.rps / REQUESTS_PER_VISIT
        fixed = _open_loop(base, places, patients, int(rate * args.seconds), rate, args.seed + 1, folder / name)
        _show(f"offered {args.rps} requests/s from a process of its own, open-loop", fixed)
        delays = sorted(fixed.start_delays_s) or [0.0]
        print(
            f"  visits started late by p50 {1000 * delays[len(delays) // 2]:.1f} ms, "
            f"p99 {1000 * delays[min(len(delays) - 1, int(len(delays) * 0.99))]:.1f} ms (the client's own lag)",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    faults = log.read_text(errors="replace").count("Traceback")
    if faults:
        print(f"  the server logged {faults} fault(s); the first: {log.read_text(errors='replace')[-3000:]}")
    report = audit(ctx)
    print(f"  audit: {'clean' if report.clean else report.findings[:3]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=30_000)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--visits", type=int, default=1_000, help="visits of the as-fast-as-possible run")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--rps", type=int, default=200, help="offered load of the fixed run, requests per second")
    parser.add_argument("--seconds", type=int, default=20, help="length of the fixed run")
    parser.add_argument("--healthz-seconds", type=float, default=10, help="length of the /healthz run")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    with tempfile.TemporaryDirectory() as folder:
        if "sqlite" in backends:
            bench("sqlite", f"sqlite:///{Path(folder) / 'fsi.db'}", args, Path(folder))
        if "postgresql" in backends:
            import pgserver

            server = pgserver.get_server(Path(folder) / "pg", cleanup_mode="stop")
            server.psql("CREATE DATABASE gongji_fsi;")
            bench("postgresql", server.get_uri("gongji_fsi"), args, Path(folder))
            server.cleanup()


if __name__ == "__main__":
    os.environ.setdefault("PGUSER", "postgres")
    main()
