"""``gongji person``: register, show, list and change people; suspend or resume their networked settlement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from gongji.domain.identity import mask_id_number

from .common import guard, new_key, read_date, run
from .output import console, print_json, table

if TYPE_CHECKING:
    from gongji.service.suspension import SuspensionView
    from gongji.service.views import PersonView

__all__ = ["JsonOpt", "KeyOpt", "Ref", "person_app", "show_person"]

person_app = typer.Typer(help="参保人员 People.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", help="幂等键 Idempotency key: the same key and request replay the first outcome."),
]
Ref = Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")]


def show_person(view: PersonView) -> None:
    """A person's details, then his enrollments."""
    console.print(
        table(
            f"{view.name}  人员编号 {view.psn_no}",
            ["项目 Field", "值 Value"],
            [
                ["身份证号 ID number", view.certno],
                ["性别 Sex", view.sex_zh],
                ["出生日期 Birth date", view.birth_date],
                ["年龄 Age", view.age],
                ["电话 Phone", view.phone],
                ["地址 Address", view.address],
                ["死亡日期 Died on", view.died_on],
                ["登记时间 Registered", view.registered_at.strftime("%Y-%m-%d %H:%M")],
            ],
        )
    )
    if not view.enrollments:
        return
    console.print(
        table(
            "参保记录 Enrollments",
            [
                "险种 Insurance",
                "人员类别 Person type",
                "统筹区 Region",
                "单位 Employer",
                "状态 Status",
                "起始 Since",
                "原因 Reason",
            ],
            [
                [
                    f"{e.insutype} {e.insutype_zh}",
                    f"{e.psn_type} {e.psn_type_zh}",
                    f"{e.pooling_region} {e.pooling_region_zh}",
                    e.employer,
                    e.status_zh,
                    e.status_since,
                    e.reason_zh,
                ]
                for e in view.enrollments
            ],
        )
    )


@person_app.command("add")
def person_add(
    certno: Annotated[str, typer.Argument(help="身份证号码 Resident ID number (18 characters)")],
    name: Annotated[str, typer.Argument(help="姓名 Name")],
    phone: Annotated[str | None, typer.Option(help="电话 Phone")] = None,
    address: Annotated[str | None, typer.Option(help="地址 Address")] = None,
    sex: Annotated[str | None, typer.Option(help="性别 Sex: 1 male / 2 female (checked against the ID number)")] = None,
    birth_date: Annotated[str | None, typer.Option(help="出生日期 Birth date YYYY-MM-DD (checked)")] = None,
    naty: Annotated[str | None, typer.Option(help="民族 Ethnicity: national code, 01 汉族 … 56, 97, 98, 99")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记参保人员 Register a person."""
    from gongji.domain.codes import Sex
    from gongji.service import people

    cmd = guard(
        lambda: people.RegisterPerson(
            certno,
            name,
            phone=phone,
            address=address,
            sex=Sex.parse(sex) if sex else None,
            birth_date=read_date(birth_date, "birth_date"),
            naty=naty,
        ),
        as_json,
    )
    view = run(lambda ctx: people.register_person(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_person(view)


@person_app.command("show")
def person_show(ref: Ref, as_json: JsonOpt = False) -> None:
    """查看人员 Show a person with contact details and enrollments."""
    from gongji.service import people

    view = run(lambda ctx: people.show_person(ctx, ref), as_json)
    print_json(view) if as_json else show_person(view)


@person_app.command("list")
def person_list(
    name: Annotated[str | None, typer.Option(help="姓名包含 Name contains")] = None,
    limit: Annotated[int, typer.Option(help="最多条数 At most this many")] = 100,
    offset: Annotated[int, typer.Option(help="跳过条数 Skip this many")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """人员列表 List people (ID numbers masked)."""
    from gongji.service import people

    views = run(lambda ctx: people.list_people(ctx, limit=limit, offset=offset, name=name), as_json)
    if as_json:
        print_json(views)
        return
    console.print(
        table(
            f"参保人员 People ({len(views)})",
            ["人员编号 Person no.", "姓名 Name", "身份证号 ID number", "性别 Sex", "年龄 Age", "参保 Enrollments"],
            [
                [
                    v.psn_no,
                    v.name,
                    mask_id_number(v.certno),
                    v.sex_zh,
                    v.age,
                    "; ".join(f"{e.insutype} {e.pooling_region_zh} {e.status_zh}" for e in v.enrollments),
                ]
                for v in views
            ],
            numeric=[4],
        )
    )


@person_app.command("contact")
def person_contact(
    ref: Ref,
    phone: Annotated[str | None, typer.Option(help="新电话 New phone")] = None,
    address: Annotated[str | None, typer.Option(help="新地址 New address")] = None,
    since: Annotated[str | None, typer.Option(help="生效日期 Effective from YYYY-MM-DD (default today)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """变更联系方式 Change phone or address (every change is kept with its date)."""
    from gongji.service import people

    cmd = guard(lambda: people.UpdateContact(ref, phone, address, read_date(since, "since")), as_json)
    view = run(lambda ctx: people.update_contact(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_person(view)


@person_app.command("suspend")
def person_suspend(
    ref: Ref,
    reason: Annotated[str, typer.Option(help="原因 Why (e.g. 出借医保卡)")],
    operator: Annotated[str, typer.Option(help="经办人 Operator")],
    since: Annotated[str | None, typer.Option(help="起 From YYYY-MM-DD (default today)")] = None,
    until: Annotated[str | None, typer.Option(help="止 Until YYYY-MM-DD (default: until lifted)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """暂停联网结算 Suspend a person's networked settlement."""
    from gongji.service import suspension

    cmd = guard(
        lambda: suspension.SuspendPerson(ref, reason, operator, read_date(since, "since"), read_date(until, "until")),
        as_json,
    )
    views = run(lambda ctx: suspension.suspend_person(ctx, cmd, key=new_key(key)), as_json)
    _print_suspensions(views, as_json)


@person_app.command("resume")
def person_resume(
    ref: Ref,
    operator: Annotated[str, typer.Option(help="经办人 Operator")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """恢复联网结算 Lift the suspension in force."""
    from gongji.service import suspension

    cmd = suspension.LiftSuspension(ref, operator)
    views = run(lambda ctx: suspension.lift_suspension(ctx, cmd, key=new_key(key)), as_json)
    _print_suspensions(views, as_json)


def _print_suspensions(views: list[SuspensionView], as_json: bool) -> None:
    if as_json:
        print_json(views)
        return
    console.print(
        table(
            "暂停联网结算 Suspensions",
            ["姓名 Name", "原因 Reason", "起 Since", "止 Until", "经办 Operator", "恢复 Lifted"],
            [
                [
                    v.name,
                    v.reason,
                    v.since,
                    v.until,
                    v.operator,
                    v.lifted_at and f"{v.lifted_at:%Y-%m-%d %H:%M} {v.lifted_by}",
                ]
                for v in views
            ],
        )
    )
