"""Ledger write throughput: idempotent credits through the full use case, on SQLite and PostgreSQL.

Prints credits per second and p50/p99 latency for 1 and 4 client threads. Figures only, never asserted:
they go into docs/performance.md. Run with ``make bench`` (or ``python benchmarks/ledger.py --help``).
PostgreSQL comes from GONGJI_TEST_POSTGRES_URL, or from a throwaway pgserver instance.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from gongji.bootstrap import build_context
from gongji.domain.codes import Insutype, PsnType
from gongji.domain.identity import check_character
from gongji.service.accounts import CreditAccount, credit_account
from gongji.service.audit import audit
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person
from gongji.store import tables
from gongji.store.engine import make_engine
from gongji.store.migrate import upgrade


def id_number(n: int) -> str:
    """A valid resident ID number for the n-th synthetic person (born 1960-1999)."""
    born = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
    first17 = f"130102{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def load_people(ctx: Context, count: int) -> list[str]:
    certnos = []
    seen = set()
    n = 0
    while len(certnos) < count:
        certno = id_number(n)
        n += 1
        if certno in seen:
            continue
        seen.add(certno)
        register_person(ctx, RegisterPerson(certno, "测试"), key=f"b:{certno}:r")
        enroll(
            ctx,
            Enroll(certno, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE, "130100", date(2000, 1, 1)),
            key=f"b:{certno}:e",
        )
        certnos.append(certno)
    return certnos


def run(ctx: Context, certnos: list[str], credits: int, clients: int, tag: str) -> tuple[float, float, float]:
    latencies: list[float] = []

    def one(i: int) -> None:
        started = time.perf_counter()
        credit_account(ctx, CreditAccount(certnos[i % len(certnos)], 100 + i % 900, "bench"), key=f"{tag}:{i}")
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(credits)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return credits / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def bench(name: str, engine: Engine, people: int, credits: int) -> None:
    ctx = build_context(engine=engine, clock=FixedClock(datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)))
    loading = time.perf_counter()
    certnos = load_people(ctx, people)
    print(f"{name}: loaded {people} employees in {time.perf_counter() - loading:.1f} s")
    for clients in (1, 4):
        rate, p50, p99 = run(ctx, certnos, credits, clients, f"{name}:{clients}")
        print(f"{name}: {clients} client(s): {rate:,.0f} credits/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    assert audit(ctx).clean
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--credits", type=int, default=3000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        bench("sqlite", engine, args.people, args.credits)

        url = os.environ.get("GONGJI_TEST_POSTGRES_URL")
        server = None
        if not url:
            import pgserver

            server = pgserver.get_server(Path(folder) / "pg", cleanup_mode="stop")
            server.psql("CREATE DATABASE gongji_bench;")
            url = server.get_uri("gongji_bench")
        engine = make_engine(url, pool_size=8)
        with engine.begin() as conn:
            names = ", ".join(t.name for t in tables.metadata.sorted_tables)
            if conn.dialect.has_table(conn, "accounts"):
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        upgrade(engine)
        bench("postgresql", engine, args.people, args.credits)
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
