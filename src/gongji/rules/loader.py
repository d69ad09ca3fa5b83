"""Loading the rules files strictly: every problem is reported with its file, key and line.

A rules file holds one region's parameters (``130100.yaml``)::

    region: "130100"
    name: 石家庄市
    parameters:
      authoriser_min_balance_fen:
        - since: 2021-10-01
          value: 100000
          reference: {title: "…", address: "https://…"}
          confidence: unverified

Each parameter is a list of dated values, in ascending ``since`` order, that must not overlap (a value holds from
its ``since`` until the next one starts, or until its own ``end``, inclusive). ``value: null`` stops the region's
own value from that date: the parameter then falls back to the province and the national file again. Every value
names its ``reference`` (document title and address) and its ``confidence`` (``official`` or ``unverified``).

Unknown keys, wrong units (``_yuan`` where ``_fen`` is meant), values of the wrong type, unknown region or code
values, unordered or overlapping dates, duplicate keys and missing references are all errors, collected across every
file before :class:`RuleDataError` is raised.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gongji.domain.errors import InvalidInput
from gongji.domain.regions import parse_region
from gongji.rules import parameters as _declared  # noqa: F401  (fills the catalogue)
from gongji.rules.schema import PARAMETERS

__all__ = [
    "DATA_DIR",
    "DatedValue",
    "Reference",
    "RegionRules",
    "RuleDataError",
    "RuleProblem",
    "load_region_files",
]

#: The rules shipped with gongji.
DATA_DIR = Path(__file__).parent / "data"

Path_ = tuple[str | int, ...]

_UNIT_HINTS = {
    "_yuan": "amounts are integer fen: use a key ending in _fen (1,000.00 yuan = 100000)",
    "_percent": "rates are basis points: use a key ending in _bp (60 % = 6000)",
    "_pct": "rates are basis points: use a key ending in _bp (60 % = 6000)",
    "_rate": "rates are basis points: use a key ending in _bp (60 % = 6000)",
    "_ratio": "rates are basis points: use a key ending in _bp (60 % = 6000)",
    "_amount": "amounts are integer fen: use a key ending in _fen",
}
_VALUE_HINTS = {
    "_fen": " (amounts are integer fen: 1,000.00 yuan is written 100000)",
    "_bp": " (rates are integer basis points from 0 to 10000: 60 % is written 6000)",
    "_count": " (a whole number, or 'unlimited')",
    "_days": " (a whole number of days)",
    "_years": " (a whole number of years)",
}


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong in a rules file, located precisely."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class RuleDataError(Exception):
    """The rules data is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(_Strict):
    """Where a value comes from: a document title and an address (a URL, or a locator such as a seed page)."""

    title: str = Field(min_length=1)
    address: str = Field(min_length=1)


class _Entry(_Strict):
    since: date
    end: date | None = None
    value: Any
    reference: Reference
    confidence: Literal["official", "unverified"]
    note: str | None = None


class _RegionFile(_Strict):
    region: str
    name: str
    # Entries are validated one by one afterwards, so that every problem of every entry is reported.
    parameters: dict[str, list[dict[str, Any]]] = Field(min_length=1)


@dataclass(frozen=True)
class DatedValue:
    """One dated value of a parameter in a region, validated (``value`` is ``None`` for a stop)."""

    since: date
    end: date | None
    value: Any
    reference: Reference
    confidence: str
    note: str | None
    file: str
    line: int | None

    def holds_on(self, day: date, next_since: date | None) -> bool:
        """Whether this value is the one in effect on ``day``, given when the next value starts."""
        if day < self.since:
            return False
        if self.end is not None and day > self.end:
            return False
        return next_since is None or day < next_since


@dataclass
class RegionRules:
    """One region's parameters as loaded (possibly merged from several directories)."""

    region: str
    name: str
    files: list[str] = field(default_factory=list)
    parameters: dict[str, tuple[DatedValue, ...]] = field(default_factory=dict)


class _Located:
    """YAML turned into plain Python, remembering the line of every key and item."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[Path_, int]] = []
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            self.data = None if node is None else self._build(loader, node, ())
        finally:
            loader.dispose()

    def _build(self, loader: yaml.SafeLoader, node: Node, path: Path_) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node, deep=True)
                child = (*path, str(key))
                if key in result:
                    self.duplicates.append((child, key_node.start_mark.line + 1))
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self._build(loader, value_node, child)
                self.lines[child] = key_node.start_mark.line + 1
            return result
        if isinstance(node, SequenceNode):
            return [self._build(loader, item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return loader.construct_object(node, deep=True)

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest located ancestor."""
        for cut in range(len(path), -1, -1):
            found = self.lines.get(tuple(str(p) if isinstance(p, str) else p for p in path[:cut]))
            if found is not None:
                return found
        return None


