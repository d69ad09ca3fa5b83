"""The wallet's money movements: reserving, releasing, and spending a transfer in a settlement.

A transfer's money sits in the sender's ``wallet_reserved`` account (his region); the receiver's wallet holds the
same amount as quota (her region). Spending moves the reserved money to the institution — across regions the way a
region move does, through each region's transfer clearing account — and takes the quota out of the wallet, in the
settlement's own journal; a reversal mirrors that journal and puts the amount back on the transfer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gongji.domain.ledger import WALLET_QUOTA, AccountKind, AccountOpening, JournalKind
from gongji.domain.notices import NoticeKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.settlement import PayerRow, Payment, Purse
from gongji.domain.wallet import TransferStatus, WalletEvent, WalletEventKind, WalletTransfer
from gongji.service.federation_ports import Nodes
from gongji.service.ledger_door import Move, memo_source, post_moves
from gongji.service.node_messages import MessageKind, post_message
from gongji.service.notices import notify
from gongji.service.ports import UnitOfWork

__all__ = [
    "give_back",
    "node_clearing_account",
    "part_account",
    "record_event",
    "reference_of",
    "release_moves",
    "reserved_account",
    "restore_spending",
    "spending_moves",
    "tell_payers",
    "tell_sender_node",
    "wallet_account",
    "wallet_source",
]


def part_account(kind: AccountKind, person_id: int, region: str, year: int) -> AccountOpening:
    """A part of a person's personal account (历年 or 当年) in a region."""
    return AccountOpening.of(kind, region, person_id, year)


def node_clearing_account(node: str, region: str) -> AccountOpening:
    """What node ``node`` and this region owe each other for wallet money spent across them (a system account, one
    per node: positive on the sender's node, negative on the receiver's, the two cancelling out)."""
    base = AccountOpening.of(AccountKind.NODE_CLEARING, region, None, 0)
    return AccountOpening(f"{base.code}:{node}", base.kind, base.region, base.asset)


def reserved_account(person_id: int, region: str, year: int) -> AccountOpening:
    """The money a sender's personal account holds reserved for his wallet transfers."""
    return AccountOpening.of(AccountKind.WALLET_RESERVED, region, person_id, year)


def wallet_account(transfer: WalletTransfer, year: int) -> AccountOpening:
    """The receiver's wallet (quota) that a transfer credits once accepted."""
    return AccountOpening.of(AccountKind.WALLET, transfer.receiver_region, transfer.receiver_here, year)


def reference_of(transfer: WalletTransfer) -> str:
    """The journal reference of a transfer's steps (``WT12``)."""
    return f"WT{transfer.id}"


def record_event(
    uow: UnitOfWork, transfer: WalletTransfer, kind: WalletEventKind, amount: int, at: datetime, journal: int | None
) -> None:
    """Add a line to the transfer's history."""
    uow.wallets.add_event(WalletEvent(0, transfer.id, kind, amount, at, journal, reference_of(transfer)))


def release_moves(transfer: WalletTransfer, amount: int, now: datetime) -> list[Move]:
    """Reserved money back into the parts it came from: 当年 money to 当年 while that year lasts, else to 历年."""
    sender, region = transfer.sender_here, transfer.sender_region
    reserved = reserved_account(sender, region, now.year)
    to_current = min(amount, transfer.from_current_fen) if transfer.current_year == now.year else 0
    return [
        (reserved, part_account(AccountKind.PERSONAL_CURRENT, sender, region, now.year), to_current),
        (reserved, part_account(AccountKind.PERSONAL_PRIOR, sender, region, now.year), amount - to_current),
    ]


def tell_sender_node(
    uow: UnitOfWork, nodes: Nodes | None, transfer: WalletTransfer, kind: MessageKind, at: datetime, **fields: Any
) -> None:
    """From the receiver's half of a transfer across nodes: tell the sender's node (``kind`` with ``fields``), in
    this transaction's outbox (:mod:`gongji.service.wallet_remote`)."""
    assert transfer.peer is not None
    assert nodes is not None, "a transfer across nodes exists only on a node of a federation"
    post_message(uow, nodes, transfer.peer.node, kind, {"transfer_id": transfer.peer.transfer_id, **fields}, at)


def give_back(
    uow: UnitOfWork,
    transfer: WalletTransfer,
    status: TransferStatus,
    kind: WalletEventKind,
    now: datetime,
    nodes: Nodes | None = None,
) -> int:
    """Put what a transfer still reserves back into the sender's account (and out of the receiver's wallet when she
    had accepted it); the transfer ends with ``status``. Returns the amount given back. The receiver's half of a
    transfer across nodes gives back only her side here and tells the sender's node (through ``nodes``), which
    releases the money (:mod:`gongji.service.wallet_remote`)."""
    amount = transfer.remaining_fen
    moves = release_moves(transfer, amount, now) if transfer.sender_id is not None else []
    if transfer.status is TransferStatus.ACCEPTED:
        moves.append((wallet_account(transfer, now.year), memo_source(transfer.receiver_region, WALLET_QUOTA), amount))
    journal_id = None
    if amount and moves:
        posted = post_moves(
            uow,
            moves,
            kind=JournalKind.WALLET_RETURN,
            at=now,
            reference=reference_of(transfer),
            person_id=transfer.sender_id if transfer.sender_id is not None else transfer.receiver_id,
        )
        journal_id = posted.journal_id
    uow.wallets.update_transfer(transfer.id, status=status, remaining_fen=0, decided_at=now)
    record_event(uow, transfer, kind, amount, now, journal_id)
    if transfer.sender_id is None:
        tell_sender_node(uow, nodes, transfer, MessageKind.WALLET_RETURNED, now, amount_fen=amount, status=status.value)
    return amount


