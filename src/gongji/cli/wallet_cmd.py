"""``gongji wallet`` and ``gongji notices``: the 医保钱包 (open, close, transfer, accept, decline, take back, the
06:00 return) and the notifications people are sent, from the terminal."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from gongji.domain.codes import RelationType
from gongji.domain.money import parse_yuan
from gongji.domain.regions import region_name

from .common import AMOUNT_ARGUMENT, guard, new_key, run
from .output import console, print_json, table, yuan
from .people_cmd import JsonOpt, KeyOpt, Ref

if TYPE_CHECKING:
    from gongji.service.context import Context
    from gongji.service.notices import NoticeView
    from gongji.service.wallet_views import WalletEventView, WalletTransferView, WalletView

__all__ = ["notices_app", "show_history", "show_transfer", "show_wallet", "wallet_app"]

wallet_app = typer.Typer(
    help="医保钱包 The wallet: transfers to close relatives in any province.", no_args_is_help=True
)
notices_app = typer.Typer(help="消息通知 Notifications people are sent.", no_args_is_help=True)

TransferId = Annotated[int, typer.Argument(help="医保钱包转账编号 Wallet transfer number", min=1)]

_WALLET_STATUS = {"open": "已开通 open", "closed": "已注销 closed", "not_opened": "未开通 not opened"}
_DIRECTION = {"in": "转入 in", "out": "转出 out"}


def _moment(at: datetime | None) -> str | None:
    return None if at is None else f"{at:%Y-%m-%d %H:%M}"


def show_wallet(view: WalletView) -> None:
    """A wallet: status and balances, then the transfers to the person and those he sent, the other party named."""
    region = view.region and f"{view.region} {region_name(view.region)}"
    console.print(
        table(
            f"{view.name} 医保钱包 Wallet · 人员编号 {view.psn_no}",
            ["项目 Field", "值 Value"],
            [
                ["状态 Status", _WALLET_STATUS.get(view.status, view.status)],
                ["开通地 Region", region],
                ["开通时间 Opened", _moment(view.opened_at)],
                ["钱包余额（可支付）Balance to pay with", yuan(view.balance_fen)],
                ["待接收 Waiting to be accepted", yuan(view.pending_in_fen)],
                ["为亲属预留 Reserved for relatives", yuan(view.reserved_out_fen)],
            ],
        )
    )
    _transfers("转入 Transfers to me", "转出人 From", view.incoming, outgoing=False)
    _transfers("转出 Transfers I sent", "接收人 To", view.outgoing, outgoing=True)


def _transfers(title: str, party: str, transfers: list[WalletTransferView], *, outgoing: bool) -> None:
    if not transfers:
        console.print(f"{title}：无 none")
        return
    console.print(
        table(
            title,
            [
                "编号 No.",
                party,
                "关系 Relation",
                "金额 Amount",
                "已用 Spent",
                "剩余 Left",
                "状态 Status",
                "转出时间 Sent",
                "接收时限 Accept by",
            ],
            [
                [
                    t.id,
                    t.receiver if outgoing else t.sender,
                    t.relation_zh,
                    yuan(t.amount_fen),
                    yuan(t.spent_fen),
                    yuan(t.remaining_fen),
                    f"{t.status_zh} {t.status}",
                    _moment(t.requested_at),
                    _moment(t.return_due_at),
                ]
                for t in transfers
            ],
            numeric=[0, 3, 4, 5],
        )
    )


def show_transfer(view: WalletTransferView) -> None:
    """One transfer, both parties named."""
    console.print(
        table(
            f"医保钱包转账 Wallet transfer {view.id}: {view.sender} → {view.receiver}（{view.relation_zh}）"
            f" · {view.status_zh}",
            ["项目 Field", "值 Value"],
            [
                ["转出人 From", f"{view.sender} {view.sender_psn_no} · {view.sender_region}"],
                ["接收人 To", f"{view.receiver} {view.receiver_psn_no} · {view.receiver_region}"],
                ["关系 Relation", f"{view.relation_zh} {view.relation_type}"],
                ["金额 Amount", yuan(view.amount_fen)],
                ["已用 / 剩余 Spent / left", f"{yuan(view.spent_fen)} / {yuan(view.remaining_fen)}"],
                ["状态 Status", f"{view.status_zh} {view.status}"],
                ["转出时间 Sent", _moment(view.requested_at)],
                ["接收时限 Accept by", _moment(view.return_due_at)],
                ["处理时间 Decided", _moment(view.decided_at)],
            ],
        )
    )


def show_history(name: str, events: list[WalletEventView]) -> None:
    """Every line of a wallet's history, newest first, the other party named."""
    if not events:
        console.print(f"{name} 医保钱包没有记录 No wallet history.")
        return
    console.print(
        table(
            f"{name} 医保钱包记录 Wallet history",
            [
                "时间 When",
                "转账 Transfer",
                "事件 Event",
                "方向 Direction",
                "对方 Other party",
                "金额 Amount",
                "凭证 Ref.",
            ],
            [
                [
                    _moment(e.at),
                    e.transfer_id,
                    f"{e.kind_zh} {e.kind}",
                    _DIRECTION.get(e.direction, e.direction),
                    e.counterparty,
                    yuan(e.amount_fen),
                    e.reference,
                ]
                for e in events
            ],
            numeric=[1, 5],
        )
    )


