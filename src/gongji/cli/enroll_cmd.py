"""``gongji enroll``: enrollments (参保登记) — add, pause, resume, terminate, move, and their history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from .common import guard, new_key, read_date, run
from .output import console, print_json, table
from .people_cmd import JsonOpt, KeyOpt, Ref, show_person

if TYPE_CHECKING:
    from gongji.service.context import Context
    from gongji.service.views import PersonView

__all__ = ["enroll_app"]

enroll_app = typer.Typer(help="参保登记 Enrollment.", no_args_is_help=True)

C = TypeVar("C")

InsutypeOpt = Annotated[str, typer.Option("--insutype", help="险种 Insurance type: 310 employee, 390 resident …")]


def _day(text: str, field: str) -> date:
    """A required YYYY-MM-DD option."""
    day = read_date(text, field)
    assert day is not None
    return day


def _change(build: Callable[[], C], use: Callable[[Context, C], PersonView], as_json: bool) -> None:
    """Read the command's input (malformed: exit 2), run it, and show the person as it left him."""
    cmd = guard(build, as_json)
    view = run(lambda ctx: use(ctx, cmd), as_json)
    print_json(view) if as_json else show_person(view)


@enroll_app.command("add")
def enroll_add(
    ref: Ref,
    insutype: InsutypeOpt,
    psn_type: Annotated[str, typer.Option("--psn-type", help="人员类别 Person type: 1101, 1201, 1403, 1501 …")],
    region: Annotated[str, typer.Option("--region", help="统筹区 Pooling region code, e.g. 130100")],
    since: Annotated[str, typer.Option(help="参保日期 Enrolled from YYYY-MM-DD")],
    employer: Annotated[str | None, typer.Option(help="参保单位 Employer (employee insurance only)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """参保登记 Enroll a person (310 also opens the personal account)."""
    from gongji.domain.codes import Insutype, PsnType
    from gongji.service import enrollment

    _change(
        lambda: enrollment.Enroll(
            ref, Insutype.parse(insutype), PsnType.parse(psn_type), region, _day(since, "since"), employer
        ),
        lambda ctx, cmd: enrollment.enroll(ctx, cmd, key=new_key(key)),
        as_json,
    )


@enroll_app.command("pause")
def enroll_pause(
    ref: Ref,
    insutype: InsutypeOpt,
    on: Annotated[str, typer.Option(help="暂停日期 From YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="原因 Reason: contributions_stopped, other")] = "contributions_stopped",
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """暂停参保 Pause an enrollment."""
    from gongji.domain.codes import EndReason, Insutype
    from gongji.service import enrollment

    _change(
        lambda: enrollment.PauseEnrollment(ref, Insutype.parse(insutype), _day(on, "on"), EndReason.parse(reason)),
        lambda ctx, cmd: enrollment.pause_enrollment(ctx, cmd, key=new_key(key)),
        as_json,
    )


@enroll_app.command("resume")
def enroll_resume(
    ref: Ref,
    insutype: InsutypeOpt,
    on: Annotated[str, typer.Option(help="恢复日期 From YYYY-MM-DD")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """恢复参保 Resume a paused enrollment."""
    from gongji.domain.codes import Insutype
    from gongji.service import enrollment

    _change(
        lambda: enrollment.ResumeEnrollment(ref, Insutype.parse(insutype), _day(on, "on")),
        lambda ctx, cmd: enrollment.resume_enrollment(ctx, cmd, key=new_key(key)),
        as_json,
    )


@enroll_app.command("terminate")
def enroll_terminate(
    ref: Ref,
    reason: Annotated[str, typer.Option(help="原因 Reason: death, emigration, duplicate, other")],
    on: Annotated[str, typer.Option(help="终止日期 On YYYY-MM-DD")],
    insutype: Annotated[str | None, typer.Option(help="险种 Insurance type (all for death/emigration)")] = None,
    note: Annotated[str | None, typer.Option(help="备注 Note")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """终止参保 Terminate an enrollment (death and emigration end all of them)."""
    from gongji.domain.codes import EndReason, Insutype
    from gongji.service import enrollment

    _change(
        lambda: enrollment.TerminateEnrollment(
            ref, _day(on, "on"), EndReason.parse(reason), Insutype.parse(insutype) if insutype else None, note
        ),
        lambda ctx, cmd: enrollment.terminate_enrollment(ctx, cmd, key=new_key(key)),
        as_json,
    )


@enroll_app.command("move")
def enroll_move(
    ref: Ref,
    insutype: InsutypeOpt,
    to: Annotated[str, typer.Option("--to", help="转入统筹区 Destination pooling region")],
    on: Annotated[str, typer.Option(help="转移日期 On YYYY-MM-DD")],
    employer: Annotated[str | None, typer.Option(help="新单位 New employer")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """转移接续 Move an enrollment (and the personal account) to another pooling region."""
    from gongji.domain.codes import Insutype
    from gongji.service import enrollment

    _change(
        lambda: enrollment.MoveRegion(ref, Insutype.parse(insutype), to, _day(on, "on"), employer),
        lambda ctx, cmd: enrollment.move_region(ctx, cmd, key=new_key(key)),
        as_json,
    )


@enroll_app.command("show")
def enroll_show(ref: Ref, as_json: JsonOpt = False) -> None:
    """参保记录及变更 Show a person's enrollments and their history."""
    from gongji.service import people

    view = run(lambda ctx: people.show_person(ctx, ref), as_json)
    if as_json:
        print_json(view.enrollments)
        return
    show_person(view)
    for e in view.enrollments:
        console.print(
            table(
                f"{e.insutype} {e.insutype_zh} · {e.pooling_region_zh}：变更记录 History",
                ["日期 On", "事件 Event", "原因 Reason", "备注 Note"],
                [[ev.on, ev.kind, ev.reason_zh, ev.note] for ev in e.events],
            )
        )