def _dotted(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problems_from_validation(doc: _Located, error: ValidationError, prefix: Path_) -> list[RuleProblem]:
    problems = []
    for item in error.errors():
        path = (*prefix, *item["loc"])
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "missing (required)"
        problems.append(RuleProblem(doc.file, doc.line(path), _dotted(path), message))
    return problems


def _unknown_parameter(doc: _Located, name: str) -> RuleProblem:
    path: Path_ = ("parameters", name)
    for suffix, hint in _UNIT_HINTS.items():
        if name.endswith(suffix):
            return RuleProblem(doc.file, doc.line(path), _dotted(path), f"wrong unit: {hint}")
    close = difflib.get_close_matches(name, list(PARAMETERS), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return RuleProblem(doc.file, doc.line(path), _dotted(path), f"unknown parameter{hint}")


def _load_file(path: Path, problems: list[RuleProblem]) -> RegionRules | None:
    file = path.name
    try:
        doc = _Located(path.read_text(encoding="utf-8"), file)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(RuleProblem(file, mark.line + 1 if mark else None, "", f"not valid YAML: {exc}"))
        return None
    for dup_path, line in doc.duplicates:
        problems.append(RuleProblem(file, line, _dotted(dup_path), "duplicate key"))
    try:
        parsed = _RegionFile.model_validate(doc.data)
    except ValidationError as error:
        problems.extend(_problems_from_validation(doc, error, ()))
        return None

    if path.stem != parsed.region:
        problems.append(RuleProblem(file, doc.line(("region",)), "region", f"file {file} must hold region {path.stem}"))
    try:
        region = parse_region(parsed.region)
    except InvalidInput:
        problems.append(RuleProblem(file, doc.line(("region",)), "region", f"unknown region code {parsed.region}"))
        return None
    if parsed.name != region.zh:
        problems.append(
            RuleProblem(
                file, doc.line(("name",)), "name", f"region {region.code} is named {region.zh}, not {parsed.name}"
            )
        )

    rules = RegionRules(region=region.code, name=region.zh, files=[file])
    for name, raw_entries in parsed.parameters.items():
        declared = PARAMETERS.get(name)
        if declared is None:
            problems.append(_unknown_parameter(doc, name))
        values: list[DatedValue] = []
        for index, raw in enumerate(raw_entries):
            path_: Path_ = ("parameters", name, index)
            try:
                entry = _Entry.model_validate(raw)
            except ValidationError as error:
                problems.extend(_problems_from_validation(doc, error, path_))
                continue
            if declared is None:
                continue
            value: Any = None
            if entry.value is None:
                if index == 0:
                    problems.append(
                        RuleProblem(
                            file, doc.line(path_), _dotted(path_), "a parameter cannot start with a stop (null)"
                        )
                    )
            else:
                try:
                    value = declared.validate(entry.value)
                except ValidationError as error:
                    hint = next((h for suffix, h in _VALUE_HINTS.items() if name.endswith(suffix)), "")
                    for problem in _problems_from_validation(doc, error, (*path_, "value")):
                        problems.append(RuleProblem(problem.file, problem.line, problem.key, problem.message + hint))
                    continue
            values.append(
                DatedValue(
                    since=entry.since,
                    end=entry.end,
                    value=value,
                    reference=entry.reference,
                    confidence=entry.confidence,
                    note=entry.note,
                    file=file,
                    line=doc.line(path_),
                )
            )
        problems.extend(_check_dates(doc, name, values))
        rules.parameters[name] = tuple(values)
    return rules


def _check_dates(doc: _Located, name: str, values: Sequence[DatedValue]) -> list[RuleProblem]:
    problems = []
    for index, current in enumerate(values):
        key = _dotted(("parameters", name, index))
        if current.end is not None and current.end < current.since:
            problems.append(
                RuleProblem(doc.file, current.line, key, f"end {current.end} is before since {current.since}")
            )
        if index + 1 < len(values):
            following = values[index + 1]
            if following.since <= current.since:
                problems.append(
                    RuleProblem(
                        doc.file,
                        following.line,
                        _dotted(("parameters", name, index + 1)),
                        f"dates out of order: since {following.since} does not come after {current.since}",
                    )
                )
            elif current.end is not None and current.end >= following.since:
                problems.append(
                    RuleProblem(
                        doc.file,
                        current.line,
                        key,
                        f"overlaps the next value: ends {current.end}, next starts {following.since}"
                        f" (end at {following.since - timedelta(days=1)} at the latest)",
                    )
                )
    return problems


def load_region_files(directories: Sequence[Path]) -> dict[str, RegionRules]:
    """Load every ``*.yaml`` rules file of ``directories``; a later directory's parameters replace an earlier one's
    for the same region (so an operator can override or add regions without touching the package).

    Raises :class:`RuleDataError` listing every problem in every file.
    """
    problems: list[RuleProblem] = []
    regions: dict[str, RegionRules] = {}
    for directory in directories:
        if not directory.is_dir():
            problems.append(RuleProblem(str(directory), None, "", "rules directory does not exist"))
            continue
        for path in sorted(directory.glob("*.yaml")):
            loaded = _load_file(path, problems)
            if loaded is None:
                continue
            existing = regions.get(loaded.region)
            if existing is None:
                regions[loaded.region] = loaded
            else:
                existing.files.extend(loaded.files)
                existing.parameters.update(loaded.parameters)
    if "100000" not in regions and not problems:
        problems.append(RuleProblem("100000.yaml", None, "", "the national rules file is missing"))
    if problems:
        raise RuleDataError(problems)
    return regions
