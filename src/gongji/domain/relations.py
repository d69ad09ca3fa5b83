"""Mutual-aid relations (共济关系) and proxy links (亲情账户), and what kinship makes impossible.

A :class:`Relation` lets the *authoriser* (共济人), an employee with a personal account, pay the individually-borne
costs of the *beneficiary* (被共济人), a close relative. ``relation_type`` says who the beneficiary is to the
authoriser: ``CHILD`` means the beneficiary is the authoriser's child.

Life of a relation::

    requested ──confirm──▶ active ──(end, or end confirmed by the other side)──▶ ended
        │                    (effective from ``effective_from``: after any waiting period)
        ├──(not confirmed in time)──▶ expired
        └──(beneficiary says no)────▶ declined

A counter binding on documents checked by an operator is created active at once. Either side's enrollment ending, or
moving to another pooling region, ends every relation the person is in.

A :class:`ProxyLink` is the separate 亲情账户: it lets one person show a relative's e-voucher and see records, and
shares **no money** — the most common confusion behind "共济 doesn't work".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from gongji.domain.codes import RelationType, Sex
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said, Term

__all__ = [
    "Channel",
    "EndReason",
    "Kinship",
    "ProxyLink",
    "Relation",
    "RelationEvent",
    "RelationState",
    "RelationStatus",
    "inverse_of",
    "kinship_problem",
]


class RelationStatus(StrEnum):
    """What is stored; :class:`RelationState` is what it means on a given day."""

    REQUESTED = "requested"
    ACTIVE = "active"
    ENDED = "ended"
    EXPIRED = "expired"
    DECLINED = "declined"


class RelationState(StrEnum):
    """A relation's state on a day, as people see it."""

    REQUESTED = "requested"
    WAITING = "waiting"
    EFFECTIVE = "effective"
    ENDING = "ending"
    ENDED = "ended"
    EXPIRED = "expired"
    DECLINED = "declined"

    @property
    def zh(self) -> str:
        """Chinese name."""
        return _STATE_ZH[self]

    @property
    def en(self) -> str:
        """English name, in words."""
        return _STATE_EN[self]


_STATE_EN = {
    RelationState.REQUESTED: "awaiting confirmation",
    RelationState.WAITING: "confirmed, in its waiting period",
    RelationState.EFFECTIVE: "effective",
    RelationState.ENDING: "ending, awaiting the other side",
    RelationState.ENDED: "ended",
    RelationState.EXPIRED: "an expired request",
    RelationState.DECLINED: "declined",
}

_STATE_ZH = {
    RelationState.REQUESTED: "待确认",
    RelationState.WAITING: "已确认，等待期中",
    RelationState.EFFECTIVE: "生效中",
    RelationState.ENDING: "解除待对方确认",
    RelationState.ENDED: "已解除",
    RelationState.EXPIRED: "申请已过期",
    RelationState.DECLINED: "对方已拒绝",
}


_LIVE = frozenset({RelationState.REQUESTED, RelationState.WAITING, RelationState.EFFECTIVE, RelationState.ENDING})


class Channel(StrEnum):
    """Where a request was made: online (app, mini-program) or at the counter (线下办理)."""

    ONLINE = "online"
    COUNTER = "counter"


class EndReason(StrEnum):
    """Why a relation ended."""

    BY_AUTHORISER = "by_authoriser"
    BY_BENEFICIARY = "by_beneficiary"
    BY_BOTH = "by_both"
    AT_COUNTER = "at_counter"
    ENROLLMENT_TERMINATED = "enrollment_terminated"
    MOVED_REGION = "moved_region"
    END_DATE_REACHED = "end_date_reached"

    @property
    def zh(self) -> str:
        """Chinese name."""
        return _END_ZH[self]

    @property
    def en(self) -> str:
        """English name, in words."""
        return _END_EN[self]


