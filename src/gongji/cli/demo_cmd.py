"""``gongji demo``: load the demo family (idempotent) and say what it did — a short summary, or every table with
``--verbose``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from gongji.domain.regions import region_name

from .accounts_cmd import show_audit
from .common import command_name, run
from .output import console, print_json, table, yuan
from .people_cmd import JsonOpt
from .relations_cmd import show_family, show_why
from .settle_output import show_reversal, show_settlement

if TYPE_CHECKING:
    from gongji.domain.errors import GongjiError
    from gongji.service.audit import AuditReport
    from gongji.service.demo import DemoResult
    from gongji.service.settlement import SettlementView
    from gongji.service.views import WhyView

__all__ = ["demo_cmd"]

VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="全部表格 Every table (people, families, bills)")]


def demo_cmd(verbose: VerboseOpt = False, as_json: JsonOpt = False) -> None:
    """演示数据 Load the demo family (idempotent) and summarise it: who is who, the two refusals, one bill."""
    from gongji.service.audit import audit
    from gongji.service.demo import load_demo

    result = run(load_demo, as_json)
    report = run(audit, as_json)
    if as_json:
        print_json(_as_json(result))
    elif verbose:
        _show_everything(result, report)
    else:
        _show_summary(result, report)


def _as_json(result: DemoResult) -> dict[str, object]:
    return {
        "people": [view for _, view in result.people],
        "balances": result.balances,
        "families": result.families,
        "sister_refusal": result.sister_refusal.to_dict(),
        "proxy_only": result.proxy_only,
        "settlements": [{"title": title, "settlement": view} for title, view in result.settlements],
        "wallet": {
            "transfer": result.wallet.transfer,
            "nephew_refusal": result.wallet.nephew_refusal.to_dict(),
            "quiet_hours_refusal": result.wallet.quiet_hours_refusal.to_dict(),
            "purchase": result.wallet.purchase,
        },
    }


# --- the summary ---------------------------------------------------------------------------------------------------


def _show_summary(result: DemoResult, report: AuditReport) -> None:
    """A screenful: the family, their bindings, the two refusals people meet most, one bill, the audit."""
    _show_people(result)
    bound = [
        f"{r.authoriser} → {r.beneficiary}（{r.relation_zh}）"
        for family in result.families
        for r in family.i_pay_for
        if r.state == "effective"
    ]
    proxies = [f"{p.owner} → {p.relative}" for p in result.families[0].proxy_links]
    console.print(f"家庭共济 Mutual aid: {'、'.join(bound)}；亲情账户 proxy link: {'、'.join(proxies)}")
    console.print()
    _show_refused("张建国 想绑定在北京参保的妹妹 张丽 — 张建国 asks to bind his sister 张丽, insured in Beijing:")
    _show_error(result.sister_refusal)
    _show_refused("张建国 的亲情账户能否为母亲 赵桂兰 付费？— Can 张建国's proxy link pay for his mother 赵桂兰?")
    _show_checks(result.proxy_only)
    _show_wallet(result)
    console.print()
    title, first = result.settlements[0]
    console.print(f"[bold]{title}[/]")
    console.print(_split(first), markup=False)
    reversals = sum(1 for _, view in result.settlements if view.balances_after_reversal is not None)
    others = len(result.settlements) - 1 - reversals
    gongji = command_name()
    console.print(
        f"另有 {others} 笔结算，其中 {reversals} 笔已撤销；全部表格：{gongji} demo --verbose；"
        f"这笔结算的说明：{gongji} settle explain {first.setl_id}\n"
        f"{others} more settlements, {reversals} of them reversed; every table: {gongji} demo --verbose; "
        f"how this one was split: {gongji} settle explain {first.setl_id}",
        markup=False,
    )
    show_audit(report)


def _show_wallet(result: DemoResult) -> None:
    """The cross-province route: 张丽's transfer to her mother, what it paid, and the two refusals."""
    sent, bought = result.wallet.transfer, result.wallet.purchase
    console.print(
        f"医保钱包 Wallet: {sent.sender}（{sent.sender_region} {region_name(sent.sender_region)}）→ "
        f"{sent.receiver}（{sent.receiver_region} {region_name(sent.receiver_region)}）{yuan(sent.amount_fen)}，"
        f"{sent.status_zh} {sent.status}；药店购药由钱包支付 paid at the pharmacy through the wallet: "
        f"{yuan(bought.amounts['acct_mulaid_pay'])}",
        markup=False,
    )
    _show_refused("张丽 向侄子 张小明 的钱包转账 — 张丽 sends to her nephew 张小明's wallet:")
    _show_error(result.wallet.nephew_refusal)
    _show_refused("张丽 22:30 再向母亲转账 — 张丽 sends her mother more at 22:30:")
    _show_error(result.wallet.quiet_hours_refusal)


