"""为什么用不了 as the CLI shows it: every failed check with the rules it rests on, and across provinces the wallet's
route (医保钱包) — what it lacks, or what it holds ready."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .output import console, table, yuan

if TYPE_CHECKING:
    from gongji.service.views import CheckView, WhyView

__all__ = ["show_why"]


def _sources(check: CheckView) -> str:
    """The rules a failed check rests on: each value's region and confidence, its document and public address."""
    return "\n".join(
        f"{r.parameter_zh} [{r.region} {r.confidence}] {r.reference_title} {r.reference_address}" for r in check.rules
    )


def show_why(view: WhyView) -> None:
    """为什么用不了 as a table of every failed check (with the rules they rest on, when any does)."""
    failed = len(view.failed)
    if view.can_pay:
        verdict = "[green]可以支付 can pay[/]"
    else:
        checks = "1 check fails" if failed == 1 else f"{failed} checks fail"
        verdict = f"[red]不能支付：{failed} 项检查未通过 cannot pay: {checks}[/]"
    console.print(f"{view.payer} → {view.patient} · {view.kind_zh} · {view.on}: {verdict}")
    if not view.failed:
        return
    with_rules = any(c.rules for c in view.failed)
    console.print(
        table(
            "未通过的检查 Failed checks",
            ["代码 Code", "原因 Reason", "Reason", *(["依据 Rules"] if with_rules else [])],
            [[c.code, c.message_zh, c.message_en, *([_sources(c) or "—"] if with_rules else [])] for c in view.failed],
        )
    )
    _show_wallet_route(view)


def _show_wallet_route(view: WhyView) -> None:
    """Across provinces: the wallet's route (医保钱包) — what it lacks, or what it holds ready to pay."""
    if view.wallet_fen is None:
        return
    if not view.wallet_route:
        console.print(
            f"[green]医保钱包可支付 {yuan(view.wallet_fen)}[/]（{view.payer} 转入、{view.patient} 已接收）"
            f" — the wallet (医保钱包) holds {yuan(view.wallet_fen)} from {view.payer}, accepted, ready to pay",
            markup=True,
        )
        return
    console.print(
        table(
            "跨省可走医保钱包，尚缺 The wallet route (医保钱包) still needs",
            ["代码 Code", "原因 Reason", "Reason"],
            [[c.code, c.message_zh, c.message_en] for c in view.wallet_route],
        )
    )
