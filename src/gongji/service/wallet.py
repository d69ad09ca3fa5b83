"""Use cases of the wallet (医保钱包): open and close, transfer, accept, decline, take back, return what is due.

A transfer reserves money in the sender's personal account: the shareable part moves into his ``wallet_reserved``
account in his own region (so he cannot spend or send it twice), and the transfer row says how much of it is still
reserved. Accepting credits the receiver's wallet (quota, in her region); spending it (a settlement or a contribution)
moves the reserved money out of the sender's region then; declining, the 06:00 return, taking back and closing put
the reserved money back into the part it came from. Every step is one journal and one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.ledger import WALLET_QUOTA, AccountKind, JournalKind
from gongji.domain.notices import NoticeKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.regions import NATIONAL  # the list of 近亲属 a transfer may reach is the nation's
from gongji.domain.wallet import (
    TransferStatus,
    WalletEventKind,
    WalletTransfer,
)
from gongji.rules import parameters as params
from gongji.service.checks import RuleReader
from gongji.service.context import Context
from gongji.service.ledger_door import memo_source, post_moves
from gongji.service.node_messages import MessageKind
from gongji.service.notices import notify
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.wallet_checks import (
    open_wallet_of,
    require_enabled,
    wallet_region,
)
from gongji.service.wallet_moves import (
    give_back,
    record_event,
    reference_of,
    tell_sender_node,
    wallet_account,
)
from gongji.service.wallet_query import transfer_view, wallet_view
from gongji.service.wallet_send import SendToWallet, send_to_wallet
from gongji.service.wallet_views import ReturnDueResult, WalletTransferView, WalletView

__all__ = [
    "NATIONAL",
    "CloseWallet",
    "DecideTransfer",
    "OpenWallet",
    "SendToWallet",
    "accept_transfer",
    "close_wallet",
    "decline_transfer",
    "open_wallet",
    "return_due",
    "send_to_wallet",
    "take_back",
]

RETURN_BATCH = 100


@dataclass(frozen=True)
class OpenWallet:
    """开通医保钱包 in the pooling region of the person's basic insurance."""

    person: str


@dataclass(frozen=True)
class CloseWallet:
    """注销医保钱包: what is left unspent goes back to its senders."""

    person: str


@dataclass(frozen=True)
class DecideTransfer:
    """Accept, decline or take back a transfer: ``person`` is who acts (the receiver, or the sender to take back)."""

    transfer_id: int
    person: str


def open_wallet(ctx: Context, cmd: OpenWallet, *, key: str) -> WalletView:
    """Open a person's wallet where the region has switched it on; opening an open wallet changes nothing."""

    def handler(uow: UnitOfWork) -> WalletView:
        person = resolve_person(uow, cmd.person)
        now = ctx.clock.now()
        region = wallet_region(uow, person)
        require_enabled(RuleReader(ctx.rules, now.date()), region)
        uow.ledger.open_account(AccountKind.WALLET, region, person.id, now)
        uow.wallets.open(person.id, region, now)
        return wallet_view(uow, person)

    request = {"person": cmd.person.strip().upper()}
    return ctx.write(key=key, operation="wallet.open", request=request, result_type=WalletView, handler=handler)


def close_wallet(ctx: Context, cmd: CloseWallet, *, key: str) -> WalletView:
    """Close a wallet. Refused while a transfer to or from it waits to be accepted; what the person accepted and did
    not spend goes back to each sender's account first."""

    def handler(uow: UnitOfWork) -> WalletView:
        person = resolve_person(uow, cmd.person)
        open_wallet_of(uow, person)
        now = ctx.clock.now()
        mine = uow.wallets.of_person(person.id, limit=10_000)
        pending = [t for t in mine if t.status is TransferStatus.PENDING]
        if pending:
            raise Refused(ErrorCode.WALLET_NOT_EMPTY, name=person.name, pending=len(pending))
        for transfer in uow.wallets.spendable(person.id):
            give_back(uow, transfer, TransferStatus.CLOSED, WalletEventKind.CLOSED, now, ctx.nodes)
        uow.wallets.close(person.id, now)
        return wallet_view(uow, person)

    request = {"person": cmd.person.strip().upper()}
    return ctx.write(key=key, operation="wallet.close", request=request, result_type=WalletView, handler=handler)


