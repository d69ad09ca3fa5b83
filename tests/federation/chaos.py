"""Chaos on a local federation: a stream of cross-node wallet transfers, acceptances, purchases paid from the wallet
and settlements of Beijing patients at a Hebei hospital, while a node, the NATS server or a PostgreSQL is killed
(SIGKILL) at random moments and started again. Afterwards every acknowledged operation must be there exactly once,
nothing lost or doubled, and every node's audit and the cross-node audit clean.

Run small by ``tests/federation/test_chaos.py`` (``make test``) and larger by hand::

    .venv/bin/python -m tests.federation.chaos --transfers 300 --settlements 150 --kills 20

Clients behave as real ones: a REST write is retried with the same Idempotency-Key, a national-interface message
with the same ``msgid``, until it is answered (or a deadline passes: then it was never acknowledged, and may or may
not have taken effect — the checks allow that, never a duplicate). Nodes run on a clock standing still (``GONGJI_NOW``,
a weekday noon), so the wallet's quiet hours and daily limits judge every run alike.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from gongji.federation.cluster import Backend, LocalCluster
from gongji.service.cluster_audit import ClusterAudit, audit_cluster
from gongji.service.demo import HOSPITAL, PHARMACY
from tests.federation.chaos_world import RetryingHis, World, rest_write
from tests.federation.chaos_world import seed as seed_world
from tests.fsi.test_http import AMBROXOL, CONSULTATION, open_bill
from tests.serving import BUSINESS_NOW

__all__ = ["ChaosReport", "run_chaos"]

_CONVERGE_S = 120.0


@dataclass
class ChaosReport:
    """What a run did and found."""

    operations: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    stream_s: float = 0.0
    converge_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    audit: ClusterAudit | None = None

    @property
    def clean(self) -> bool:
        """Nothing lost or doubled, and every audit clean."""
        return not self.problems and self.audit is not None and self.audit.clean


@dataclass
class _Acks:
    """What was acknowledged: transfer keys, settlement ids by node, acceptance keys."""

    transfers: list[str] = field(default_factory=list)
    settlements: dict[str, list[str]] = field(default_factory=lambda: {"n11": [], "n13": []})
    lock: threading.Lock = field(default_factory=threading.Lock)


def _his(world: World, node: str, code: str, insured: str = "") -> RetryingHis:
    paasid, token = world.his[code]
    client = RetryingHis(world.cluster.nodes[node].url, code, paasid, token)
    client.insured = insured
    client.sign_in()
    return client


def _transfer(world: World, acks: _Acks, sender: str) -> None:
    """A Beijing employee sends to her mother in Shijiazhuang (REST on the Beijing node)."""
    mother, name = world.mothers[sender]
    body = {"receiver": mother, "amount_fen": 30_000, "relation_type": "parent", "face_token": "chaos-face",
            "receiver_region": "130100", "receiver_name": name}  # fmt: skip
    path = f"/api/v1/people/{sender}/wallet/transfers"
    answer = rest_write(world.cluster.nodes["n11"].url, world.tokens["n11"], path, body, f"chaos-transfer-{sender}")
    if answer.status_code == 201:
        with acks.lock:
            acks.transfers.append(sender)


def _settle(client: RetryingHis, certno: str, insutype: str, item: tuple[str, str], med_type: str) -> str | None:
    bill = open_bill(client, certno, insutype, [(item, "1")], med_type=med_type)
    answer = client.call("2207", bill.settle_input())
    return str(answer.output["setlinfo"]["setl_id"]) if answer.infcode == 0 else None


def _accept_all(world: World, stop: threading.Event) -> int:
    """The mothers accept what reached them (REST on the Hebei node), until told to stop; how many."""
    accepted = 0
    url, token = world.cluster.nodes["n13"].url, world.tokens["n13"]
    while not stop.is_set():
        for mother, _ in world.mothers.values():
            try:
                view = httpx.get(f"{url}/api/v1/people/{mother}/wallet", headers={"Authorization": f"Bearer {token}"},
                                 timeout=10.0).json()  # fmt: skip
            except (httpx.HTTPError, json.JSONDecodeError):
                continue
            for transfer in view.get("incoming", []):
                if transfer["status"] == "pending":
                    path = f"/api/v1/people/{mother}/wallet/transfers/{transfer['id']}/accept"
                    if rest_write(url, token, path, {}, f"chaos-accept-{transfer['id']}").status_code == 200:
                        accepted += 1
        stop.wait(0.5)
    return accepted


def _kill_one(cluster: LocalCluster, rng: random.Random, report: ChaosReport) -> None:
    """Kill a node, the NATS server or a PostgreSQL at once, wait a moment, start it again."""
    targets = ["n11", "n13", "nats"] + (["pg11", "pg13"] if cluster.backend == "postgresql" else [])
    target = rng.choice(targets)
    report.kills[target] += 1
    if target == "nats":
        assert cluster.nats is not None
        cluster.nats.kill()
        time.sleep(rng.uniform(0.3, 1.5))
        cluster.start_nats()
    elif target.startswith("pg"):
        cluster.kill_database(target[2:])
        time.sleep(rng.uniform(0.3, 1.5))
        cluster.start_database(target[2:])
    else:
        cluster.kill_node(target)
        time.sleep(rng.uniform(0.3, 1.5))
        cluster.start_node(target)


def _stream(world: World, report: ChaosReport, acks: _Acks, settlements: int, kills: int, seed: int) -> None:
    """The operations, two at a time, while kills come at random moments; the mothers accept all along."""
    rng = random.Random(seed)
    hospital = _his(world, "n13", HOSPITAL, insured="110000")
    pharmacy = _his(world, "n13", PHARMACY)
    jobs: list[Callable[[], None]] = [lambda s=s: _transfer(world, acks, s) for s in world.senders]  # type: ignore[misc]
    report.operations["transfer"] = len(jobs)

    def beijing_patient(patient: str) -> None:
        setl_id = _settle(hospital, patient, "310", CONSULTATION, "11")
        if setl_id:
            with acks.lock:
                acks.settlements["n11"].append(setl_id)

    def hebei_purchase(mother: str) -> None:
        setl_id = _settle(pharmacy, mother, "390", AMBROXOL, "41")
        if setl_id:
            with acks.lock:
                acks.settlements["n13"].append(setl_id)

    for i in range(settlements):
        sender = world.senders[i % len(world.senders)]
        jobs.append(lambda p=sender: beijing_patient(p))  # type: ignore[misc]
        jobs.append(lambda m=world.mothers[sender][0]: hebei_purchase(m))  # type: ignore[misc]
    report.operations["settlement"] = settlements
    report.operations["purchase"] = settlements
    rng.shuffle(jobs)
    stop = threading.Event()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool, _closing(hospital), _closing(pharmacy):
        acceptor = pool.submit(_accept_all, world, stop)
        running = [pool.submit(_guarded, job, report) for job in jobs]
        for _ in range(kills):
            time.sleep(rng.uniform(0.5, 2.0))
            _kill_one(world.cluster, rng, report)
        for future in running:
            future.result()
        stop.set()
        report.acknowledged["acceptance"] = acceptor.result()
    report.stream_s = time.monotonic() - started
    report.acknowledged["transfer"] = len(acks.transfers)
    report.acknowledged["settlement"] = len(acks.settlements["n11"])
    report.acknowledged["purchase"] = len(acks.settlements["n13"])


@contextmanager
def _closing(client: RetryingHis) -> Iterator[None]:
    try:
        yield
    finally:
        assert client.http is not None
        client.http.close()


def _guarded(job: Callable[[], None], report: ChaosReport) -> None:
    try:
        job()
    except TimeoutError:  # never acknowledged: allowed (it may or may not have taken effect, never twice)
        report.operations["unanswered"] += 1


def _converge(world: World, report: ChaosReport) -> None:
    """Wait until every message written was applied where it was going; then audit everything."""
    started = time.monotonic()
    while True:
        try:
            result = audit_cluster(world.contexts, BUSINESS_NOW)
        except Exception:  # a database still coming back
            result = None
        if result is not None and not result.in_flight:
            break
        if time.monotonic() - started > _CONVERGE_S:
            report.problems.append(f"messages still in flight after {_CONVERGE_S} s")
            break
        time.sleep(0.5)
    report.converge_s = time.monotonic() - started
    report.audit = result


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _check(world: World, acks: _Acks, report: ChaosReport) -> None:
    """Every acknowledged operation exactly once, nothing doubled, every transfer's two halves present."""
    bj, hb = world.engines["n11"], world.engines["n13"]
    sent = Counter(
        str(row[0])
        for row in _rows(bj, "SELECT p.certno FROM wallet_transfers t JOIN people p ON p.id = t.sender_person_id")
    )
    for sender, times in sent.items():
        if times > 1:
            report.problems.append(f"{times} transfers from {sender}, sent once")
    for sender in acks.transfers:
        if sent[sender] != 1:
            report.problems.append(f"acknowledged transfer from {sender} found {sent[sender]} times")
    halves = _rows(hb, "SELECT peer_transfer_id FROM wallet_transfers WHERE peer_node = 'n11'")
    ids = Counter(row[0] for row in halves)
    if sorted(ids) != sorted(int(row[0]) for row in _rows(bj, "SELECT id FROM wallet_transfers")) or any(
        n > 1 for n in ids.values()
    ):
        report.problems.append(f"the Hebei halves {sorted(ids.items())} do not match Beijing's transfers one to one")
    for node, engine in world.engines.items():
        settled = Counter(str(row[0]) for row in _rows(engine, "SELECT setl_id FROM settlements"))
        per_visit = _rows(engine, "SELECT visit_id, count(*) FROM settlements GROUP BY visit_id HAVING count(*) > 1")
        if per_visit:
            report.problems.append(f"{node}: visits settled twice: {per_visit}")
        for setl_id in acks.settlements[node]:
            if settled[setl_id] != 1:
                report.problems.append(f"{node}: acknowledged settlement {setl_id} found {settled[setl_id]} times")


