"""Wallet transfers between people of two nodes (a Beijing employee's transfer to her mother insured in Hebei, each
province on its own node): two-phase, in TigerBeetle's manner, over the nodes' outboxes and inboxes.

Each node keeps its half of the transfer (:class:`gongji.domain.wallet.Peer` names the other party):

1. **Reserve** (sender's node, :func:`gongji.service.wallet_send.send_to_wallet`): the amount moves into the sender's
   ``wallet_reserved`` account, as within one node, and a ``wallet.offer`` goes to the receiver's node.
2. **Offer** (receiver's node, :func:`_take_offer`): the receiver's half is written, pending her decision, and she is
   told — or, when she cannot receive it (unknown there, another name, no open wallet, the wallet not switched on),
   the amount goes straight back (``wallet.returned``).
3. **Post or void**: she accepts (her wallet is credited on her node; ``wallet.accepted`` posts the sender's half), or
   declines, lets it return at 06:00, or closes her wallet (``wallet.returned`` voids what is left: the sender's
   node releases it into his account). Only the receiver's node decides, so the two sides never race.
4. **Spend**: a settlement on her node pays from the wallet with money owed by the sender's node (its
   ``node_clearing`` account there) and sends ``wallet.spent``; the sender's node moves the reserved money into its
   ``node_clearing`` account for her node. A reversal sends ``wallet.unspent``, which moves it back.

Every step is one transaction on one node with its outbox row; every message is applied once (its inbox row). So for
each pair of nodes, once their messages are applied, the sender's reservations equal the receivers' pending and
unspent amounts, and the two ``node_clearing`` accounts cancel out (``gongji cluster audit``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gongji.domain.errors import ErrorCode, GongjiError, Refused
from gongji.domain.ledger import JournalKind
from gongji.domain.notices import NoticeKind
from gongji.domain.phrases import Phrase
from gongji.domain.wallet import Peer, TransferStatus, WalletEventKind, WalletTransfer
from gongji.service.checks import RuleReader
from gongji.service.context import Context
from gongji.service.federation_ports import Nodes
from gongji.service.ledger_door import Move, post_moves
from gongji.service.node_messages import Applier, MessageKind, post_message
from gongji.service.notices import notify
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.wallet_checks import open_wallet_of, require_enabled
from gongji.service.wallet_moves import (
    node_clearing_account,
    record_event,
    reference_of,
    release_moves,
    reserved_account,
)

__all__ = ["APPLIERS", "offer_fields"]

#: How each way an amount went back is told to the sender, by the status it leaves the transfer in.
_RETURNED = {
    TransferStatus.DECLINED: (WalletEventKind.DECLINED, NoticeKind.WALLET_TRANSFER_DECLINED),
    TransferStatus.RETURNED: (WalletEventKind.RETURNED, NoticeKind.WALLET_TRANSFER_RETURNED),
    TransferStatus.CLOSED: (WalletEventKind.CLOSED, NoticeKind.WALLET_BALANCE_RETURNED),
    TransferStatus.TAKEN_BACK: (WalletEventKind.TAKEN_BACK, NoticeKind.WALLET_BALANCE_RETURNED),
}


def offer_fields(transfer: WalletTransfer, sender_certno: str, sender_name: str) -> dict[str, Any]:
    """What the receiver's node is told of a transfer reserved on the sender's node."""
    assert transfer.peer is not None
    return {
        "transfer_id": transfer.id,
        "sender_certno": sender_certno,
        "sender_name": sender_name,
        "sender_region": transfer.sender_region,
        "receiver_certno": transfer.peer.certno,
        "receiver_name": transfer.peer.name,
        "relation_type": transfer.relation_type,
        "amount_fen": transfer.amount_fen,
        "from_prior_fen": transfer.from_prior_fen,
        "from_current_fen": transfer.from_current_fen,
        "current_year": transfer.current_year,
        "requested_at": transfer.requested_at.isoformat(),
        "return_due_at": transfer.return_due_at.isoformat(),
        "verification": transfer.verification,
    }


# --- the receiver's node ----------------------------------------------------------------------------------------


def _take_offer(ctx: Context, uow: UnitOfWork, message: dict[str, Any], now: datetime, nodes: Nodes) -> None:
    """``wallet.offer``: the receiver's half, pending her decision; or the amount straight back when she cannot
    receive it here."""
    sender_node, amount = message["from"], int(message["amount_fen"])
    try:
        receiver = resolve_person(uow, message["receiver_certno"])
        if receiver.name != message["receiver_name"]:
            raise Refused(ErrorCode.WALLET_RECEIVER_NAME_MISMATCH, name=message["receiver_name"])
        receiver_region = open_wallet_of(uow, receiver)
        require_enabled(RuleReader(ctx.rules, now.date()), receiver_region)
    except GongjiError as refused:
        fields = {"transfer_id": message["transfer_id"], "amount_fen": amount, "status": "declined"}
        post_message(
            uow, nodes, sender_node, MessageKind.WALLET_RETURNED, {**fields, "refusal": refused.to_record()}, now
        )
        return
    draft = WalletTransfer(
        id=0,
        sender_id=None,
        receiver_id=receiver.id,
        sender_region=message["sender_region"],
        receiver_region=receiver_region,
        relation_type=message["relation_type"],
        amount_fen=amount,
        from_prior_fen=int(message["from_prior_fen"]),
        from_current_fen=int(message["from_current_fen"]),
        current_year=int(message["current_year"]),
        remaining_fen=amount,
        status=TransferStatus.PENDING,
        requested_at=datetime.fromisoformat(message["requested_at"]),
        return_due_at=datetime.fromisoformat(message["return_due_at"]),
        verification=message["verification"],
        peer=Peer(sender_node, message["sender_certno"], message["sender_name"], int(message["transfer_id"])),
    )
    transfer = uow.wallets.add_transfer(draft)
    assert transfer is not None, "a receiver's half has no sender here, so no pending pair to clash with"
    record_event(uow, transfer, WalletEventKind.SENT, amount, now, None)
    due = f"{transfer.return_due_at:%Y-%m-%d %H:%M}"
    shown = {"sender": transfer.peer.name if transfer.peer else "", "amount_fen": amount, "due": due}
    notify(uow, receiver.id, NoticeKind.WALLET_TRANSFER_WAITING, shown, now)


# --- the sender's node ------------------------------------------------------------------------------------------


def _senders_half(uow: UnitOfWork, message: dict[str, Any]) -> WalletTransfer:
    """The sender's half a message from the receiver's node is about (locked)."""
    transfer = uow.wallets.transfer(int(message["transfer_id"]), lock=True)
    if transfer is None or transfer.peer is None or transfer.peer.node != message["from"] or transfer.sender_id is None:
        raise LookupError(f"no transfer {message['transfer_id']} to node {message['from']} here")
    return transfer


def _accepted(ctx: Context, uow: UnitOfWork, message: dict[str, Any], now: datetime, nodes: Nodes) -> None:
    """``wallet.accepted``: the sender's half is posted (the money stays reserved until she spends it)."""
    transfer = _senders_half(uow, message)
    if transfer.status is not TransferStatus.PENDING:
        raise LookupError(f"transfer {transfer.id} is {transfer.status.value}, not pending")
    uow.wallets.update_transfer(transfer.id, status=TransferStatus.ACCEPTED, remaining_fen=transfer.remaining_fen,
                                decided_at=now)  # fmt: skip
    uow.wallets.set_peer_transfer(transfer.id, int(message["receiver_transfer_id"]))
    record_event(uow, transfer, WalletEventKind.ACCEPTED, transfer.amount_fen, now, None)
    shown = {"receiver": transfer.peer.name if transfer.peer else "", "amount_fen": transfer.amount_fen}
    notify(uow, transfer.sender_here, NoticeKind.WALLET_TRANSFER_ACCEPTED, shown, now)


