"""What every ``gongji`` command shares: the context on the configured database, error handling, keys, dates.

Nothing heavy is imported here at module level (the settings, the store and the use cases are imported when a command
runs), so ``gongji --help`` answers at once.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from gongji.domain.errors import ErrorCode, ErrorKind, GongjiError, InvalidInput

from .output import print_error, print_problem

if TYPE_CHECKING:
    from gongji.bootstrap import Settings
    from gongji.rules.book import RuleBook
    from gongji.service.context import Context

__all__ = ["AMOUNT_ARGUMENT", "command_name", "guard", "new_key", "read_date", "read_moment", "run", "settings"]

T = TypeVar("T")

#: The ``context_settings`` of a command that takes an amount as an argument: "-5" is read as that amount (and refused
#: with its reason, AMOUNT_INVALID), not as an unknown option.
AMOUNT_ARGUMENT = {"ignore_unknown_options": True}


def command_name() -> str:
    """How to run gongji again from here: ``.venv/bin/gongji`` when that is the one running (as ``make run`` runs
    it; a fresh machine has no ``gongji`` on its PATH), else ``gongji``."""
    local = Path(".venv/bin/gongji")
    try:
        running = Path(sys.argv[0]).resolve()
        return str(local) if local.exists() and running == local.resolve() else "gongji"
    except OSError:
        return "gongji"


def settings() -> Settings:
    """The configuration from the environment."""
    from gongji.bootstrap import Settings

    return Settings()


class DatabaseNotReady(Exception):
    """The configured database has no schema yet, or an older one than this version of gongji needs."""

    def __init__(self, found: str | None, wanted: str | None) -> None:
        super().__init__(f"database at revision {found}, expected {wanted}")
        self.found = found
        self.wanted = wanted

    def show(self, as_json: bool) -> None:
        """Say it like every other error, in Chinese and English (exit status 1: nothing was malformed)."""
        found = self.found or "空 empty"
        upgrade = f"{command_name()} db upgrade"
        print_problem(
            "DATABASE_NOT_UPGRADED",
            f"数据库未初始化或版本过旧（当前 {found}，需要 {self.wanted}），请先运行 {upgrade}",
            f"the database is empty or out of date (at {self.found or 'no revision'}, needs {self.wanted}): "
            f"run `{upgrade}` first",
            as_json=as_json,
            params={"found": self.found, "wanted": self.wanted},
        )


def _rules_on_first_use() -> RuleBook:
    """The package's rule book (with ``GONGJI_RULES_DIR``), read from its YAML files only when a command first asks
    it something: most commands (a token, a person, a balance) ask nothing, and reading the files takes most of a
    second."""
    from gongji.rules.book import RuleBook, default_rule_book

    class RulesOnFirstUse(RuleBook):
        def __init__(self) -> None:  # nothing is read yet: regions and directories appear on first use
            pass

        def __getattr__(self, name: str) -> Any:
            book = default_rule_book()
            self.regions, self.directories = book.regions, book.directories
            return getattr(book, name)

    return RulesOnFirstUse()


@contextmanager
def _context() -> Iterator[Context]:
    """A context on the configured database, refused if the schema is not current; the engine is disposed after.

    It is wired as :func:`gongji.bootstrap.build_context` wires one, but with the rule book read on first use (a
    command is a short process: one that reads no rule should not pay for reading them all)."""
    from gongji.service.clock import FixedClock, SystemClock
    from gongji.service.context import Context
    from gongji.store.engine import make_engine
    from gongji.store.migrate import current_revision, head_revision
    from gongji.store.uow import SqlUnitOfWorkFactory

    config = settings()
    engine = make_engine(config.database_url)
    try:
        found, wanted = current_revision(engine), head_revision()
        if found != wanted:
            raise DatabaseNotReady(found, wanted)
        clock = FixedClock(config.now) if config.now is not None else SystemClock()
        nodes = config.federation()  # a node of a federation: what crosses nodes goes through its outbox
        yield Context(uow=SqlUnitOfWorkFactory(engine), clock=clock, rules=_rules_on_first_use(), nodes=nodes)
    finally:
        engine.dispose()


def _exit_status(error: GongjiError) -> int:
    return 2 if error.code.kind is ErrorKind.INVALID_INPUT else 1


def run(action: Callable[[Context], T], as_json: bool) -> T:
    """Run a use case on the configured database; a GongjiError is printed and exits 2 (input) or 1."""
    try:
        with _context() as ctx:
            return action(ctx)
    except DatabaseNotReady as not_ready:
        not_ready.show(as_json)
        raise typer.Exit(1) from None
    except GongjiError as error:
        print_error(error, as_json=as_json)
        raise typer.Exit(_exit_status(error)) from None


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
    from gongji.service.clock import SHANGHAI

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
        raise typer.Exit(_exit_status(error)) from None
