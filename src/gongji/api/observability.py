"""Metrics (Prometheus, ``/metrics``) and the access log: one JSON line per request, personal data masked.

Each application has its own registry, so two apps in one process (tests) never share counters. Under several
uvicorn workers each worker counts its own requests; scrape each, or run one worker per port. The wallet's transfers
by status are the database's numbers, read at each scrape (:class:`WalletTransfersCollector`), the same from every
worker.

The access log (logger ``gongji.access``) has one line per request of the three interfaces: the national interface
(written by :class:`gongji.api.fsi.router.FsiService`), the REST API and the portal (written by the middleware of
:func:`http_observer`). Every line is masked by :func:`log_request` itself, by field name and by value
(:func:`gongji.api.fsi.mask.mask_payload`), so no caller can forget to. Health checks, metrics and the API
documentation are not logged.

Where the log goes: ``gongji serve`` records its ``--access-log/--no-access-log`` choice in the environment
(:func:`serve_access_log`); uvicorn's worker processes inherit it, and the application factory
(:func:`gongji.api.app.create_app`) sets each process's logging up from it (:func:`configure_access_log`), so every
worker writes its own lines, however many there are. Without that variable (tests, an embedding program) logging is
left as the host configured it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from gongji.api.fsi.mask import mask_payload
from gongji.domain.wallet import TransferStatus
from gongji.service.refusal_log import Channel, on_channel

__all__ = [
    "ACCESS_LOG",
    "ACCESS_LOG_ENV",
    "Metrics",
    "OutboxCollector",
    "WalletTransfersCollector",
    "configure_access_log",
    "http_observer",
    "log_request",
    "serve_access_log",
]

#: The logger of the access log (``gongji.access``): one JSON object per line.
ACCESS_LOG = logging.getLogger("gongji.access")
#: The environment variable through which ``gongji serve`` tells every process it starts whether to write the log.
ACCESS_LOG_ENV = "GONGJI_ACCESS_LOG"

_ON = frozenset({"1", "true", "yes", "on"})
_log = logging.getLogger("gongji.metrics")
_LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

CallNext = Callable[[Request], Awaitable[Response]]


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

    def watch_outbox(self, lag: Callable[[], tuple[int, datetime | None]]) -> None:
        """Report the outbox's lag (a node of a federation), read with ``lag`` at each scrape."""
        self.registry.register(OutboxCollector(lag))

    def watch_wallets(self, counts: Callable[[], Mapping[str, int]]) -> None:
        """Report wallet transfers by status (``gongji_wallet_transfers``), read with ``counts`` at each scrape."""
        self.registry.register(WalletTransfersCollector(counts))


