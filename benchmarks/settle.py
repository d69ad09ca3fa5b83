"""Settlement throughput: mutual-aid settlements committed by several clients, on SQLite and PostgreSQL, beside
pgbench's built-in TPC-B-like script on the same PostgreSQL server at the same client counts.

Each family is an employee, a retired parent and a resident child whom both employees support (so every
settlement pays from a relative's account, in the child's order). Visits and fee lines are prepared first; what is
timed is ``commit_settlement`` alone. Figures only, never asserted: they go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from gongji.bootstrap import build_context
from gongji.domain.codes import Insutype, MedType, PsnType, RelationType
from gongji.domain.identity import check_character
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person
from gongji.service.relations import ConfirmBinding, RequestBinding, confirm_binding, request_binding
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

NAMES = "甲乙丙丁戊己庚辛壬癸"


def _certno(n: int, born: date) -> str:
    first17 = f"130102{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def _person(ctx: Context, certno: str, name: str, insutype: Insutype, psn_type: PsnType, tag: str) -> None:
    register_person(ctx, RegisterPerson(certno, name), key=f"{tag}:r")
    enroll(ctx, Enroll(certno, insutype, psn_type, "130100", date(2000, 1, 1)), key=f"{tag}:e")


def load_families(ctx: Context, count: int) -> list[str]:
    """Register ``count`` families; return each family's child (the patient)."""
    children = []
    for n in range(count):
        day = n % 28 + 1
        parent = _certno(2 * n + 1, date(1970 + n // 10_000 % 20, n % 12 + 1, day))
        grand = _certno(2 * n + 1, date(1945 + n // 10_000 % 10, n % 12 + 1, day))
        child = _certno(2 * n + 1, date(2010 + n // 10_000 % 5, n % 12 + 1, day))
        name = NAMES[n % 10]
        _person(ctx, parent, "父" + name, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE, f"b{n}p")
        _person(ctx, grand, "祖" + name, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_RETIRED, f"b{n}g")
        _person(ctx, child, "子" + name, Insutype.RESIDENT_BASIC, PsnType.PUPIL, f"b{n}c")
        for who, tag in ((parent, "p"), (grand, "g")):
            credit_account(
                ctx,
                CreditAccount(who, 1_000_000, "bench", Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE),
                key=f"b{n}{tag}:o",
            )
        for who, kind, tag in ((parent, RelationType.CHILD, "p"), (grand, RelationType.PATERNAL_GRANDCHILD, "g")):
            asked = request_binding(ctx, RequestBinding(who, child, kind, commitment=True), key=f"b{n}{tag}:b")
            confirm_binding(ctx, ConfirmBinding(asked.id, parent, "bench-face"), key=f"b{n}{tag}:c")
        children.append(child)
    return children


def prepare_visits(ctx: Context, children: list[str], count: int, tag: str) -> list[str]:
    """Open ``count`` pharmacy visits with fee lines, round-robin over the children."""
    visits = []
    for i in range(count):
        child = children[i % len(children)]
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


def bench(name: str, engine: Engine, families: int, settlements: int, client_counts: list[int]) -> dict[int, float]:
    ctx = build_context(engine=engine, clock=FixedClock(datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)))
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    started = time.perf_counter()
    children = load_families(ctx, families)
    print(f"{name}: loaded {families} families ({3 * families} people) in {time.perf_counter() - started:.1f} s")
    rates = {}
    for clients in client_counts:
        visits = prepare_visits(ctx, children, settlements, f"{name}{clients}")
        rate, p50, p99 = settle_all(ctx, visits, clients, f"{name}{clients}")
        rates[clients] = rate
        print(f"{name}: {clients} client(s): {rate:,.0f} settlements/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    report = audit(ctx)
    print(f"{name}: audit {'clean' if report.clean else report.findings[:3]}")
    engine.dispose()
    return rates


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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--settlements", type=int, default=1500)
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        bench("sqlite", engine, args.families, args.settlements, client_counts)

        import pgserver

        server = pgserver.get_server(Path(folder) / "pg", cleanup_mode="stop")
        server.psql("CREATE DATABASE gongji_bench;")
        server.psql("CREATE DATABASE pgbench;")
        url = server.get_uri("gongji_bench")
        engine = make_engine(url, pool_size=max(client_counts) + 2)
        with engine.begin() as conn:
            names = ", ".join(t.name for t in tables.metadata.sorted_tables)
            if conn.dialect.has_table(conn, "accounts"):
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        upgrade(engine)
        rates = bench("postgresql", engine, args.families, args.settlements, client_counts)
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
            print(
                f"pgbench TPC-B-like: {clients} client(s): {tps:,.0f} tps; gongji settlements/s are "
                f"{100 * rates[clients] / tps:.0f} % of it"
            )
        server.cleanup()


if __name__ == "__main__":
    os.environ.setdefault("PGUSER", "postgres")
    main()
