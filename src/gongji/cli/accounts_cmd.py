"""``gongji account``, ``gongji rollover`` and ``gongji audit``: personal accounts, the yearly rollover, and the
ledger's invariants."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from gongji.domain.money import parse_yuan
from gongji.domain.regions import region_name

from .common import AMOUNT_ARGUMENT, guard, new_key, read_date, run
from .output import console, print_json, table, yuan
from .people_cmd import JsonOpt, KeyOpt, Ref

if TYPE_CHECKING:
    from gongji.service.audit import AuditReport
    from gongji.service.context import Context
    from gongji.service.views import BalancesView, JournalView, StatementView

__all__ = ["account_app", "audit_cmd", "rollover_cmd", "show_audit"]

account_app = typer.Typer(help="个人账户 Personal accounts.", no_args_is_help=True)


def _show_journal(view: JournalView) -> None:
    title = f"记账凭证 Journal {view.journal_id} · {view.kind_zh} {view.kind} · {view.booked_at:%Y-%m-%d %H:%M}"
    if view.reverses_journal_id:
        title += f" · 冲销 reverses {view.reverses_journal_id}"
    console.print(
        table(
            title,
            ["#", "借方（付出）From", "贷方（收入）To", "金额 Amount", "付出后余额 From after", "收入后余额 To after"],
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


# The choices of --part and --kind are the values of gongji.service.accounts.Part and CreditKind, spelt out so that
# --help imports no use case (a test checks they agree).
@account_app.command("credit", context_settings=AMOUNT_ARGUMENT)
def account_credit(
    ref: Ref,
    amount: Annotated[str, typer.Argument(help="金额（元）Amount in yuan, e.g. 800.00")],
    reference: Annotated[str, typer.Option(help="凭证号或说明 Reference (contribution batch, document)")],
    part: Annotated[Literal["current-year", "prior-years"], typer.Option(help="记入 Into which part")] = "current-year",
    kind: Annotated[Literal["contribution", "opening-balance"], typer.Option(help="来源 Source")] = "contribution",
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """个人账户划入 Credit an employee's personal account."""
    from gongji.service import accounts

    amount_fen = guard(lambda: parse_yuan(amount, allow_zero=False), as_json)
    cmd = accounts.CreditAccount(ref, amount_fen, reference, accounts.Part(part), accounts.CreditKind(kind))
    view = run(lambda ctx: accounts.credit_account(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_journal(view)


@account_app.command("reverse")
def account_reverse(
    journal_id: Annotated[int, typer.Argument(help="要冲销的凭证号 Journal to reverse")],
    reason: Annotated[str, typer.Option(help="冲销原因 Why")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """冲销 Reverse a credit with a mirror journal."""
    from gongji.service import accounts

    cmd = accounts.ReverseJournal(journal_id, reason)
    view = run(lambda ctx: accounts.reverse_journal(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_journal(view)


@account_app.command("balance")
def account_balance(
    ref: Ref,
    on: Annotated[str | None, typer.Option(help="截至某日日终 As of the end of YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """账户余额 Balances now or at the end of a day."""
    from gongji.service.account_query import balances

    day = guard(lambda: read_date(on, "on"), as_json)
    view = run(lambda ctx: balances(ctx, ref, on=day), as_json)
    print_json(view) if as_json else _show_balances(view)


@account_app.command("statement")
def account_statement(
    ref: Ref,
    start: Annotated[str | None, typer.Option("--from", help="起 From YYYY-MM-DD (default 1 January)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="止 To YYYY-MM-DD (default today)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """账户明细 Every movement with the balance after it."""
    from gongji.service.account_query import statement

    def statement_of(ctx: Context) -> StatementView:
        today = ctx.clock.today()
        first = read_date(start, "from") or date(today.year, 1, 1)
        last = read_date(end, "to") or today
        return statement(ctx, ref, start=first, end=last)

    view = run(statement_of, as_json)
    print_json(view) if as_json else _show_statement(view)


def _show_statement(view: StatementView) -> None:
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
    journal_id: Annotated[int, typer.Argument(help="凭证号 Journal id")], as_json: JsonOpt = False
) -> None:
    """查看记账凭证 Show a journal and its transfers."""
    from gongji.service.account_query import journal_view

    view = run(lambda ctx: ctx.read(lambda uow: journal_view(uow, journal_id)), as_json)
    print_json(view) if as_json else _show_journal(view)


def rollover_cmd(
    year: Annotated[int, typer.Option(help="结转进入的年度 The year being rolled into (on 1 January)")],
    as_json: JsonOpt = False,
) -> None:
    """年度结转 Move every current-year balance to the prior-years part (idempotent)."""
    from gongji.service.account_rollover import rollover

    result = run(lambda ctx: rollover(ctx, year), as_json)
    if as_json:
        print_json(result)
        return
    console.print(
        f"{result.year} 年度结转 rollover: 检查账户 accounts examined {result.accounts_examined}, "
        f"凭证 journals {result.journals_written}, 结转金额 moved {yuan(result.amount_moved_fen)}"
    )


def show_audit(report: AuditReport) -> None:
    """The audit's counts, then every broken invariant (or that every one holds)."""
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


def audit_cmd(as_json: JsonOpt = False) -> None:
    """审计 Check every ledger invariant; exit 1 with a precise report if one fails."""
    import dataclasses

    from gongji.service.audit import audit

    report = run(audit, as_json)
    if as_json:
        print_json({**dataclasses.asdict(report), "clean": report.clean})
    else:
        show_audit(report)
    if not report.clean:
        raise typer.Exit(1)
