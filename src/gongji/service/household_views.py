"""What the circle's use cases (:mod:`gongji.service.household`) answer: the people of a circle, a request waiting
for a person, the rules of a region a person should see, and a person's year of settlements and spending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from gongji.domain.codes import Insutype
from gongji.service.views import RelationView, RuleTraceView

__all__ = [
    "CircleView",
    "ConfirmRole",
    "MemberView",
    "PendingView",
    "RecordsView",
    "RegionRulesView",
    "SettlementLinkView",
    "SettlementRole",
    "SpendingView",
]

ConfirmRole = Literal["self", "guardian"]
SettlementRole = Literal["patient", "payer", "both"]


@dataclass(frozen=True)
class MemberView:
    """One person of a circle, as a family page shows him: never the whole ID number."""

    person_id: int
    psn_no: str
    name: str
    masked_certno: str
    sex: str
    age: int
    insutype: str | None
    region: str | None
    is_me: bool
    #: Relation types in which this member is the beneficiary of the circle's owner (``child``: "my child").
    i_pay_for: list[str]
    #: Relation types in which this member pays for the circle's owner (``child``: "I am his child").
    pays_for_me: list[str]
    proxy_link: bool

    @property
    def has_account(self) -> bool:
        """Whether he has a personal account of his own (employee basic insurance): only then can he pay for others."""
        return self.insutype == Insutype.EMPLOYEE_BASIC.value


@dataclass(frozen=True)
class CircleView:
    """A person and everyone his records may name."""

    me: MemberView
    members: list[MemberView]

    def member(self, person_id: int) -> MemberView | None:
        """The member with this id (``None`` when he is not in the circle)."""
        if person_id == self.me.person_id:
            return self.me
        return next((m for m in self.members if m.person_id == person_id), None)


@dataclass(frozen=True)
class PendingView:
    """A binding request waiting for this person: as the relative himself or as a minor relative's guardian."""

    relation: RelationView
    role: ConfirmRole
    beneficiary_age: int
    face_required: bool
    face_min_age: int
    face_rule: RuleTraceView


@dataclass(frozen=True)
class RegionRulesView:
    """The rule values of a region a person should see before acting, each with the rule it comes from.

    Counts are ints or ``"unlimited"``; ``traces`` maps each parameter name to its source.
    """

    region: str
    on: date
    mutual_aid_enabled: bool
    allowed_relations: list[str]
    max_beneficiaries: int | str
    changes_per_year: int | str
    face_min_age: int
    quota_model: str
    quota_share_bp: int | None
    binding_proof: str
    unbinding_needs_both_sides: bool
    own_account_first: bool
    waiting_period_days: int
    shareable_part: str
    binding_after_admission_pays_stay: bool | None
    traces: dict[str, RuleTraceView]


@dataclass(frozen=True)
class SettlementLinkView:
    """A settlement a person's records touch: his own bill, or a relative's that his account paid."""

    setl_id: str
    settled_at: datetime
    patient_id: int
    patient: str
    med_type: str | None
    status: str
    reversed_at: datetime | None
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int
    paid_by_me_fen: int
    role: SettlementRole


@dataclass(frozen=True)
class SpendingView:
    """What a person's own account paid for one family member in a year (net of reversals)."""

    person_id: int
    name: str
    amount_fen: int


@dataclass(frozen=True)
class RecordsView:
    """A person's year: the settlements his records touch and his account's spending by family member."""

    year: int
    settlements: list[SettlementLinkView]
    spending: list[SpendingView]
    #: Settlement journals of the year's statement lines, by journal id (a statement line links to its settlement).
    setl_by_journal: dict[int, str]
