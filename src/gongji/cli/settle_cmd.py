"""``gongji visit`` and ``gongji settle``: visits, fee lines, and settlements with their explanation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from gongji.domain.codes import MedType
from gongji.domain.explanation import render
from gongji.domain.money import parse_yuan
from gongji.rules.schema import Contribution
from gongji.service import settlement
from gongji.service.claims import ClaimView, Receipt, SubmitClaim, show_claim, submit_claim
from gongji.service.clock import SHANGHAI
from gongji.service.contributions import PayContribution, pay_contribution

from .common import guard, new_key, run
from .output import console, print_json, table, yuan

__all__ = ["claim_app", "settle_app", "show_explanation", "show_settlement", "visit_app"]

visit_app = typer.Typer(help="就诊 Visits and fee lines.", no_args_is_help=True)
settle_app = typer.Typer(help="结算 Settlements: preview, commit, reverse, show, explain.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[str | None, typer.Option("--key", help="幂等键 Idempotency key.")]
MdtrtArg = Annotated[str, typer.Argument(help="就诊ID mdtrt_id")]
SetlArg = Annotated[str, typer.Argument(help="结算ID setl_id")]

AMOUNTS = [
    ("medfee_sumamt", "医疗费总额 Total"),
    ("fulamt_ownpay_amt", "全自费 Fully self-paid"),
    ("overlmt_selfpay", "超限价 Above price cap"),
    ("preselfpay_amt", "先行自付 Category-B self-pay"),
    ("inscp_scp_amt", "政策范围内 Policy range"),
    ("act_pay_dedc", "起付线 Deductible applied"),
    ("hifp_pay", "统筹基金 Pooling fund"),
    ("pool_prop_selfpay", "统筹内自付 Self-paid in policy range"),
    ("fund_pay_sumamt", "基金支付合计 Funds total"),
    ("psn_part_amt", "个人负担 Person's part"),
    ("acct_pay", "个人账户支付 Account paid"),
    ("acct_mulaid_pay", "其中共济 of which mutual aid"),
    ("psn_cash_pay", "现金 Cash"),
    ("hosp_part_amt", "医院负担 Hospital's part"),
    ("balc", "本人账户余额 Own balance after"),
]


def _show_visit(view: settlement.VisitView) -> None:
    buyer = f" · 代买人 bought by {view.buyer_name}" if view.buyer_name else ""
    console.print(
        table(
            f"就诊 Visit {view.mdtrt_id} · {view.name} · {view.med_type} {view.med_type_zh} · "
            f"{view.institution_name} · {view.status}{buyer}",
            [
                "流水号 #",
                "项目 Item",
                "数量 Qty",
                "单价 Price",
                "金额 Total",
                "全自费",
                "超限价",
                "先行自付",
                "政策范围内",
                "类别",
            ],
            [
                [
                    line.feedetl_sn + (" ✗" if line.cancelled else ""),
                    line.item_name,
                    line.quantity,
                    yuan(line.unit_price_fen),
                    yuan(line.total_fen),
                    yuan(line.fulamt_ownpay_fen),
                    yuan(line.overlmt_fen),
                    yuan(line.preselfpay_fen),
                    yuan(line.inscp_fen),
                    line.category or "目录外",
                ]
                for line in view.lines
            ],
            numeric=[2, 3, 4, 5, 6, 7, 8],
        )
    )


def show_settlement(view: settlement.SettlementView, *, rules: bool = True) -> None:
    """The national amounts, the payers and the explanation (``rules``: with the table of rule values read)."""
    what = "预结算 Preview" if view.previewed else f"结算 Settlement {view.setl_id} · {view.status}"
    console.print(
        table(
            f"{what} · {view.name} · 就诊 {view.mdtrt_id}",
            ["项目 Field", "setlinfo", "金额 Amount"],
            [[label, name, yuan(view.amounts[name])] for name, label in AMOUNTS],
            numeric=[2],
        )
    )
    if view.payers:
        console.print(
            table(
                "个人账户支付明细 Who paid from personal accounts",
                [
                    "#",
                    "付款人 Payer",
                    "关系 Relation",
                    "统筹区 Region",
                    "金额 Amount",
                    "历年",
                    "当年",
                    "余额 Balance after",
                ],
                [
                    [
                        p.seq,
                        p.payer,
                        p.relation_zh,
                        p.region,
                        yuan(p.amount_fen),
                        yuan(p.prior_years_fen),
                        yuan(p.current_year_fen),
                        yuan(p.balance_after_fen),
                    ]
                    for p in view.payers
                ],
                numeric=[4, 5, 6, 7],
            )
        )
    show_explanation(view.explanation, rules=rules)


def show_explanation(explanation: settlement.ExplanationView, *, rules: bool = True) -> None:
    """Each fund step, each account tried, and (``rules``) every rule value read with its source."""
    for step in explanation.fund_steps:
        console.print(f"· {render(step.code, step.params, 'zh')}\n  {render(step.code, step.params, 'en')}")
    console.print(
        table(
            "扣款过程 Accounts tried, in order",
            ["#", "账户 Account", "余额 Before", "可用 Available", "支付 Paid", "说明 Why", "Why"],
            [
                [
                    s.order,
                    s.payer + (f"（共济 {s.relation}）" if s.relation else "（本人）"),
                    yuan(s.balance_before_fen),
                    yuan(s.available_fen),
                    yuan(s.paid_fen),
                    render(s.reason.code, s.reason.params, "zh"),
                    render(s.reason.code, s.reason.params, "en"),
                ]
                for s in explanation.purses
            ],
            numeric=[2, 3, 4],
        )
    )
    console.print(f"现金支付 Cash: {yuan(explanation.cash_fen)}")
    if not rules:
        count = len(explanation.rules)
        console.print(
            f"（所依据的 {count} 项规则见 gongji settle explain — the {count} rule values read: gongji settle explain）"
        )
        return
    console.print(
        table(
            "所依据的规则 Rules read",
            ["参数 Parameter", "地区 Region", "起始 Since", "可信度", "依据 Reference"],
            [
                [
                    f"{r.parameter_zh}\n{r.parameter}",
                    f"{r.region} {r.region_zh}",
                    r.since,
                    r.confidence,
                    f"{r.reference_title}\n{r.reference_address}",
                ]
                for r in explanation.rules
            ],
        )
    )


@visit_app.command("open")
def visit_open(
    person: Annotated[str, typer.Argument(help="患者 Patient: ID number or person number")],
    institution: Annotated[str, typer.Option(help="定点机构编码 fixmedins_code")],
    med_type: Annotated[str, typer.Option("--med-type", help="医疗类别 11 outpatient, 21 inpatient, 41 pharmacy …")],
    begin: Annotated[str | None, typer.Option(help="就诊/入院时间 YYYY-MM-DDTHH:MM (default now)")] = None,
    buyer_name: Annotated[str | None, typer.Option(help="代买药人姓名 Buyer's name (代买药)")] = None,
    buyer_certno: Annotated[str | None, typer.Option(help="代买药人证件号 Buyer's ID number")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """挂号 / 入院 / 购药 Open a visit."""

    def build() -> settlement.OpenVisit:
        when = datetime.fromisoformat(begin).replace(tzinfo=SHANGHAI) if begin else None
        return settlement.OpenVisit(
            person, institution, MedType.parse(med_type), when, None, None, buyer_name, buyer_certno
        )

    cmd = guard(build, as_json)
    view = run(lambda ctx: settlement.open_visit(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_visit(view)


@visit_app.command("fee")
def visit_fee(
    mdtrt_id: MdtrtArg,
    lines: Annotated[
        list[str], typer.Argument(help="明细 SN:ITEM_CODE:QTY:PRICE_YUAN[:RETURNS_SN], e.g. 1:XA10…:2:35.80")
    ],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """上传费用明细 Upload fee lines; each is classified (全自费 / 超限价 / 先行自付 / 政策范围内)."""

    def build() -> settlement.UploadFees:
        parsed = []
        for text in lines:
            parts = text.split(":")
            if len(parts) not in (4, 5):
                raise typer.BadParameter(f"{text!r}: expected SN:ITEM_CODE:QTY:PRICE_YUAN[:RETURNS_SN]")
            returns = parts[4] if len(parts) == 5 else None
            parsed.append(
                settlement.FeeInput(parts[0], parts[1], parts[2], parse_yuan(parts[3]), returns_feedetl_sn=returns)
            )
        return settlement.UploadFees(mdtrt_id, tuple(parsed))

    cmd = guard(build, as_json)
    view = run(lambda ctx: settlement.upload_fees(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_visit(view)


@visit_app.command("cancel-fees")
def visit_cancel_fees(
    mdtrt_id: MdtrtArg,
    sns: Annotated[list[str] | None, typer.Argument(help="流水号 Serial numbers (none: all)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """撤销费用明细 Cancel fee lines of an unsettled visit."""
    cmd = settlement.CancelFees(mdtrt_id, tuple(sns) if sns else None)
    view = run(lambda ctx: settlement.cancel_fees(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_visit(view)


@visit_app.command("show")
def visit_show(mdtrt_id: MdtrtArg, as_json: JsonOpt = False) -> None:
    """查看就诊 A visit with its classified fee lines."""
    view = run(lambda ctx: settlement.visit_view(ctx, mdtrt_id), as_json)
    print_json(view) if as_json else _show_visit(view)


AcctOpt = Annotated[bool, typer.Option("--account/--no-account", help="使用个人账户 acct_used_flag")]


@settle_app.command("preview")
def settle_preview(mdtrt_id: MdtrtArg, account: AcctOpt = True, as_json: JsonOpt = False) -> None:
    """预结算 Compute a settlement and write nothing."""
    view = run(lambda ctx: settlement.preview_settlement(ctx, settlement.Settle(mdtrt_id, account)), as_json)
    print_json(view) if as_json else show_settlement(view)


@settle_app.command("commit")
def settle_commit(mdtrt_id: MdtrtArg, account: AcctOpt = True, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """结算 Settle a visit: fund, own account, relatives' accounts in order, cash — one journal."""
    cmd = settlement.Settle(mdtrt_id, account)
    view = run(lambda ctx: settlement.commit_settlement(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_settlement(view)


@settle_app.command("reverse")
def settle_reverse(
    setl_id: SetlArg,
    reason: Annotated[str, typer.Option(help="撤销原因 Why")] = "撤销结算",
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """撤销结算 Reverse a settlement; every balance, quota and accumulator is restored."""
    cmd = settlement.ReverseSettlement(setl_id, reason)
    view = run(lambda ctx: settlement.reverse_settlement(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_settlement(view)


@settle_app.command("show")
def settle_show(setl_id: SetlArg, as_json: JsonOpt = False) -> None:
    """查看结算 A settlement with its payers."""
    view = run(lambda ctx: settlement.show_settlement(ctx, setl_id), as_json)
    print_json(view) if as_json else show_settlement(view)


@settle_app.command("explain")
def settle_explain(setl_id: SetlArg, as_json: JsonOpt = False) -> None:
    """结算说明 Every rule value read and every account tried, in Chinese and English."""
    view = run(lambda ctx: settlement.explain(ctx, setl_id), as_json)
    print_json(view) if as_json else show_explanation(view)


@settle_app.command("contribution")
def settle_contribution(
    payer: Annotated[str, typer.Argument(help="共济人 Authoriser who pays")],
    beneficiary: Annotated[str, typer.Argument(help="被共济人 Relative whose contribution is paid")],
    amount: Annotated[str, typer.Argument(help="金额（元）Amount in yuan")],
    kind: Annotated[
        str, typer.Option(help="resident_basic 城乡居民医保 / long_term_care 长期护理保险")
    ] = "resident_basic",
    year: Annotated[int | None, typer.Option(help="缴费年度 Contribution year (default next year)")] = None,
    reference: Annotated[str, typer.Option(help="缴费单号 Reference")] = "",
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """代缴 Pay a relative's individual contribution from the authoriser's account (in full, or refused)."""

    def build() -> PayContribution:
        chosen_year = year or datetime.now(SHANGHAI).year + 1
        return PayContribution(
            payer,
            beneficiary,
            Contribution(kind),
            parse_yuan(amount, allow_zero=False),
            chosen_year,
            reference or f"{kind}-{chosen_year}",
        )

    cmd = guard(build, as_json)
    view = run(lambda ctx: pay_contribution(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_settlement(view)


claim_app = typer.Typer(help="手工报销 Manual reimbursement claims.", no_args_is_help=True)


def _show_claim(view: ClaimView) -> None:
    console.print(
        table(
            f"报销单 Claim {view.claim_id} · 就诊 {view.mdtrt_id} · 经办 {view.operator} · {view.reason}",
            ["开具单位 Issuer", "票据号 Receipt", "金额 Amount"],
            [[issuer, number, yuan(amount)] for issuer, number, amount in view.receipts],
            numeric=[2],
        )
    )
    console.print(f"退付参保人 Paid out to the person: {yuan(view.payout_fen)}")
    show_settlement(view.settlement)


@claim_app.command("submit")
def claim_submit(
    person: Annotated[str, typer.Argument(help="参保人 ID number or person number")],
    institution: Annotated[str, typer.Option(help="就医机构编码 fixmedins_code")],
    med_type: Annotated[str, typer.Option("--med-type", help="医疗类别 11, 21, 41 …")],
    visit_date: Annotated[str, typer.Option("--date", help="就诊日期 YYYY-MM-DD")],
    operator: Annotated[str, typer.Option(help="经办人 Operator")],
    reason: Annotated[str, typer.Option(help="未能联网结算的原因 Why it was not settled directly")],
    receipt: Annotated[
        list[str],
        typer.Option(help="票据 ISSUER/NUMBER=SN:ITEM_CODE:QTY:PRICE_YUAN[,…] (repeat for each receipt)"),
    ],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """录入手工报销 Enter receipts paid in full; settle them by the usual split and pay the result out to the person."""

    def build() -> SubmitClaim:
        receipts = []
        for text in receipt:
            head, _, body = text.partition("=")
            issuer, _, number = head.partition("/")
            lines = []
            for part in body.split(","):
                fields = part.split(":")
                if len(fields) != 4 or not issuer or not number:
                    raise typer.BadParameter(f"{text!r}: expected ISSUER/NUMBER=SN:ITEM_CODE:QTY:PRICE_YUAN[,…]")
                lines.append(settlement.FeeInput(fields[0], fields[1], fields[2], parse_yuan(fields[3])))
            receipts.append(Receipt(issuer, number, tuple(lines)))
        day = date.fromisoformat(visit_date)
        return SubmitClaim(person, institution, MedType.parse(med_type), day, tuple(receipts), operator, reason)

    cmd = guard(build, as_json)
    view = run(lambda ctx: submit_claim(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_claim(view)


@claim_app.command("show")
def claim_show(mdtrt_id: MdtrtArg, as_json: JsonOpt = False) -> None:
    """查看报销单 A claim by the visit it created."""
    view = run(lambda ctx: show_claim(ctx, mdtrt_id), as_json)
    print_json(view) if as_json else _show_claim(view)
