"""DuckDB, embedded, over an export directory: each dataset a view, so that reports are plain SQL.

:func:`open_export` makes an in-memory DuckDB database with one view per dataset::

    CREATE VIEW settlements AS SELECT * FROM read_parquet('DIR/settlements/*/*/*.parquet', hive_partitioning = true,
                                                          hive_types = {'region': VARCHAR, 'month': VARCHAR})

The partition columns are declared text: a region code is a code (``110000``, never the number 110000), and Spark or
Trino reading the same files are told the same (``docs/analytics-export.md``). A dataset without files yet (a
province with no settlements) is an empty view of the same columns, so every report runs and answers no rows.
Queries over the views are the reports' portable SQL; DuckDB prunes partitions by the ``region`` and ``month`` they
filter on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from gongji.analytics.activity import NULL_PARTITION
from gongji.analytics.datasets import DATASETS, Dataset
from gongji.analytics.manifest import MANIFEST_NAME
from gongji.analytics.writer import PART_NAME

__all__ = ["ExportMissing", "Rows", "open_export", "partition_values", "run_sql"]


class ExportMissing(Exception):
    """The directory is not an export (no manifest): nothing was exported there yet, or it is another directory."""

    def __init__(self, directory: Path) -> None:
        super().__init__(f"no gongji export in {directory}")
        self.directory = directory


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _view(connection: duckdb.DuckDBPyConnection, directory: Path, dataset: Dataset) -> None:
    root = directory / dataset.name
    depth = "/".join("*" for _ in dataset.partition_by)
    types = ", ".join(f"{_quoted(name)}: 'VARCHAR'" for name in dataset.partition_by)
    if any(root.glob(f"{depth}/{PART_NAME}")):
        source = (
            f"read_parquet({_quoted(str(root / depth / PART_NAME))}, hive_partitioning = true, "
            f"hive_types = {{{types}}})"
        )
    else:
        empty = dataset.schema.empty_table()
        for name in dataset.partition_by:
            empty = empty.append_column(name, pa.array([], type=pa.string()))
        connection.register(f"_empty_{dataset.name}", empty)
        source = f"_empty_{dataset.name}"
    connection.execute(f"CREATE VIEW {dataset.name} AS SELECT * FROM {source}")


def open_export(directory: Path, datasets: Sequence[Dataset] = DATASETS) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per dataset of the export in ``directory``."""
    if not (directory / MANIFEST_NAME).is_file():
        raise ExportMissing(directory)
    connection = duckdb.connect(":memory:")
    for dataset in datasets:
        _view(connection, directory, dataset)
    return connection


def partition_values(directory: Path, name: str, datasets: Sequence[Dataset] = DATASETS) -> list[str]:
    """Every value the partition column ``name`` takes in the export's files, sorted (read from the directory names:
    no file is opened)."""
    found: set[str] = set()
    for dataset in datasets:
        if name not in dataset.partition_by:
            continue
        level = dataset.partition_by.index(name)
        depth = "/".join("*" for _ in dataset.partition_by)
        for path in (directory / dataset.name).glob(f"{depth}/{PART_NAME}"):
            part = path.parent.relative_to(directory / dataset.name).parts[level]
            found.add(part.split("=", 1)[1])
    found.discard(NULL_PARTITION)  # a NULL: not a value
    return sorted(found)


class Rows:
    """A query's answer: the column names and the rows."""

    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.columns = columns
        self.rows = rows

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as dictionaries by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def run_sql(connection: duckdb.DuckDBPyConnection, sql: str) -> Rows:
    """Run one query over the views and return its answer."""
    result = connection.execute(sql)
    columns = [described[0] for described in result.description or []]
    return Rows(columns, [tuple(row) for row in result.fetchall()])
