"""Enrollment (参保): a person's membership of one insurance type in one pooling region, and its life.

An enrollment starts *normal*, may be *paused* (contributions stopped) and resumed, and ends *terminated*
with a reason (death, emigration, duplicate enrollment) or by moving to another pooling region, which ends
the enrollment here and starts one there. Every change is an :class:`EnrollmentEvent` with its date and
reason; the functions here decide whether a change is allowed and return the changed enrollment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from gongji.domain.codes import BASIC_INSUTYPES, EndReason, EnrollmentStatus, Insutype, PsnType
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said

__all__ = [
    "Enrollment",
    "EnrollmentEvent",
    "EventKind",
    "check_new_enrollment",
    "home_region",
    "pause",
    "resume",
    "terminate",
]

MAX_EMPLOYER_CHARS = 100


class EventKind(StrEnum):
    """What happened to an enrollment."""

    ENROLLED = "enrolled"
    PAUSED = "paused"
    RESUMED = "resumed"
    TERMINATED = "terminated"


@dataclass(frozen=True)
class EnrollmentEvent:
    """One change of an enrollment's status, effective on ``on``."""

    kind: EventKind
    on: date
    reason: EndReason | None = None
    note: str | None = None


@dataclass(frozen=True)
class Enrollment:
    """参保: one insurance type for one person in one pooling region (统筹区)."""

    id: int
    person_id: int
    insutype: Insutype
    psn_type: PsnType
    pooling_region: str
    employer: str | None
    status: EnrollmentStatus
    began_on: date
    status_since: date
    reason: EndReason | None = None

    @property
    def is_active(self) -> bool:
        """Normal or paused: not terminated (a person holds at most one active basic enrollment)."""
        return self.status is not EnrollmentStatus.TERMINATED

    @property
    def is_normal(self) -> bool:
        """正常参保: the only status in which benefits and mutual aid work."""
        return self.status is EnrollmentStatus.NORMAL


def check_new_enrollment(insutype: Insutype, psn_type: PsnType, employer: str | None) -> str | None:
    """Check that the person type fits the insurance type; return the cleaned employer name.

    Employee insurance (310) takes employee types (11xx, 12xx, 1300); resident insurance (390 and the older
    resident schemes) takes resident types (14xx, 15xx). Only employee insurance has an employer.
    """
    resident_insutypes = {
        Insutype.RESIDENT_BASIC,
        Insutype.URBAN_RESIDENT_BASIC,
        Insutype.NEW_RURAL_COOPERATIVE,
    }
    if insutype is Insutype.EMPLOYEE_BASIC and not psn_type.is_employee:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="psn_type",
            reason=Said(Phrase.EMPLOYEE_INSURANCE_REFUSES_PSN_TYPE, {"psn_type": psn_type}),
        )
    if insutype in resident_insutypes and psn_type.is_employee:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="psn_type",
            reason=Said(Phrase.RESIDENT_INSURANCE_REFUSES_PSN_TYPE, {"psn_type": psn_type}),
        )
    if employer is None or not employer.strip():
        return None
    cleaned = employer.strip()
    if insutype is not Insutype.EMPLOYEE_BASIC:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="employer", reason=Phrase.EMPLOYER_ONLY_FOR_EMPLOYEES)
    if len(cleaned) > MAX_EMPLOYER_CHARS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="employer",
            reason=Said(Phrase.EMPLOYER_AT_MOST_CHARS, {"max": MAX_EMPLOYER_CHARS}),
        )
    return cleaned


def _check_date(enrollment: Enrollment, on: date) -> None:
    if on < enrollment.status_since:
        raise Refused(ErrorCode.ENROLLMENT_DATE_INVALID, on=on.isoformat(), last=enrollment.status_since.isoformat())


def _wrong_status(enrollment: Enrollment, ref: str, action: Phrase) -> Refused:
    return Refused(ErrorCode.ENROLLMENT_STATUS_WRONG, ref=ref, status=enrollment.status, action=action)


def pause(enrollment: Enrollment, on: date, reason: EndReason, ref: str) -> tuple[Enrollment, EnrollmentEvent]:
    """暂停参保: only a normal enrollment can be paused."""
    if not enrollment.is_normal:
        raise _wrong_status(enrollment, ref, Phrase.ACT_PAUSE_ENROLLMENT)
    _check_date(enrollment, on)
    changed = replace(enrollment, status=EnrollmentStatus.PAUSED, status_since=on, reason=reason)
    return changed, EnrollmentEvent(EventKind.PAUSED, on, reason)


def resume(enrollment: Enrollment, on: date, ref: str) -> tuple[Enrollment, EnrollmentEvent]:
    """恢复参保: only a paused enrollment can be resumed."""
    if enrollment.status is not EnrollmentStatus.PAUSED:
        raise _wrong_status(enrollment, ref, Phrase.ACT_RESUME_ENROLLMENT)
    _check_date(enrollment, on)
    changed = replace(enrollment, status=EnrollmentStatus.NORMAL, status_since=on, reason=None)
    return changed, EnrollmentEvent(EventKind.RESUMED, on)


def terminate(
    enrollment: Enrollment, on: date, reason: EndReason, ref: str, note: str | None = None
) -> tuple[Enrollment, EnrollmentEvent]:
    """终止参保: a normal or paused enrollment ends for good, with its reason."""
    if not enrollment.is_active:
        raise _wrong_status(enrollment, ref, Phrase.ACT_TERMINATE_ENROLLMENT)
    _check_date(enrollment, on)
    changed = replace(enrollment, status=EnrollmentStatus.TERMINATED, status_since=on, reason=reason)
    return changed, EnrollmentEvent(EventKind.TERMINATED, on, reason, note)


def home_region(enrollments: Sequence[Enrollment]) -> str | None:
    """The pooling region a person belongs to: that of the active (normal or paused) basic enrollment, else of the
    latest enrollment; ``None`` for a person never enrolled."""
    basic = next((e for e in enrollments if e.is_active and e.insutype in BASIC_INSUTYPES), None)
    if basic is not None:
        return basic.pooling_region
    latest = max(enrollments, key=lambda e: (e.status_since, e.id), default=None)
    return latest.pooling_region if latest else None
