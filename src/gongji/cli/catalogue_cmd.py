"""``gongji institution`` and ``gongji catalogue``: designated institutions and the medical catalogue."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gongji.domain.wording import localise, shown

from .common import new_key, run
from .output import console, print_json, table, yuan

if TYPE_CHECKING:
    from gongji.service.catalogue import CatalogueItemView, ImportReport
    from gongji.service.context import Context
    from gongji.service.institution_access import CredentialsView
    from gongji.service.institutions import InstitutionView

__all__ = ["catalogue_app", "import_report_json", "institution_app", "show_import_report"]

institution_app = typer.Typer(help="定点医药机构 Designated institutions.", no_args_is_help=True)
catalogue_app = typer.Typer(help="医保目录 The medical catalogue.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[str | None, typer.Option("--key", help="幂等键 Idempotency key.")]


def _institution_rows(views: list[InstitutionView]) -> list[list[object]]:
    return [
        [
            v.fixmedins_code,
            v.name,
            f"{v.kind_zh} {v.kind}",
            v.level_zh and f"{v.level_zh} {v.level}",
            f"{v.region} {v.region_zh}",
        ]
        for v in views
    ]


_INSTITUTION_HEADERS = ["机构编码 Code", "名称 Name", "类型 Kind", "等级 Level", "统筹区 Region"]


@institution_app.command("add")
def institution_add(
    fixmedins_code: Annotated[str, typer.Argument(help="定点医药机构编码 National code, e.g. H13010200001")],
    name: Annotated[str, typer.Argument(help="机构名称 Name")],
    kind: Annotated[str, typer.Option(help="类型 hospital or pharmacy (医院 / 药店)")],
    region: Annotated[str, typer.Option(help="统筹区 Pooling region, e.g. 130100")],
    level: Annotated[
        str | None, typer.Option(help="医院等级 Hospital level: 1, 2, 3, 3-provincial, 3-municipal (一级/二级/三级)")
    ] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记定点医药机构 Register a designated hospital or pharmacy."""
    from gongji.service import institutions

    cmd = institutions.AddInstitution(fixmedins_code, name, kind, region, level)
    view = run(lambda ctx: institutions.add_institution(ctx, cmd, key=new_key(key)), as_json)
    if as_json:
        print_json(view)
        return
    console.print(table("已登记 Registered", _INSTITUTION_HEADERS, _institution_rows([view])))


