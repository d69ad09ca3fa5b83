"""``gongji export``: the database as Parquet files for analysts (settlements, payers, relations, people; pseudonymous
ids, no names or ID numbers), partitioned by region and month, rewriting only what changed since the last export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DatabaseNotReady, settings
from .output import console, print_json, print_problem, table

if TYPE_CHECKING:
    from gongji.analytics.export import ExportOutcome

__all__ = ["export_cmd"]

OutOpt = Annotated[Path, typer.Option("--out", help="输出目录 Directory of the Parquet files (made if missing)")]
DatabaseOpt = Annotated[
    str | None, typer.Option("--database", help="数据库 Database URL (default: GONGJI_DATABASE_URL or gongji.db)")
]
KeyNameOpt = Annotated[
    str,
    typer.Option(
        "--key-name",
        help="假名密钥 Name of the key behind the pseudonymous ids: exports under other names do not join",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]


def export_cmd(
    out: OutOpt,
    database: DatabaseOpt = None,
    key_name: KeyNameOpt = "default",
    as_json: JsonOpt = False,
) -> None:
    """导出分析数据 Export settlements, payers, relations and people as Parquet files partitioned by region and month
    (incremental: only partitions that changed are rewritten)."""
    from gongji.analytics.export import ExportBusy, export
    from gongji.service.clock import SystemClock
    from gongji.store.engine import make_engine
    from gongji.store.migrate import current_revision, head_revision

    if not key_name or len(key_name) > 32:
        print_problem(
            "FIELD_INVALID", "密钥名称应为 1 至 32 个字符", "a key name has 1 to 32 characters", as_json=as_json
        )
        raise typer.Exit(2)
    config = settings()
    engine = make_engine(database or config.database_url)
    try:
        found, wanted = current_revision(engine), head_revision()
        if found != wanted:
            raise DatabaseNotReady(found, wanted)
        outcome = export(engine, out, now=config.now or SystemClock().now(), key_name=key_name)
    except DatabaseNotReady as not_ready:
        not_ready.show(as_json)
        raise typer.Exit(1) from None
    except ExportBusy:
        print_problem(
            "EXPORT_BUSY",
            f"另一个导出正在写入 {out}，请等它结束",
            f"another export is writing into {out}; wait for it to finish",
            as_json=as_json,
        )
        raise typer.Exit(1) from None
    except (NotADirectoryError, FileExistsError, PermissionError) as error:
        print_problem(
            "EXPORT_DIRECTORY",
            f"无法写入输出目录 {out}：{error.strerror}",
            f"cannot write into the output directory {out}: {error.strerror}",
            as_json=as_json,
        )
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if as_json:
        print_json(outcome)
        return
    _show(outcome)


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:,.1f} MiB" if count >= 1024 * 1024 else f"{count / 1024:,.1f} KiB"


def _show(outcome: ExportOutcome) -> None:
    rows = [
        (d.name, d.partitions, d.written, d.unchanged, d.removed, f"{d.rows:,}", _size(d.bytes), f"{d.seconds:.1f}")
        for d in outcome.datasets
    ]
    console.print(
        table(
            f"导出 Export to {outcome.directory}",
            [
                "数据集 Dataset",
                "分区 Partitions",
                "重写 Written",
                "未变 Unchanged",
                "删除 Removed",
                "写入行数 Rows written",
                "写入大小 Size written",
                "秒 Seconds",
            ],
            rows,
            numeric=[1, 2, 3, 4, 5, 6, 7],
        )
    )
    console.print(f"用时 {outcome.seconds:.1f} 秒 · took {outcome.seconds:.1f} s")
