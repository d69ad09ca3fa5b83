"""The ``gongji`` command: every use case from a terminal, as Rich tables or ``--json``.

Errors say what was wrong, in Chinese and English, and change nothing; the exit status is 0 on success,
1 when a rule refuses or something is not found, and 2 when the input is malformed.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, TypeVar

import typer

from gongji.domain.codes import EndReason, Insutype, PsnType, Sex
from gongji.domain.identity import mask_id_number
from gongji.domain.money import parse_yuan
from gongji.domain.regions import region_name
from gongji.service import accounts, enrollment, people, suspension
from gongji.service.audit import AuditReport, audit
from gongji.service.context import Context
from gongji.service.demo import load_demo
from gongji.service.views import BalancesView, JournalView, PersonView, StatementView
from gongji.store.engine import make_engine
from gongji.store.migrate import current_revision, upgrade

from .catalogue_cmd import catalogue_app, institution_app
from .common import guard, new_key, read_date, run, settings
from .output import console, print_json, table, yuan
from .relations_cmd import proxy_app, relation_app, show_family, show_why
from .rules_cmd import rules_app
from .serve_cmd import his_sim, serve
from .settle_cmd import claim_app, settle_app, show_settlement, visit_app
from .token_cmd import token_app

__all__ = ["app", "main"]

T = TypeVar("T")

app = typer.Typer(
    name="gongji",
    help="共济 gongji：职工医保个人账户家庭共济 — family mutual aid on medical-insurance personal accounts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="数据库 Database schema.", no_args_is_help=True)
person_app = typer.Typer(help="参保人员 People.", no_args_is_help=True)
enroll_app = typer.Typer(help="参保登记 Enrollment.", no_args_is_help=True)
account_app = typer.Typer(help="个人账户 Personal accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(person_app, name="person")
app.add_typer(enroll_app, name="enroll")
app.add_typer(account_app, name="account")
app.add_typer(rules_app, name="rules")
app.add_typer(relation_app, name="relation")
app.add_typer(proxy_app, name="proxy")
app.add_typer(institution_app, name="institution")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(visit_app, name="visit")
app.add_typer(settle_app, name="settle")
app.add_typer(claim_app, name="claim")
app.add_typer(token_app, name="token")
app.command("serve")(serve)
app.command("his-sim")(his_sim)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", help="幂等键 Idempotency key: the same key and request replay the first outcome."),
]


# --- db ------------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """创建或升级数据库结构 Create or upgrade the database schema (Alembic)."""
    engine = make_engine(settings().database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        url = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    if before == after:
        console.print(f"数据库已是最新版本 Database already at revision {after} ({url})")
    else:
        console.print(f"数据库已升级 Database upgraded {before or '(empty)'} → {after} ({url})")


# --- people --------------------------------------------------------------------------------------------


def _show_person(view: PersonView) -> None:
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
    if view.enrollments:
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
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记参保人员 Register a person."""
    cmd = guard(
        lambda: people.RegisterPerson(
            certno,
            name,
            phone=phone,
            address=address,
            sex=Sex.parse(sex) if sex else None,
            birth_date=read_date(birth_date, "birth_date"),
        ),
        as_json,
    )
    view = run(lambda ctx: people.register_person(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_person(view)


@person_app.command("show")
def person_show(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    as_json: JsonOpt = False,
) -> None:
    """查看人员 Show a person with contact details and enrollments."""
    view = run(lambda ctx: people.show_person(ctx, ref), as_json)
    print_json(view) if as_json else _show_person(view)


@person_app.command("list")
def person_list(
    name: Annotated[str | None, typer.Option(help="姓名包含 Name contains")] = None,
    limit: Annotated[int, typer.Option(help="最多条数 At most this many")] = 100,
    offset: Annotated[int, typer.Option(help="跳过条数 Skip this many")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """人员列表 List people."""
    views = run(lambda ctx: people.list_people(ctx, limit=limit, offset=offset, name=name), as_json)
    if as_json:
        print_json(views)
        return
    console.print(
        table(
            f"参保人员 People ({len(views)})",
            [
                "人员编号 Person no.",
                "姓名 Name",
                "身份证号 ID number",
                "性别 Sex",
                "年龄 Age",
                "参保 Enrollments",
            ],
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
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    phone: Annotated[str | None, typer.Option(help="新电话 New phone")] = None,
    address: Annotated[str | None, typer.Option(help="新地址 New address")] = None,
    since: Annotated[str | None, typer.Option(help="生效日期 Effective from YYYY-MM-DD (default today)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """变更联系方式 Change phone or address (every change is kept with its date)."""
    cmd = guard(lambda: people.UpdateContact(ref, phone, address, read_date(since, "since")), as_json)
    view = run(lambda ctx: people.update_contact(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_person(view)


@person_app.command("suspend")
def person_suspend(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    reason: Annotated[str, typer.Option(help="原因 Why (e.g. 出借医保卡)")],
    operator: Annotated[str, typer.Option(help="经办人 Operator")],
    since: Annotated[str | None, typer.Option(help="起 From YYYY-MM-DD (default today)")] = None,
    until: Annotated[str | None, typer.Option(help="止 Until YYYY-MM-DD (default: until lifted)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """暂停联网结算 Suspend a person's networked settlement."""
    cmd = guard(
        lambda: suspension.SuspendPerson(ref, reason, operator, read_date(since, "since"), read_date(until, "until")),
        as_json,
    )
    views = run(lambda ctx: suspension.suspend_person(ctx, cmd, key=new_key(key)), as_json)
    _print_suspensions(views, as_json)


@person_app.command("resume")
def person_resume(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    operator: Annotated[str, typer.Option(help="经办人 Operator")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """恢复联网结算 Lift the suspension in force."""
    views = run(
        lambda ctx: suspension.lift_suspension(ctx, suspension.LiftSuspension(ref, operator), key=new_key(key)), as_json
    )
    _print_suspensions(views, as_json)


def _print_suspensions(views: list[suspension.SuspensionView], as_json: bool) -> None:
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


# --- enrollment ----------------------------------------------------------------------------------------

InsutypeOpt = Annotated[str, typer.Option("--insutype", help="险种 Insurance type: 310 employee, 390 resident …")]


@enroll_app.command("add")
def enroll_add(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    insutype: InsutypeOpt,
    psn_type: Annotated[str, typer.Option("--psn-type", help="人员类别 Person type: 1101, 1201, 1403, 1501 …")],
    region: Annotated[str, typer.Option("--region", help="统筹区 Pooling region code, e.g. 130100")],
    since: Annotated[str, typer.Option(help="参保日期 Enrolled from YYYY-MM-DD")],
    employer: Annotated[str | None, typer.Option(help="参保单位 Employer (employee insurance only)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """参保登记 Enroll a person (310 also opens the personal account)."""

    def build() -> enrollment.Enroll:
        on = read_date(since, "since")
        assert on is not None
        return enrollment.Enroll(ref, Insutype.parse(insutype), PsnType.parse(psn_type), region, on, employer)

    cmd = guard(build, as_json)
    view = run(lambda ctx: enrollment.enroll(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_person(view)


@enroll_app.command("pause")
def enroll_pause(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    insutype: InsutypeOpt,
    on: Annotated[str, typer.Option(help="暂停日期 From YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="原因 Reason: contributions_stopped, other")] = "contributions_stopped",
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """暂停参保 Pause an enrollment."""

    def build() -> enrollment.PauseEnrollment:
        day = read_date(on, "on")
        assert day is not None
        return enrollment.PauseEnrollment(ref, Insutype.parse(insutype), day, EndReason.parse(reason))

    cmd = guard(build, as_json)
    view = run(lambda ctx: enrollment.pause_enrollment(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_person(view)


@enroll_app.command("resume")
def enroll_resume(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    insutype: InsutypeOpt,
    on: Annotated[str, typer.Option(help="恢复日期 From YYYY-MM-DD")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """恢复参保 Resume a paused enrollment."""

    def build() -> enrollment.ResumeEnrollment:
        day = read_date(on, "on")
        assert day is not None
        return enrollment.ResumeEnrollment(ref, Insutype.parse(insutype), day)

    cmd = guard(build, as_json)
    view = run(lambda ctx: enrollment.resume_enrollment(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_person(view)


@enroll_app.command("terminate")
def enroll_terminate(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    reason: Annotated[str, typer.Option(help="原因 Reason: death, emigration, duplicate, other")],
    on: Annotated[str, typer.Option(help="终止日期 On YYYY-MM-DD")],
    insutype: Annotated[str | None, typer.Option(help="险种 Insurance type (all for death/emigration)")] = None,
    note: Annotated[str | None, typer.Option(help="备注 Note")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """终止参保 Terminate an enrollment (death and emigration end all of them)."""

    def build() -> enrollment.TerminateEnrollment:
        day = read_date(on, "on")
        assert day is not None
        return enrollment.TerminateEnrollment(
            ref, day, EndReason.parse(reason), Insutype.parse(insutype) if insutype else None, note
        )

    cmd = guard(build, as_json)
    view = run(lambda ctx: enrollment.terminate_enrollment(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_person(view)


@enroll_app.command("move")
def enroll_move(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    insutype: InsutypeOpt,
    to: Annotated[str, typer.Option("--to", help="转入统筹区 Destination pooling region")],
    on: Annotated[str, typer.Option(help="转移日期 On YYYY-MM-DD")],
    employer: Annotated[str | None, typer.Option(help="新单位 New employer")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """转移接续 Move an enrollment (and the personal account) to another pooling region."""

    def build() -> enrollment.MoveRegion:
        day = read_date(on, "on")
        assert day is not None
        return enrollment.MoveRegion(ref, Insutype.parse(insutype), to, day, employer)

    cmd = guard(build, as_json)
    view = run(lambda ctx: enrollment.move_region(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_person(view)


@enroll_app.command("show")
def enroll_show(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    as_json: JsonOpt = False,
) -> None:
    """参保记录及变更 Show a person's enrollments and their history."""
    view = run(lambda ctx: people.show_person(ctx, ref), as_json)
    if as_json:
        print_json(view.enrollments)
        return
    _show_person(view)
    for e in view.enrollments:
        console.print(
            table(
                f"{e.insutype} {e.insutype_zh} · {e.pooling_region_zh}：变更记录 History",
                ["日期 On", "事件 Event", "原因 Reason", "备注 Note"],
                [[ev.on, ev.kind, ev.reason_zh, ev.note] for ev in e.events],
            )
        )


# --- accounts ------------------------------------------------------------------------------------------


def _show_journal(view: JournalView) -> None:
    title = f"记账凭证 Journal {view.journal_id} · {view.kind_zh} {view.kind} · {view.booked_at:%Y-%m-%d %H:%M}"
    if view.reverses_journal_id:
        title += f" · 冲销 reverses {view.reverses_journal_id}"
    console.print(
        table(
            title,
            [
                "#",
                "借方（付出）From",
                "贷方（收入）To",
                "金额 Amount",
                "付出后余额 From after",
                "收入后余额 To after",
            ],
            [
                [
                    t.seq,
                    t.debit_account,
                    t.credit_account,
                    yuan(t.amount_fen),
                    yuan(t.debit_balance_after_fen),
                    yuan(t.credit_balance_after_fen),
                ]
                for t in view.transfers
            ],
            numeric=[3, 4, 5],
        )
    )


def _show_balances(view: BalancesView) -> None:
    console.print(
        table(
            f"{view.name} 账户余额 Balances · {view.as_of:%Y-%m-%d %H:%M}",
            ["账户 Account", "统筹区 Region", "所属年度 Year", "余额 Balance"],
            [
                [a.kind_zh, f"{a.region} {region_name(a.region)}", a.period_year, yuan(a.balance_fen)]
                for a in view.accounts
            ]
            + [["个人账户合计 Personal account total", "", "", yuan(view.personal_account_fen)]],
            numeric=[3],
        )
    )


@account_app.command("credit")
def account_credit(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    amount: Annotated[str, typer.Argument(help="金额（元）Amount in yuan, e.g. 800.00")],
    reference: Annotated[str, typer.Option(help="凭证号或说明 Reference (contribution batch, document)")],
    part: Annotated[accounts.Part, typer.Option(help="记入 Into which part")] = accounts.Part.CURRENT_YEAR,
    kind: Annotated[accounts.CreditKind, typer.Option(help="来源 Source")] = accounts.CreditKind.CONTRIBUTION,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """个人账户划入 Credit an employee's personal account."""
    amount_fen = guard(lambda: parse_yuan(amount, allow_zero=False), as_json)
    cmd = accounts.CreditAccount(ref, amount_fen, reference, part, kind)
    view = run(lambda ctx: accounts.credit_account(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_journal(view)


@account_app.command("open-wallet")
def account_open_wallet(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """开通医保钱包 Open a person's wallet (idempotent)."""
    view = run(lambda ctx: accounts.open_wallet(ctx, accounts.OpenWallet(ref), key=new_key(key)), as_json)
    print_json(view) if as_json else _show_balances(view)


@account_app.command("reverse")
def account_reverse(
    journal_id: Annotated[int, typer.Argument(help="要冲销的凭证号 Journal to reverse")],
    reason: Annotated[str, typer.Option(help="冲销原因 Why")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """冲销 Reverse a credit with a mirror journal."""
    cmd = accounts.ReverseJournal(journal_id, reason)
    view = run(lambda ctx: accounts.reverse_journal(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_journal(view)


@account_app.command("balance")
def account_balance(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    on: Annotated[str | None, typer.Option(help="截至某日日终 As of the end of YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """账户余额 Balances now or at the end of a day."""
    day = guard(lambda: read_date(on, "on"), as_json)
    view = run(lambda ctx: accounts.balances(ctx, ref, on=day), as_json)
    print_json(view) if as_json else _show_balances(view)


@account_app.command("statement")
def account_statement(
    ref: Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")],
    start: Annotated[str | None, typer.Option("--from", help="起 From YYYY-MM-DD (default 1 January)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="止 To YYYY-MM-DD (default today)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """账户明细 Every movement with the balance after it."""

    def statement_of(ctx: Context) -> StatementView:
        today = ctx.clock.today()
        first = read_date(start, "from") or date(today.year, 1, 1)
        last = read_date(end, "to") or today
        return accounts.statement(ctx, ref, start=first, end=last)

    view = run(statement_of, as_json)
    if as_json:
        print_json(view)
        return
    console.print(
        table(
            f"{view.name} 账户明细 Statement {view.start} — {view.end}",
            [
                "时间 When",
                "凭证 Journal",
                "业务 Kind",
                "账户 Account",
                "对方 Counterparty",
                "金额 Amount",
                "余额 Balance after",
                "摘要 Reference",
                "为谁支付 Paid for",
            ],
            [
                [
                    f"{line.booked_at:%Y-%m-%d %H:%M}",
                    line.journal_id,
                    line.kind_zh,
                    line.account_zh,
                    line.counterparty_zh,
                    ("+" if line.amount_fen > 0 else "") + yuan(line.amount_fen),
                    yuan(line.balance_after_fen),
                    line.reference,
                    f"共济 {line.paid_for}" if line.paid_for else "",
                ]
                for line in view.lines
            ],
            numeric=[1, 5, 6],
        )
    )
    console.print(f"期初 Opening {yuan(view.opening_fen)}    期末 Closing {yuan(view.closing_fen)}")


@account_app.command("journal")
def account_journal(
    journal_id: Annotated[int, typer.Argument(help="凭证号 Journal id")],
    as_json: JsonOpt = False,
) -> None:
    """查看记账凭证 Show a journal and its transfers."""
    view = run(lambda ctx: ctx.read(lambda uow: accounts.journal_view(uow, journal_id)), as_json)
    print_json(view) if as_json else _show_journal(view)


# --- batch, audit, demo --------------------------------------------------------------------------------


@app.command("rollover")
def rollover_cmd(
    year: Annotated[int, typer.Option(help="结转进入的年度 The year being rolled into (on 1 January)")],
    as_json: JsonOpt = False,
) -> None:
    """年度结转 Move every current-year balance to the prior-years part (idempotent)."""
    result = run(lambda ctx: accounts.rollover(ctx, year), as_json)
    if as_json:
        print_json(result)
        return
    console.print(
        f"{result.year} 年度结转 rollover: 检查账户 accounts examined {result.accounts_examined}, "
        f"凭证 journals {result.journals_written}, 结转金额 moved {yuan(result.amount_moved_fen)}"
    )


def _show_audit(report: AuditReport) -> None:
    console.print(
        f"审计 Audit: 账户 accounts {report.accounts}, 凭证 journals {report.journals}, "
        f"转账 transfers {report.transfers}"
    )
    if report.clean:
        console.print("[green]全部不变量成立 Every invariant holds.[/]")
        return
    console.print(
        table(
            f"[red]违反的不变量 Broken invariants ({len(report.findings)})[/]",
            ["规则 Rule", "对象 Subject", "应为 Expected", "实为 Found"],
            [[f.rule, f.subject, f.expected, f.found] for f in report.findings],
        )
    )


@app.command("audit")
def audit_cmd(as_json: JsonOpt = False) -> None:
    """审计 Check every ledger invariant; exit 1 with a precise report if one fails."""
    report = run(audit, as_json)
    if as_json:
        print_json({**dataclasses.asdict(report), "clean": report.clean})
    else:
        _show_audit(report)
    if not report.clean:
        raise typer.Exit(1)


@app.command("demo")
def demo_cmd(as_json: JsonOpt = False) -> None:
    """演示数据 Load the demo family (idempotent) and show who is who and every balance."""
    result = run(load_demo, as_json)
    if as_json:
        print_json(
            {
                "people": [view for _, view in result.people],
                "balances": result.balances,
                "families": result.families,
                "sister_refusal": result.sister_refusal.to_dict(),
                "proxy_only": result.proxy_only,
                "settlements": [{"title": title, "settlement": view} for title, view in result.settlements],
            }
        )
        return
    console.print(
        table(
            "演示家庭 The demo family",
            [
                "姓名 Name",
                "身份 Who",
                "身份证号 ID number",
                "性别 Sex",
                "年龄 Age",
                "险种 Insurance",
                "人员类别 Type",
                "统筹区 Region",
            ],
            [
                [
                    view.name,
                    member.role_zh,
                    view.certno,
                    view.sex_zh,
                    view.age,
                    f"{member.insutype.value} {member.insutype.zh}",
                    f"{member.psn_type.value} {member.psn_type.zh}",
                    f"{member.region} {region_name(member.region)}",
                ]
                for member, view in result.people
            ],
            numeric=[4],
        )
    )
    console.print(
        table(
            "账户余额 Balances",
            ["姓名 Name", "历年 Prior years", "当年 Current year", "个人账户合计 Total"],
            [
                [b.name, yuan(b.prior_years_fen), yuan(b.current_year_fen), yuan(b.personal_account_fen)]
                for b in result.balances
                if b.accounts
            ],
            numeric=[1, 2, 3],
        )
    )
    without = [b.name for b in result.balances if not b.accounts]
    if without:
        console.print(f"没有个人账户（城乡居民） No personal account (residents): {'、'.join(without)}")
    console.print()
    for view in result.families:
        show_family(view)
        console.print()
    console.print(
        "张建国 想为在北京参保的妹妹张丽绑定家庭共济 — 张建国 asks to bind his sister 张丽, insured in Beijing:"
    )
    console.print(f"[bold red]拒绝 {result.sister_refusal.code.name}[/]：{result.sister_refusal.message_zh}")
    console.print(f"[red]Refused:[/] {result.sister_refusal.message_en}")
    console.print()
    console.print("张建国 为母亲赵桂兰开通的是亲情账户 — 张建国 only has a proxy link (亲情账户) to his mother:")
    show_why(result.proxy_only)
    console.print()
    for title, settled in result.settlements:
        console.rule(title)
        show_settlement(settled, rules=False)
        console.print()
    _show_audit(run(audit, as_json))


def main() -> None:
    """Entry point of the ``gongji`` console script."""
    app()
