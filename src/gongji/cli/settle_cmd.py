"""``gongji visit`` and ``gongji settle``: visits, fee lines, and settlements with their explanation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from gongji.domain.codes import MedType
from gongji.domain.money import parse_yuan

from .common import AMOUNT_ARGUMENT, guard, new_key, read_date, read_moment, run
from .output import console, print_json, table, yuan
from .settle_output import show_explanation, show_reversal, show_settlement, show_visit

if TYPE_CHECKING:
    from gongji.service.claims import ClaimView, SubmitClaim
    from gongji.service.contributions import PayContribution
    from gongji.service.settlement import UploadFees

__all__ = ["claim_app", "settle_app", "visit_app"]

visit_app = typer.Typer(help="就诊 Visits and fee lines.", no_args_is_help=True)
settle_app = typer.Typer(help="结算 Settlements: preview, commit, reverse, show, explain.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[str | None, typer.Option("--key", help="幂等键 Idempotency key.")]
MdtrtArg = Annotated[str, typer.Argument(help="就诊ID mdtrt_id")]
SetlArg = Annotated[str, typer.Argument(help="结算ID setl_id")]


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
    from gongji.service import settlement

    cmd = guard(
        lambda: settlement.OpenVisit(
            person,
            institution,
            MedType.parse(med_type),
            read_moment(begin, "begin"),
            None,
            None,
            buyer_name,
            buyer_certno,
        ),
        as_json,
    )
    view = run(lambda ctx: settlement.open_visit(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_visit(view)


def _fees(mdtrt_id: str, lines: list[str]) -> UploadFees:
    """Fee lines written SN:ITEM_CODE:QTY:PRICE_YUAN[:RETURNS_SN]."""
    from gongji.service import settlement

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
    from gongji.service import settlement

    cmd = guard(lambda: _fees(mdtrt_id, lines), as_json)
    view = run(lambda ctx: settlement.upload_fees(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_visit(view)


@visit_app.command("cancel-fees")
def visit_cancel_fees(
    mdtrt_id: MdtrtArg,
    sns: Annotated[list[str] | None, typer.Argument(help="流水号 Serial numbers (none: all)")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """撤销费用明细 Cancel fee lines of an unsettled visit."""
    from gongji.service import settlement

    cmd = settlement.CancelFees(mdtrt_id, tuple(sns) if sns else None)
    view = run(lambda ctx: settlement.cancel_fees(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_visit(view)


@visit_app.command("show")
def visit_show(mdtrt_id: MdtrtArg, as_json: JsonOpt = False) -> None:
    """查看就诊 A visit with its classified fee lines."""
    from gongji.service import settlement

    view = run(lambda ctx: settlement.visit_view(ctx, mdtrt_id), as_json)
    print_json(view) if as_json else show_visit(view)


AcctOpt = Annotated[bool, typer.Option("--account/--no-account", help="使用个人账户 acct_used_flag")]
WalletOpt = Annotated[bool, typer.Option("--wallet/--no-wallet", help="使用医保钱包 Pay from the patient's wallet")]


@settle_app.command("preview")
def settle_preview(
    mdtrt_id: MdtrtArg, account: AcctOpt = True, wallet: WalletOpt = True, as_json: JsonOpt = False
) -> None:
    """预结算 Compute a settlement and write nothing."""
    from gongji.service import settlement

    cmd = settlement.Settle(mdtrt_id, account, use_wallet=wallet)
    view = run(lambda ctx: settlement.preview_settlement(ctx, cmd), as_json)
    print_json(view) if as_json else show_settlement(view)


@settle_app.command("commit")
def settle_commit(
    mdtrt_id: MdtrtArg, account: AcctOpt = True, wallet: WalletOpt = True, key: KeyOpt = None, as_json: JsonOpt = False
) -> None:
    """结算 Settle a visit: fund, own account, wallet, relatives' accounts in order, cash — one journal."""
    from gongji.service import settlement

    cmd = settlement.Settle(mdtrt_id, account, use_wallet=wallet)
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
    from gongji.service import settlement

    cmd = settlement.ReverseSettlement(setl_id, reason)
    view = run(lambda ctx: settlement.reverse_settlement(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else show_reversal(view)


@settle_app.command("show")
def settle_show(setl_id: SetlArg, as_json: JsonOpt = False) -> None:
    """查看结算 A settlement with its payers."""
    from gongji.service import settlement

    view = run(lambda ctx: settlement.show_settlement(ctx, setl_id), as_json)
    print_json(view) if as_json else show_settlement(view)


@settle_app.command("explain")
def settle_explain(setl_id: SetlArg, as_json: JsonOpt = False) -> None:
    """结算说明 Every rule value read and every account tried, in Chinese and English."""
    from gongji.service import settlement

    view = run(lambda ctx: settlement.explain(ctx, setl_id), as_json)
    print_json(view) if as_json else show_explanation(view)


def _contribution(
    payer: str, beneficiary: str, amount: str, kind: str, year: int | None, reference: str
) -> PayContribution:
    """The contribution command from the options (the year defaults to next year)."""
    from gongji.rules.schema import Contribution
    from gongji.service.clock import SystemClock
    from gongji.service.contributions import PayContribution

    chosen_year = year or SystemClock().today().year + 1
    amount_fen = parse_yuan(amount, allow_zero=False)
    return PayContribution(
        payer, beneficiary, Contribution(kind), amount_fen, chosen_year, reference or f"{kind}-{chosen_year}"
    )


@settle_app.command("contribution", context_settings=AMOUNT_ARGUMENT)
def settle_contribution(
    payer: Annotated[str, typer.Argument(help="共济人 Authoriser who pays")],
    beneficiary: Annotated[str, typer.Argument(help="被共济人 Relative whose contribution is paid")],
    amount: Annotated[str, typer.Argument(help="金额（元）Amount in yuan")],
    kind: Annotated[
        Literal["resident_basic", "long_term_care"],  # gongji.rules.schema.Contribution (a test checks they agree)
        typer.Option(help="resident_basic 城乡居民医保 / long_term_care 长期护理保险"),
    ] = "resident_basic",
    year: Annotated[int | None, typer.Option(help="缴费年度 Contribution year (default next year)")] = None,
    reference: Annotated[str, typer.Option(help="缴费单号 Reference")] = "",
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """代缴 Pay a relative's individual contribution from the authoriser's account (in full, or refused)."""
    from gongji.service.contributions import pay_contribution

    cmd = guard(lambda: _contribution(payer, beneficiary, amount, kind, year, reference), as_json)
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


def _claim(
    person: str, institution: str, med_type: str, visit_date: str, operator: str, reason: str, receipts: list[str]
) -> SubmitClaim:
    """The claim command from receipts written ISSUER/NUMBER=SN:ITEM_CODE:QTY:PRICE_YUAN[,…]."""
    from gongji.service.claims import Receipt, SubmitClaim
    from gongji.service.settlement import FeeInput

    parsed = []
    for text in receipts:
        head, _, body = text.partition("=")
        issuer, _, number = head.partition("/")
        lines = []
        for part in body.split(","):
            fields = part.split(":")
            if len(fields) != 4 or not issuer or not number:
                raise typer.BadParameter(f"{text!r}: expected ISSUER/NUMBER=SN:ITEM_CODE:QTY:PRICE_YUAN[,…]")
            lines.append(FeeInput(fields[0], fields[1], fields[2], parse_yuan(fields[3])))
        parsed.append(Receipt(issuer, number, tuple(lines)))
    day = read_date(visit_date, "date")
    assert day is not None
    return SubmitClaim(person, institution, MedType.parse(med_type), day, tuple(parsed), operator, reason)


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
    from gongji.service.claims import submit_claim

    cmd = guard(lambda: _claim(person, institution, med_type, visit_date, operator, reason, receipt), as_json)
    view = run(lambda ctx: submit_claim(ctx, cmd, key=new_key(key)), as_json)
    print_json(view) if as_json else _show_claim(view)


@claim_app.command("show")
def claim_show(mdtrt_id: MdtrtArg, as_json: JsonOpt = False) -> None:
    """查看报销单 A claim by the visit it created."""
    from gongji.service.claims import show_claim

    view = run(lambda ctx: show_claim(ctx, mdtrt_id), as_json)
    print_json(view) if as_json else _show_claim(view)
