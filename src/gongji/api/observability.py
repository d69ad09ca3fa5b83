"""Metrics (Prometheus, ``/metrics``) and the access log: one JSON line per request, personal data masked.

Each application has its own registry, so two apps in one process (tests) never share counters. Under several
uvicorn workers each worker counts its own requests; scrape each, or run one worker per port.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["ACCESS_LOG", "Metrics", "log_request"]

#: The logger of the access log (``gongji.access``): one JSON object per line.
ACCESS_LOG = logging.getLogger("gongji.access")

_LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class Metrics:
    """The counters and histograms of one application."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "gongji_requests",
            "Requests answered, by interface, transaction or route, and outcome.",
            ["interface", "operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gongji_request_seconds",
            "Time to answer a request, by interface and transaction or route.",
            ["interface", "operation"],
            buckets=_LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.settlements = Counter(
            "gongji_settlements",
            "Settlements committed and reversed.",
            ["event"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "gongji_refusals",
            "Requests refused, by refusal code.",
            ["code"],
            registry=self.registry,
        )

    def observe(self, interface: str, operation: str, outcome: str, seconds: float, code: str | None) -> None:
        """Count one answered request."""
        self.requests.labels(interface, operation, outcome).inc()
        self.latency.labels(interface, operation).observe(seconds)
        if code:
            self.refusals.labels(code).inc()


def log_request(**fields: Any) -> None:
    """Write one access-log line (the caller masks personal data before passing it)."""
    if ACCESS_LOG.isEnabledFor(logging.INFO):
        ACCESS_LOG.info(json.dumps(fields, ensure_ascii=False, default=str, separators=(",", ":")))
