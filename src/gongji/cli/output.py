"""How the CLI shows things: Rich tables for people (Chinese first, English beside), JSON for machines."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from gongji.domain.errors import GongjiError
from gongji.domain.money import format_yuan
from gongji.domain.wording import code_of, is_term, texts

__all__ = [
    "ProgressBar",
    "console",
    "err_console",
    "print_error",
    "print_json",
    "print_problem",
    "table",
    "yuan",
]

# Piped output (files, CI logs) gets wide tables instead of Rich's 80-column default.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)


class ProgressBar:
    """A Rich progress bar of a long command on the console, labelled ``label`` (none when ``quiet``, as with
    ``--json``): :meth:`advance` by a count, or :meth:`show` how much of how much is done."""

    def __init__(self, label: str, total: int | None, *, quiet: bool) -> None:
        self._bar = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console, disable=quiet, transient=False,
        )  # fmt: skip
        self._total = total

    def __enter__(self) -> ProgressBar:
        self._bar.start()
        self._task = self._bar.add_task("work", total=self._total)
        return self

    def advance(self, count: int) -> None:
        """``count`` more done."""
        self._bar.advance(self._task, count)

    def show(self, done: int, total: int | None) -> None:
        """``done`` of ``total`` done (``None``: not known yet)."""
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _plain(value: Any) -> Any:
    """Dataclasses as dicts; a term of the service (a phrase, a note) as its code and its Chinese and English words
    (a code value kept as a string, as everywhere in the output, is left as it is)."""
    if is_term(value) and not isinstance(value, str | list | tuple):
        zh, en = texts(value)
        return {"code": code_of(value), "zh": zh, "en": en}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    """Print ``value`` (dataclasses, lists, dicts) as JSON on standard output."""
    sys.stdout.write(json.dumps(_plain(value), default=_default, ensure_ascii=False, indent=2) + "\n")


def print_error(error: GongjiError, *, as_json: bool) -> None:
    """Show an error: the code, the Chinese message, then the English one (or all of it as JSON)."""
    if as_json:
        sys.stdout.write(json.dumps({"error": error.to_dict()}, ensure_ascii=False, indent=2) + "\n")
        return
    _print_messages(error.code.name, error.message_zh, error.message_en)


def print_problem(
    code: str, message_zh: str, message_en: str, *, as_json: bool, params: dict[str, Any] | None = None
) -> None:
    """Show a problem of the command's own (not a use case's refusal) the way :func:`print_error` shows errors, in
    the same shape (a refusal: nothing the person typed was malformed)."""
    if as_json:
        error: dict[str, Any] = {"code": code, "kind": "refused", "message_zh": message_zh, "message_en": message_en}
        error["params"] = params or {}
        sys.stdout.write(json.dumps({"error": error}, ensure_ascii=False, indent=2) + "\n")
        return
    _print_messages(code, message_zh, message_en)


def _print_messages(code: str, message_zh: str, message_en: str) -> None:
    err_console.print(f"[bold red]错误 {code}[/]：{escape(message_zh)}")
    err_console.print(f"[red]Error:[/] {escape(message_en)}")


def yuan(amount_fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators."""
    return format_yuan(amount_fen)


def table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: Sequence[int] = ()
) -> Table:
    """A Rich table; columns at the ``numeric`` positions are right-aligned. Cells are data, never markup."""
    result = Table(title=title, title_justify="left", show_lines=False)
    for index, header in enumerate(headers):
        result.add_column(header, justify="right" if index in numeric else "left", overflow="fold")
    for row in rows:
        result.add_row(*("" if cell is None else escape(str(cell)) for cell in row))
    return result
