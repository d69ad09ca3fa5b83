"""What every ``gongji`` command shares: the context on the configured database, error handling, keys, dates."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TypeVar

import typer

from gongji.bootstrap import Settings, build_context
from gongji.domain.errors import ErrorCode, ErrorKind, GongjiError, InvalidInput
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.store.engine import make_engine
from gongji.store.migrate import current_revision, head_revision

from .output import print_error

__all__ = ["guard", "new_key", "read_date", "run", "settings"]

T = TypeVar("T")


def settings() -> Settings:
    """The configuration from the environment."""
    return Settings()


@contextmanager
def _context() -> Iterator[Context]:
    """A context on the configured database, refused if the schema is not current; the engine is disposed after."""
    config = settings()
    engine = make_engine(config.database_url)
    try:
        if current_revision(engine) != head_revision():
            raise typer.BadParameter(
                "数据库未初始化或版本过旧，请先运行 gongji db upgrade / "
                "the database is empty or out of date: run `gongji db upgrade` first"
            )
        yield build_context(config, engine=engine)
    finally:
        engine.dispose()


def run(action: Callable[[Context], T], as_json: bool) -> T:
    """Run a use case on the configured database; a GongjiError is printed and exits 2 (input) or 1."""
    try:
        with _context() as ctx:
            return action(ctx)
    except GongjiError as error:
        print_error(error, as_json=as_json)
        raise typer.Exit(2 if error.code.kind is ErrorKind.INVALID_INPUT else 1) from None


def new_key(key: str | None) -> str:
    """The idempotency key given, or a fresh one."""
    return key or f"cli-{uuid.uuid4()}"


def _read_iso(text: str, field: str, parse: Callable[[str], T], shape_zh: str, shape_en: str) -> T:
    """``parse(text)``, or FIELD_INVALID naming the field and the shape it wants."""
    try:
        return parse(text)
    except ValueError:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field=field,
            reason_zh=f"“{text}”不是{shape_zh}",
            reason_en=f"'{text}' is not {shape_en}",
        ) from None


def read_date(text: str | None, field: str) -> date | None:
    """A YYYY-MM-DD option, or ``None``; anything else is FIELD_INVALID."""
    if text is None:
        return None
    return _read_iso(text, field, date.fromisoformat, "日期（YYYY-MM-DD）", "a date (YYYY-MM-DD)")


def read_moment(text: str | None, field: str) -> datetime | None:
    """A YYYY-MM-DD[THH:MM] option in Shanghai time (a day alone is its first minute), or ``None``."""
    if text is None:
        return None
    shape = ("时间（YYYY-MM-DD 或 YYYY-MM-DDTHH:MM）", "a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    moment = _read_iso(text, field, datetime.fromisoformat, *shape)
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def guard(action: Callable[[], T], as_json: bool) -> T:
    """Run input parsing that may raise a GongjiError before any database work."""
    try:
        return action()
    except GongjiError as error:
        print_error(error, as_json=as_json)
        raise typer.Exit(2 if error.code.kind is ErrorKind.INVALID_INPUT else 1) from None
