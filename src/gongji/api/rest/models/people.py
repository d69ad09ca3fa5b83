"""People and their enrollments: registering, contact changes, enrolling, pausing, moving."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from gongji.api.rest.models.common import Day, RequestModel, ResponseModel, bounded_text
from gongji.domain.codes import EndReason, Insutype, PsnType, Sex

__all__ = [
    "ContactIn",
    "EnrollIn",
    "EnrollmentEventOut",
    "EnrollmentOut",
    "MoveIn",
    "PauseIn",
    "PersonOut",
    "RegisterIn",
    "ResumeIn",
    "TerminateIn",
]


class RegisterIn(RequestModel):
    """登记参保人员: the resident ID number and name; sex and birth date, if given, are checked against the number."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"certno": "130102199001011237", "name": "王五", "phone": "13800000000"}]},
    )

    certno: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9Xx]{18}$")]
    name: Annotated[str, bounded_text(50, min_length=1)]
    phone: Annotated[str, bounded_text(20)] | None = None
    address: Annotated[str, bounded_text(200)] | None = None
    sex: Sex | None = None
    birth_date: Day | None = None
    #: 民族: a code of the national list (``01`` 汉族 … ``56``, ``97``, ``98``, ``99``), checked by the service.
    naty: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,2}$")] | None = None


class ContactIn(RequestModel):
    """变更联系方式: a new phone and/or address from a day on (default today)."""

    phone: Annotated[str, bounded_text(20)] | None = None
    address: Annotated[str, bounded_text(200)] | None = None
    effective_on: Day | None = None


class EnrollIn(RequestModel):
    """参保登记: employee insurance (310) also opens the personal account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "insutype": "310",
                    "psn_type": "1101",
                    "pooling_region": "130100",
                    "since": "2020-01-01",
                    "employer": "示例单位",
                }
            ]
        },
    )

    insutype: Insutype
    psn_type: PsnType
    pooling_region: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    since: Day
    employer: Annotated[str, bounded_text(100)] | None = None


class PauseIn(RequestModel):
    """暂停参保."""

    insutype: Insutype
    on: Day
    reason: EndReason = EndReason.CONTRIBUTIONS_STOPPED


class ResumeIn(RequestModel):
    """恢复参保."""

    insutype: Insutype
    on: Day


class TerminateIn(RequestModel):
    """终止参保: death and emigration end every enrollment (``insutype`` may then be omitted)."""

    on: Day
    reason: EndReason
    insutype: Insutype | None = None
    note: Annotated[str, bounded_text(200)] | None = None


class MoveIn(RequestModel):
    """转移接续: the enrollment (and the personal account) moves to another pooling region."""

    insutype: Insutype
    to_region: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    on: Day
    employer: Annotated[str, bounded_text(100)] | None = None


class EnrollmentEventOut(ResponseModel):
    """One change of an enrollment."""

    kind: str
    on: date
    reason: str | None
    reason_zh: str | None
    note: str | None


class EnrollmentOut(ResponseModel):
    """An enrollment with its history."""

    id: int
    insutype: str
    insutype_zh: str
    psn_type: str
    psn_type_zh: str
    pooling_region: str
    pooling_region_zh: str
    employer: str | None
    status: str
    status_zh: str
    began_on: date
    status_since: date
    reason: str | None
    reason_zh: str | None
    events: list[EnrollmentEventOut]


class PersonOut(ResponseModel):
    """A person: identity, current contact details, enrollments."""

    id: int
    psn_no: str
    certno: str
    name: str
    sex: str
    sex_zh: str
    birth_date: date
    age: int
    phone: str | None
    address: str | None
    died_on: date | None
    registered_at: datetime
    enrollments: list[EnrollmentOut]
    #: 民族 (national code), null when not recorded.
    naty: str | None = None
