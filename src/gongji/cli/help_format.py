"""How ``--help`` pages look: a flag (``--json``, ``--help``) is shown without a type, since it takes no value.

Typer's help pages print every option's type, flags included (``--help <bool>``); the command classes here blank a
flag's type before the page is drawn. :func:`plain_flags` gives them to a whole command tree.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

__all__ = ["PlainFlagsCommand", "PlainFlagsGroup", "plain_flags"]


def _blank_flag_types(command: Any, ctx: Any) -> None:
    """Give every flag of ``command`` (its ``--help`` included) an empty type label."""
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""


class PlainFlagsCommand(TyperCommand):
    """A command whose help page shows flags without a type."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Draw the help page, flags without a type."""
        _blank_flag_types(self, ctx)
        super().format_help(ctx, formatter)


class PlainFlagsGroup(TyperGroup):
    """A group of commands whose help page shows flags without a type."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Draw the help page, flags without a type."""
        _blank_flag_types(self, ctx)
        super().format_help(ctx, formatter)


def plain_flags(app: typer.Typer) -> None:
    """Use the plain-flag classes for ``app``, its commands and its groups, all the way down (a command or group
    given a class of its own, other than Typer's default, keeps it)."""
    if not isinstance(app.info.cls, type) or app.info.cls is TyperGroup:
        app.info.cls = PlainFlagsGroup
    for command in app.registered_commands:
        if command.cls is None or command.cls is TyperCommand:
            command.cls = PlainFlagsCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            plain_flags(group.typer_instance)