def _returned(ctx: Context, uow: UnitOfWork, message: dict[str, Any], now: datetime, nodes: Nodes) -> None:
    """``wallet.returned``: what the receiver's node gave back is released into the sender's account (voided)."""
    transfer = _senders_half(uow, message)
    amount, status = int(message["amount_fen"]), TransferStatus(message["status"])
    if amount != transfer.remaining_fen:
        # The spending messages sent before it have not all been applied: apply this one after them (redelivered).
        raise LookupError(f"transfer {transfer.id} reserves {transfer.remaining_fen}, {amount} returned")
    journal_id = None
    if amount:
        posted = post_moves(uow, release_moves(transfer, amount, now), kind=JournalKind.WALLET_RETURN, at=now,
                            reference=reference_of(transfer), person_id=transfer.sender_id)  # fmt: skip
        journal_id = posted.journal_id
    uow.wallets.update_transfer(transfer.id, status=status, remaining_fen=0, decided_at=now)
    event, notice = _RETURNED[status]
    record_event(uow, transfer, event, amount, now, journal_id)
    receiver = transfer.peer.name if transfer.peer else ""
    shown: dict[str, Any] = {"receiver": receiver, "amount_fen": amount}
    if notice is NoticeKind.WALLET_TRANSFER_RETURNED:
        shown["due"] = f"{transfer.return_due_at:%Y-%m-%d %H:%M}"
    elif notice is NoticeKind.WALLET_BALANCE_RETURNED:
        reason = Phrase.TAKEN_BACK if status is TransferStatus.TAKEN_BACK else Phrase.WALLET_CLOSED
        shown = {"transfer_id": transfer.id, "amount_fen": amount, "sender": receiver, "reason": reason}
    if "refusal" in message:  # never offered to her: her node could not take it
        notice, shown["reason"] = (
            NoticeKind.WALLET_TRANSFER_UNDELIVERED,
            GongjiError.from_dict(message["refusal"]).as_term(),
        )
    notify(uow, transfer.sender_here, notice, shown, now)


