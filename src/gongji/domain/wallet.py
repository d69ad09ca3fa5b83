"""The 医保钱包 (wallet): how cross-province family mutual aid runs since the 2026 national notice.

An employee (the sender) transfers an amount from his personal account to a close relative's wallet. The amount is
virtual quota: the money stays his, reserved in his region (the ledger's ``wallet_reserved`` account), until the
receiver spends it at a hospital or pharmacy — only then does it leave his region. The receiver accepts or declines
a transfer; one neither accepted nor declined by the next 06:00 returns to the sender.

This module is pure: the states a transfer passes through, and the limits a new transfer must keep (at most so many
a day, at most so much each, none in the quiet hours, none while another to the same person is pending), judged
from values the service read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.money import format_yuan

__all__ = [
    "Peer",
    "TransferStatus",
    "WalletEvent",
    "WalletEventKind",
    "WalletLimits",
    "WalletStatus",
    "WalletTransfer",
    "auto_return_at",
    "check_new_transfer",
    "in_quiet_hours",
    "pending_refusal",
]


class WalletStatus(StrEnum):
    """Whether a wallet may receive and spend."""

    OPEN = "open"
    CLOSED = "closed"


class TransferStatus(StrEnum):
    """Where a transfer stands. Only a pending or accepted one still reserves money in the sender's account."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RETURNED = "returned"
    TAKEN_BACK = "taken_back"
    SPENT = "spent"
    CLOSED = "closed"

    @property
    def reserves(self) -> bool:
        """Still holds money reserved in the sender's account."""
        return self in {TransferStatus.PENDING, TransferStatus.ACCEPTED}

    @property
    def zh(self) -> str:
        """Chinese name."""
        return _STATUS_NAMES[self][0]

    @property
    def en(self) -> str:
        """English name."""
        return _STATUS_NAMES[self][1]


_STATUS_NAMES = {
    TransferStatus.PENDING: ("待接收", "waiting to be accepted"),
    TransferStatus.ACCEPTED: ("已接收", "accepted"),
    TransferStatus.DECLINED: ("已拒收", "declined"),
    TransferStatus.RETURNED: ("已退回", "returned"),
    TransferStatus.TAKEN_BACK: ("已收回", "taken back"),
    TransferStatus.SPENT: ("已用完", "spent"),
    TransferStatus.CLOSED: ("钱包注销退回", "returned when the wallet closed"),
}


class WalletEventKind(StrEnum):
    """What happened to a transfer (both sides' history)."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RETURNED = "returned"
    TAKEN_BACK = "taken_back"
    PAID = "paid"
    PAYMENT_REVERSED = "payment_reversed"
    CLOSED = "closed"

    @property
    def zh(self) -> str:
        """Chinese name."""
        return _EVENT_NAMES[self][0]

    @property
    def en(self) -> str:
        """English name."""
        return _EVENT_NAMES[self][1]


_EVENT_NAMES = {
    WalletEventKind.SENT: ("转账", "sent"),
    WalletEventKind.ACCEPTED: ("接收", "accepted"),
    WalletEventKind.DECLINED: ("拒收", "declined"),
    WalletEventKind.RETURNED: ("逾期未接收退回", "returned unaccepted"),
    WalletEventKind.TAKEN_BACK: ("转出人收回", "taken back by the sender"),
    WalletEventKind.PAID: ("支付医疗费用", "paid a bill"),
    WalletEventKind.PAYMENT_REVERSED: ("支付撤销退回钱包", "payment reversed, back in the wallet"),
    WalletEventKind.CLOSED: ("钱包注销退回", "returned when the wallet closed"),
}


@dataclass(frozen=True)
class Peer:
    """The other party of a transfer between people of two nodes (gongji.federation): the node that serves them, their
    ID number and name, and the transfer's id on that node (known once it answered)."""

    node: str
    certno: str
    name: str
    transfer_id: int | None = None


