"""SQL implementation of the people repository (:class:`gongji.service.ports.PeopleRepository`): people, their
contact history and their suspensions.

Rows are turned into domain objects here and nowhere else.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from gongji.domain.identity import ResidentId
from gongji.domain.people import ContactChange, NewPerson, Person
from gongji.domain.suspension import Suspension
from gongji.service.ports import TransientStoreError
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["SqlPeople"]

# Statements of the settlement's hot path, built once: building a statement costs more than running it on SQLite.
_PERSON_BY_ID = Prepared(select(t.people).where(t.people.c.id == bindparam("person_id")))
_PERSON_BY_PSN_NO = Prepared(select(t.people).where(t.people.c.psn_no == bindparam("psn_no")))
_PERSON_BY_CERTNO = Prepared(select(t.people).where(t.people.c.certno == bindparam("certno")))
PEOPLE_BY_IDS = Prepared(select(t.people).where(t.people.c.id.in_(bindparam("person_ids", expanding=True))))
SUSPENSIONS_OF = Prepared(
    select(t.suspensions).where(t.suspensions.c.person_id == bindparam("person_id")).order_by(t.suspensions.c.id)
)


def suspension_of(row: Any) -> Suspension:
    """A ``suspensions`` row as the domain's suspension."""
    return Suspension(
        id=row["id"],
        person_id=row["person_id"],
        reason=row["reason"],
        since=row["since"],
        until=row["until"],
        operator=row["operator"],
        created_at=row["created_at"],
        lifted_at=row["lifted_at"],
        lifted_by=row["lifted_by"],
    )


class SqlPeople:
    """People and contact history in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, new: NewPerson, registered_at: datetime) -> Person:
        certno = new.resident_id.number
        try:
            person_id = self._conn.execute(
                insert(t.people)
                .values(
                    psn_no=f"pending:{certno}", certno=certno, name=new.name, registered_at=registered_at, naty=new.naty
                )
                .returning(t.people.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            # Registered by a concurrent transaction; the retry sees the person and refuses with the reason.
            raise TransientStoreError(f"person {certno[-4:]} registered concurrently") from exc
        # 人员编号: the issuing area code and the row id, 20 digits like the national numbers.
        psn_no = f"{certno[:6]}{person_id:014d}"
        self._conn.execute(update(t.people).where(t.people.c.id == person_id).values(psn_no=psn_no))
        if new.phone or new.address:
            self.add_contact(
                person_id,
                ContactChange(
                    effective_on=registered_at.date(),
                    recorded_at=registered_at,
                    phone=new.phone,
                    address=new.address,
                ),
            )
        person = self.get(person_id, with_contacts=True)
        assert person is not None
        return person

    def get(self, person_id: int, *, with_contacts: bool = False) -> Person | None:
        row = _PERSON_BY_ID(self._conn, {"person_id": person_id}).mappings().first()
        if row is None:
            return None
        contacts = self._contacts([row["id"]]).get(row["id"], ()) if with_contacts else ()
        return person_of(row, contacts)

    def find_by_certno(self, certno: str, *, with_contacts: bool = False) -> Person | None:
        return self._one(_PERSON_BY_CERTNO(self._conn, {"certno": certno}).first(), with_contacts)

    def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]:
        """People by id in one statement (without their contact history)."""
        ids = sorted(set(person_ids))
        rows = PEOPLE_BY_IDS(self._conn, {"person_ids": ids}).mappings()
        return {row["id"]: person_of(row, ()) for row in rows}

    def find_by_psn_no(self, psn_no: str, *, with_contacts: bool = False) -> Person | None:
        return self._one(_PERSON_BY_PSN_NO(self._conn, {"psn_no": psn_no}).first(), with_contacts)

    def list(self, *, limit: int, offset: int, name: str | None = None) -> list[Person]:
        query = select(t.people).order_by(t.people.c.id).limit(limit).offset(offset)
        if name:
            query = query.where(t.people.c.name.contains(name, autoescape=True))
        rows = self._conn.execute(query).mappings().all()
        contacts = self._contacts([row["id"] for row in rows])
        return [person_of(row, contacts.get(row["id"], ())) for row in rows]

    def add_contact(self, person_id: int, change: ContactChange) -> None:
        self._conn.execute(
            insert(t.person_contacts).values(
                person_id=person_id,
                effective_on=change.effective_on,
                recorded_at=change.recorded_at,
                phone=change.phone,
                address=change.address,
            )
        )

    def mark_deceased(self, person_id: int, on: date) -> None:
        self._conn.execute(update(t.people).where(t.people.c.id == person_id).values(died_on=on))

    def add_suspension(self, suspension: Suspension) -> Suspension:
        suspension_id = self._conn.execute(
            insert(t.suspensions)
            .values(
                person_id=suspension.person_id,
                reason=suspension.reason,
                since=suspension.since,
                until=suspension.until,
                operator=suspension.operator,
                created_at=suspension.created_at,
            )
            .returning(t.suspensions.c.id)
        ).scalar_one()
        return replace(suspension, id=int(suspension_id))

    def suspensions(self, person_id: int) -> builtins.list[Suspension]:
        return [suspension_of(row) for row in SUSPENSIONS_OF(self._conn, {"person_id": person_id}).mappings()]

    def lift_suspension(self, suspension_id: int, at: datetime, by: str) -> None:
        self._conn.execute(
            update(t.suspensions).where(t.suspensions.c.id == suspension_id).values(lifted_at=at, lifted_by=by)
        )

    def lock(self, person_ids: Iterable[int]) -> None:
        """Lock people's rows in ascending id order (PostgreSQL), so that checks on their relations hold."""
        ids = sorted(set(person_ids))
        self._conn.execute(
            select(t.people.c.id).where(t.people.c.id.in_(ids)).order_by(t.people.c.id).with_for_update()
        )

    def _one(self, row: Any, with_contacts: bool) -> Person | None:
        if row is None:
            return None
        contacts = self._contacts([row["id"]]).get(row["id"], ()) if with_contacts else ()
        return person_of(row, contacts)

    def _contacts(self, person_ids: Sequence[int]) -> dict[int, tuple[ContactChange, ...]]:
        if not person_ids:
            return {}
        rows = self._conn.execute(
            select(t.person_contacts)
            .where(t.person_contacts.c.person_id.in_(person_ids))
            .order_by(t.person_contacts.c.id)
        ).mappings()
        found: dict[int, list[ContactChange]] = {}
        for row in rows:
            found.setdefault(row["person_id"], []).append(
                ContactChange(
                    effective_on=row["effective_on"],
                    recorded_at=row["recorded_at"],
                    phone=row["phone"],
                    address=row["address"],
                )
            )
        return {person_id: tuple(changes) for person_id, changes in found.items()}


def person_of(row: Any, contacts: tuple[ContactChange, ...]) -> Person:
    """A ``people`` row (and the person's contact changes) as the domain's person."""
    return Person(
        id=row["id"],
        psn_no=row["psn_no"],
        name=row["name"],
        resident_id=ResidentId(row["certno"]),
        registered_at=row["registered_at"],
        died_on=row["died_on"],
        naty=row["naty"],
        contacts=contacts,
    )
