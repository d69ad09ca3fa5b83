"""The shape of a dataset of the analytical store: its columns (with their Arrow types, and the kind of thing an id
column names) and its declaration (a query, its partitions, its change markers). See :mod:`gongji.analytics.datasets`
for what a change marker is and which datasets there are."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import Select

from gongji.analytics.pseudonyms import PSEUDONYM_BYTES, Kind

__all__ = ["MOMENT", "Column", "Dataset", "fen_column", "flag_column", "id_column", "moment_column", "text_column"]

#: A moment, as every dataset writes it: microseconds, in Asia/Shanghai.
MOMENT = pa.timestamp("us", tz="Asia/Shanghai")


@dataclass(frozen=True)
class Column:
    """One column of a dataset's files: its name, its Arrow type, and the kind of thing it names when it is an id
    (then the query gives the internal id and the file its pseudonymous one)."""

    name: str
    type: pa.DataType
    names: Kind | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        """The type written to the files."""
        return pa.binary(PSEUDONYM_BYTES) if self.names is not None else self.type


def id_column(name: str, kind: Kind) -> Column:
    """An id column: the internal id of a ``kind`` of thing in the query, its pseudonymous id in the files."""
    return Column(name, pa.int64(), kind)


def text_column(name: str) -> Column:
    """A text column."""
    return Column(name, pa.string())


def fen_column(name: str) -> Column:
    """An amount in fen."""
    return Column(name, pa.int64())


def flag_column(name: str) -> Column:
    """A true/false column."""
    return Column(name, pa.bool_())


def moment_column(name: str) -> Column:
    """A moment, in Asia/Shanghai."""
    return Column(name, MOMENT)


@dataclass(frozen=True)
class Dataset:
    """One dataset of the store: ``query()`` selects the partition columns, the :attr:`columns` and the change
    markers (see the module docstring) under those names."""

    name: str
    partition_by: tuple[str, ...]
    columns: tuple[Column, ...]
    changes: tuple[str, ...]
    query: Callable[[], Select[Any]]
    description: str = ""
    schema: pa.Schema = field(init=False)

    def __post_init__(self) -> None:
        fields = [pa.field(column.name, column.arrow_type) for column in self.columns]
        object.__setattr__(self, "schema", pa.schema(fields, metadata={"gongji.dataset": self.name}))

    @property
    def version(self) -> str:
        """A digest of the layout (partitions and columns): an export that finds files of another layout rewrites
        them all."""
        text = f"{self.partition_by}|{self.schema}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]
