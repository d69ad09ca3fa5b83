"""A synthetic family's binding state as its steps go, each step as the binding use cases take it (pure: no I/O):
``request_binding`` online with a signed commitment, ``confirm_binding`` by whoever may answer, ``end_relation`` by
the authoriser, and the expiry of requests nobody confirmed (``settle_stale``). What each step writes — the relation,
its events, the notices to whoever may confirm, a refusal — is gathered in a :class:`FamilyYear`
(:func:`gongji.synth.bindings.family_year` orders the steps).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from gongji.domain.codes import RelationType
from gongji.domain.commitment import commitment_text
from gongji.domain.enrollment import Enrollment
from gongji.domain.errors import ErrorCode
from gongji.domain.notices import NoticeKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Channel, EndReason, Kinship, Relation, RelationEvent, RelationStatus
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.service.binding_checks import binding_findings, changes_this_year, still_clear
from gongji.service.checks import Finding, Party, limit_reached
from gongji.service.clock import SHANGHAI
from gongji.service.refusal_log import Channel as Edge
from gongji.service.relations.common import ADULT_AGE, confirmed_note, next_position, spouses_on_record
from gongji.service.verification import FaceVerifier

__all__ = ["FACE_TOKEN", "FamilyState", "FamilyYear", "Refusal", "refusal_row"]

#: The face-verification token the synthetic confirmations carry (the verifier's reference is stored).
FACE_TOKEN = "synth"


@dataclass(frozen=True)
class Refusal:
    """A binding step the rules refused: when, where, what, and between whom (person ids)."""

    at: datetime
    region: str
    code: ErrorCode
    action: str
    relation_type: RelationType
    authoriser_id: int
    beneficiary_id: int


def refusal_row(at: datetime, operation: str, code: ErrorCode, region: str, person_id: int) -> tuple[Any, ...]:
    """A row of the refusals log (``at, operation, code, kind, channel, region, person_id``) as the use case's
    write would have kept it, through the synthetic province's channel."""
    return (at, operation, code.name, code.kind.value, Edge.SYNTH.value, region, person_id)


