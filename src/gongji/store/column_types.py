"""The column types every table module shares: row ids (``Id``) and timezone-aware times (``AwareDateTime``), stored
as each backend stores them best.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, DateTime, Integer, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

__all__ = ["SHANGHAI", "AwareDateTime", "Id"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


# SQLite gives AUTOINCREMENT-like row ids only to INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
Id: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on both backends: stored as UTC, read back in Asia/Shanghai."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(_NAIVE)
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """On SQLite, straight to the text its ``DATETIME`` stores (UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``) in one step:
        the text :meth:`process_bind_param` and then SQLAlchemy's own conversion give (a test holds the two equal),
        at half the cost — a province's load converts some fifty million times."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        aware: datetime = value.astimezone(SHANGHAI)
        return aware


#: The refusal of a time without its zone.
_NAIVE = "naive datetime given to the database; gongji uses aware times only"


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(_NAIVE)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
