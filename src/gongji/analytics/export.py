"""``gongji export``: the database's settlements, payers, relations and people as Parquet files, partitioned Hive
style (``DIR/settlements/region=130100/month=2026-03/part-0.parquet``), written incrementally.

One run:

1. takes the output directory's lock (``.export.lock``: two exports into one directory would race on its files);
2. reads the export key (made on first use, :mod:`gongji.analytics.pseudonyms`) and the manifest
   (:mod:`gongji.analytics.manifest`);
3. opens one read-only snapshot of the database (a deferred transaction on SQLite's WAL; ``REPEATABLE READ, READ
   ONLY`` on PostgreSQL), so that every dataset is read as of one moment and payers agree with their settlements;
4. per dataset: fingerprints every partition with one ``GROUP BY`` (rows and the sums of the change markers,
   :mod:`gongji.analytics.datasets`), compares with the manifest and the files present, streams the rows of the
   partitions that changed (all of them the first time) ordered by partition, through a server-side cursor on
   PostgreSQL and a stepped cursor on SQLite, ``yield_per`` rows at a time, and writes each partition whole
   (:mod:`gongji.analytics.writer`); partitions the database no longer has are removed; the manifest is rewritten.

A reversal changes its settlement's month, so that month's partition is rewritten; a new settlement rewrites its own
month's settlements and payers; a new relation or a confirmation rewrites the month the relation was requested in;
an enrollment that moves a person rewrites both regions' people. Nothing else is read beyond the fingerprints.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, tuple_

from gongji.analytics.datasets import DATASETS, Dataset
from gongji.analytics.manifest import DatasetState, Manifest, PartitionState
from gongji.analytics.pseudonyms import DEFAULT_KEY_NAME, Pseudonymiser, export_key
from gongji.analytics.writer import PART_NAME, PartitionWriter, partition_path
from gongji.store.engine import READONLY_OPTION

__all__ = ["BATCH_ROWS", "DatasetOutcome", "ExportBusy", "ExportOutcome", "export", "fingerprints"]

#: Rows fetched from the database at a time.
BATCH_ROWS = 10_000
#: Partitions named in one query's ``IN`` list (both backends cap a statement's parameters).
_KEYS_PER_QUERY = 500
_LOCK_NAME = ".export.lock"

Key = tuple[str, ...]


class ExportBusy(Exception):
    """Another export is writing into the same directory."""

    def __init__(self, directory: Path) -> None:
        super().__init__(f"another export is writing into {directory}")
        self.directory = directory


@dataclass
class DatasetOutcome:
    """What one export did to one dataset: partitions in the database, written, left as they were, and removed;
    rows and bytes written; seconds taken."""

    name: str
    partitions: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass
class ExportOutcome:
    """What one export did, dataset by dataset."""

    directory: Path
    datasets: list[DatasetOutcome] = field(default_factory=list)
    seconds: float = 0.0


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with open(directory / _LOCK_NAME, "a+") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportBusy(directory) from None
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction that sees the database as of one moment."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            reading = conn.execution_options(**{READONLY_OPTION: True})
        else:
            reading = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with reading.begin():
            yield reading


def fingerprints(conn: Connection, dataset: Dataset) -> dict[Key, tuple[int, ...]]:
    """Every partition of ``dataset`` in the database: its rows and the sums of its change markers."""
    rows = dataset.query().subquery()
    keys = [rows.c[name] for name in dataset.partition_by]
    sums = [func.coalesce(func.sum(rows.c[name]), 0) for name in dataset.changes]
    query = select(*keys, func.count(), *sums).group_by(*keys)
    width = len(keys)
    return {tuple(row[:width]): tuple(int(value) for value in row[width:]) for row in conn.execute(query)}


def _files(root: Path, dataset: Dataset) -> set[str]:
    """The partitions of ``dataset`` that have a file, by their path below ``root``."""
    pattern = "/".join("*" for _ in dataset.partition_by) + f"/{PART_NAME}"
    return {str(path.parent.relative_to(root)) for path in root.glob(pattern)}


def _remove(root: Path, where: str) -> None:
    """Remove a partition's file and the directories it leaves empty."""
    (root / where / PART_NAME).unlink(missing_ok=True)
    directory = root / where
    while directory != root:
        try:
            directory.rmdir()
        except OSError:
            break  # not empty: another partition lives below
        directory = directory.parent


