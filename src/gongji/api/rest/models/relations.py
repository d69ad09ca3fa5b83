"""Mutual-aid relations and proxy links: requests, confirmations, order and quotas; the family and the "why"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, computed_field

from gongji.api.rest.models.common import (
    Day,
    Fen,
    PersonRef,
    RequestModel,
    ResponseModel,
    RowId,
    bounded_text,
    worded,
    yuan,
)
from gongji.domain.codes import RelationType
from gongji.domain.wording import code_of, is_term

__all__ = [
    "CheckOut",
    "ConfirmIn",
    "DeclineIn",
    "EndRelationIn",
    "FamilyOut",
    "OrderIn",
    "PayerOut",
    "ProxyLinkIn",
    "ProxyLinkOut",
    "QuotaIn",
    "RelationEventOut",
    "RelationOut",
    "RelationRequestIn",
    "RuleTraceOut",
    "WhyOut",
]


class RelationRequestIn(RequestModel):
    """申请绑定: the authoriser asks to bind a relative. With ``operator`` it is a counter action (the documents
    checked, ``proof_reference`` required) and effective at once; without, it waits for the relative."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "authoriser": "130102194801100016",
                    "beneficiary": "130102195002180026",
                    "relation_type": "spouse",
                    "commitment": True,
                }
            ]
        },
    )

    authoriser: PersonRef
    beneficiary: PersonRef
    relation_type: RelationType
    operator: Annotated[str, bounded_text(64, min_length=1)] | None = None
    proof_reference: Annotated[str, bounded_text(200)] | None = None
    commitment: bool = False
    valid_until: Day | None = None
    quota_fen: Fen | None = None


class ConfirmIn(RequestModel):
    """确认绑定: the relative (or a guardian) confirms, with a face-verification token where the region needs one."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"confirmer": "130102195002180026", "face_token": "face-ok"}]}
    )

    confirmer: PersonRef
    face_token: Annotated[str, bounded_text(200)] | None = None


class DeclineIn(RequestModel):
    """拒绝绑定."""

    by: PersonRef


class EndRelationIn(RequestModel):
    """解除共济: one side asks (``by``), or a counter ``operator`` ends it at once."""

    by: PersonRef | None = None
    operator: Annotated[str, bounded_text(64, min_length=1)] | None = None
    note: Annotated[str, bounded_text(200)] | None = None


class OrderIn(RequestModel):
    """调整扣款顺序: every active authoriser, in paying order (after the beneficiary's own account)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"authorisers": ["130102194801100016", "130102197503150019"], "by": "130102197503150019"}]
        },
    )

    authorisers: Annotated[list[PersonRef], Field(max_length=50)]
    by: PersonRef | None = None


class QuotaIn(RequestModel):
    """设定共济额度: a yearly quota in fen (``null``: the whole shareable balance), for one relation or, where the
    region's model is one shared quota, for all (``relation_id`` omitted)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"quota_fen": 5000, "relation_id": 2}]})

    quota_fen: Fen | None
    relation_id: RowId | None = None


class ProxyLinkIn(RequestModel):
    """添加亲情账户 (shares no money). With ``operator`` it is a counter action."""

    relative: PersonRef
    operator: Annotated[str, bounded_text(64, min_length=1)] | None = None


class RelationEventOut(ResponseModel):
    """One step in a relation's life. Its note in Chinese (``note``, as before, and ``note_zh``) and in English, and
    ``note_code`` where gongji wrote it (a stable phrase or reason code); an operator's own words are the same in
    each and have no code."""

    kind: str
    at: datetime
    actor: str | None
    operator: str | None
    channel: str
    said: Any = Field(default=None, exclude=True, validation_alias="note")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note(self) -> str | None:
        """The note in Chinese (an operator's words as written)."""
        return worded(self.said, "zh")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note_zh(self) -> str | None:
        """The note in Chinese."""
        return worded(self.said, "zh")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note_en(self) -> str | None:
        """The note in English (an operator's words as written)."""
        return worded(self.said, "en")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def note_code(self) -> str | None:
        """The stable code of a note gongji wrote (``NOTE_CONFIRMED``, ``by_authoriser``); ``null`` for free text."""
        return str(code_of(self.said)) if is_term(self.said) and code_of(self.said) is not None else None


class RelationOut(ResponseModel):
    """A mutual-aid relation with its history."""

    id: int
    authoriser_id: int
    authoriser: str
    beneficiary_id: int
    beneficiary: str
    relation_type: str
    relation_zh: str
    state: str
    state_zh: str
    channel: str
    region: str
    requested_at: datetime
    expires_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    effective_from: datetime | None
    valid_until: date | None
    ended_at: datetime | None
    end_reason: str | None
    end_reason_zh: str | None
    end_requested_by: str | None
    order_position: int | None
    quota_fen: int | None
    quota_used_fen: int
    quota_left_fen: int | None
    proof_kind: str
    proof_reference: str | None
    events: list[RelationEventOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def quota_yuan(self) -> str | None:
        """The yearly quota in yuan (``null``: the whole shareable balance)."""
        return None if self.quota_fen is None else yuan(self.quota_fen)


class PayerOut(ResponseModel):
    """One payer of a beneficiary, in paying order."""

    position: int | None
    relation: RelationOut


class ProxyLinkOut(ResponseModel):
    """A 亲情账户."""

    id: int
    owner: str
    relative: str
    created_at: datetime
    ended_at: datetime | None
    channel: str


class FamilyOut(ResponseModel):
    """我的家庭: whom a person pays for, who pays for them in which order, proxy links, changes this year."""

    person_id: int
    name: str
    psn_no: str
    region: str | None
    region_zh: str | None
    on: datetime
    prior_years_fen: int
    current_year_fen: int
    own_account_first: bool
    i_pay_for: list[RelationOut]
    pay_for_me: list[PayerOut]
    proxy_links: list[ProxyLinkOut]
    proxy_note: Any = Field(exclude=True)
    changes_used: int
    changes_allowed: int | str
    quota_model: str
    quota_share_bp: int | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def proxy_note_zh(self) -> str:
        """What a proxy link is not (it shares no money), in Chinese."""
        return str(worded(self.proxy_note, "zh"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def proxy_note_en(self) -> str:
        """What a proxy link is not, in English."""
        return str(worded(self.proxy_note, "en"))


class RuleTraceOut(ResponseModel):
    """A rule value a decision read, with its reference."""

    parameter: str
    parameter_zh: str
    region: str
    region_zh: str
    since: date
    reference_title: str
    reference_address: str
    confidence: str


class CheckOut(ResponseModel):
    """A failed check: its code, both messages and the rules it rests on."""

    code: str
    message_zh: str
    message_en: str
    rules: list[RuleTraceOut]


class WhyOut(ResponseModel):
    """为什么用不了: whether the payer's account can pay for the patient, and every reason it cannot."""

    payer: str
    patient: str
    on: date
    kind_zh: str
    kind_en: str
    can_pay: bool
    failed: list[CheckOut]
    rules_read: list[RuleTraceOut]
    wallet_route: list[CheckOut] = Field(
        default_factory=list,
        description="跨省时医保钱包尚缺什么 What the wallet route still lacks, where mutual aid cannot reach",
    )
    wallet_fen: int | None = Field(None, description="钱包中来自该共济人的余额（分） Wallet balance from the payer")
