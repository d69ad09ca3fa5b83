"""The export's manifest: ``_gongji_export.json`` in the output directory, what the files there hold.

For each dataset it keeps the layout version and, per partition, the fingerprint of the database rows it was written
from (rows, and the sums of the change markers), its row count and size. The next export fingerprints the database
again and rewrites exactly the partitions whose fingerprint differs, whose file is missing, or whose layout or key
changed. Why the output directory and not a table: the manifest describes the files beside it — two directories
exported from one database each know what they hold, a directory copied elsewhere carries its state, and a deleted
directory takes its state with it (the next export is a full one) instead of leaving a stale mark in the database.
Why fingerprints and not a watermark (an id or a time): settlement times come from an injectable clock, ids of the
synthetic province are not consecutive, and on PostgreSQL a row with a smaller id can commit after one with a larger
— a "changed since" mark would miss rows; comparing the state misses nothing.

The name starts with ``_`` so that Spark, Hive and Trino skip it when they list the files. It is written to a
temporary file and renamed, after the partitions it describes: a crash leaves the previous manifest, and the partitions
written since are rewritten by the next run.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "MANIFEST_NAME", "DatasetState", "Manifest", "PartitionState", "fsync_directory"]

MANIFEST_NAME = "_gongji_export.json"
#: The manifest's own format; a manifest of another format is ignored (the next export rewrites everything).
FORMAT = "gongji-export/1"


@dataclass(frozen=True)
class PartitionState:
    """One partition's file: the fingerprint of the rows it was written from (``None`` if they were written without
    one: rows that arrived after the fingerprints were taken), its rows and bytes."""

    fingerprint: tuple[int, ...] | None
    rows: int
    bytes: int


@dataclass
class DatasetState:
    """What the files of one dataset hold: their layout version and each partition's state, by its path."""

    version: str
    partitions: dict[str, PartitionState] = field(default_factory=dict)


@dataclass
class Manifest:
    """The state of an output directory (see the module docstring)."""

    key_check: str | None = None
    key_name: str | None = None
    datasets: dict[str, DatasetState] = field(default_factory=dict)
    updated_at: str | None = None

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        """The manifest of ``directory``; an empty one when there is none or it is of another format."""
        path = directory / MANIFEST_NAME
        if not path.exists():
            return cls()
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if loaded.get("format") != FORMAT:
            return cls()
        datasets = {
            name: DatasetState(
                version=state["version"],
                partitions={
                    where: PartitionState(
                        None if part["fingerprint"] is None else tuple(part["fingerprint"]), part["rows"], part["bytes"]
                    )
                    for where, part in state["partitions"].items()
                },
            )
            for name, state in loaded.get("datasets", {}).items()
        }
        return cls(loaded.get("key_check"), loaded.get("key_name"), datasets, loaded.get("updated_at"))

    def as_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data."""
        return {
            "format": FORMAT,
            "key_name": self.key_name,
            "key_check": self.key_check,
            "updated_at": self.updated_at,
            "datasets": {
                name: {
                    "version": state.version,
                    "partitions": {
                        where: {
                            "fingerprint": None if part.fingerprint is None else list(part.fingerprint),
                            "rows": part.rows,
                            "bytes": part.bytes,
                        }
                        for where, part in sorted(state.partitions.items())
                    },
                }
                for name, state in sorted(self.datasets.items())
            },
        }

    def write(self, directory: Path) -> None:
        """Write the manifest atomically (a temporary file renamed over the old one)."""
        text = json.dumps(self.as_dict(), ensure_ascii=False, indent=1, sort_keys=True)
        handle, temporary = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, directory / MANIFEST_NAME)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX: the directory's entry is flushed by an fsync of the directory)."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
