"""The chaos test at a small size (``make test``): a federation of Beijing and Hebei, each node on its own PostgreSQL,
a stream of cross-node wallet transfers, acceptances, wallet purchases and cross-node settlements while nodes, the
NATS server and the PostgreSQL servers are killed and started again. The larger run is by hand
(``python -m tests.federation.chaos``; figures in docs/performance.md)."""

from __future__ import annotations

from pathlib import Path

from tests.federation.chaos import run_chaos


def test_every_acknowledged_operation_is_there_once_after_kills(tmp_path: Path) -> None:
    report = run_chaos(tmp_path / "cluster", transfers=8, settlements=4, kills=5, seed=7)
    assert sum(report.kills.values()) == 5
    assert report.problems == []
    assert report.audit is not None
    assert report.audit.findings == []
    assert all(node.clean for node in report.audit.nodes.values())
    assert not report.audit.in_flight
    # Every operation was answered in the end: the clients retried through every kill.
    assert report.operations["unanswered"] == 0
    assert report.acknowledged["transfer"] == 8
    assert report.acknowledged["settlement"] == report.acknowledged["purchase"] == 4