def _moment(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M:%S")


@institution_app.command("credentials")
def institution_credentials(
    fixmedins_code: Annotated[str, typer.Argument(help="定点医药机构编码 National code, e.g. H13010200001")],
    rotate: Annotated[
        bool, typer.Option("--rotate", help="更换密钥，旧密钥立即失效 Replace the token; the old one stops working.")
    ] = False,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """接口凭证 The institution's paasid and token for the national interface (x-tif-paasid, signature)."""
    from gongji.service import institution_access

    def action(ctx: Context) -> CredentialsView:
        if rotate:
            institution_access.rotate_credentials(ctx, fixmedins_code, key=new_key(key))
        return institution_access.institution_credentials(ctx, fixmedins_code)

    view = run(action, as_json)
    if as_json:
        print_json(view)
        return
    console.print(
        table(
            f"{view.name} 接口凭证 Interface credentials",
            ["项目 Field", "值 Value"],
            [
                ["机构编码 Code", view.fixmedins_code],
                ["接入标识 paasid (x-tif-paasid)", view.paasid],
                ["密钥 Token", view.token],
                ["密钥指纹 Token fingerprint", view.token_fingerprint],
                ["签发时间 Issued", _moment(view.created_at)],
                ["更换时间 Rotated", _moment(view.rotated_at)],
            ],
        )
    )
    if rotate:
        console.print("已更换密钥，旧密钥立即失效。The token was replaced; the old token no longer authenticates.")
    console.print(
        "签名 Signature: x-tif-signature = SHA-256(timestamp + token + nonce + timestamp)。"
        "密钥须保密 Keep the token secret."
    )


@institution_app.command("list")
def institution_list(
    region: Annotated[str | None, typer.Option(help="统筹区 Only this pooling region")] = None,
    as_json: JsonOpt = False,
) -> None:
    """定点医药机构列表 List designated institutions."""
    from gongji.service import institutions

    views = run(lambda ctx: institutions.list_institutions(ctx, region=region), as_json)
    if as_json:
        print_json(views)
        return
    console.print(table(f"定点医药机构 Institutions ({len(views)})", _INSTITUTION_HEADERS, _institution_rows(views)))


def _share(view: CatalogueItemView) -> str:
    if view.category != "B":
        return ""
    return f"{view.self_pay_pct}%" if view.self_pay_pct is not None else "按地区默认 region default"


def _item_row(view: CatalogueItemView) -> list[object]:
    return [
        view.code,
        view.name,
        view.category_zh,
        view.kind_zh,
        view.unit,
        _share(view),
        "" if view.price_cap_fen is None else yuan(view.price_cap_fen),
        "是 yes" if view.account_payable else "否 no",
        "示例 sample" if view.sample else "",
    ]


_ITEM_HEADERS = [
    "编码 Code",
    "名称 Name",
    "类别 Category",
    "类型 Kind",
    "单位 Unit",
    "先行自付 Self-pay",
    "限价 Price cap",
    "个账可付 Account",
    "",
]


def show_import_report(report: ImportReport) -> None:
    """An import's counts, then every rejected row's problem as a table."""
    console.print(
        table(
            f"导入 Import: {report.source}",
            ["读取 Read", "新增 Inserted", "更新 Updated", "未变 Unchanged", "拒绝 Rejected"],
            [[report.rows_read, report.inserted, report.updated, report.unchanged, report.rows_rejected]],
            numeric=[0, 1, 2, 3, 4],
        )
    )
    if report.problems:
        console.print(
            table(
                "[red]被拒绝的行 Rejected rows[/]",
                ["行 Line", "列 Column", "值 Value", "原因", "Reason"],
                [
                    [p.line, p.column, p.value, localise(p.reason, "zh"), localise(p.reason, "en")]
                    for p in report.problems
                ],
                numeric=[0],
            )
        )
    if report.problems_not_listed:
        console.print(f"另有 {report.problems_not_listed} 个问题未列出 {report.problems_not_listed} more not listed.")
    console.print(localise(report.note, "zh"))
    console.print(localise(report.note, "en"))


def import_report_json(report: ImportReport) -> dict[str, Any]:
    """An import report for machines: its counts, each problem's reason and the note as a code with the Chinese
    and English text beside it (``reason``, ``reason_zh``, ``reason_en``), and whether it was clean."""
    data: dict[str, Any] = {field.name: getattr(report, field.name) for field in dataclasses.fields(report)}
    data["problems"] = [
        {"line": p.line, "column": p.column, "value": p.value, **shown({"reason": p.reason})} for p in report.problems
    ]
    del data["note"]
    return data | shown({"note": report.note}) | {"clean": report.clean}


@catalogue_app.command("import")
def catalogue_import(
    file: Annotated[Path, typer.Argument(help="目录 CSV 文件 Catalogue CSV file", exists=True, dir_okay=False)],
    as_json: JsonOpt = False,
) -> None:
    """导入医保目录 Import a catalogue CSV; exit 1 if any row was rejected (the valid rows are imported)."""
    from gongji.service import catalogue

    if as_json:
        report = run(lambda ctx: catalogue.import_catalogue(ctx, file), as_json)
        print_json(import_report_json(report))
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("导入 Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("import", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = run(lambda ctx: catalogue.import_catalogue(ctx, file, progress=advance), as_json)
        show_import_report(report)
    if not report.clean:
        raise typer.Exit(1)


@catalogue_app.command("show")
def catalogue_show(
    code: Annotated[str, typer.Argument(help="项目编码 Item code")],
    as_json: JsonOpt = False,
) -> None:
    """查看目录项目 Show one catalogue item."""
    from gongji.service import catalogue

    view = run(lambda ctx: catalogue.show_catalogue_item(ctx, code), as_json)
    if as_json:
        print_json(view)
        return
    console.print(
        table(
            f"{view.code} {view.name}",
            ["项目 Field", "值 Value"],
            [[header, cell] for header, cell in zip(_ITEM_HEADERS[2:], _item_row(view)[2:], strict=True) if header]
            + [["示例数据 Sample data", "是 yes" if view.sample else "否 no"]],
        )
    )


@catalogue_app.command("list")
def catalogue_list(
    name: Annotated[str | None, typer.Option(help="名称包含 Name contains")] = None,
    code: Annotated[str | None, typer.Option(help="编码开头 Code starts with")] = None,
    limit: Annotated[int, typer.Option(help="每页条数 Page size (at most 500)")] = 100,
    offset: Annotated[int, typer.Option(help="跳过条数 Skip this many")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """医保目录列表 List catalogue items in code order."""
    from gongji.service import catalogue

    page = run(lambda ctx: catalogue.list_catalogue(ctx, limit=limit, offset=offset, name=name, code=code), as_json)
    if as_json:
        print_json(page)
        return
    shown = f"{page.offset + 1}–{page.offset + len(page.items)}" if page.items else "0"
    console.print(
        table(
            f"医保目录 Catalogue: {shown} / {page.total}",
            _ITEM_HEADERS,
            [_item_row(view) for view in page.items],
            numeric=[6],
        )
    )
