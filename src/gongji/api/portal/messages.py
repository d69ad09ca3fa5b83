"""The portal's message catalogue, read from ``messages.yaml`` (shipped in the package) and checked as it is read.

The file maps each key to its Chinese and English text (how to add one is written at its top). Reading it checks
everything a page could trip on at run time, and reports every problem with its line, not the first: a key that is
not dotted words or appears twice, a language missing or unknown, a text that is empty or not a quoted string, braces
that do not parse as ``str.format`` fields, and Chinese and English texts that do not name the same fields.
"""

from __future__ import annotations

import re
import string
from importlib import resources

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

__all__ = ["LANGUAGES", "MESSAGES_FILE", "CatalogueError", "load_catalogue", "parse_catalogue"]

MESSAGES_FILE = "messages.yaml"

#: The languages every entry holds, in the order of the catalogue's pairs.
LANGUAGES: tuple[str, str] = ("zh", "en")

_KEY = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_STR_TAG = "tag:yaml.org,2002:str"


class CatalogueError(ValueError):
    """The catalogue file is broken; ``problems`` lists each problem as ``"<file>:<line>: <what>"``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("the portal's message catalogue is broken:\n" + "\n".join(self.problems))


def _fields(text: str) -> set[str]:
    """The ``str.format`` fields a text names (raises ``ValueError`` on an unpaired brace)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _text(node: Node, where: str, problems: list[str]) -> str | None:
    """A language's text, or ``None`` after noting why it is not one."""
    if not isinstance(node, ScalarNode) or node.tag != _STR_TAG:
        problems.append(f"{where}: not a text; write it in double quotes")
        return None
    value = str(node.value)
    if not value.strip():
        problems.append(f"{where}: empty text")
        return None
    try:
        _fields(value)
    except ValueError as error:
        problems.append(f"{where}: {error} (a literal brace is written {{{{ or }}}})")
        return None
    return value


def _entry(key: str, node: Node, source: str, where: str, problems: list[str]) -> tuple[str, str] | None:
    """One key's (Chinese, English) pair, or ``None`` after noting what is wrong with it."""
    if not isinstance(node, MappingNode):
        problems.append(f"{where}: {key} needs a mapping of {' and '.join(LANGUAGES)}")
        return None
    texts: dict[str, str | None] = {}
    for lang_node, text_node in node.value:
        line = f"{source}:{lang_node.start_mark.line + 1}"
        lang = lang_node.value if isinstance(lang_node, ScalarNode) else "?"
        if lang not in LANGUAGES:
            problems.append(f"{line}: {key} has an unknown language {lang!r} (only {', '.join(LANGUAGES)})")
        elif lang in texts:
            problems.append(f"{line}: {key} gives {lang} twice")
        else:
            texts[lang] = _text(text_node, line, problems)
    for lang in LANGUAGES:
        if lang not in texts:
            problems.append(f"{where}: {key} has no {lang} text")
    zh, en = texts.get("zh"), texts.get("en")
    if zh is None or en is None:
        return None
    if _fields(zh) != _fields(en):
        problems.append(f"{where}: {key} names fields {sorted(_fields(zh))} in zh but {sorted(_fields(en))} in en")
        return None
    return zh, en


def parse_catalogue(text: str, source: str = MESSAGES_FILE) -> dict[str, tuple[str, str]]:
    """key → (Chinese, English) from the catalogue's YAML ``text``; raise :class:`CatalogueError` listing every
    problem (``source`` names the file in them)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise CatalogueError([f"{source}: not YAML: {error}"]) from error
    if not isinstance(root, MappingNode):
        raise CatalogueError([f"{source}: the catalogue is a mapping of keys to their zh and en texts"])
    problems: list[str] = []
    catalogue: dict[str, tuple[str, str]] = {}
    seen: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        where = f"{source}:{line}"
        if not isinstance(key_node, ScalarNode) or not _KEY.fullmatch(str(key_node.value)):
            problems.append(f"{where}: a key is dotted words of letters, digits and _")
            continue
        key = str(key_node.value)
        if key in seen:
            problems.append(f"{where}: {key} is already on line {seen[key]}")
            continue
        seen[key] = line
        pair = _entry(key, value_node, source, where, problems)
        if pair is not None:
            catalogue[key] = pair
    if problems:
        raise CatalogueError(problems)
    return catalogue


def load_catalogue() -> dict[str, tuple[str, str]]:
    """The catalogue shipped in the package (``gongji/api/portal/messages.yaml``), checked."""
    text = resources.files("gongji.api.portal").joinpath(MESSAGES_FILE).read_text("utf-8")
    return parse_catalogue(text, f"gongji/api/portal/{MESSAGES_FILE}")