def _locked_transfer(uow: UnitOfWork, transfer_id: int) -> WalletTransfer:
    transfer = uow.wallets.transfer(transfer_id, lock=True)
    if transfer is None:
        raise NotFound(ErrorCode.WALLET_TRANSFER_NOT_FOUND, transfer_id=transfer_id)
    return transfer


def _require(transfer: WalletTransfer, status: TransferStatus, action: Phrase) -> None:
    if transfer.status is not status:
        raise Refused(
            ErrorCode.WALLET_TRANSFER_STATE_WRONG, transfer_id=transfer.id, status=transfer.status, action=action
        )


def _names(uow: UnitOfWork, transfer: WalletTransfer) -> tuple[str, str]:
    view = transfer_view(uow, transfer)
    return view.sender, view.receiver


def _as_party(uow: UnitOfWork, transfer: WalletTransfer, who: str, role: Phrase, action: Phrase) -> Person:
    person = resolve_person(uow, who)
    party = transfer.receiver_id if role is Phrase.WALLET_RECEIVER else transfer.sender_id
    if person.id != party:
        raise Refused(ErrorCode.WALLET_NOT_YOURS, transfer_id=transfer.id, role=role, action=action)
    return person


def accept_transfer(ctx: Context, cmd: DecideTransfer, *, key: str) -> WalletTransferView:
    """The receiver accepts: the amount becomes her wallet balance (still reserved in the sender's account)."""

    def handler(uow: UnitOfWork) -> WalletTransferView:
        now = ctx.clock.now()
        transfer = _locked_transfer(uow, cmd.transfer_id)
        receiver = _as_party(uow, transfer, cmd.person, Phrase.WALLET_RECEIVER, Phrase.ACT_ACCEPT_TRANSFER)
        _require(transfer, TransferStatus.PENDING, Phrase.ACT_ACCEPT_TRANSFER)
        if now >= transfer.return_due_at:
            raise Refused(
                ErrorCode.WALLET_TRANSFER_EXPIRED,
                transfer_id=transfer.id,
                due=f"{transfer.return_due_at:%Y-%m-%d %H:%M}",
            )
        open_wallet_of(uow, receiver)
        source = memo_source(transfer.receiver_region, WALLET_QUOTA)
        posted = post_moves(
            uow,
            [(source, wallet_account(transfer, now.year), transfer.amount_fen)],
            kind=JournalKind.WALLET_ACCEPT,
            at=now,
            reference=reference_of(transfer),
            person_id=receiver.id,
        )
        uow.wallets.update_transfer(
            transfer.id, status=TransferStatus.ACCEPTED, remaining_fen=transfer.amount_fen, decided_at=now
        )
        record_event(uow, transfer, WalletEventKind.ACCEPTED, transfer.amount_fen, now, posted.journal_id)
        if transfer.sender_id is None:  # the sender's node posts its half (gongji.service.wallet_remote)
            fields = {"receiver_transfer_id": transfer.id, "receiver_name": receiver.name}
            tell_sender_node(uow, ctx.nodes, transfer, MessageKind.WALLET_ACCEPTED, now, **fields)
        else:
            params_ = {"receiver": receiver.name, "amount_fen": transfer.amount_fen}
            notify(uow, transfer.sender_id, NoticeKind.WALLET_TRANSFER_ACCEPTED, params_, now)
        return transfer_view(uow, _locked_transfer(uow, transfer.id))

    request = {"transfer_id": cmd.transfer_id, "person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="wallet.accept", request=request, result_type=WalletTransferView, handler=handler
    )


def decline_transfer(ctx: Context, cmd: DecideTransfer, *, key: str) -> WalletTransferView:
    """The receiver declines: the reserved amount goes back to the sender's account at once."""

    def handler(uow: UnitOfWork) -> WalletTransferView:
        now = ctx.clock.now()
        transfer = _locked_transfer(uow, cmd.transfer_id)
        receiver = _as_party(uow, transfer, cmd.person, Phrase.WALLET_RECEIVER, Phrase.ACT_DECLINE_TRANSFER)
        _require(transfer, TransferStatus.PENDING, Phrase.ACT_DECLINE_TRANSFER)
        give_back(uow, transfer, TransferStatus.DECLINED, WalletEventKind.DECLINED, now, ctx.nodes)
        if transfer.sender_id is not None:  # across nodes, the sender's node tells him when it has released it
            params_ = {"receiver": receiver.name, "amount_fen": transfer.amount_fen}
            notify(uow, transfer.sender_id, NoticeKind.WALLET_TRANSFER_DECLINED, params_, now)
        return transfer_view(uow, _locked_transfer(uow, transfer.id))

    request = {"transfer_id": cmd.transfer_id, "person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="wallet.decline", request=request, result_type=WalletTransferView, handler=handler
    )


