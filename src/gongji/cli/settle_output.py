"""How the CLI shows visits, settlements, their reversals and their explanations (Chinese first, English beside)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongji.domain.explanation import render

from .common import command_name
from .output import console, table, yuan

if TYPE_CHECKING:
    from gongji.service.settlement import ExplanationView, PurseStepView, SettlementView, VisitView

__all__ = ["AMOUNTS", "show_explanation", "show_reversal", "show_settlement", "show_visit"]

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


def show_visit(view: VisitView) -> None:
    """A visit and its classified fee lines."""
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


def show_settlement(view: SettlementView, *, rules: bool = True) -> None:
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


def show_reversal(view: SettlementView) -> None:
    """What a reversal did: the money returned to the fund, to each personal account (with the balance the reversal
    left) and to the patient's cash — the reversal's own figures, not the settlement's table again."""
    when = f" · {view.reversed_at:%Y-%m-%d %H:%M}" if view.reversed_at else ""
    console.print(f"撤销结算 Settlement {view.setl_id} reversed · {view.name} · 就诊 {view.mdtrt_id}{when}")
    amounts = view.amounts
    console.print(
        table(
            "退回 Returned",
            ["去向 To", "金额 Amount"],
            [
                ["统筹基金 Pooling fund", yuan(amounts["fund_pay_sumamt"])],
                ["个人账户 Personal accounts", yuan(amounts["acct_pay"])],
                ["现金（由机构退还）Cash (the institution refunds it)", yuan(amounts["psn_cash_pay"])],
            ],
            numeric=[1],
        )
    )
    if not view.payers:
        return
    after = {(b.psn_no, b.region): b.balance_fen for b in view.balances_after_reversal or []}
    console.print(
        table(
            "退回个人账户 Returned to personal accounts",
            ["付款人 Payer", "关系 Relation", "退回 Returned", "历年", "当年", "撤销后余额 Balance after"],
            [
                [
                    p.payer,
                    p.relation_zh,
                    yuan(p.amount_fen),
                    yuan(p.prior_years_fen),
                    yuan(p.current_year_fen),
                    yuan(after[(p.payer_psn_no, p.region)]) if (p.payer_psn_no, p.region) in after else "",
                ]
                for p in view.payers
            ],
            numeric=[2, 3, 4, 5],
        )
    )


def show_explanation(explanation: ExplanationView, *, rules: bool = True) -> None:
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
                    s.payer + _whose(s),
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
        count, explain = len(explanation.rules), f"{command_name()} settle explain"
        console.print(f"（所依据的 {count} 项规则见 {explain} — the {count} rule values read: {explain}）")
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


def _whose(step: PurseStepView) -> str:
    """Whose account a step tried: the patient's own, a binding's (by relation id), or the wallet's transfer."""
    if step.wallet_transfer is not None:
        return f"（医保钱包 {step.wallet_transfer}）"
    return f"（共济 {step.relation}）" if step.relation else "（本人）"