def _show_people(result: DemoResult) -> None:
    balances = {b.name: b for b in result.balances}
    rows = []
    for member, view in result.people:
        balance = balances.get(view.name)
        account = yuan(balance.personal_account_fen) if balance is not None and balance.accounts else "—"
        rows.append(
            [
                view.name,
                view.certno,
                f"{member.role_zh}\n{member.role_en}",
                f"{member.insutype.value} / {member.psn_type.value}",
                f"{member.region} {region_name(member.region)}",
                account,
            ]
        )
    console.print(
        table(
            "演示家庭（再次运行不会改变任何数据）The demo family (running it again changes nothing)",
            ["姓名 Name", "身份证号 ID number", "身份 Who", "险种/类别 Insurance", "统筹区 Region", "个人账户 Account"],
            rows,
            numeric=[5],
        )
    )


def _show_refused(question: str) -> None:
    console.print(question, markup=False)


def _show_error(error: GongjiError) -> None:
    console.print(f"  [bold red]拒绝 {error.code.name}[/]：", end="")
    console.print(error.message_zh, markup=False)
    console.print("  [red]Refused:[/] ", end="")
    console.print(error.message_en, markup=False)


def _show_checks(view: WhyView) -> None:
    for check in view.failed:
        console.print(f"  [bold red]拒绝 {check.code}[/]：", end="")
        console.print(check.message_zh, markup=False)
        console.print("  [red]Refused:[/] ", end="")
        console.print(check.message_en, markup=False)


def _split(view: SettlementView) -> str:
    """How one bill was split, in one line each language: the fund, each relative's account, cash."""
    amounts = view.amounts
    payers_zh = "".join(f" + {p.payer} 的账户 {yuan(p.amount_fen)}" for p in view.payers)
    payers_en = "".join(f" + {p.payer}'s account {yuan(p.amount_fen)}" for p in view.payers)
    total, fund, cash = (yuan(amounts[name]) for name in ("medfee_sumamt", "fund_pay_sumamt", "psn_cash_pay"))
    return (
        f"  结算 {view.setl_id}：医疗费 {total} = 统筹基金 {fund}{payers_zh} + 现金 {cash}\n"
        f"  Settlement {view.setl_id}: bill {total} = pooling fund {fund}{payers_en} + cash {cash}"
    )


# --- every table (--verbose) ---------------------------------------------------------------------------------------


def _show_everything(result: DemoResult, report: AuditReport) -> None:
    """Who is who, every balance, each family, the refusals, and every bill with its explanation."""
    _show_people(result)
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
    for view in result.families:
        console.print()
        show_family(view)
    console.print()
    _show_refused("张建国 想绑定在北京参保的妹妹 张丽 — 张建国 asks to bind his sister 张丽, insured in Beijing:")
    _show_error(result.sister_refusal)
    console.print()
    _show_refused("张建国 为母亲 赵桂兰 开通的是亲情账户 — 张建国 only has a proxy link (亲情账户) to his mother:")
    show_why(result.proxy_only)
    for title, settled in result.settlements:
        console.print()
        console.rule(title)
        if settled.balances_after_reversal is not None:
            show_reversal(settled)
        else:
            show_settlement(settled, rules=False)
    console.print()
    show_audit(report)