_END_EN = {
    EndReason.BY_AUTHORISER: "ended by the authoriser",
    EndReason.BY_BENEFICIARY: "ended by the beneficiary",
    EndReason.BY_BOTH: "ended by both",
    EndReason.AT_COUNTER: "ended at the counter",
    EndReason.ENROLLMENT_TERMINATED: "ended with the enrollment",
    EndReason.MOVED_REGION: "ended on moving to another pooling region",
    EndReason.END_DATE_REACHED: "its end date was reached",
}

_END_ZH = {
    EndReason.BY_AUTHORISER: "共济人解除",
    EndReason.BY_BENEFICIARY: "被共济人解除",
    EndReason.BY_BOTH: "双方确认解除",
    EndReason.AT_COUNTER: "经办窗口解除",
    EndReason.ENROLLMENT_TERMINATED: "参保关系终止，自动解除",
    EndReason.MOVED_REGION: "转移至其他统筹区，自动解除",
    EndReason.END_DATE_REACHED: "到期解除",
}


@dataclass(frozen=True)
class RelationEvent:
    """One step in a relation's life: what, when, who (person or counter operator), through which channel, why. The
    note is a term the engine records (a :class:`Phrase`, ``Said`` or :class:`EndReason`), or text written as it is
    (an operator's words, a signed commitment)."""

    kind: str
    at: datetime
    actor_person_id: int | None
    operator: str | None
    channel: Channel
    note: str | Term | None = None


@dataclass(frozen=True)
class Relation:
    """共济关系 between an authoriser and a beneficiary."""

    id: int
    authoriser_id: int
    beneficiary_id: int
    relation_type: RelationType
    status: RelationStatus
    channel: Channel
    region: str
    beneficiary_region: str
    requested_at: datetime
    expires_at: datetime | None
    proof_kind: str
    proof_reference: str | None
    commitment_text: str | None
    operator: str | None = None
    confirmed_at: datetime | None = None
    confirmed_by_id: int | None = None
    effective_from: datetime | None = None
    valid_until: date | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    end_requested_by_id: int | None = None
    order_position: int | None = None
    quota_fen: int | None = None

    def state_at(self, moment: datetime) -> RelationState:
        """What the relation is at ``moment`` (an unconfirmed request past its expiry reads as expired)."""
        if self.status is RelationStatus.ENDED:
            return RelationState.ENDED
        if self.status is RelationStatus.EXPIRED:
            return RelationState.EXPIRED
        if self.status is RelationStatus.DECLINED:
            return RelationState.DECLINED
        if self.status is RelationStatus.REQUESTED:
            if self.expires_at is not None and moment >= self.expires_at:
                return RelationState.EXPIRED
            return RelationState.REQUESTED
        if self.valid_until is not None and moment.date() > self.valid_until:
            return RelationState.ENDED
        if self.end_requested_by_id is not None:
            return RelationState.ENDING
        if self.effective_from is not None and moment < self.effective_from:
            return RelationState.WAITING
        return RelationState.EFFECTIVE

    @property
    def is_open(self) -> bool:
        """Stored as requested or active (it may still have expired or passed its end date: see ``is_live_at``)."""
        return self.status in (RelationStatus.REQUESTED, RelationStatus.ACTIVE)

    def is_live_at(self, moment: datetime) -> bool:
        """Requested and not expired, or active and not past its end date, at ``moment``."""
        return self.state_at(moment) in _LIVE

    def stale_at(self, moment: datetime) -> tuple[RelationStatus, EndReason | None] | None:
        """The status to store when a relation stored as open has in fact expired or reached its end date."""
        if not self.is_open or self.is_live_at(moment):
            return None
        if self.status is RelationStatus.REQUESTED:
            return RelationStatus.EXPIRED, None
        return RelationStatus.ENDED, EndReason.END_DATE_REACHED

    def involves(self, person_id: int) -> bool:
        """Whether the person is one of the two sides."""
        return person_id in (self.authoriser_id, self.beneficiary_id)


@dataclass(frozen=True)
class ProxyLink:
    """亲情账户: ``owner`` may show ``relative``'s e-voucher and see records. No money moves through it."""

    id: int
    owner_id: int
    relative_id: int
    created_at: datetime
    channel: Channel
    operator: str | None = None
    ended_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """Not ended."""
        return self.ended_at is None


