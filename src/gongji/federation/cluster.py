"""A local federation for trying it (``gongji cluster up``) and for the chaos test: a NATS server, one database and
one gongji node per province, all on 127.0.0.1, the demo family spread across them by where each is insured.

Everything lives in one directory: the NATS store, each node's database (a PostgreSQL data directory from
``pgserver``, or a SQLite file), the logs, and ``cluster.json``, which says where each node listens and which
database it uses (``gongji cluster audit`` reads it). Each piece can be killed and started again on its own, as the
chaos test does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from gongji.federation.config import Federation
from gongji.federation.nats_server import NatsServer, free_port

__all__ = ["Backend", "ClusterNode", "LocalCluster", "node_name", "read_cluster"]

Backend = Literal["postgresql", "sqlite"]
STATE_FILE = "cluster.json"
_START_TIMEOUT_S = 60.0
#: The region each province's node answers for when a message names none (its capital's pooling region).
_CAPITALS = {"11": "110000", "12": "120000", "13": "130100", "31": "310000", "32": "320100", "33": "330100"}


def node_name(province: str) -> str:
    """The name of the node serving one province (``11`` → ``n11``)."""
    return f"n{province}"


@dataclass
class ClusterNode:
    """One node of the local federation: its province, where it listens, its database, its process."""

    name: str
    province: str
    port: int
    database_url: str
    region: str
    pid: int | None = None

    @property
    def url(self) -> str:
        """The node's HTTP address."""
        return f"http://127.0.0.1:{self.port}"


@dataclass
class LocalCluster:
    """The pieces of a local federation in ``directory`` (see the module docstring)."""

    directory: Path
    provinces: Sequence[str]
    backend: Backend = "postgresql"
    #: Stand the nodes' clocks still at this ISO time (``GONGJI_NOW``: the chaos test); ``None``: the real clock.
    now: str | None = None
    nodes: dict[str, ClusterNode] = field(default_factory=dict)
    nats: NatsServer | None = None
    _pg: dict[str, Any] = field(default_factory=dict)
    _processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def federation(self, name: str) -> Federation:
        """The federation as node ``name`` is configured."""
        node = self.nodes[name]
        peers = {other.name: frozenset({other.province}) for other in self.nodes.values() if other.name != name}
        assert self.nats is not None
        return Federation(name, frozenset({node.province}), peers, self.nats.url)

    # --- starting --------------------------------------------------------------------------------------------

    def start_nats(self) -> None:
        """Start (or start again, on the same port and store) the NATS server."""
        if self.nats is None:
            self.nats = NatsServer(self.directory / "nats")
        self.nats.start()

    def prepare(self) -> None:
        """Each province's database, migrated; the nodes' ports chosen."""
        from gongji.store.engine import make_engine
        from gongji.store.migrate import upgrade

        self.directory.mkdir(parents=True, exist_ok=True)
        for province in self.provinces:
            name = node_name(province)
            url = self.start_database(province)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            region = _CAPITALS.get(province, f"{province}0000")
            self.nodes[name] = ClusterNode(name, province, free_port(), url, region)

    def start_database(self, province: str) -> str:
        """Start (or start again) the province's database; its URL."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.directory / f'{node_name(province)}.db'}"
        with warnings.catch_warnings():  # pgserver asks for a runtime directory a server has not always got
            warnings.simplefilter("ignore")
            from pgserver.postgres_server import get_server  # PostgreSQL shipped as a wheel, in a directory of ours

        server = self._pg.get(province)
        if server is None:
            server = self._pg[province] = get_server(self.directory / f"pg{province}", cleanup_mode="stop")
            if "gongji" not in server.psql("SELECT datname FROM pg_database;"):
                server.psql("CREATE DATABASE gongji;")
        else:
            server.ensure_postgres_running()
        return str(server.get_uri("gongji")).replace("postgresql://", "postgresql+psycopg://", 1)

    def kill_database(self, province: str) -> None:
        """Kill the province's PostgreSQL at once (SIGKILL of the postmaster: as a crash would)."""
        server = self._pg[province]
        pid = server.get_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid)

    def environment(self, name: str) -> dict[str, str]:
        """The environment node ``name`` runs with."""
        node, federation = self.nodes[name], self.federation(name)
        peers = ";".join(f"{peer}={','.join(sorted(p))}" for peer, p in federation.peers.items())
        return {
            **os.environ,
            "GONGJI_DATABASE_URL": node.database_url,
            "GONGJI_NODE": name,
            "GONGJI_NODE_PROVINCES": node.province,
            "GONGJI_PEERS": peers,
            "GONGJI_NATS_URL": federation.nats_url,
            "GONGJI_REGION": node.region,
            "GONGJI_SECRET_KEY": f"cluster-{name}-{self.directory.name}",
            **({"GONGJI_NOW": self.now} if self.now else {}),
        }

    def start_node(self, name: str) -> None:
        """Start (or start again) node ``name``'s server and wait until it answers."""
        node = self.nodes[name]
        log = (self.directory / f"{name}.log").open("ab")
        command = [sys.executable, "-c", "from gongji.cli import main; main()", "serve", "--host", "127.0.0.1",
                   "--port", str(node.port), "--no-access-log"]  # fmt: skip
        process = subprocess.Popen(command, env=self.environment(name), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._processes[name], node.pid = process, process.pid
        _wait_listening(node.port, process, self.directory / f"{name}.log")

    def kill_node(self, name: str) -> None:
        """Kill node ``name``'s server at once (SIGKILL)."""
        process = self._processes.pop(name, None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)
        self.nodes[name].pid = None

    def write_state(self) -> Path:
        """``cluster.json``: the NATS address and every node (for ``gongji cluster audit``)."""
        assert self.nats is not None
        state = {"nats_url": self.nats.url, "backend": self.backend, "nodes": [asdict(n) for n in self.nodes.values()]}
        path = self.directory / STATE_FILE
        path.write_text(json.dumps(state, ensure_ascii=False, indent=2))
        return path

    def stop(self) -> None:
        """Stop every node, the NATS server and the databases."""
        for name in list(self._processes):
            process = self._processes.pop(name)
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
        if self.nats is not None:
            self.nats.stop()
        for server in self._pg.values():
            server.cleanup()
        self._pg.clear()


def read_cluster(directory: Path) -> tuple[str, list[ClusterNode]]:
    """The NATS address and the nodes a ``cluster.json`` describes."""
    state = json.loads((directory / STATE_FILE).read_text())
    return state["nats_url"], [ClusterNode(**node) for node in state["nodes"]]


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node on port {port} exited ({process.returncode}); see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the node on port {port} did not listen within {_START_TIMEOUT_S} s; see {log}")


def _wait_gone(pid: int) -> None:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
