"""SQL implementation of the enrollment repository (:class:`gongji.service.ports.EnrollmentRepository`):
enrollments and their events.

Rows are turned into domain objects here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from gongji.domain.codes import EndReason, EnrollmentStatus, Insutype, PsnType
from gongji.domain.enrollment import Enrollment, EnrollmentEvent, EventKind
from gongji.service.ports import TransientStoreError
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["SqlEnrollments"]

# Statements of the settlement's hot path, built once: building a statement costs more than running it on SQLite.
ENROLLMENTS_OF = Prepared(
    select(t.enrollments)
    .where(t.enrollments.c.person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(t.enrollments.c.id)
)


class SqlEnrollments:
    """Enrollments and their events in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        person_id: int,
        insutype: Insutype,
        psn_type: PsnType,
        pooling_region: str,
        employer: str | None,
        began_on: date,
    ) -> Enrollment:
        statement = (
            insert(t.enrollments)
            .values(
                person_id=person_id,
                insutype=insutype.value,
                psn_type=psn_type.value,
                pooling_region=pooling_region,
                employer=employer,
                status=EnrollmentStatus.NORMAL.value,
                began_on=began_on,
                status_since=began_on,
            )
            .returning(t.enrollments.c.id)
        )
        try:
            enrollment_id = self._conn.execute(statement).scalar_one()
        except IntegrityError as exc:
            # A concurrent enrollment of the same person landed first; the retry refuses it as a duplicate.
            raise TransientStoreError("enrollment written concurrently") from exc
        return Enrollment(
            id=enrollment_id,
            person_id=person_id,
            insutype=insutype,
            psn_type=psn_type,
            pooling_region=pooling_region,
            employer=employer,
            status=EnrollmentStatus.NORMAL,
            began_on=began_on,
            status_since=began_on,
        )

    def save(self, enrollment: Enrollment) -> None:
        self._conn.execute(
            update(t.enrollments)
            .where(t.enrollments.c.id == enrollment.id)
            .values(
                status=enrollment.status.value,
                status_since=enrollment.status_since,
                reason=enrollment.reason.value if enrollment.reason else None,
                psn_type=enrollment.psn_type.value,
                employer=enrollment.employer,
            )
        )

    def add_event(self, enrollment_id: int, event: EnrollmentEvent, recorded_at: datetime) -> None:
        self._conn.execute(
            insert(t.enrollment_events).values(
                enrollment_id=enrollment_id,
                kind=event.kind.value,
                on_date=event.on,
                reason=event.reason.value if event.reason else None,
                note=event.note,
                recorded_at=recorded_at,
            )
        )

    def for_person(self, person_id: int) -> list[Enrollment]:
        return self.for_people([person_id]).get(person_id, [])

    def for_people(self, person_ids: Iterable[int]) -> dict[int, list[Enrollment]]:
        """Each person's enrollments (in id order), for several people in one statement."""
        ids = sorted(set(person_ids))
        return enrollments_by_person(ENROLLMENTS_OF(self._conn, {"person_ids": ids}))

    @staticmethod
    def _enrollments(rows: Iterable[Any]) -> list[Enrollment]:
        return [
            Enrollment(
                id=row["id"],
                person_id=row["person_id"],
                insutype=Insutype(row["insutype"]),
                psn_type=PsnType(row["psn_type"]),
                pooling_region=row["pooling_region"],
                employer=row["employer"],
                status=EnrollmentStatus(row["status"]),
                began_on=row["began_on"],
                status_since=row["status_since"],
                reason=EndReason(row["reason"]) if row["reason"] else None,
            )
            for row in rows
        ]

    def events(self, enrollment_id: int) -> list[EnrollmentEvent]:
        rows = self._conn.execute(
            select(t.enrollment_events)
            .where(t.enrollment_events.c.enrollment_id == enrollment_id)
            .order_by(t.enrollment_events.c.id)
        ).mappings()
        return [
            EnrollmentEvent(
                kind=EventKind(row["kind"]),
                on=row["on_date"],
                reason=EndReason(row["reason"]) if row["reason"] else None,
                note=row["note"],
            )
            for row in rows
        ]


def enrollments_by_person(rows: Iterable[Any]) -> dict[int, list[Enrollment]]:
    """Rows of :data:`ENROLLMENTS_OF` as each person's enrollments, in id order."""
    found: dict[int, list[Enrollment]] = {}
    for enrollment in SqlEnrollments._enrollments(rows):
        found.setdefault(enrollment.person_id, []).append(enrollment)
    return found
