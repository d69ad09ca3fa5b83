"""What the wallet's use cases answer: transfers, a person's wallet with its history, the return job's count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ReturnDueResult", "WalletEventView", "WalletTransferView", "WalletView"]


@dataclass(frozen=True)
class WalletTransferView:
    """A transfer with both parties named."""

    id: int
    sender: str
    sender_psn_no: str
    receiver: str
    receiver_psn_no: str
    #: The node of the other party when the transfer crosses nodes (its person number is then blank here).
    peer_node: str | None
    sender_region: str
    receiver_region: str
    relation_type: str
    relation_zh: str
    amount_fen: int
    remaining_fen: int
    spent_fen: int
    status: str
    status_zh: str
    requested_at: datetime
    return_due_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class WalletEventView:
    """A line of history as one side sees it: what happened, how much, and the other party."""

    transfer_id: int
    kind: str
    kind_zh: str
    amount_fen: int
    at: datetime
    #: ``in``: a transfer to this person; ``out``: one this person sent.
    direction: str
    counterparty: str
    reference: str | None


@dataclass(frozen=True)
class WalletView:
    """A person's wallet: whether it is open, what he may spend, what he has sent and reserved, and the history."""

    person_id: int
    psn_no: str
    name: str
    status: str
    region: str | None
    opened_at: datetime | None
    #: Accepted, unspent money he may pay with.
    balance_fen: int
    #: Transfers to him still waiting to be accepted.
    pending_in_fen: int
    #: What his own personal account holds reserved for transfers he sent (pending or accepted, unspent).
    reserved_out_fen: int
    incoming: list[WalletTransferView]
    outgoing: list[WalletTransferView]
    history: list[WalletEventView]


@dataclass(frozen=True)
class ReturnDueResult:
    """What one run of the return job did."""

    returned: int
    amount_fen: int