# --- kinship -----------------------------------------------------------------------------------------------------

_PARENT_OF = {RelationType.PARENT}  # beneficiary is the authoriser's parent
_CHILD_OF = {RelationType.CHILD}  # beneficiary is the authoriser's child
_OLDER_GENERATION = {
    RelationType.PARENT,
    RelationType.PATERNAL_GRANDPARENT,
    RelationType.MATERNAL_GRANDPARENT,
    RelationType.PARENT_IN_LAW,
}
_YOUNGER_GENERATION = {RelationType.CHILD, RelationType.PATERNAL_GRANDCHILD, RelationType.MATERNAL_GRANDCHILD}

_INVERSE = {
    RelationType.SPOUSE: RelationType.SPOUSE,
    RelationType.PARENT: RelationType.CHILD,
    RelationType.CHILD: RelationType.PARENT,
    RelationType.SIBLING: RelationType.SIBLING,
    # My father's parent is my paternal grandparent; I am his son's child, his paternal grandchild.
    RelationType.PATERNAL_GRANDPARENT: RelationType.PATERNAL_GRANDCHILD,
    RelationType.PATERNAL_GRANDCHILD: RelationType.PATERNAL_GRANDPARENT,
    RelationType.MATERNAL_GRANDPARENT: RelationType.MATERNAL_GRANDCHILD,
    RelationType.MATERNAL_GRANDCHILD: RelationType.MATERNAL_GRANDPARENT,
}


def inverse_of(relation_type: RelationType) -> RelationType | None:
    """Who the authoriser is to the beneficiary, when the beneficiary binds him back (a parent's child, a
    grandparent's grandchild …). ``None`` for a parent-in-law: his child's spouse (女婿、儿媳) is no relation type."""
    return _INVERSE.get(relation_type)


@dataclass(frozen=True)
class Kinship:
    """What the open relations already say about a family: who is whose parent and spouse, and whose
    parents-in-law (配偶父母) were named where the spouse himself is not on record."""

    parents: dict[int, set[int]]
    spouses: dict[int, set[int]]
    parents_in_law: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, relations: Iterable[Relation], moment: datetime) -> Kinship:
        """Read the facts stated by the relations still live at ``moment`` (in either direction); an expired
        request or a relation past its end date states nothing any more. A parent-in-law is a parent of one's
        spouse: where the spouse is on record, he counts among that spouse's parents."""
        parents: dict[int, set[int]] = {}
        spouses: dict[int, set[int]] = {}
        in_laws: dict[int, set[int]] = {}
        for r in relations:
            if not r.is_live_at(moment):
                continue
            if r.relation_type in _PARENT_OF:
                parents.setdefault(r.authoriser_id, set()).add(r.beneficiary_id)
            elif r.relation_type in _CHILD_OF:
                parents.setdefault(r.beneficiary_id, set()).add(r.authoriser_id)
            elif r.relation_type is RelationType.SPOUSE:
                spouses.setdefault(r.authoriser_id, set()).add(r.beneficiary_id)
                spouses.setdefault(r.beneficiary_id, set()).add(r.authoriser_id)
            elif r.relation_type is RelationType.PARENT_IN_LAW:
                in_laws.setdefault(r.authoriser_id, set()).add(r.beneficiary_id)
        for person, named in in_laws.items():
            for spouse in spouses.get(person, set()):
                parents.setdefault(spouse, set()).update(named)
        return cls(parents, spouses, in_laws)

    def spouses_parents(self, person_id: int) -> set[int]:
        """The parents of the person's spouse on record, and the parents-in-law he named."""
        found = set(self.parents_in_law.get(person_id, set()))
        for spouse in self.spouses.get(person_id, set()):
            found |= self.parents.get(spouse, set())
        return found

    def guardians_of(self, relation: Relation) -> set[int]:
        """Who may confirm or decline ``relation`` for its minor beneficiary (监护人): his parents as the family's live
        relations state them; and when the relation binds the authoriser's own child, the authoriser himself and his
        spouse. (Whether the minor is a minor, and the guardian an adult, is for the caller.)"""
        found = set(self.parents.get(relation.beneficiary_id, set()))
        if relation.relation_type is RelationType.CHILD:
            found.add(relation.authoriser_id)
            found |= self.spouses.get(relation.authoriser_id, set())
        return found