@dataclass(frozen=True)
class WalletTransfer:
    """A transfer as stored: who to whom, how much was reserved from which part, and how much is left unspent.

    Between people of two nodes each node keeps its half (``peer`` names the other party, whose id here is ``None``):
    the sender's node holds the reserved money, the receiver's node the wallet's quota and her decisions."""

    id: int
    sender_id: int | None
    receiver_id: int | None
    sender_region: str
    receiver_region: str
    relation_type: str
    amount_fen: int
    #: The parts it was reserved from (历年, 当年) and the year the 当年 money belonged to.
    from_prior_fen: int
    from_current_fen: int
    current_year: int
    remaining_fen: int
    status: TransferStatus
    requested_at: datetime
    return_due_at: datetime
    decided_at: datetime | None = None
    verification: str = ""
    peer: Peer | None = None

    @property
    def sender_here(self) -> int:
        """The sender's id on this node (the sender's half of a transfer across nodes, or a transfer within one)."""
        if self.sender_id is None:
            raise ValueError(f"transfer {self.id}: the sender is on node {self.peer.node if self.peer else '?'}")
        return self.sender_id

    @property
    def receiver_here(self) -> int:
        """The receiver's id on this node (the receiver's half, or a transfer within one node)."""
        if self.receiver_id is None:
            raise ValueError(f"transfer {self.id}: the receiver is on node {self.peer.node if self.peer else '?'}")
        return self.receiver_id

    @property
    def spent_fen(self) -> int:
        """What the receiver has paid with it so far."""
        return self.amount_fen - self.remaining_fen if self.status is not TransferStatus.PENDING else 0


@dataclass(frozen=True)
class WalletEvent:
    """One line of a transfer's history."""

    id: int
    transfer_id: int
    kind: WalletEventKind
    amount_fen: int
    at: datetime
    journal_id: int | None = None
    reference: str | None = None


@dataclass(frozen=True)
class WalletLimits:
    """The national platform's limits on a new transfer, as the rules say on the day."""

    per_day: int | None
    max_fen: int
    quiet_start: time
    quiet_end: time


def in_quiet_hours(at: datetime, start: time, end: time) -> bool:
    """Whether ``at`` (local time) falls in the daily window from ``start`` (included) to ``end`` (excluded); a
    window that passes midnight (22:00 to 06:00) wraps."""
    moment = at.timetz().replace(tzinfo=None)
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def auto_return_at(requested_at: datetime, at: time) -> datetime:
    """When a transfer nobody accepted returns: ``at`` (06:00) of the day after it was sent."""
    next_day: date = requested_at.date() + timedelta(days=1)
    return datetime.combine(next_day, at, tzinfo=requested_at.tzinfo)


def check_new_transfer(
    limits: WalletLimits,
    *,
    amount_fen: int,
    at: datetime,
    sent_today: Sequence[WalletTransfer],
    pending_to_receiver: WalletTransfer | None,
    receiver_name: str,
) -> None:
    """Refuse a new transfer that breaks a limit, each with its own code: the quiet hours, the amount, the daily
    count of the sender's wallet, and a transfer to the same person still waiting to be accepted."""
    if in_quiet_hours(at, limits.quiet_start, limits.quiet_end):
        raise Refused(
            ErrorCode.WALLET_QUIET_HOURS,
            at=f"{at:%H:%M:%S}",
            start=f"{limits.quiet_start:%H:%M}",
            end=f"{limits.quiet_end:%H:%M}",
        )
    if amount_fen > limits.max_fen:
        raise Refused(
            ErrorCode.WALLET_AMOUNT_OVER_LIMIT, amount=format_yuan(amount_fen), limit=format_yuan(limits.max_fen)
        )
    if limits.per_day is not None and len(sent_today) >= limits.per_day:
        raise Refused(ErrorCode.WALLET_DAILY_COUNT_REACHED, count=len(sent_today), limit=limits.per_day)
    if pending_to_receiver is not None:
        raise pending_refusal(pending_to_receiver, receiver_name)


def pending_refusal(pending: WalletTransfer, receiver_name: str) -> Refused:
    """The refusal of a new transfer while ``pending`` (to the same person) waits to be accepted."""
    return Refused(
        ErrorCode.WALLET_TRANSFER_PENDING,
        name=receiver_name,
        transfer_id=pending.id,
        amount=format_yuan(pending.amount_fen),
        due=f"{pending.return_due_at:%Y-%m-%d %H:%M}",
    )
