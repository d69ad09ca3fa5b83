"""A person's social-security card (社会保障卡) and electronic voucher (医保电子凭证), for operators within their
regions: read the card number, issue a card, issue a voucher (its token answered once).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from gongji.api.rest.auth import ContextDep, IdempotencyKey, Operator
from gongji.api.rest.params import PersonPath
from gongji.api.rest.people import require_person
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.service import credentials

__all__ = ["CardOut", "VoucherOut", "router"]

router = APIRouter(tags=["credentials 就诊凭证"], responses=PROBLEM_RESPONSES)


class CardOut(BaseModel):
    """A person's live social-security card."""

    model_config = ConfigDict(from_attributes=True)

    psn_no: str = Field(description="人员编号 Person number")
    name: str = Field(description="姓名 Name")
    card_no: str = Field(description="社会保障卡卡号 Card number (mdtrt_cert_no of mdtrt_cert_type 03)")
    card_sn: str = Field(description="卡识别码 Card identification code (card_sn)")
    region: str = Field(description="发卡地区 Region of issue")
    issued_at: datetime


class VoucherOut(BaseModel):
    """A voucher just issued: its token (``null`` when the same Idempotency-Key is replayed: it is shown once)."""

    token: str | None = Field(description="ecToken: mdtrt_cert_no of mdtrt_cert_type 01; shown once")
    id: int
    psn_no: str
    name: str
    fingerprint: str = Field(description="令牌指纹 The token's fingerprint (first 12 hex digits of its SHA-256)")
    issued_at: datetime
    expires_at: datetime


def _card(view: credentials.CardView) -> CardOut:
    return CardOut.model_validate(view)


@router.get("/people/{ref}/card", summary="社会保障卡 The person's card number")
def show_card(ref: PersonPath, ctx: ContextDep, principal: Operator) -> CardOut:
    """The person's live card (``CARD_NOT_ISSUED`` if he has none)."""
    require_person(ctx, principal, ref, "查看社会保障卡", "see the card")
    return _card(credentials.show_card(ctx, ref))


@router.post("/people/{ref}/card", summary="制卡 Issue a card (idempotent; a person keeps his card)")
def issue_card(ref: PersonPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> CardOut:
    """Issue a card to a person who has none; one who has a card keeps it (and it is answered)."""
    require_person(ctx, principal, ref, "制发社会保障卡", "issue a card")
    return _card(credentials.issue_card(ctx, credentials.IssueCard(ref), key=key))


@router.post(
    "/people/{ref}/vouchers",
    status_code=status.HTTP_201_CREATED,
    summary="签发医保电子凭证 Issue an electronic voucher (the earlier ones stop working)",
)
def issue_voucher(ref: PersonPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> VoucherOut:
    """A fresh voucher, valid twelve hours; its token is answered here once (gongji keeps only its hash)."""
    require_person(ctx, principal, ref, "签发医保电子凭证", "issue a voucher")
    issued = credentials.issue_voucher(ctx, credentials.IssueVoucher(ref), key=key)
    view = issued.view
    return VoucherOut(
        token=issued.token,
        id=view.id,
        psn_no=view.psn_no,
        name=view.name,
        fingerprint=view.fingerprint,
        issued_at=view.issued_at,
        expires_at=view.expires_at,
    )