@wallet_app.command("open")
def wallet_open(person: Ref, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """开通医保钱包 Open a person's wallet where the region has switched wallets on (idempotent)."""
    from gongji.service import wallet

    view = run(lambda ctx: wallet.open_wallet(ctx, wallet.OpenWallet(person), key=new_key(key)), as_json)
    print_json(view) if as_json else show_wallet(view)


@wallet_app.command("close")
def wallet_close(person: Ref, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """注销医保钱包 Close a wallet; what is accepted and unspent goes back to its senders."""
    from gongji.service import wallet

    view = run(lambda ctx: wallet.close_wallet(ctx, wallet.CloseWallet(person), key=new_key(key)), as_json)
    print_json(view) if as_json else show_wallet(view)


@wallet_app.command("show")
def wallet_show(person: Ref, as_json: JsonOpt = False) -> None:
    """查看医保钱包 Balance, what waits to be accepted, what is reserved for relatives, transfers both ways."""
    from gongji.service import wallet_query

    view = run(lambda ctx: wallet_query.show_wallet(ctx, person), as_json)
    print_json(view) if as_json else show_wallet(view)


@wallet_app.command("history")
def wallet_history(person: Ref, as_json: JsonOpt = False) -> None:
    """医保钱包记录 Every transfer, acceptance, return and payment, newest first."""
    from gongji.service import wallet_query

    view = run(lambda ctx: wallet_query.show_wallet(ctx, person), as_json)
    print_json(view.history) if as_json else show_history(view.name, view.history)


@wallet_app.command("transfer", context_settings=AMOUNT_ARGUMENT)
def wallet_transfer(
    sender: Annotated[str, typer.Argument(help="转出人（职工）身份证号或人员编号 Sender, an employee")],
    receiver: Annotated[str, typer.Argument(help="接收人（近亲属）Receiver, a close relative")],
    amount: Annotated[str, typer.Argument(help="金额（元）Amount in yuan, e.g. 500.00")],
    relation: Annotated[
        str, typer.Option(help="接收人是转出人的 What the receiver is to the sender: parent, spouse, child, sibling …")
    ],
    face_token: Annotated[str | None, typer.Option(help="人脸识别凭据 Face-verification token")] = None,
    password: Annotated[str | None, typer.Option(help="医保码密码 医保码 password (instead of the face)")] = None,
    receiver_region: Annotated[
        str | None,
        typer.Option(help="接收人参保地（属另一节点时）The receiver's insured region, when another node serves it"),
    ] = None,
    receiver_name: Annotated[
        str | None, typer.Option(help="接收人姓名（跨节点时必填）The receiver's name (needed across nodes)")
    ] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """转账 Send an amount to a close relative's wallet; it stays reserved in the sender's account until accepted.
    On a node of a federation, --receiver-region names a relative insured where another node serves."""
    from gongji.service import wallet

    def build() -> wallet.SendToWallet:
        amount_fen = parse_yuan(amount, allow_zero=False)
        kind = RelationType.parse(relation)
        return wallet.SendToWallet(
            sender, receiver, amount_fen, kind, face_token=face_token, password=password,
            receiver_region=receiver_region, receiver_name=receiver_name,
        )  # fmt: skip

    cmd = guard(build, as_json)
    view = run(lambda ctx: wallet.send_to_wallet(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_transfer(view)


ByReceiver = Annotated[str, typer.Option("--by", help="接收人身份证号或人员编号 The receiver")]


@wallet_app.command("accept")
def wallet_accept(transfer_id: TransferId, by: ByReceiver, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """接收转账 The receiver accepts: the amount becomes her wallet balance."""
    from gongji.service import wallet

    cmd = wallet.DecideTransfer(transfer_id, by)
    view = run(lambda ctx: wallet.accept_transfer(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_transfer(view)


@wallet_app.command("decline")
def wallet_decline(transfer_id: TransferId, by: ByReceiver, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """拒收转账 The receiver declines: the amount goes back to the sender's account at once."""
    from gongji.service import wallet

    cmd = wallet.DecideTransfer(transfer_id, by)
    view = run(lambda ctx: wallet.decline_transfer(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_transfer(view)


@wallet_app.command("take-back")
def wallet_take_back(
    transfer_id: TransferId,
    by: Annotated[str, typer.Option("--by", help="转出人身份证号或人员编号 The sender")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """收回转账 The sender takes back the accepted, unspent part (only where the region allows it)."""
    from gongji.service import wallet

    cmd = wallet.DecideTransfer(transfer_id, by)
    view = run(lambda ctx: wallet.take_back(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_transfer(view)


@wallet_app.command("return-due")
def wallet_return_due(as_json: JsonOpt = False) -> None:
    """退回逾期转账 Return transfers not accepted by 06:00 the next day (for cron: idempotent, safe beside serve)."""
    from gongji.service import wallet

    result = run(wallet.return_due, as_json)
    if as_json:
        print_json(result)
        return
    console.print(
        f"退回逾期未接收的转账 {result.returned} 笔，共 {yuan(result.amount_fen)}\n"
        f"Returned {result.returned} transfer(s) nobody accepted in time, {yuan(result.amount_fen)} in all"
    )


@wallet_app.command("contribution", context_settings=AMOUNT_ARGUMENT)
def wallet_contribution(
    person: Ref,
    amount: Annotated[str, typer.Argument(help="金额（元）Amount in yuan")],
    kind: Annotated[
        Literal["resident_basic", "long_term_care"],  # gongji.rules.schema.Contribution
        typer.Option(help="resident_basic 城乡居民医保 / long_term_care 长期护理保险"),
    ] = "resident_basic",
    year: Annotated[int | None, typer.Option(help="缴费年度 Contribution year (default next year)")] = None,
    reference: Annotated[str, typer.Option(help="缴费单号 Reference")] = "",
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """钱包缴费 Pay one's own contribution from the wallet (in full, or refused)."""
    from gongji.rules.schema import Contribution
    from gongji.service.clock import SystemClock
    from gongji.service.wallet_contribution import PayContributionFromWallet, pay_contribution_from_wallet

    from .settle_output import show_settlement

    def command() -> PayContributionFromWallet:
        chosen = year or SystemClock().today().year + 1
        fen = parse_yuan(amount, allow_zero=False)
        return PayContributionFromWallet(person, Contribution(kind), fen, chosen, reference or f"{kind}-{chosen}")

    cmd = guard(command, as_json)
    view = run(lambda ctx: pay_contribution_from_wallet(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_settlement(view)


@notices_app.command("deliver")
def notices_deliver(as_json: JsonOpt = False) -> None:
    """发送通知 Hand every undelivered notification to the console sender (the demo's), oldest first."""
    from gongji.service.notices import ConsoleNotifier, deliver

    sent = run(lambda ctx: deliver(ctx, ConsoleNotifier()), as_json)
    if as_json:
        print_json({"sent": sent})
        return
    console.print(f"已发送通知 {sent} 条 Sent {sent} notification(s)")


@notices_app.command("show")
def notices_show(
    person: Ref,
    limit: Annotated[int, typer.Option(help="最多条数 At most this many", min=1, max=1000)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """消息 A person's notifications, newest first, read and unread."""
    from gongji.service.notices import inbox
    from gongji.service.people import resolve_person

    def read(ctx: Context) -> tuple[str, list[NoticeView]]:
        found = ctx.read(lambda uow: resolve_person(uow, person))
        return found.name, inbox(ctx, found.id, limit=limit)

    name, notices = run(read, as_json)
    if as_json:
        print_json(notices)
        return
    if not notices:
        console.print(f"{name} 没有消息 No notifications.")
        return
    console.print(
        table(
            f"{name} 消息 Notifications",
            ["编号 No.", "时间 When", "已读 Read", "消息 Notice", "Notice"],
            [
                [n.id, _moment(n.created_at), "已读 read" if n.read else "未读 unread", n.text_zh, n.text_en]
                for n in notices
            ],
            numeric=[0],
        )
    )
