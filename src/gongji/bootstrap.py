"""The composition root: settings → engine → unit-of-work factory → the context every use case runs with."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine

from gongji.federation.config import Federation
from gongji.service.clock import Clock, FixedClock, SystemClock
from gongji.service.context import Context
from gongji.store.engine import make_engine
from gongji.store.uow import SqlUnitOfWorkFactory

__all__ = ["Settings", "build_context"]


class Settings(BaseSettings):
    """Configuration from the environment (``GONGJI_…``)."""

    model_config = SettingsConfigDict(env_prefix="GONGJI_")

    #: ``sqlite:///gongji.db`` (embedded, the default) or ``postgresql+psycopg://user:pass@host/db``.
    database_url: str = "sqlite:///gongji.db"
    #: Stand the clock still at this time (demos, reproducible runs); unset means the real clock.
    now: datetime | None = None
    #: The portal's secret (signs session cookies, keys the one-time-code hashes); unset: one per process, with a
    #: warning (sessions then end at a restart and are not shared between worker processes).
    secret_key: str | None = None
    #: The largest request body accepted, in bytes, by interface: the national interface (its messages carry at
    #: most 1,000 fee lines), the REST API, and the portal's forms. Larger bodies are refused unread (413).
    max_body_fsi: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_body_api: int = Field(default=1024 * 1024, ge=1024)
    max_body_portal: int = Field(default=64 * 1024, ge=1024)
    #: The region this node serves (医保区划, 6 digits; a known one): the national interface's answers name it in
    #: ``inf_refmsgid`` when a message does not name its own 就医地. The default is the demo's Shijiazhuang.
    region: str = Field(default="130100", pattern=r"^[0-9]{6}$")
    #: Commit settlements (and gateway nonces) that arrive at the same moment in one transaction
    #: (``service/group_commit.py``); ``false``: each in a transaction of its own (the same answers). ``auto`` groups on
    #: SQLite, whose writers take turns anyway, and not on PostgreSQL, where concurrent transactions overlap their
    #: round trips and, measured on 2 cores, beat one thread applying a batch (docs/performance.md).
    group_commit: Literal["auto", "true", "false"] = "auto"
    #: The directory ``gongji export`` writes and the analysts' reports (REST, portal) read.
    analytics_dir: Path = Path("analytics")
    #: This node's name in a federation of nodes per province (``gongji.federation.config``); unset: stand-alone.
    node: str | None = None
    #: The provinces this node serves, by the first two digits of their codes (``11`` or ``11,13``).
    node_provinces: str = ""
    #: The other nodes and their provinces (``hb=13;sh=31``).
    peers: str = ""
    #: The NATS server the nodes meet on.
    nats_url: str = "nats://127.0.0.1:4222"

    def federation(self) -> Federation | None:
        """The federation this node belongs to (``None`` when ``GONGJI_NODE`` is unset); a configuration that cannot
        be used raises :class:`~gongji.federation.config.FederationConfigError`."""
        if self.node is None:
            return None
        return Federation.parse(self.node, self.node_provinces, self.peers, self.nats_url)


def build_context(
    settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock | None = None
) -> Context:
    """Wire a :class:`Context` from settings (or an engine and clock given by a test)."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    if clock is None:
        clock = FixedClock(settings.now) if settings.now is not None else SystemClock()
    grouped = engine.dialect.name == "sqlite" if settings.group_commit == "auto" else settings.group_commit == "true"
    nodes = settings.federation()
    return Context(uow=SqlUnitOfWorkFactory(engine), clock=clock, group_commit=grouped, nodes=nodes)
