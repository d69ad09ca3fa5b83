"""What a settlement reads in one go, as protocols the store implements (one round trip where the backend has them):
the visit and its patient first (:class:`VisitOpening`), then the bill (:class:`BillRows`) and the family
(:class:`FamilyRows`). Part of the service's ports (:mod:`gongji.service.ports`), kept apart for size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from gongji.domain.catalogue import CatalogueItem, Institution
from gongji.domain.enrollment import Enrollment
from gongji.domain.people import Person
from gongji.domain.relations import Relation
from gongji.domain.suspension import Suspension
from gongji.domain.visits import FeeLine, Visit
from gongji.domain.wallet import WalletTransfer
from gongji.service.ports import AccountRow

__all__ = ["BillReader", "BillRows", "FamilyReader", "FamilyRows", "VisitOpening"]


@dataclass(frozen=True)
class FamilyRows:
    """What a settlement reads of a family once the patient's relations are known (see :class:`FamilyReader`)."""

    people: dict[int, Person]
    enrollments: dict[int, list[Enrollment]]
    relations: list[Relation]
    accounts: list[AccountRow]
    shared_quotas: dict[int, tuple[bool, int | None]]


class FamilyReader(Protocol):
    """The family reads of a settlement in one go (one round trip where the backend has them)."""

    def read(self, person_ids: Sequence[int], others: Sequence[int], *, lock: bool) -> FamilyRows:
        """``others``' people, relations (either side) and shared quotas; every account and enrollment of
        ``person_ids`` (accounts in id order, locked first when ``lock``)."""
        ...


@dataclass(frozen=True)
class VisitOpening:
    """What a settlement reads first, knowing only the visit's 就诊ID (see :meth:`BillReader.opening`)."""

    visit: Visit
    patient: Person
    #: The patient's relations, either side, in id order.
    relations: list[Relation]
    institution: Institution | None
    #: The settlement's id, drawn ahead where the backend has sequences (so that its rows need no answer).
    settlement_id: int | None


@dataclass(frozen=True)
class BillRows:
    """What a settlement reads of a visit's bill besides the family (see :class:`BillReader`)."""

    institution: Institution | None
    lines: list[FeeLine]
    #: The catalogue items of the visit's lines, by code (a code the catalogue lacks is absent).
    items: dict[str, CatalogueItem]
    suspensions: list[Suspension]
    #: The patient's accepted wallet transfers with money left, oldest acceptance first (empty when not asked).
    spendable: list[WalletTransfer]


class BillReader(Protocol):
    """The reads of a settlement that depend only on the visit and the patient, in one go (one round trip where the
    backend has them)."""

    def opening(self, mdtrt_id: str, *, lock: bool, reserve_id: bool) -> VisitOpening | None:
        """The visit (locked when ``lock``), its patient, her relations and the visit's institution; ``reserve_id``
        draws the settlement's id. None when no visit has this 就诊ID."""
        ...

    def read(self, visit_id: int, institution_id: int | None, patient_id: int, *, wallet: bool, lock: bool) -> BillRows:
        """The visit's institution (unless None is asked), fee lines and their catalogue items, the patient's
        suspensions and (``wallet``) spendable transfers, those locked when ``lock``."""
        ...
