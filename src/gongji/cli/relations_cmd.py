"""``gongji relation`` and ``gongji proxy``: mutual-aid relations and 亲情账户 from the terminal."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from gongji.domain.codes import RelationType
from gongji.domain.money import parse_yuan
from gongji.domain.relations import Channel
from gongji.domain.wording import is_term, texts

from .common import AMOUNT_ARGUMENT, guard, new_key, read_date, read_moment, run
from .output import console, print_json, table, yuan
from .why_output import show_why

if TYPE_CHECKING:
    from gongji.service.views import FamilyView, RelationView

__all__ = ["note_text", "proxy_app", "quota_text", "relation_app", "show_family", "show_why"]

relation_app = typer.Typer(help="共济关系 Mutual-aid relations.", no_args_is_help=True)
proxy_app = typer.Typer(help="亲情账户 Proxy links (no money is shared).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[str | None, typer.Option("--key", help="幂等键 Idempotency key.")]
Ref = Annotated[str, typer.Argument(help="身份证号或人员编号 ID number or person number")]
OperatorOpt = Annotated[str | None, typer.Option(help="窗口经办人 Counter operator (makes it a counter action)")]


def quota_text(family: FamilyView, quota_fen: int | None) -> str:
    """A relation's quota as the region's model has it (what the family page of the portal says too)."""
    own = "" if quota_fen is None else f"，本人设定 {yuan(quota_fen)}"
    if family.quota_model == "annual_share" and family.quota_share_bp is not None:
        return f"年初余额的 {family.quota_share_bp / 100:g}%（全部亲属合计）{own}"
    if family.quota_model == "shared":
        return f"共享额度（全部亲属合计）{own}"
    return "全部余额" if quota_fen is None else yuan(quota_fen)


def note_text(note: object) -> str | None:
    """An event's note: a term in Chinese with English below it; an operator's own words as written."""
    if note is None or not is_term(note):
        return None if note is None else str(note)
    zh, en = texts(note)
    return zh if zh == en else f"{zh}\n{en}"


def show_relation(view: RelationView) -> None:
    """A relation and its history."""
    quota = "全部余额 whole balance" if view.quota_fen is None else yuan(view.quota_fen)
    left = "—" if view.quota_left_fen is None else yuan(view.quota_left_fen)
    title = (
        f"共济关系 Relation {view.id}: {view.authoriser} → {view.beneficiary}（{view.relation_zh}）· {view.state_zh}"
    )
    console.print(
        table(
            title,
            ["项目 Field", "值 Value"],
            [
                ["状态 State", f"{view.state_zh} {view.state}"],
                ["渠道 Channel", view.channel],
                ["申请 Requested", f"{view.requested_at:%Y-%m-%d %H:%M}"],
                ["有效期至 Expires", view.expires_at and f"{view.expires_at:%Y-%m-%d %H:%M}"],
                [
                    "确认 Confirmed",
                    view.confirmed_at and f"{view.confirmed_at:%Y-%m-%d %H:%M} {view.confirmed_by or ''}",
                ],
                ["生效 Effective from", view.effective_from and f"{view.effective_from:%Y-%m-%d %H:%M}"],
                ["终止日期 Valid until", view.valid_until],
                ["解除 Ended", view.ended_at and f"{view.ended_at:%Y-%m-%d %H:%M} {view.end_reason_zh}"],
                [
                    "扣款顺位 Order",
                    view.order_position and f"共济人第 {view.order_position} 位 authoriser #{view.order_position}",
                ],
                [
                    "额度 Quota / 已用 used / 剩余 left",
                    f"{quota} / {yuan(view.quota_used_fen)} / {left}",
                ],
                ["证明 Proof", f"{view.proof_kind} {view.proof_reference or ''}"],
            ],
        )
    )
    console.print(
        table(
            "经过 History",
            ["时间 When", "事件 Event", "人 Who", "经办 Operator", "渠道 Channel", "说明 Note"],
            [
                [f"{e.at:%Y-%m-%d %H:%M}", e.kind, e.actor, e.operator, e.channel, note_text(e.note)]
                for e in view.events
            ],
        )
    )


def _changes_text(family: FamilyView) -> str:
    """This year's changes of relations against the region's limit, in Chinese then English."""
    used = family.changes_used
    if not isinstance(family.changes_allowed, int):
        return f"本年变更 {used} 次（不限次数）changes this year: {used} (no limit)"
    allowed = family.changes_allowed
    return f"本年变更 {used}/{allowed} 次 changes this year: {used} of {allowed}"


def show_family(view: FamilyView) -> None:
    """我的家庭 as tables (empty sections are said in one line)."""
    console.print(
        f"[bold]{view.name}[/] 我的家庭 My family · {view.region or ''} {view.region_zh or ''} · "
        f"历年 {yuan(view.prior_years_fen)} · 当年 {yuan(view.current_year_fen)} · {_changes_text(view)}"
    )
    if view.i_pay_for:
        console.print(
            table(
                "我为谁共济 Whom I pay for",
                ["编号 No.", "亲属 Relative", "关系 Relation", "状态 State", "额度 Quota", "已用 Used", "剩余 Left"],
                [
                    [
                        r.id,
                        r.beneficiary,
                        r.relation_zh,
                        r.state_zh,
                        quota_text(view, r.quota_fen),
                        yuan(r.quota_used_fen),
                        "—" if r.quota_left_fen is None else yuan(r.quota_left_fen),
                    ]
                    for r in view.i_pay_for
                ],
                numeric=[0, 4, 5, 6],
            )
        )
    if view.pay_for_me:
        rows = [[1, "本人账户 own account", "", "", ""]] if view.own_account_first else []
        rows += [
            [p.position, p.relation.authoriser, p.relation.relation_zh, p.relation.state_zh, p.relation.id]
            for p in view.pay_for_me
        ]
        console.print(
            table(
                "谁为我共济（扣款顺序）Who pays for me, in order",
                ["顺位 #", "付款人 Payer", "关系 Relation", "状态 State", "编号 No."],
                rows,
            )
        )
    if not view.i_pay_for and not view.pay_for_me:
        console.print("没有共济关系 No mutual-aid relations.")
    if view.proxy_links:
        console.print(
            table(
                "亲情账户 Proxy links",
                ["编号 No.", "持有人 Owner", "亲属 Relative", "建立 Since", "解除 Ended"],
                [
                    [p.id, p.owner, p.relative, f"{p.created_at:%Y-%m-%d}", p.ended_at and f"{p.ended_at:%Y-%m-%d}"]
                    for p in view.proxy_links
                ],
            )
        )
        console.print(" ".join(texts(view.proxy_note)))


@relation_app.command("request")
def relation_request(
    authoriser: Ref,
    beneficiary: Ref,
    relation_type: Annotated[
        str, typer.Option("--type", help="关系 spouse, parent, child, sibling, paternal_grandchild …")
    ],
    proof: Annotated[
        str | None, typer.Option(help="证明材料编号 Proof reference (household register, certificate no.)")
    ] = None,
    commitment: Annotated[bool, typer.Option(help="签署承诺书 Sign the commitment (承诺制 regions)")] = False,
    valid_until: Annotated[str | None, typer.Option(help="终止日期 End date YYYY-MM-DD (where required)")] = None,
    quota: Annotated[
        str | None, typer.Option(help="每年额度（元）Yearly quota in yuan (default: whole balance)")
    ] = None,
    operator: OperatorOpt = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """申请绑定 The authoriser asks to bind a relative (at the counter with --operator: effective at once)."""
    from gongji.service.relations import lifecycle

    def build() -> lifecycle.RequestBinding:
        return lifecycle.RequestBinding(
            authoriser,
            beneficiary,
            RelationType.parse(relation_type),
            Channel.COUNTER if operator else Channel.ONLINE,
            operator,
            proof,
            commitment,
            read_date(valid_until, "valid_until"),
            parse_yuan(quota) if quota else None,
        )

    cmd = guard(build, as_json)
    view = run(lambda ctx: lifecycle.request_binding(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_relation(view)


@relation_app.command("confirm")
def relation_confirm(
    relation_id: Annotated[int, typer.Argument(help="共济关系编号 Relation number")],
    confirmer: Annotated[str, typer.Option(help="确认人（本人或监护人）Who confirms: the relative or a guardian")],
    face_token: Annotated[str | None, typer.Option(help="人脸识别凭据 Face-verification token")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """确认绑定 The relative (or guardian) confirms, with face verification at or above the region's age."""
    from gongji.service.relations import lifecycle

    cmd = lifecycle.ConfirmBinding(relation_id, confirmer, face_token)
    view = run(lambda ctx: lifecycle.confirm_binding(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_relation(view)


@relation_app.command("decline")
def relation_decline(
    relation_id: Annotated[int, typer.Argument(help="共济关系编号 Relation number")],
    by: Annotated[str, typer.Option(help="拒绝人 Who declines")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """拒绝绑定 The relative (or guardian) declines a request."""
    from gongji.service.relations import lifecycle

    view = run(
        lambda ctx: lifecycle.decline_binding(ctx, lifecycle.DeclineBinding(relation_id, by), key=new_key(key)), as_json
    )
    print_json(view) if as_json else show_relation(view)


@relation_app.command("end")
def relation_end(
    relation_id: Annotated[int, typer.Argument(help="共济关系编号 Relation number")],
    by: Annotated[str | None, typer.Option(help="申请解除的一方 Which side asks")] = None,
    note: Annotated[str | None, typer.Option(help="原因 Why")] = None,
    operator: OperatorOpt = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """解除共济 End a relation (both sides where the region requires it; at once at the counter)."""
    from gongji.service.relations import lifecycle

    cmd = lifecycle.EndRelation(relation_id, by, Channel.COUNTER if operator else Channel.ONLINE, operator, note)
    view = run(lambda ctx: lifecycle.end_relation(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_relation(view)


@relation_app.command("list")
def relation_list(
    person: Ref, on: Annotated[str | None, typer.Option(help="日期 On YYYY-MM-DD")] = None, as_json: JsonOpt = False
) -> None:
    """我的家庭 Whom a person pays for, who pays for them in which order, quotas, proxy links."""
    from gongji.service.relations import queries

    day: date | None = guard(lambda: read_date(on, "on"), as_json)
    view = run(lambda ctx: queries.family(ctx, person, on=day), as_json)
    print_json(view) if as_json else show_family(view)


@relation_app.command("show")
def relation_show(
    relation_id: Annotated[int, typer.Argument(help="共济关系编号 Relation number")], as_json: JsonOpt = False
) -> None:
    """查看共济关系 One relation with its whole history."""
    from gongji.service.relations import queries

    view = run(lambda ctx: queries.relation(ctx, relation_id), as_json)
    print_json(view) if as_json else show_relation(view)


@relation_app.command("order")
def relation_order(
    beneficiary: Ref,
    authorisers: Annotated[list[str], typer.Argument(help="共济人，按扣款先后 Authorisers in paying order")],
    by: Annotated[str | None, typer.Option(help="操作人（本人或监护人）Who orders: the relative or a guardian")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """调整扣款顺序 Order the authorisers who pay after the relative's own account."""
    from gongji.service.relations import payers

    cmd = payers.SetOrder(beneficiary, tuple(authorisers), by)
    views = run(lambda ctx: payers.set_order(ctx, cmd, key=new_key(key)), as_json)
    if as_json:
        print_json(views)
        return
    console.print(
        table(
            "扣款顺序 Paying order",
            ["顺位 #", "共济人 Authoriser", "编号 No."],
            [[v.order_position, v.authoriser, v.id] for v in views],
        )
    )


@relation_app.command("quota", context_settings=AMOUNT_ARGUMENT)
def relation_quota(
    authoriser: Ref,
    amount: Annotated[str, typer.Argument(help="每年额度（元），或 all 表示全部余额 Yearly quota in yuan, or 'all'")],
    relation_id: Annotated[
        int | None, typer.Option("--relation", help="共济关系编号 Relation (omit for a shared quota)")
    ] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """设定共济额度 Set a yearly quota for a relation, or the one shared quota where the region's model is shared."""
    from gongji.service.relations import payers

    quota = None if amount.strip().lower() in {"all", "whole", "全部"} else guard(lambda: parse_yuan(amount), as_json)
    cmd = payers.SetQuota(authoriser, quota, relation_id)
    view = run(lambda ctx: payers.set_quota(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_family(view)


@relation_app.command("why")
def relation_why(
    payer: Ref,
    patient: Ref,
    on: Annotated[str | None, typer.Option(help="日期 On YYYY-MM-DD (default today)")] = None,
    kind: Annotated[
        str, typer.Option(help="费用 outpatient, inpatient, pharmacy, a med_type code, resident_basic, long_term_care")
    ] = "outpatient",
    admitted_at: Annotated[
        str | None,
        typer.Option("--admitted-at", help="入院时间 For a stay: admitted at YYYY-MM-DD[THH:MM] (bindings made later)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """为什么用不了 Can PAYER's account pay for PATIENT today? Exit 0 if it can, 1 with every failed check if not."""
    from gongji.service.relations import can_pay

    day: date | None = guard(lambda: read_date(on, "on"), as_json)
    admitted = guard(lambda: read_moment(admitted_at, "admitted_at"), as_json)
    guard(lambda: can_pay.payment_kind(kind), as_json)
    view = run(lambda ctx: can_pay.why(ctx, payer, patient, on=day, kind=kind, admitted_at=admitted), as_json)
    print_json(view) if as_json else show_why(view)
    if not view.can_pay:
        raise typer.Exit(1)


@proxy_app.command("add")
def proxy_add(
    owner: Ref, relative: Ref, operator: OperatorOpt = None, key: KeyOpt = None, as_json: JsonOpt = False
) -> None:
    """添加亲情账户 OWNER may show RELATIVE's e-voucher and see records (no money is shared)."""
    from gongji.service.relations import proxies

    cmd = proxies.AddProxyLink(owner, relative, Channel.COUNTER if operator else Channel.ONLINE, operator)
    view = run(lambda ctx: proxies.add_proxy_link(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_family(view)


@proxy_app.command("end")
def proxy_end(owner: Ref, relative: Ref, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """解除亲情账户 End a proxy link."""
    from gongji.service.relations import proxies

    view = run(
        lambda ctx: proxies.end_proxy_link(ctx, proxies.EndProxyLink(owner, relative), key=new_key(key)), as_json
    )
    print_json(view) if as_json else show_family(view)