def run_chaos(directory: Path, *, transfers: int, settlements: int, kills: int, seed: int = 1,
              backend: Backend = "postgresql") -> ChaosReport:  # fmt: skip
    """Start a federation of Beijing and Hebei in ``directory``, run the stream with its kills, let it converge and
    check it (module docstring)."""
    cluster = LocalCluster(directory, ["11", "13"], backend, now=BUSINESS_NOW.isoformat())
    report, acks = ChaosReport(), _Acks()
    world: World | None = None
    try:
        cluster.start_nats()
        cluster.prepare()
        world = seed_world(cluster, transfers)
        for name in cluster.nodes:
            cluster.start_node(name)
        _stream(world, report, acks, settlements, kills, seed)
        _converge(world, report)
        _check(world, acks, report)
    finally:
        for engine in world.engines.values() if world else ():
            engine.dispose()
        cluster.stop()
    return report


def main() -> None:
    """Run by hand at a larger size and print the figures (for docs/performance.md)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=300)
    parser.add_argument("--settlements", type=int, default=150)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongji-chaos-") as directory:
        report = run_chaos(Path(directory), transfers=args.transfers, settlements=args.settlements,
                           kills=args.kills, seed=args.seed, backend=args.backend)  # fmt: skip
    print(json.dumps({
        "operations": report.operations, "acknowledged": report.acknowledged, "kills": report.kills,
        "stream_s": round(report.stream_s, 1), "converge_s": round(report.converge_s, 1),
        "in_flight_after": len(report.audit.in_flight) if report.audit else None,
        "clean": report.clean, "problems": report.problems,
        "findings": [f.__dict__ for f in report.audit.findings] if report.audit else None,
    }, ensure_ascii=False, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
