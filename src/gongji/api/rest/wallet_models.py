"""Request and response models of the wallet (医保钱包) and the inbox under /api/v1.

They follow :mod:`gongji.api.rest.models`: requests are strict (unknown fields refused, texts bounded, amounts integer
fen), responses are read field by field from the service's views (:mod:`gongji.service.wallet_views`,
:class:`gongji.service.notices.NoticeView`), money is an integer of fen in every ``*_fen`` field with a ``*_yuan``
text beside it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field, model_validator

from gongji.api.rest.models import MAX_ID, PersonRef, yuan
from gongji.domain.codes import RelationType
from gongji.domain.money import MAX_AMOUNT_FEN
from gongji.rules.schema import Contribution

__all__ = [
    "MAX_NOTICE_IDS",
    "NoticeOut",
    "NoticesReadIn",
    "NoticesReadOut",
    "WalletContributionIn",
    "WalletEventOut",
    "WalletOut",
    "WalletTransferIn",
    "WalletTransferOut",
]

#: The most notifications one request may mark read.
MAX_NOTICE_IDS = 200

#: A secret of one line (a face-verification token, a 医保码 password): no control characters.
_Secret = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]


class _In(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    """A response body, read from a service view's attributes."""

    model_config = ConfigDict(from_attributes=True)


class WalletContributionIn(_In):
    """缴费: the person's own resident (or long-term care) contribution for a year, paid in full from her wallet."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "resident_basic", "amount_fen": 40000, "year": 2027, "reference": "2027 居民医保"}]
        },
    )

    kind: Contribution
    amount_fen: Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN)]
    year: Annotated[int, Field(ge=2000, le=2100)]
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class WalletTransferIn(_In):
    """转账: from the sender's (the path's person's) personal account to a close relative's wallet, verified by the
    sender's face (``face_token``) or 医保码 password (``password``) — one of them, not both. ``relation_type`` is
    what the receiver is to the sender (``parent``: the receiver is the sender's mother or father)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "receiver": "130102195002180026",
                    "amount_fen": 50000,
                    "relation_type": "parent",
                    "face_token": "face-ok",
                }
            ]
        },
    )

    receiver: PersonRef
    amount_fen: Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN)]
    relation_type: RelationType
    face_token: _Secret | None = None
    password: _Secret | None = None
    #: A relative insured in a province another node of the federation serves: her 参保地 and name (her node checks
    #: the name against its records). Absent: she is insured where this node serves.
    receiver_region: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = None
    receiver_name: (
        Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$")] | None
    ) = None

    @model_validator(mode="after")
    def _one_verification(self) -> WalletTransferIn:
        if self.face_token is not None and self.password is not None:
            raise ValueError("give face_token or password, not both")
        return self


class WalletTransferOut(_Out):
    """A transfer with both parties named: how much, how much is left unspent, where it stands, and until when it
    may be accepted."""

    id: int
    sender: str
    sender_psn_no: str
    receiver: str
    receiver_psn_no: str
    #: The other party's node when the transfer crosses nodes (his person number is then blank).
    peer_node: str | None = None
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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_yuan(self) -> str:
        """The amount in yuan."""
        return yuan(self.amount_fen)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def remaining_yuan(self) -> str:
        """What is left unspent, in yuan."""
        return yuan(self.remaining_fen)


class WalletEventOut(_Out):
    """A line of a wallet's history as its owner sees it: ``direction`` ``in`` for a transfer to him, ``out`` for one
    he sent; ``counterparty`` is the other side's name."""

    transfer_id: int
    kind: str
    kind_zh: str
    amount_fen: int
    at: datetime
    direction: str
    counterparty: str
    reference: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_yuan(self) -> str:
        """The amount in yuan."""
        return yuan(self.amount_fen)


class WalletOut(_Out):
    """A person's wallet: ``status`` ``open``, ``closed`` or ``not_opened``; ``balance_fen`` what he may pay with
    (accepted, unspent), ``pending_in_fen`` what waits for him to accept, ``reserved_out_fen`` what his own personal
    account holds reserved for transfers he sent; the transfers both ways and the history, newest first."""

    person_id: int
    psn_no: str
    name: str
    status: str
    region: str | None
    opened_at: datetime | None
    balance_fen: int
    pending_in_fen: int
    reserved_out_fen: int
    incoming: list[WalletTransferOut]
    outgoing: list[WalletTransferOut]
    history: list[WalletEventOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balance_yuan(self) -> str:
        """The balance in yuan."""
        return yuan(self.balance_fen)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pending_in_yuan(self) -> str:
        """What waits to be accepted, in yuan."""
        return yuan(self.pending_in_fen)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reserved_out_yuan(self) -> str:
        """What is reserved for others, in yuan."""
        return yuan(self.reserved_out_fen)


class NoticeOut(_Out):
    """A notification of the person's inbox, in Chinese and English."""

    id: int
    kind: str
    text_zh: str
    text_en: str
    created_at: datetime
    read: bool


class NoticesReadIn(_In):
    """已读: the notifications to mark read (another person's ids are left alone)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ids": [1, 2]}]})

    ids: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(min_length=1, max_length=MAX_NOTICE_IDS)]


class NoticesReadOut(BaseModel):
    """How many notifications changed from unread to read."""

    changed: int
