"""``gongji cluster env`` and ``gongji cluster audit`` on a cluster's state file: the settings that make a command act
as one node, and the audit that fails (exit 1) naming a message left in flight too long."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from gongji.cli.app import app
from gongji.federation.cluster import LocalCluster
from gongji.federation.nats_server import NatsServer
from gongji.service.clock import SystemClock
from gongji.service.node_messages import node_subject
from gongji.store.engine import make_engine
from gongji.store.federation_tables import outbox


def _cluster(directory: Path) -> LocalCluster:
    """Two provinces' SQLite databases, migrated, and the state file (nothing started: the commands need none)."""
    cluster = LocalCluster(directory, ["11", "13"], "sqlite")
    cluster.nats = NatsServer(directory / "nats", port=4999)
    cluster.prepare()
    cluster.write_state()
    return cluster


def test_env_prints_the_settings_of_one_node(tmp_path: Path) -> None:
    cluster = _cluster(tmp_path)
    result = CliRunner().invoke(app, ["cluster", "env", "n13", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "export GONGJI_NODE=n13" in result.output
    assert "export GONGJI_PEERS=n11=11" in result.output
    assert f"export GONGJI_DATABASE_URL={cluster.nodes['n13'].database_url}" in result.output
    assert "export GONGJI_NATS_URL=nats://127.0.0.1:4999" in result.output
    unknown = CliRunner().invoke(app, ["cluster", "env", "n44", "--dir", str(tmp_path)])
    assert unknown.exit_code == 2


def test_the_audit_names_a_message_in_flight_too_long(tmp_path: Path) -> None:
    cluster = _cluster(tmp_path)
    clean = CliRunner().invoke(app, ["cluster", "audit", "--dir", str(tmp_path), "--json"])
    assert clean.exit_code == 0, clean.output
    engine = make_engine(cluster.nodes["n11"].database_url)
    with engine.begin() as conn:  # an offer written ten minutes ago that never reached n13
        payload = json.dumps({"kind": "wallet.offer", "from": "n11", "transfer_id": 1, "amount_fen": 500})
        at = SystemClock().now() - timedelta(minutes=10)
        conn.execute(
            outbox.insert().values(msg_id="n11:x", subject=node_subject("n13"), payload=payload, created_at=at)
        )
    engine.dispose()
    stuck = CliRunner().invoke(app, ["cluster", "audit", "--dir", str(tmp_path)])
    assert stuck.exit_code == 1
    assert "nothing in flight longer than" in stuck.output
    # An offer with no reservation behind it breaks the reservations rule as well (5.00 on its way, none reserved).
    assert "reservations equal the wallets and transfers in flight" in stuck.output