class WalletTransfersCollector(Collector):
    """``gongji_wallet_transfers{status}``: how many wallet transfers (医保钱包转账) stand in each status — pending,
    accepted, declined, returned, taken back, spent, closed — read from the database when scraped.

    A gauge, not a counter: a transfer moves from one status to the next. The database holds the numbers, so every
    worker answers the same and a restart loses nothing. When the database does not answer, the family is left out
    of that scrape (a gap, never a false zero) and the failure is logged."""

    NAME = "gongji_wallet_transfers"
    HELP = "Wallet transfers (医保钱包) by status, as the database holds them."

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self._counts = counts

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The family's name (registration reads no database)."""
        yield GaugeMetricFamily(self.NAME, self.HELP, labels=["status"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Every status with its count (zero for a status no transfer is in)."""
        try:
            counts = self._counts()
        except Exception as exc:  # a scrape must answer whatever went wrong with the database
            _log.warning("wallet transfer counts unavailable: %s", type(exc).__name__)
            return
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["status"])
        for status in TransferStatus:
            family.add_metric([status.value], counts.get(status.value, 0))
        yield family


class OutboxCollector(Collector):
    """``gongji_outbox_waiting`` and ``gongji_outbox_oldest_age_seconds``: the messages to other nodes of the
    federation not relayed to JetStream yet, and how long the oldest has waited — the relay's lag, read from the
    database when scraped (a gap, never a false zero, when it does not answer)."""

    def __init__(self, lag: Callable[[], tuple[int, datetime | None]]) -> None:
        self._lag = lag

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The families' names (registration reads no database)."""
        yield GaugeMetricFamily("gongji_outbox_waiting", "Messages to other nodes not relayed yet.")
        yield GaugeMetricFamily("gongji_outbox_oldest_age_seconds", "How long the oldest unrelayed message waited.")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The count and the oldest's age (0 when none waits)."""
        try:
            waiting, oldest = self._lag()
        except Exception as exc:  # a scrape must answer whatever went wrong with the database
            _log.warning("outbox lag unavailable: %s", type(exc).__name__)
            return
        age = max(0.0, (datetime.now(UTC) - oldest).total_seconds()) if oldest is not None else 0.0
        yield GaugeMetricFamily("gongji_outbox_waiting", "Messages to other nodes not relayed yet.", value=waiting)
        yield GaugeMetricFamily(
            "gongji_outbox_oldest_age_seconds", "How long the oldest unrelayed message waited.", value=age
        )


def log_request(**fields: Any) -> None:
    """Write one access-log line: ``fields`` as JSON, personal data masked by field name and by value.

    Text a UTF-8 stream cannot write (a lone surrogate a client sent escaped) is written as its ``\\uXXXX``
    escape, so the line is never lost to an encoding error.
    """
    if not ACCESS_LOG.isEnabledFor(logging.INFO):
        return
    line = json.dumps(mask_payload(fields), ensure_ascii=False, default=str, separators=(",", ":"))
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = line.encode("utf-8", "backslashreplace").decode("utf-8")
    ACCESS_LOG.info(line)


def serve_access_log(enabled: bool) -> None:
    """``gongji serve``'s choice: recorded in :data:`ACCESS_LOG_ENV` for the worker processes, applied here too."""
    os.environ[ACCESS_LOG_ENV] = "1" if enabled else "0"
    configure_access_log()


def configure_access_log() -> None:
    """Set this process's logging up as :data:`ACCESS_LOG_ENV` says; nothing when it is unset.

    On: records of ``INFO`` and above go to standard output, one message per line, and the access log is written.
    Off: only warnings and errors, and no access log. Idempotent: the handler is added once per process
    (:func:`logging.basicConfig` adds none when the root logger has one), so no line is ever written twice.
    """
    wanted = os.environ.get(ACCESS_LOG_ENV)
    if wanted is None:
        return
    level = logging.INFO if wanted.strip().lower() in _ON else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stdout)
    ACCESS_LOG.setLevel(level)


def http_observer(
    metrics: Metrics, interfaces: Mapping[str, str], code_header: str
) -> Callable[[Request, CallNext], Awaitable[Response]]:
    """The HTTP middleware that counts, times and logs every request under a prefix of ``interfaces`` (path prefix
    → interface name): one line with the method and the route's template (never the path, which may carry an ID
    number), the status, and the refusal code from ``code_header``."""

    async def observe(request: Request, call_next: CallNext) -> Response:
        path = request.url.path
        prefix, interface = next(((p, name) for p, name in interfaces.items() if _under(path, p)), ("", None))
        if interface is None:
            return await call_next(request)
        started = time.perf_counter()
        with on_channel(_channel(interface, path, prefix)):
            response = await call_next(request)
        elapsed = time.perf_counter() - started
        operation = f"{request.method} {_route_template(request, path, interfaces)}"
        code = response.headers.get(code_header)
        metrics.observe(interface, operation, str(response.status_code), elapsed, code)
        log_request(
            interface=interface,
            operation=operation,
            status=response.status_code,
            code=code,
            ms=round(elapsed * 1000, 2),
        )
        return response

    return observe


def _channel(interface: str, path: str, prefix: str) -> Channel:
    """The channel a request's writes come through, for the refusals log: the counter's pages (``…/counter``) apart
    from the person's portal."""
    if interface == "portal":
        return Channel.COUNTER if _under(path, f"{prefix}/counter") else Channel.PORTAL
    return Channel(interface)


def _route_template(request: Request, path: str, interfaces: Mapping[str, str]) -> str:
    """The matched route's path template with its mount prefix (``/api/v1/people/{ref}``), or ``unmatched``."""
    template = getattr(request.scope.get("route"), "path", None)
    if not isinstance(template, str):
        return "unmatched"
    prefix = next(prefix for prefix in interfaces if _under(path, prefix))
    return template if _under(template, prefix) else prefix + template


def _under(path: str, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or below it (``/portal/x``, not ``/portalx``)."""
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")
