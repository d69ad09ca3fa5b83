"""``gongji cluster``: a local federation of province nodes for trying it (``up``), the shell settings to act as one of
its nodes (``env``), and the audit of every node and of what must hold between them (``audit``)."""

from __future__ import annotations

import shlex
import signal
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from .output import console, print_json, print_problem, table

__all__ = ["cluster_app"]

cluster_app = typer.Typer(help="跨省节点联网（本机试用）A local federation of province nodes, for trying it.")

DirOpt = Annotated[Path, typer.Option("--dir", help="集群目录 The cluster's directory (databases, logs, cluster.json)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]


def _provinces(text: str) -> list[str]:
    found = [p.strip() for p in text.split(",") if p.strip()]
    if not found or any(len(p) != 2 or not p.isdigit() for p in found) or len(set(found)) != len(found):
        raise typer.BadParameter("省份代码两位数字，逗号分隔 two-digit province codes, comma-separated: 11,13,31")
    return found


@cluster_app.command("up")
def cluster_up(
    provinces: Annotated[str, typer.Option(help="各节点所辖省份 One node per province: 11,13,31")] = "11,13,31",
    directory: DirOpt = Path("cluster"),
    backend: Annotated[
        str, typer.Option(help="每个节点的数据库 Each node's database: postgresql (pgserver) or sqlite")
    ] = "postgresql",
) -> None:
    """启动本机联网 Start a NATS server, one database and one gongji node per province on 127.0.0.1, the demo
    family spread across them by where each is insured; Ctrl-C stops everything."""
    from gongji.bootstrap import build_context
    from gongji.federation.cluster import LocalCluster
    from gongji.service.demo import load_demo_part
    from gongji.store.engine import make_engine

    if backend not in ("postgresql", "sqlite"):
        raise typer.BadParameter("postgresql 或 sqlite", param_hint="--backend")
    chosen: Literal["postgresql", "sqlite"] = "postgresql" if backend == "postgresql" else "sqlite"
    cluster = LocalCluster(directory.resolve(), _provinces(provinces), chosen)
    try:
        _require_tools(chosen)
        cluster.start_nats()
        cluster.prepare()
        for node in cluster.nodes.values():
            engine = make_engine(node.database_url)
            load_demo_part(build_context(engine=engine), {node.province})
            engine.dispose()
        for name in cluster.nodes:
            cluster.start_node(name)
        state = cluster.write_state()
        _banner(cluster, state)
        signal.signal(signal.SIGTERM, _interrupt)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        console.print("停止 Stopping …")
    finally:
        cluster.stop()


def _require_tools(backend: str) -> None:
    """The NATS server and (for PostgreSQL nodes) pgserver are here, or a clear message and exit 1."""
    from importlib.util import find_spec

    from gongji.federation.nats_server import NatsServerMissing, nats_server_binary

    try:
        nats_server_binary()
    except NatsServerMissing:
        print_problem("NATS_SERVER_MISSING", "未安装 nats-server（Debian：apt-get install nats-server）",
                      "nats-server is not installed (Debian: apt-get install nats-server)", as_json=False)  # fmt: skip
        raise typer.Exit(1) from None
    if backend == "postgresql" and find_spec("pgserver") is None:
        print_problem("PGSERVER_MISSING", "未安装 pgserver（make 会装好开发依赖）；或用 --backend sqlite",
                      "pgserver is not installed (make installs the dev extras), or use --backend sqlite",
                      as_json=False)  # fmt: skip
        raise typer.Exit(1)


def _shown(url: str) -> str:
    """A database URL as the banner shows it: a PostgreSQL on a local socket by the socket's directory."""
    base, _, query = url.partition("?")
    host = next((part[5:] for part in query.split("&") if part.startswith("host=")), None)
    return f"{base} ({host})" if host else base


def _interrupt(*_: object) -> None:
    """SIGTERM stops the cluster as Ctrl-C does."""
    raise KeyboardInterrupt


def _banner(cluster: Any, state: Path) -> None:
    rows = [(node.name, node.province, node.url, _shown(node.database_url)) for node in cluster.nodes.values()]
    console.print(
        table("  跨省节点 Province nodes", ["节点 Node", "省份 Province", "地址 URL", "数据库 Database"], rows)
    )
    console.print(f"  NATS: {cluster.nats.url}   状态 State: {state}", markup=False)
    console.print(
        '  以某节点身份操作 Act as a node: eval "$(gongji cluster env n11 --dir '
        f'{shlex.quote(str(cluster.directory))})"; then e.g. gongji wallet transfer … --receiver-region 130100 '
        "--receiver-name 赵桂兰\n  审计 Audit: gongji cluster audit --dir "
        f"{shlex.quote(str(cluster.directory))}\n  Ctrl-C 停止 stops everything",
        markup=False,
        soft_wrap=True,
    )


@cluster_app.command("env")
def cluster_env(
    node: Annotated[str, typer.Argument(help="节点名称 The node's name (n11)")],
    directory: DirOpt = Path("cluster"),
) -> None:
    """节点环境变量 Print the shell settings that make gongji commands act as one node of the cluster."""
    from gongji.federation.cluster import read_cluster

    nats_url, nodes = read_cluster(directory)
    found = next((n for n in nodes if n.name == node), None)
    if found is None:
        raise typer.BadParameter(f"没有节点 {node}；有 {', '.join(n.name for n in nodes)}", param_hint="NODE")
    peers = ";".join(f"{n.name}={n.province}" for n in nodes if n.name != node)
    values = {
        "GONGJI_DATABASE_URL": found.database_url,
        "GONGJI_NODE": found.name,
        "GONGJI_NODE_PROVINCES": found.province,
        "GONGJI_PEERS": peers,
        "GONGJI_NATS_URL": nats_url,
        "GONGJI_REGION": found.region,
    }
    for name, value in values.items():
        typer.echo(f"export {name}={shlex.quote(value)}")


@cluster_app.command("audit")
def cluster_audit(directory: DirOpt = Path("cluster"), as_json: JsonOpt = False) -> None:
    """审计全部节点 Audit every node and what must hold between them (reservations, clearing, messages in flight);
    exit 1 on any finding."""
    from dataclasses import replace

    from gongji.bootstrap import build_context
    from gongji.federation.cluster import read_cluster
    from gongji.federation.config import Federation
    from gongji.service.clock import SystemClock
    from gongji.service.cluster_audit import audit_cluster
    from gongji.store.engine import make_engine

    nats_url, nodes = read_cluster(directory)
    contexts, engines = {}, []
    for node in nodes:
        engine = make_engine(node.database_url)
        engines.append(engine)
        peers = {n.name: frozenset({n.province}) for n in nodes if n.name != node.name}
        federation = Federation(node.name, frozenset({node.province}), peers, nats_url)
        contexts[node.name] = replace(build_context(engine=engine), nodes=federation)
    try:
        result = audit_cluster(contexts, SystemClock().now())
    finally:
        for engine in engines:
            engine.dispose()
    if as_json:
        print_json(result)
    else:
        rows = [
            (name, "✓" if r.clean else "✗", r.accounts, r.journals, len(r.findings)) for name, r in result.nodes.items()
        ]
        headers = ["节点 Node", "", "账户 Accounts", "凭证 Journals", "问题 Findings"]
        console.print(table("节点审计 Each node", headers, rows))
        console.print(f"在途消息 Messages in flight: {len(result.in_flight)}", markup=False)
        for finding in result.findings:
            console.print(f"✗ {finding.rule} ({finding.between}): expected {finding.expected}, found {finding.actual}")
        if result.clean:
            console.print("跨节点审计通过 The federation is consistent", markup=False)
    if not result.clean:
        raise typer.Exit(1)