def wallet_source(purse: Purse, wallet_region: str, year: int) -> tuple[AccountOpening, str]:
    """Where a wallet payment's money comes from, and that account's region: the sender's reservation in his region,
    or — a sender on another node — what that node owes, in the wallet's region
    (:mod:`gongji.service.wallet_remote`)."""
    if purse.peer_node is not None:
        return node_clearing_account(purse.peer_node, wallet_region), wallet_region
    assert purse.payer_id is not None
    return reserved_account(purse.payer_id, purse.region, year), purse.region


def spending_moves(payment: Payment, patient_id: int, patient_region: str, year: int) -> list[Move]:
    """The wallet's side of a payment: the quota out of the patient's wallet (the money's side is the caller's)."""
    wallet = AccountOpening.of(AccountKind.WALLET, patient_region, patient_id, year)
    return [(wallet, memo_source(patient_region, WALLET_QUOTA), payment.amount_fen)]


def tell_payers(
    uow: UnitOfWork,
    payments: Sequence[Payment],
    *,
    journal_id: int,
    reference: str,
    patient: Person,
    at: datetime,
    nodes: Nodes | None = None,
) -> None:
    """After a settlement's journal: what each wallet payment spent comes off its transfer (spent when nothing is
    left) with a history line; every relative whose account paid — through a binding or the wallet — is told (a
    sender on another node through his node, which moves the money: :mod:`gongji.service.wallet_remote`)."""
    for payment in payments:
        purse = payment.purse
        if purse.own:
            continue
        how = Phrase.PAID_BY_BINDING
        if purse.wallet_transfer_id is not None:
            how = Phrase.PAID_THROUGH_WALLET
            transfer = uow.wallets.transfer(purse.wallet_transfer_id, lock=True)
            assert transfer is not None
            assert transfer.remaining_fen >= payment.amount_fen
            left = transfer.remaining_fen - payment.amount_fen
            status = TransferStatus.ACCEPTED if left else TransferStatus.SPENT
            uow.wallets.update_transfer(transfer.id, status=status, remaining_fen=left, decided_at=None)
            uow.wallets.add_event(
                WalletEvent(0, transfer.id, WalletEventKind.PAID, payment.amount_fen, at, journal_id, reference)
            )
            if transfer.sender_id is None:  # his node moves the money and tells him
                spent = {"amount_fen": payment.amount_fen, "reference": reference}
                tell_sender_node(uow, nodes, transfer, MessageKind.WALLET_SPENT, at, **spent)
                continue
        assert purse.payer_id is not None
        shown = {
            "patient": patient.name,
            "amount_fen": payment.amount_fen,
            "how": how,
            "where": reference,
            "at": f"{at:%Y-%m-%d %H:%M}",
        }
        notify(uow, purse.payer_id, NoticeKind.ACCOUNT_PAID, shown, at)


def restore_spending(
    uow: UnitOfWork,
    payers: Sequence[PayerRow],
    *,
    journal_id: int,
    reference: str,
    at: datetime,
    nodes: Nodes | None = None,
) -> None:
    """After a reversal's mirror journal: each wallet payment's amount is back on its transfer. A transfer that has
    ended meanwhile (the wallet closed, the sender took it back) gives the amount straight back to the sender."""
    for payer in payers:
        if payer.wallet_transfer_id is None:
            continue
        amount = payer.prior_years_fen + payer.current_year_fen
        transfer = uow.wallets.transfer(payer.wallet_transfer_id, lock=True)
        assert transfer is not None
        restored = transfer.remaining_fen + amount
        uow.wallets.add_event(
            WalletEvent(0, transfer.id, WalletEventKind.PAYMENT_REVERSED, amount, at, journal_id, reference)
        )
        if transfer.sender_id is None:  # his node moves the money back
            tell_sender_node(
                uow, nodes, transfer, MessageKind.WALLET_UNSPENT, at, amount_fen=amount, reference=reference
            )
        if transfer.status in (TransferStatus.ACCEPTED, TransferStatus.SPENT):
            uow.wallets.update_transfer(
                transfer.id, status=TransferStatus.ACCEPTED, remaining_fen=restored, decided_at=None
            )
            continue
        # Ended meanwhile: the mirror put the amount back in the wallet and the reservation; release it at once.
        ended = WalletTransfer(**{**transfer.__dict__, "remaining_fen": amount, "status": TransferStatus.ACCEPTED})
        give_back(uow, ended, transfer.status, WalletEventKind.RETURNED, at, nodes)
