"""The wallet (医保钱包) and the inbox: open, close, transfer, accept, decline, take back; a person's notifications
(operators only, within their regions).

A route names the person who acts in its path: the sender of a new transfer and of a take-back, the receiver of an
acceptance or a refusal. A new transfer names two people, so the operator must hold both their regions (as a binding
does); the others act on one person's side and answer the other party's name, as the person's wallet page does.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from gongji.api.rest.auth import ContextDep, IdempotencyKey, Operator, Principal
from gongji.api.rest.models import MAX_ID, SettlementOut
from gongji.api.rest.params import PersonPath
from gongji.api.rest.people import require_person
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.api.rest.wallet_models import (
    NoticeOut,
    NoticesReadIn,
    NoticesReadOut,
    WalletContributionIn,
    WalletOut,
    WalletTransferIn,
    WalletTransferOut,
)
from gongji.service import notices, scopes, wallet, wallet_query
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.wallet_contribution import PayContributionFromWallet, pay_contribution_from_wallet

__all__ = ["router"]

router = APIRouter(tags=["wallet 医保钱包"], responses=PROBLEM_RESPONSES)

#: A wallet transfer.
TransferIdPath = Annotated[
    int, Path(ge=1, le=MAX_ID, description="医保钱包转账编号 Wallet transfer number", examples=[1])
]


def _require_people(ctx: Context, principal: Principal, refs: list[str], action_zh: str, action_en: str) -> None:
    """Every person exists and the operator holds each one's region: nothing about either side is answered to an
    operator of only one."""
    for ref in refs:
        principal.require_region(scopes.person_region(ctx, ref), action_zh, action_en)


@router.get("/people/{ref}/wallet", summary="医保钱包 A wallet: balances, transfers both ways, history")
def show_wallet(ref: PersonPath, ctx: ContextDep, principal: Operator) -> WalletOut:
    """The wallet's status, what the person may pay with, what waits for acceptance, what his own account holds
    reserved for others, and every transfer with the other party named (status ``not_opened`` if he never opened
    one)."""
    require_person(ctx, principal, ref, "查看医保钱包", "see the wallet")
    return WalletOut.model_validate(wallet_query.show_wallet(ctx, ref))


@router.post("/people/{ref}/wallet", summary="开通医保钱包 Open the wallet (idempotent)")
def open_wallet(ref: PersonPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> WalletOut:
    """Open the wallet in the pooling region of the person's basic insurance, where the region has switched wallets
    on; opening an open wallet changes nothing."""
    require_person(ctx, principal, ref, "开通医保钱包", "open the wallet")
    return WalletOut.model_validate(wallet.open_wallet(ctx, wallet.OpenWallet(ref), key=key))


@router.delete("/people/{ref}/wallet", summary="注销医保钱包 Close the wallet")
def close_wallet(ref: PersonPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> WalletOut:
    """Refused while a transfer to the person waits to be accepted (``WALLET_NOT_EMPTY``); what he accepted and did
    not spend goes back to each sender's account first."""
    require_person(ctx, principal, ref, "注销医保钱包", "close the wallet")
    return WalletOut.model_validate(wallet.close_wallet(ctx, wallet.CloseWallet(ref), key=key))


@router.get("/people/{ref}/wallet/transfers", summary="医保钱包转账 Transfers to and from a person, newest first")
def list_transfers(
    ref: PersonPath,
    ctx: ContextDep,
    principal: Operator,
    direction: Annotated[
        Literal["in", "out"] | None, Query(description="in 转入（本人接收）, out 转出（本人发出）; omitted: both")
    ] = None,
) -> list[WalletTransferOut]:
    """The person's latest transfers (both ways unless ``direction`` says), with both parties named."""
    require_person(ctx, principal, ref, "查看医保钱包转账", "see wallet transfers")
    view = wallet_query.show_wallet(ctx, ref)
    chosen = {"in": view.incoming, "out": view.outgoing}.get(direction or "", view.incoming + view.outgoing)
    ordered = sorted(chosen, key=lambda t: (t.requested_at, t.id), reverse=True)
    return [WalletTransferOut.model_validate(t) for t in ordered]