def take_back(ctx: Context, cmd: DecideTransfer, *, key: str) -> WalletTransferView:
    """The sender takes back what the receiver accepted and has not spent — only where the rules allow it."""

    def handler(uow: UnitOfWork) -> WalletTransferView:
        now = ctx.clock.now()
        transfer = _locked_transfer(uow, cmd.transfer_id)
        _as_party(uow, transfer, cmd.person, Phrase.WALLET_SENDER, Phrase.ACT_TAKE_BACK_TRANSFER)
        if transfer.peer is not None:  # whatever the rules: only the receiver's node decides what her wallet holds
            raise Refused(ErrorCode.WALLET_TAKE_BACK_ACROSS_NODES, transfer_id=transfer.id, node=transfer.peer.node)
        reader = RuleReader(ctx.rules, now.date())
        if not reader.get(params.WALLET_TAKE_BACK_ALLOWED, transfer.sender_region):
            raise Refused(
                ErrorCode.WALLET_TAKE_BACK_NOT_ALLOWED, region=transfer.sender_region, on=now.date().isoformat()
            )
        _require(transfer, TransferStatus.ACCEPTED, Phrase.ACT_TAKE_BACK_TRANSFER)
        amount = give_back(uow, transfer, TransferStatus.TAKEN_BACK, WalletEventKind.TAKEN_BACK, now)
        sender, _ = _names(uow, transfer)
        params_ = {"transfer_id": transfer.id, "amount_fen": amount, "sender": sender, "reason": Phrase.TAKEN_BACK}
        notify(uow, transfer.receiver_here, NoticeKind.WALLET_BALANCE_RETURNED, params_, now)
        return transfer_view(uow, _locked_transfer(uow, transfer.id))

    request = {"transfer_id": cmd.transfer_id, "person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="wallet.take_back", request=request, result_type=WalletTransferView, handler=handler
    )


def _return_one(ctx: Context, transfer_id: int) -> int:
    """Return one due transfer in its own transaction; 0 when another run (or an acceptance) got there first."""

    def handler(uow: UnitOfWork) -> int:
        now = ctx.clock.now()
        transfer = uow.wallets.transfer(transfer_id, lock=True)
        if transfer is None or transfer.status is not TransferStatus.PENDING or transfer.return_due_at > now:
            return 0
        amount = give_back(uow, transfer, TransferStatus.RETURNED, WalletEventKind.RETURNED, now, ctx.nodes)
        sender, receiver = _names(uow, transfer)
        shown = {"amount_fen": amount, "due": f"{transfer.return_due_at:%Y-%m-%d %H:%M}"}
        if transfer.sender_id is not None:  # across nodes, the sender's node tells him when it has released it
            notice = NoticeKind.WALLET_TRANSFER_RETURNED
            notify(uow, transfer.sender_id, notice, {**shown, "receiver": receiver}, now)
        notify(uow, transfer.receiver_here, NoticeKind.WALLET_TRANSFER_EXPIRED, {**shown, "sender": sender}, now)
        uow.commit()
        return amount

    return ctx.transaction(handler)


def return_due(ctx: Context) -> ReturnDueResult:
    """Return every transfer nobody accepted by its return time (06:00 the next day). Safe to run from several
    workers and cron at once: each transfer is returned under its lock, once."""
    returned = amount = 0
    while True:
        due = ctx.read(lambda uow: uow.wallets.due(ctx.clock.now(), limit=RETURN_BATCH))
        for transfer_id in due:
            moved = _return_one(ctx, transfer_id)
            returned += moved > 0
            amount += moved
        if len(due) < RETURN_BATCH:
            return ReturnDueResult(returned=returned, amount_fen=amount)
