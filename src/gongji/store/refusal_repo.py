"""SQL implementation of the refusals log (:class:`gongji.service.refusal_ports.RefusalRepository`)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, insert

from gongji.service.refusal_ports import RefusalEntry
from gongji.store.driver import Prepared
from gongji.store.refusal_tables import refusals

__all__ = ["SqlRefusals"]

_ADD = Prepared(insert(refusals))


class SqlRefusals:
    """The refusals log in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entry: RefusalEntry) -> None:
        _ADD(self._conn, asdict(entry))