@router.post(
    "/people/{ref}/wallet/transfers",
    status_code=status.HTTP_201_CREATED,
    summary="医保钱包转账 Transfer to a close relative's wallet",
)
def send(
    ref: PersonPath, body: WalletTransferIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> WalletTransferOut:
    """The person ``ref`` (an employee) sends ``amount_fen`` from his personal account to a close relative's wallet
    within the national limits (each refusal has its code); the amount stays reserved in his account until the
    relative accepts, or returns at 06:00 the next day. The same Idempotency-Key replays the first answer."""
    # A receiver on another node is not here to check: her node does, and refuses what it must.
    nodes, region = ctx.nodes, body.receiver_region
    elsewhere = nodes is not None and region is not None and nodes.node_of(region) not in (None, nodes.node)
    _require_people(
        ctx, principal, [ref] if elsewhere else [ref, body.receiver], "医保钱包转账", "transfer to a wallet"
    )
    cmd = wallet.SendToWallet(
        ref,
        body.receiver,
        body.amount_fen,
        body.relation_type,
        face_token=body.face_token,
        password=body.password,
        receiver_region=body.receiver_region,
        receiver_name=body.receiver_name,
    )
    return WalletTransferOut.model_validate(wallet.send_to_wallet(ctx, cmd, key=key))


@router.post(
    "/people/{ref}/wallet/contributions",
    status_code=status.HTTP_201_CREATED,
    summary="钱包缴费 Pay the person's own contribution from her wallet",
)
def pay_contribution(
    ref: PersonPath, body: WalletContributionIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> SettlementOut:
    """The person ``ref`` pays her resident (or long-term care) contribution from the money relatives sent to her
    wallet, in full or not at all; it leaves the senders' accounts now."""
    require_person(ctx, principal, ref, "医保钱包缴费", "pay a contribution from the wallet")
    cmd = PayContributionFromWallet(ref, body.kind, body.amount_fen, body.year, body.reference)
    return SettlementOut.model_validate(pay_contribution_from_wallet(ctx, cmd, key=key))


@router.post("/people/{ref}/wallet/transfers/{transfer_id}/accept", summary="接收转账 The receiver accepts")
def accept(
    ref: PersonPath, transfer_id: TransferIdPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> WalletTransferOut:
    """The receiver ``ref`` accepts: the amount becomes her wallet balance (until 06:00 the day after it was sent)."""
    require_person(ctx, principal, ref, "接收医保钱包转账", "accept a wallet transfer")
    cmd = wallet.DecideTransfer(transfer_id, ref)
    return WalletTransferOut.model_validate(wallet.accept_transfer(ctx, cmd, key=key))


@router.post("/people/{ref}/wallet/transfers/{transfer_id}/decline", summary="拒收转账 The receiver declines")
def decline(
    ref: PersonPath, transfer_id: TransferIdPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> WalletTransferOut:
    """The receiver ``ref`` declines: the reserved amount goes back to the sender's account at once."""
    require_person(ctx, principal, ref, "拒收医保钱包转账", "decline a wallet transfer")
    cmd = wallet.DecideTransfer(transfer_id, ref)
    return WalletTransferOut.model_validate(wallet.decline_transfer(ctx, cmd, key=key))


@router.post(
    "/people/{ref}/wallet/transfers/{transfer_id}/take-back", summary="收回转账 The sender takes back the unspent part"
)
def take_back(
    ref: PersonPath, transfer_id: TransferIdPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> WalletTransferOut:
    """The sender ``ref`` takes back what the receiver accepted and has not spent, only where the sender's region
    allows it (``WALLET_TAKE_BACK_NOT_ALLOWED`` otherwise)."""
    require_person(ctx, principal, ref, "收回医保钱包转账", "take back a wallet transfer")
    cmd = wallet.DecideTransfer(transfer_id, ref)
    return WalletTransferOut.model_validate(wallet.take_back(ctx, cmd, key=key))


def _person_id(ctx: Context, ref: str) -> int:
    return ctx.read(lambda uow: resolve_person(uow, ref).id)


@router.get("/people/{ref}/notices", summary="消息 A person's notifications, newest first")
def inbox(
    ref: PersonPath,
    ctx: ContextDep,
    principal: Operator,
    limit: Annotated[int, Query(ge=1, le=200, description="最多条数 At most this many")] = 100,
) -> list[NoticeOut]:
    """What the person was told (transfers to accept, acceptances, returns, payments from his account), read and
    unread, in Chinese and English."""
    require_person(ctx, principal, ref, "查看消息", "see the notifications")
    return [NoticeOut.model_validate(n) for n in notices.inbox(ctx, _person_id(ctx, ref), limit=limit)]


@router.post("/people/{ref}/notices/read", summary="标为已读 Mark notifications read")
def mark_read(
    ref: PersonPath, body: NoticesReadIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> NoticesReadOut:
    """Mark some of the person's notifications read (ids of another person's are left alone); how many changed.
    Marking read again changes nothing, so a resent request needs no stored answer: the Idempotency-Key is required
    like every write's, and a replay answers ``changed`` 0."""
    require_person(ctx, principal, ref, "标记消息已读", "mark notifications read")
    return NoticesReadOut(changed=notices.mark_read(ctx, _person_id(ctx, ref), list(body.ids)))