@dataclass
class FamilyYear:
    """What one family's binding steps wrote, in order: relations (ids numbered from 1 within the family, final
    states), their events and notices (each with its relation's id), and the refusals."""

    relations: list[Relation] = field(default_factory=list)
    events: list[tuple[int, RelationEvent]] = field(default_factory=list)
    notices: list[tuple[int, int, NoticeKind, dict[str, Any], datetime]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    #: The fictitious relatives injected (``--fraud``): the relation's id within the family, the beneficiary, when.
    fictitious: list[tuple[int, int, datetime]] = field(default_factory=list)


class FamilyState:
    """The family's state as the steps go: the relations so far and the people as the use cases see them."""

    def __init__(
        self, people: dict[int, Person], enrollments: dict[int, Enrollment], book: RuleBook, face: FaceVerifier
    ) -> None:
        self.people, self.enrollments, self.book, self.face = people, enrollments, book, face
        self.out = FamilyYear()
        #: How many times the family's relations changed so far.
        self.changes = 0
        #: The requests the checks found clear: when, and how many changes the relations had had by then.
        self.cleared: dict[int, tuple[datetime, int]] = {}

    def relations_of(self, person_id: int) -> list[Relation]:
        """Every relation so far that ``person_id`` is in (either side)."""
        return [r for r in self.out.relations if r.involves(person_id)]

    def party(self, person_id: int, *, without: int | None = None) -> Party:
        """The person as the checks read him, with his relations (``without`` the one being decided)."""
        mine = [r for r in self.relations_of(person_id) if r.id != without]
        return Party(self.people[person_id], [self.enrollments[person_id]], mine)

    def save(self, relation: Relation) -> None:
        """The relation's new state in place of its old one."""
        self.out.relations[relation.id - 1] = relation
        self.changes += 1

    def event(self, relation: Relation, kind: str, at: datetime, actor: int | None, note: Any) -> None:
        """An event of the relation, online."""
        self.out.events.append((relation.id, RelationEvent(kind, at, actor, None, Channel.ONLINE, note)))

    def spouses_relations(self, relations: list[Relation], *people: int) -> list[Relation]:
        """As ``_spouses_relations`` in the binding use cases: the relations of the people's spouses on record."""
        spouses = spouses_on_record(relations, people)
        return [r for r in self.out.relations if any(r.involves(s) for s in spouses)]

    def kin(self, a: Party, b: Party, without: int | None) -> list[Relation]:
        """The relations of the parties' spouses, as the use cases read them for the checks (``without`` the relation
        being decided)."""
        return [
            r for r in self.spouses_relations([*a.relations, *b.relations], a.person.id, b.person.id) if r.id != without
        ]

    def findings(self, a: Party, b: Party, kind: RelationType, at: datetime, kin: list[Relation]) -> list[Finding]:
        """What the binding checks find against ``a`` binding ``b`` at ``at``, with the spouses' relations ``kin``."""
        found, _ = binding_findings(
            self.book,
            a,
            b,
            kind,
            at,
            family=self.people,
            proof_reference=None,
            commitment=True,
            valid_until=None,
            kin=kin,
        )
        return found

    def settle_stale(self, at: datetime, *people: int) -> None:
        """As the use cases' ``settle_stale``: requests past their expiry stored as expired."""
        for person in sorted(set(people)):
            for relation in self.relations_of(person):
                stale = relation.stale_at(at)
                if stale is None:
                    continue
                status, reason = stale
                assert reason is None, "synthetic relations carry no end date"
                self.save(replace(relation, status=status, order_position=None))
                self.event(relation, "expired", at, None, Phrase.NOTE_NOT_CONFIRMED_IN_TIME)

    def request(self, at: datetime, a_id: int, b_id: int, kind: RelationType) -> Relation | None:
        """``request_binding`` online with a commitment: the relation, or ``None`` and a refusal."""
        before = (list(self.out.relations), len(self.out.events))
        self.settle_stale(at, a_id, b_id)
        a, b = self.party(a_id), self.party(b_id)
        found = self.findings(a, b, kind, at, self.kin(a, b, None))
        if found:
            # A refused request writes nothing: what settle_stale stored goes with its transaction.
            self.out.relations[:], events = before
            del self.out.events[events:]
            self.refuse(at, a, found[0].code, "request", kind, a_id, b_id)
            return None
        assert a.region is not None
        assert b.region is not None
        valid_days = self.book.resolve(params.BINDING_REQUEST_VALID_DAYS, a.region, at.date()).value
        signed = commitment_text(a.person, b.person, kind, at)
        relation = Relation(
            id=len(self.out.relations) + 1,
            authoriser_id=a_id,
            beneficiary_id=b_id,
            relation_type=kind,
            status=RelationStatus.REQUESTED,
            channel=Channel.ONLINE,
            region=a.region,
            beneficiary_region=b.region,
            requested_at=at,
            expires_at=at + timedelta(days=valid_days),
            proof_kind="commitment",
            proof_reference=None,
            commitment_text=signed,
        )
        self.out.relations.append(relation)
        self.changes += 1
        self.cleared[relation.id] = (at, self.changes)
        self.event(relation, "requested", at, a_id, signed)
        shown = {
            "authoriser": a.person.name,
            "beneficiary": b.person.name,
            "due": f"{relation.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if relation.expires_at else "",
        }
        for person_id in self.who_confirms(relation, at):
            self.out.notices.append((relation.id, person_id, NoticeKind.BINDING_WAITING, shown, at))
        return relation

    def confirmation_findings(self, relation: Relation, a: Party, b: Party, at: datetime) -> list[Finding]:
        """What ``confirm_binding``'s check finds against ``relation`` (the changes a year aside, which a confirmation
        does not count), or nothing without asking where the check must find what the request's found."""
        kin = self.kin(a, b, relation.id)
        if self.request_still_clear(relation, at, [*a.relations, *b.relations, *kin]):
            return []
        found = self.findings(a, b, relation.relation_type, at, kin)
        return [f for f in found if f.code is not ErrorCode.CHANGES_LIMIT_REACHED]

    def request_still_clear(self, relation: Relation, at: datetime, read: list[Relation]) -> bool:
        """Whether the checks that found the request clear would find it clear again at ``at``
        (:func:`~gongji.service.binding_checks.still_clear`): nothing of the family changed since, and the checks
        would read the same rules and the same ``read`` relations live. ``confirm_binding`` checks again; here the
        check is skipped where it must repeat the request's, which is most confirmations."""
        cleared = self.cleared.pop(relation.id, None)
        if cleared is None or cleared[1] != self.changes:
            return False
        return still_clear(self.book, read, cleared[0], at)

    def face_age(self, relation: Relation, at: datetime) -> int:
        """The age from which the relative's region asks the relative himself to confirm, by face."""
        value: int = self.book.resolve(
            params.FACE_VERIFICATION_MIN_AGE_YEARS, relation.beneficiary_region, at.date()
        ).value
        return value

    def who_confirms(self, relation: Relation, at: datetime) -> list[int]:
        """As ``_who_confirms``: the relative from the face-verification age, below it his adult guardians."""
        beneficiary = self.people[relation.beneficiary_id]
        if beneficiary.age_on(at.date()) >= self.face_age(relation, at):
            return [beneficiary.id]
        family = [*self.relations_of(relation.authoriser_id), *self.relations_of(relation.beneficiary_id)]
        guardians = Kinship.of(family, at).guardians_of(relation) - {relation.authoriser_id}
        return sorted(i for i in guardians if self.people[i].age_on(at.date()) >= ADULT_AGE)

    def confirmer(self, relation: Relation, at: datetime) -> int | None:
        """Who confirms: the relative from the face-verification age, below it the first adult guardian (the
        authoriser himself for his own child)."""
        beneficiary = self.people[relation.beneficiary_id]
        if beneficiary.age_on(at.date()) >= self.face_age(relation, at):
            return beneficiary.id
        family = [*self.relations_of(relation.authoriser_id), *self.relations_of(relation.beneficiary_id)]
        guardians = Kinship.of(family, at).guardians_of(relation)
        adults = sorted(i for i in guardians if self.people[i].age_on(at.date()) >= ADULT_AGE)
        return adults[0] if adults else None

    def confirm(self, at: datetime, relation_id: int) -> Relation | None:
        """``confirm_binding`` by whoever may: the relation now active, or ``None`` (a refusal, or nobody may)."""
        relation = self.out.relations[relation_id - 1]
        if not relation.is_live_at(at) or relation.status is not RelationStatus.REQUESTED:
            return None
        confirmer = self.confirmer(relation, at)
        if confirmer is None:
            return None
        a_id, b_id = relation.authoriser_id, relation.beneficiary_id
        a, b = self.party(a_id, without=relation.id), self.party(b_id, without=relation.id)
        found = self.confirmation_findings(relation, a, b, at)
        if found:
            self.refuse(at, a, found[0].code, "confirm", relation.relation_type, a_id, b_id)
            return None
        waiting = self.book.resolve(params.WAITING_PERIOD_DAYS, relation.region, at.date()).value
        confirmed = replace(
            relation,
            status=RelationStatus.ACTIVE,
            confirmed_at=at,
            confirmed_by_id=confirmer,
            effective_from=at + timedelta(days=waiting),
            order_position=next_position(b.relations, b_id),
        )
        self.save(confirmed)
        person = self.people[confirmer]
        face = (
            self.face.verify(person, FACE_TOKEN).reference
            if person.age_on(at.date()) >= self.face_age(relation, at)
            else None
        )
        self.event(confirmed, "confirmed", at, confirmer, confirmed_note(confirmer == b_id, face, waiting))
        return confirmed

    def end(self, at: datetime, relation_id: int) -> None:
        """``end_relation`` online by the authoriser (where one side suffices), within the yearly changes."""
        relation = self.out.relations[relation_id - 1]
        if relation.status is not RelationStatus.ACTIVE or not relation.is_live_at(at):
            return
        a_id = relation.authoriser_id
        if self.book.resolve(params.UNBINDING_NEEDS_BOTH_SIDES, relation.region, at.date()).value:
            return
        limit = self.book.resolve(params.CHANGES_PER_YEAR_COUNT, relation.region, at.date()).value
        if limit_reached(limit, changes_this_year(self.relations_of(a_id), a_id, at)):
            self.refuse(
                at,
                self.party(a_id),
                ErrorCode.CHANGES_LIMIT_REACHED,
                "end",
                relation.relation_type,
                a_id,
                relation.beneficiary_id,
            )
            return
        ended = replace(
            relation, status=RelationStatus.ENDED, ended_at=at, end_reason=EndReason.BY_AUTHORISER, order_position=None
        )
        self.save(ended)
        self.event(ended, "ended", at, a_id, EndReason.BY_AUTHORISER)
        self.renumber(relation.beneficiary_id)

    def renumber(self, beneficiary_id: int) -> None:
        """As ``renumber_payers``: the beneficiary's active payers numbered 1, 2, 3 … in the same order."""
        active = sorted(
            (
                r
                for r in self.relations_of(beneficiary_id)
                if r.beneficiary_id == beneficiary_id and r.status is RelationStatus.ACTIVE
            ),
            key=lambda r: (r.order_position or 10_000, r.id),
        )
        for position, relation in enumerate(active, start=1):
            if relation.order_position != position:
                self.save(replace(relation, order_position=position))

    def refuse(
        self, at: datetime, a: Party, code: ErrorCode, action: str, kind: RelationType, a_id: int, b_id: int
    ) -> None:
        """A refused step, logged under the authoriser's region."""
        region = a.region or self.enrollments[a_id].pooling_region
        self.out.refusals.append(Refusal(at, region, code, action, kind, a_id, b_id))
