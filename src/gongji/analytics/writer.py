"""Writing one partition's Parquet file: rows in, row groups out, the file renamed into place only when whole.

A partition is written to a hidden temporary file beside its final place (``.part-0.parquet.<random>.tmp``: engines
skip names that start with a dot), flushed to disk, and renamed over ``part-0.parquet``; a crash leaves the old file
or the new one, never half of either. Rows are held only until a row group is full, so a partition of any size is
written in bounded memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gongji.analytics.datasets import Dataset
from gongji.analytics.manifest import fsync_directory
from gongji.analytics.pseudonyms import Pseudonymiser

__all__ = ["COMPRESSION", "PART_NAME", "ROW_GROUP_ROWS", "PartitionWriter", "partition_path"]

#: The one file of a partition.
PART_NAME = "part-0.parquet"
#: Parquet's compression codec: zstd, which DuckDB, Spark (3.2+) and Trino all read.
COMPRESSION = "zstd"
#: Rows per row group (and the most rows held in memory per partition being written).
ROW_GROUP_ROWS = 65_536


def partition_path(dataset: Dataset, values: Sequence[str]) -> str:
    """The partition's directory below the dataset's, Hive style: ``region=130100/month=2026-03``."""
    parts = []
    for name, value in zip(dataset.partition_by, values, strict=True):
        if not value or not all(c.isalnum() or c in "-_" for c in value):
            raise ValueError(f"{dataset.name}: partition value {value!r} of {name} cannot name a directory")
        parts.append(f"{name}={value}")
    return "/".join(parts)


def _converted(column: Sequence[Any], arrow_type: pa.DataType) -> Sequence[Any]:
    # SQLite gives 0 and 1 for comparisons; Arrow wants booleans.
    if pa.types.is_boolean(arrow_type):
        return [None if value is None else bool(value) for value in column]
    return column


class PartitionWriter:
    """Writes the rows of one partition of ``dataset`` under ``root`` (the dataset's directory).

    ``positions`` are the indexes of the dataset's columns in the rows given to :meth:`add`. Use as a context
    manager: leaving it normally renames the file into place; leaving it on an error removes the temporary file.
    """

    def __init__(
        self, root: Path, dataset: Dataset, values: Sequence[str], positions: Sequence[int], names: Pseudonymiser
    ) -> None:
        self.dataset = dataset
        self.where = partition_path(dataset, values)
        self.directory = root / self.where
        self.rows = 0
        self.bytes = 0
        self._positions = positions
        self._names = names
        self._pending: list[Sequence[Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._temporary: Path | None = None

    def __enter__(self) -> PartitionWriter:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{PART_NAME}.", suffix=".tmp", dir=self.directory)
        os.close(handle)
        self._temporary = Path(temporary)
        return self

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows (in the query's column order); a full row group is written out."""
        self._pending.extend(rows)
        while len(self._pending) >= ROW_GROUP_ROWS:
            self._flush(self._pending[:ROW_GROUP_ROWS])
            del self._pending[:ROW_GROUP_ROWS]

    def _flush(self, rows: Sequence[Sequence[Any]]) -> None:
        assert self._temporary is not None
        transposed = list(zip(*rows, strict=True)) if rows else []
        arrays = []
        for column, position in zip(self.dataset.columns, self._positions, strict=True):
            values: Sequence[Any] = transposed[position] if transposed else []
            if column.names is not None:
                values = self._names.many(column.names, values)
            arrays.append(pa.array(_converted(values, column.arrow_type), type=column.arrow_type))
        table = pa.Table.from_arrays(arrays, schema=self.dataset.schema)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._temporary, self.dataset.schema, compression=COMPRESSION)
        self._writer.write_table(table)
        self.rows += len(rows)

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        assert self._temporary is not None
        if exc_type is not None:
            if self._writer is not None:
                self._writer.close()
            self._temporary.unlink(missing_ok=True)
            return
        if self._pending or self._writer is None:
            self._flush(self._pending)  # the last row group (an empty partition still gets a file with its schema)
            self._pending = []
        assert self._writer is not None
        self._writer.close()
        with open(self._temporary, "rb") as written:
            os.fsync(written.fileno())
        final = self.directory / PART_NAME
        os.replace(self._temporary, final)
        fsync_directory(self.directory)
        self.bytes = final.stat().st_size