def _spending(uow: UnitOfWork, message: dict[str, Any], now: datetime, back: bool) -> None:
    """``wallet.spent`` (or ``wallet.unspent`` when ``back``): the reserved money owed to the receiver's node (its
    ``node_clearing`` account here), or back."""
    transfer = _senders_half(uow, message)
    amount = int(message["amount_fen"])
    assert transfer.peer is not None
    reserved = reserved_account(transfer.sender_here, transfer.sender_region, now.year)
    owed = node_clearing_account(transfer.peer.node, transfer.sender_region)
    move: Move = (owed, reserved, amount) if back else (reserved, owed, amount)
    posted = post_moves(uow, [move], kind=JournalKind.NODE_SETTLEMENT, at=now, reference=message["reference"],
                        person_id=transfer.sender_id)  # fmt: skip
    left = transfer.remaining_fen + amount if back else transfer.remaining_fen - amount
    if left < 0:
        raise LookupError(f"transfer {transfer.id} reserves {transfer.remaining_fen}, {amount} spent")
    status = TransferStatus.ACCEPTED if left else TransferStatus.SPENT
    uow.wallets.update_transfer(transfer.id, status=status, remaining_fen=left, decided_at=None)
    kind = WalletEventKind.PAYMENT_REVERSED if back else WalletEventKind.PAID
    record_event(uow, transfer, kind, amount, now, posted.journal_id)
    if not back:
        shown = {"patient": transfer.peer.name, "amount_fen": amount, "how": Phrase.PAID_THROUGH_WALLET,
                 "where": message["reference"], "at": f"{now:%Y-%m-%d %H:%M}"}  # fmt: skip
        notify(uow, transfer.sender_here, NoticeKind.ACCOUNT_PAID, shown, now)


def _spent(ctx: Context, uow: UnitOfWork, message: dict[str, Any], now: datetime, nodes: Nodes) -> None:
    _spending(uow, message, now, back=False)


def _unspent(ctx: Context, uow: UnitOfWork, message: dict[str, Any], now: datetime, nodes: Nodes) -> None:
    _spending(uow, message, now, back=True)


#: The wallet's messages and what applies each (:func:`gongji.service.node_messages.apply_message`).
APPLIERS: dict[MessageKind, Applier] = {
    MessageKind.WALLET_OFFER: _take_offer,
    MessageKind.WALLET_ACCEPTED: _accepted,
    MessageKind.WALLET_RETURNED: _returned,
    MessageKind.WALLET_SPENT: _spent,
    MessageKind.WALLET_UNSPENT: _unspent,
}
