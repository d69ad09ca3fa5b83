"""``gongji card`` and ``gongji voucher``: a person's social-security card (show, issue, replace) and electronic
voucher (issue: the token a terminal reads as ``mdtrt_cert_type`` 01, shown once)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .common import new_key, run
from .output import console, err_console, print_json, table

if TYPE_CHECKING:
    from gongji.service.credentials import CardView

__all__ = ["card_app", "voucher_app"]

card_app = typer.Typer(help="社会保障卡 Social-security cards.", no_args_is_help=True)
voucher_app = typer.Typer(help="医保电子凭证 Electronic vouchers (医保码).", no_args_is_help=True)

PersonArg = Annotated[str, typer.Argument(help="身份证号码或人员编号 ID number or person number")]
JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[str | None, typer.Option("--key", help="幂等键 Idempotency key.")]


def _show(card: CardView, title: str, as_json: bool) -> None:
    if as_json:
        print_json(card)
        return
    rows = [[card.psn_no, card.name, card.card_no, card.card_sn, card.region, f"{card.issued_at:%Y-%m-%d}"]]
    headers = ["人员编号 Person", "姓名 Name", "卡号 Card", "卡识别码 card_sn", "发卡地 Region", "发卡 Issued"]
    console.print(table(title, headers, rows))


@card_app.command("show")
def card_show(person: PersonArg, as_json: JsonOpt = False) -> None:
    """查看社会保障卡 The person's live card."""
    from gongji.service import credentials

    _show(run(lambda ctx: credentials.show_card(ctx, person), as_json), "社会保障卡 Card", as_json)


@card_app.command("issue")
def card_issue(person: PersonArg, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """制卡 Issue a card to a person who has none (one who has a card keeps it)."""
    from gongji.service import credentials

    card = run(lambda ctx: credentials.issue_card(ctx, credentials.IssueCard(person), key=new_key(key)), as_json)
    _show(card, "社会保障卡 Card", as_json)


@card_app.command("replace")
def card_replace(person: PersonArg, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """补换卡 Replace the card: a new number; the old one is refused from now on."""
    from gongji.service import credentials

    card = run(lambda ctx: credentials.replace_card(ctx, credentials.ReplaceCard(person), key=new_key(key)), as_json)
    _show(card, "已补换 Card replaced", as_json)


@voucher_app.command("issue")
def voucher_issue(person: PersonArg, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """签发医保电子凭证 A fresh voucher (the person's earlier ones stop working); the token is shown once."""
    from gongji.service import credentials

    command = credentials.IssueVoucher(person)
    issued = run(lambda ctx: credentials.issue_voucher(ctx, command, key=new_key(key)), as_json)
    if as_json:
        print_json({"token": issued.token, "view": issued.view})
        return
    v = issued.view
    console.print(
        table(
            "医保电子凭证 Voucher",
            ["人员编号 Person", "姓名 Name", "指纹 Fingerprint", "有效至 Valid until"],
            [[v.psn_no, v.name, v.fingerprint, f"{v.expires_at:%Y-%m-%d %H:%M}"]],
        )
    )
    if issued.token is None:
        err_console.print(
            "该幂等键的凭证已签发过，凭证只显示一次 This key's voucher was issued before; it is shown once."
        )
        return
    console.print(f"凭证 ecToken: {issued.token}", markup=False, soft_wrap=True)
