"""The family of a settlement: the patient and everyone who may pay for her, read in a handful of statements.

A settlement needs the patient, each live authoriser (共济人), their enrollments and relations, their personal
accounts and the memo accounts of the year (quota used, deductible and fund paid) — all owned by these people.
Reading them person by person costs a round trip each; :func:`load_family` reads each kind of row for the whole
family at once (six statements however many relatives), and locks the accounts when the settlement will pay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from gongji.domain.enrollment import Enrollment
from gongji.domain.ledger import AccountKind
from gongji.domain.people import Person
from gongji.domain.relations import Relation
from gongji.service.checks import Party
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.settlement_ports import FamilyReader

__all__ = ["PERSONAL_PARTS", "Family", "load_family"]

#: The two parts of a personal account (历年, 当年): what a settlement may pay from.
PERSONAL_PARTS = (AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT)


@dataclass(frozen=True)
class Family:
    """The patient, the authorisers of her live relations, and what the settlement reads of them."""

    patient: Person
    #: The patient's relations (either side) in id order, and the live ones she benefits from, in her order.
    relations: Sequence[Relation]
    paying_relations: Sequence[Relation]
    people: Mapping[int, Person]
    enrollments: Mapping[int, Sequence[Enrollment]]
    relations_of_people: Mapping[int, Sequence[Relation]]
    accounts: Mapping[int, Sequence[AccountRow]]
    shared_quotas: Mapping[int, tuple[bool, int | None]]
    by_code: Mapping[str, AccountRow]

    def party(self, person_id: int) -> Party:
        """A person of the family with enrollments and relations, as eligibility reads them."""
        return Party(
            self.people[person_id],
            self.enrollments.get(person_id, ()),
            self.relations_of_people.get(person_id, ()),
        )

    def personal_accounts(self, person_id: int, region: str | None = None) -> list[AccountRow]:
        """The person's 历年 and 当年 parts (in one region, when given)."""
        return [
            row
            for row in self.accounts.get(person_id, ())
            if row.state.kind in PERSONAL_PARTS and (region is None or row.region == region)
        ]

    def balance_of(self, code: str) -> int:
        """The balance of a family member's account by code (a memo account not yet opened holds 0)."""
        row = self.by_code.get(code)
        return row.state.balance_fen if row else 0


def _live_relations(patient_id: int, relations: Iterable[Relation], at: datetime) -> list[Relation]:
    """The relations the patient benefits from that are live at ``at``, in her payer order."""
    return sorted(
        (r for r in relations if r.beneficiary_id == patient_id and r.is_live_at(at)),
        key=lambda r: (r.order_position or 10_000, r.id),
    )


def load_family(
    uow: UnitOfWork,
    patient: Person,
    at: datetime,
    *,
    lock: bool,
    also: Sequence[int] = (),
    relations: Sequence[Relation] | None = None,
    reader: FamilyReader | None = None,
) -> Family:
    """Read the family of a settlement at ``at``; ``lock`` locks every account they own (ascending id order).
    ``also`` adds people asked about who may not pay for her (for "why can't X pay?"); ``relations``, the
    patient's relations when read already (:meth:`BillReader.opening`); ``reader``, where the family's rows are read
    (the unit of work's, unless a replay remembers them)."""
    own = list(relations) if relations is not None else uow.relations.of_person(patient.id)
    paying = _live_relations(patient.id, own, at)
    ids = sorted({patient.id, *(r.authoriser_id for r in paying), *also})
    others = [i for i in ids if i != patient.id]
    rows = (reader or uow.families).read(ids, others, lock=lock)
    people = {patient.id: patient, **rows.people}
    # The authorisers' own relations (their other beneficiaries count against some regions' limits).
    relations_of: dict[int, list[Relation]] = {patient.id: list(own)}
    for relation in rows.relations:
        for person_id in (relation.authoriser_id, relation.beneficiary_id):
            if person_id in people and person_id != patient.id:
                relations_of.setdefault(person_id, []).append(relation)
    accounts: dict[int, list[AccountRow]] = {}
    for row in rows.accounts:
        assert row.state.owner_person_id is not None
        accounts.setdefault(row.state.owner_person_id, []).append(row)
    return Family(
        patient=patient,
        relations=own,
        paying_relations=paying,
        people=people,
        enrollments=rows.enrollments,
        relations_of_people=relations_of,
        accounts=accounts,
        shared_quotas=rows.shared_quotas,
        by_code={row.code: row for row in rows.accounts},
    )