def _batches(conn: Connection, dataset: Dataset, keys: Sequence[Key] | None) -> Iterator[Sequence[Any]]:
    """The rows of the partitions ``keys`` (``None``: every partition), ordered by partition, a batch at a time; each
    row holds the partition values, then the dataset's columns."""
    rows = dataset.query().subquery()
    partition = [rows.c[name] for name in dataset.partition_by]
    query = select(*partition, *(rows.c[column.name] for column in dataset.columns)).order_by(*partition)
    chunks: list[Sequence[Key] | None] = [None]
    if keys is not None:
        chunks = [keys[start : start + _KEYS_PER_QUERY] for start in range(0, len(keys), _KEYS_PER_QUERY)]
    for chunk in chunks:
        selected = query
        if chunk is not None:
            wanted = tuple_(*partition).in_(chunk) if len(partition) > 1 else partition[0].in_([k[0] for k in chunk])
            selected = query.where(wanted)
        # The option on the statement: set on the connection, it would stay there (SQLAlchemy 2 sets a
        # connection's options in place) and make every later statement a server-side cursor.
        yield from conn.execute(selected.execution_options(yield_per=BATCH_ROWS)).partitions()


def _export_dataset(
    conn: Connection, root: Path, dataset: Dataset, state: DatasetState, names: Pseudonymiser
) -> DatasetOutcome:
    started = time.perf_counter()
    outcome = DatasetOutcome(dataset.name)
    root.mkdir(parents=True, exist_ok=True)
    for leftover in root.glob(f"**/.{PART_NAME}.*.tmp"):
        leftover.unlink()  # a temporary file of an export that crashed (the directory's lock is ours)
    now = fingerprints(conn, dataset)
    where_of = {key: partition_path(dataset, key) for key in now}
    present = _files(root, dataset)
    touched = sorted(
        key
        for key, fingerprint in now.items()
        if where_of[key] not in present
        or (known := state.partitions.get(where_of[key])) is None
        or known.fingerprint != fingerprint
    )
    outcome.partitions = len(now)
    outcome.unchanged = len(now) - len(touched)
    written: set[str] = set()
    if touched:
        width = len(dataset.partition_by)
        positions = [width + index for index in range(len(dataset.columns))]
        writer: PartitionWriter | None = None
        key: Key = ()
        try:
            for rows in _batches(conn, dataset, None if len(touched) == len(now) else touched):
                start = 0
                for index, row in enumerate(rows):
                    row_key = tuple(row[:width])
                    if writer is None or row_key != key:
                        if writer is not None:
                            writer.add(rows[start:index])
                            _finish(writer, now.get(key), state, outcome, written)
                        key, start = row_key, index
                        writer = PartitionWriter(root, dataset, key, positions, names).__enter__()
                if writer is not None:
                    writer.add(rows[start:])
            if writer is not None:
                _finish(writer, now.get(key), state, outcome, written)
                writer = None
        except BaseException as error:
            if writer is not None:
                writer.__exit__(type(error), error, error.__traceback__)
            raise
    for where in (present | set(state.partitions)) - set(where_of.values()):
        _remove(root, where)  # the database has no rows for it any more (a region everybody left)
        state.partitions.pop(where, None)
        outcome.removed += where in present
    for key in touched:
        if where_of[key] not in written:  # fingerprinted but without rows in the same snapshot: cannot happen
            _remove(root, where_of[key])
            state.partitions.pop(where_of[key], None)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _finish(
    writer: PartitionWriter,
    fingerprint: tuple[int, ...] | None,
    state: DatasetState,
    outcome: DatasetOutcome,
    written: set[str],
) -> None:
    writer.__exit__(None, None, None)
    state.partitions[writer.where] = PartitionState(fingerprint, writer.rows, writer.bytes)
    outcome.written += 1
    outcome.rows += writer.rows
    outcome.bytes += writer.bytes
    written.add(writer.where)


def export(
    engine: Engine,
    directory: Path,
    *,
    now: datetime,
    key_name: str = DEFAULT_KEY_NAME,
    datasets: Sequence[Dataset] = DATASETS,
) -> ExportOutcome:
    """Bring the Parquet files under ``directory`` up to date with the database (see the module docstring);
    ``now`` dates the manifest and, on the first export under ``key_name``, the key."""
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    outcome = ExportOutcome(directory)
    with _locked(directory):
        names = Pseudonymiser(export_key(engine, key_name, now))
        manifest = Manifest.read(directory)
        same_key = manifest.key_check == names.check
        manifest.key_check, manifest.key_name = names.check, key_name
        with _snapshot(engine) as conn:
            for dataset in datasets:
                known = manifest.datasets.get(dataset.name)
                state = known if same_key and known and known.version == dataset.version else None
                state = state or DatasetState(dataset.version)
                outcome.datasets.append(_export_dataset(conn, directory / dataset.name, dataset, state, names))
                manifest.datasets[dataset.name] = state
                manifest.updated_at = now.isoformat()
                manifest.write(directory)
    outcome.seconds = time.perf_counter() - started
    return outcome