def _parent_problem(child: str | Said, parent: Person, known: set[int], people: dict[int, Person]) -> Said | None:
    """A third parent, or a second of the same sex, for ``child`` (a name, or "X's spouse")."""
    if len(known) >= 2:
        return Said(Phrase.KIN_TWO_PARENTS, {"child": child})
    same_sex = [people[p] for p in known if p in people and people[p].sex is parent.sex]
    if same_sex:
        role = Phrase.KIN_FATHER if parent.sex is Sex.MALE else Phrase.KIN_MOTHER
        return Said(Phrase.KIN_PARENT_OF_SAME_SEX, {"child": child, "role": role, "parent": same_sex[0].name})
    return None


def _generation_problem(authoriser: Person, beneficiary: Person, relation_type: RelationType) -> Said | None:
    """An elder who is not older than the authoriser, or a descendant who is not younger."""
    older = relation_type in _OLDER_GENERATION and beneficiary.birth_date >= authoriser.birth_date
    younger = relation_type in _YOUNGER_GENERATION and beneficiary.birth_date <= authoriser.birth_date
    if not (older or younger):
        return None
    shown = {
        "name": beneficiary.name,
        "born": beneficiary.birth_date.isoformat(),
        "other": authoriser.name,
        "other_born": authoriser.birth_date.isoformat(),
        "relation": relation_type,
    }
    return Said(Phrase.KIN_NOT_OLDER if older else Phrase.KIN_NOT_YOUNGER, shown)


def kinship_problem(
    authoriser: Person, beneficiary: Person, relation_type: RelationType, kinship: Kinship, people: dict[int, Person]
) -> Said | None:
    """Why the stated relation cannot be true (a ``KIN_…`` phrase), or ``None`` when it is consistent.

    Checks what an ID number and the family's other relations make impossible: a parent, grandparent or
    parent-in-law younger than the child, a child or grandchild older than the parent, a third parent or two of the
    same sex (a parent-in-law counts among the spouse's parents), one's own parent or spouse named as a
    parent-in-law, a second spouse, a spouse of the same sex.
    """
    problem = _generation_problem(authoriser, beneficiary, relation_type)
    if problem:
        return problem
    if relation_type in _PARENT_OF | _CHILD_OF:
        parent, child = (beneficiary, authoriser) if relation_type in _PARENT_OF else (authoriser, beneficiary)
        known = kinship.parents.get(child.id, set()) - {parent.id}
        problem = _parent_problem(child.name, parent, known, people)
        if problem:
            return problem
    if relation_type is RelationType.PARENT_IN_LAW:
        if beneficiary.id in kinship.parents.get(authoriser.id, set()) | kinship.spouses.get(authoriser.id, set()):
            shown = {"name": beneficiary.name, "other": authoriser.name}
            return Said(Phrase.KIN_PARENT_OR_SPOUSE_NOT_IN_LAW, shown)
        known = kinship.spouses_parents(authoriser.id) - {beneficiary.id}
        spouse = Said(Phrase.KIN_SPOUSE_OF, {"name": authoriser.name})
        problem = _parent_problem(spouse, beneficiary, known, people)
        if problem:
            return problem
    if relation_type is RelationType.SPOUSE:
        if authoriser.sex is beneficiary.sex:
            return Said(Phrase.KIN_SPOUSE_OF_SAME_SEX)
        for person, other in ((authoriser, beneficiary), (beneficiary, authoriser)):
            if kinship.spouses.get(person.id, set()) - {other.id}:
                return Said(Phrase.KIN_HAS_A_SPOUSE, {"name": person.name})
    return None
