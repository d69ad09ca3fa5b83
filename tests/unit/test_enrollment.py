"""Enrollment: which person types fit which insurance, and the normal → paused → terminated life of one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from gongji.domain.codes import EndReason, EnrollmentStatus, Insutype, PsnType
from gongji.domain.enrollment import (
    Enrollment,
    EnrollmentEvent,
    EventKind,
    check_new_enrollment,
    pause,
    resume,
    terminate,
)
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said

BEGAN = date(2020, 1, 1)
REF = "张伟（P0001）"

EMPLOYEE_TYPES = [member for member in PsnType if member.is_employee]
RESIDENT_TYPES = [member for member in PsnType if not member.is_employee]
RESIDENT_INSUTYPES = [Insutype.RESIDENT_BASIC, Insutype.URBAN_RESIDENT_BASIC, Insutype.NEW_RURAL_COOPERATIVE]


def enrollment(status: EnrollmentStatus = EnrollmentStatus.NORMAL, since: date = BEGAN) -> Enrollment:
    return Enrollment(
        id=1,
        person_id=1,
        insutype=Insutype.EMPLOYEE_BASIC,
        psn_type=PsnType.EMPLOYEE_IN_SERVICE,
        pooling_region="130100",
        employer="石家庄市第一医院",
        status=status,
        began_on=BEGAN,
        status_since=since,
        reason=None if status is EnrollmentStatus.NORMAL else EndReason.CONTRIBUTIONS_STOPPED,
    )


def field_refusal(insutype: Insutype, psn_type: PsnType, employer: str | None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check_new_enrollment(insutype, psn_type, employer)
    assert caught.value.code is ErrorCode.FIELD_INVALID
    return caught.value


def status_refusal(error: pytest.ExceptionInfo[Refused], status: EnrollmentStatus) -> None:
    assert error.value.code is ErrorCode.ENROLLMENT_STATUS_WRONG
    assert error.value.params["ref"] == REF
    assert error.value.params["status"] is status
    assert f"{REF} 的参保状态为“{status.zh}”" in error.value.message_zh
    assert f"enrollment is {status.en};" in error.value.message_en


# --- a new enrollment -----------------------------------------------------------------------------------


@pytest.mark.parametrize("psn_type", EMPLOYEE_TYPES, ids=lambda p: p.value)
def test_employee_insurance_takes_employee_person_types(psn_type: PsnType) -> None:
    assert check_new_enrollment(Insutype.EMPLOYEE_BASIC, psn_type, None) is None


@pytest.mark.parametrize("psn_type", RESIDENT_TYPES, ids=lambda p: p.value)
def test_employee_insurance_refuses_resident_person_types(psn_type: PsnType) -> None:
    error = field_refusal(Insutype.EMPLOYEE_BASIC, psn_type, None)
    assert error.params["field"] == "psn_type"
    assert error.params["reason"] == Said(Phrase.EMPLOYEE_INSURANCE_REFUSES_PSN_TYPE, {"psn_type": psn_type})
    assert psn_type.en in error.message_en
    assert psn_type.zh in error.message_zh


@pytest.mark.parametrize("insutype", RESIDENT_INSUTYPES, ids=lambda i: i.value)
@pytest.mark.parametrize("psn_type", RESIDENT_TYPES, ids=lambda p: p.value)
def test_resident_insurance_takes_resident_person_types(insutype: Insutype, psn_type: PsnType) -> None:
    assert check_new_enrollment(insutype, psn_type, None) is None


@pytest.mark.parametrize("insutype", RESIDENT_INSUTYPES, ids=lambda i: i.value)
@pytest.mark.parametrize("psn_type", EMPLOYEE_TYPES, ids=lambda p: p.value)
def test_resident_insurance_refuses_employee_person_types(insutype: Insutype, psn_type: PsnType) -> None:
    error = field_refusal(insutype, psn_type, None)
    assert error.params["field"] == "psn_type"
    assert error.params["reason"] == Said(Phrase.RESIDENT_INSURANCE_REFUSES_PSN_TYPE, {"psn_type": psn_type})
    assert psn_type.en in error.message_en


def test_resident_insurance_refuses_an_employee_in_service() -> None:
    error = field_refusal(Insutype.RESIDENT_BASIC, PsnType.EMPLOYEE_IN_SERVICE, None)
    assert error.message_en.endswith("resident insurance cannot take person type 'employee, in service'")


def test_employee_insurance_keeps_the_employer_trimmed() -> None:
    employer = check_new_enrollment(Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE, "  石家庄市第一医院 ")
    assert employer == "石家庄市第一医院"


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_employer_is_no_employer(blank: str | None) -> None:
    assert check_new_enrollment(Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_RETIRED, blank) is None
    assert check_new_enrollment(Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT, blank) is None


@pytest.mark.parametrize("insutype", RESIDENT_INSUTYPES, ids=lambda i: i.value)
def test_only_employee_insurance_records_an_employer(insutype: Insutype) -> None:
    error = field_refusal(insutype, PsnType.ADULT_RESIDENT, "某某公司")
    assert error.params["field"] == "employer"
    assert error.params["reason"] is Phrase.EMPLOYER_ONLY_FOR_EMPLOYEES
    assert error.message_en.endswith("only employee insurance records an employer")


def test_supplementary_insurance_records_no_employer_either() -> None:
    error = field_refusal(Insutype.LARGE_EXPENSE_SUBSIDY, PsnType.EMPLOYEE_IN_SERVICE, "某某公司")
    assert error.params["field"] == "employer"


def test_an_employer_name_is_at_most_100_characters() -> None:
    assert check_new_enrollment(Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE, "公" * 100) == "公" * 100
    error = field_refusal(Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE, "公" * 101)
    assert error.params["field"] == "employer"


# --- the enrollment's state ------------------------------------------------------------------------------


def test_normal_and_paused_enrollments_are_active_but_only_normal_ones_work() -> None:
    normal = enrollment(EnrollmentStatus.NORMAL)
    paused = enrollment(EnrollmentStatus.PAUSED)
    terminated = enrollment(EnrollmentStatus.TERMINATED)
    assert (normal.is_active, normal.is_normal) == (True, True)
    assert (paused.is_active, paused.is_normal) == (True, False)
    assert (terminated.is_active, terminated.is_normal) == (False, False)


# --- pause ----------------------------------------------------------------------------------------------


def test_a_normal_enrollment_is_paused_with_its_reason() -> None:
    on = date(2024, 3, 1)
    original = enrollment()
    changed, event = pause(original, on, EndReason.CONTRIBUTIONS_STOPPED, REF)
    assert changed.status is EnrollmentStatus.PAUSED
    assert changed.status_since == on
    assert changed.reason is EndReason.CONTRIBUTIONS_STOPPED
    assert changed == replace(
        original, status=EnrollmentStatus.PAUSED, status_since=on, reason=EndReason.CONTRIBUTIONS_STOPPED
    )
    assert event == EnrollmentEvent(EventKind.PAUSED, on, EndReason.CONTRIBUTIONS_STOPPED)
    assert original.status is EnrollmentStatus.NORMAL


@pytest.mark.parametrize("status", [EnrollmentStatus.PAUSED, EnrollmentStatus.TERMINATED])
def test_only_a_normal_enrollment_can_be_paused(status: EnrollmentStatus) -> None:
    with pytest.raises(Refused) as caught:
        pause(enrollment(status), date(2024, 3, 1), EndReason.OTHER, REF)
    status_refusal(caught, status)
    assert caught.value.params["action"] is Phrase.ACT_PAUSE_ENROLLMENT
    assert caught.value.message_en.endswith("cannot pause it")


def test_a_pause_may_take_effect_on_the_day_of_the_last_change() -> None:
    since = date(2023, 5, 1)
    changed, _ = pause(enrollment(since=since), since, EndReason.OTHER, REF)
    assert changed.status_since == since


def test_a_pause_dated_before_the_last_change_is_refused() -> None:
    with pytest.raises(Refused) as caught:
        pause(enrollment(since=date(2023, 5, 1)), date(2023, 4, 30), EndReason.OTHER, REF)
    assert caught.value.code is ErrorCode.ENROLLMENT_DATE_INVALID
    assert caught.value.params == {"on": "2023-04-30", "last": "2023-05-01"}


# --- resume ---------------------------------------------------------------------------------------------


def test_a_paused_enrollment_is_resumed_and_loses_its_reason() -> None:
    paused, _ = pause(enrollment(), date(2024, 3, 1), EndReason.CONTRIBUTIONS_STOPPED, REF)
    resumed, event = resume(paused, date(2024, 6, 1), REF)
    assert resumed.status is EnrollmentStatus.NORMAL
    assert resumed.status_since == date(2024, 6, 1)
    assert resumed.reason is None
    assert resumed.began_on == BEGAN
    assert event == EnrollmentEvent(EventKind.RESUMED, date(2024, 6, 1))
    assert event.reason is None


@pytest.mark.parametrize("status", [EnrollmentStatus.NORMAL, EnrollmentStatus.TERMINATED])
def test_only_a_paused_enrollment_can_be_resumed(status: EnrollmentStatus) -> None:
    with pytest.raises(Refused) as caught:
        resume(enrollment(status), date(2024, 3, 1), REF)
    status_refusal(caught, status)
    assert caught.value.params["action"] is Phrase.ACT_RESUME_ENROLLMENT
    assert caught.value.message_en.endswith("cannot resume it")


def test_a_resumption_dated_before_the_pause_is_refused() -> None:
    paused, _ = pause(enrollment(), date(2024, 3, 1), EndReason.CONTRIBUTIONS_STOPPED, REF)
    with pytest.raises(Refused) as caught:
        resume(paused, date(2024, 2, 29), REF)
    assert caught.value.code is ErrorCode.ENROLLMENT_DATE_INVALID
    assert caught.value.params == {"on": "2024-02-29", "last": "2024-03-01"}


# --- terminate ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [EnrollmentStatus.NORMAL, EnrollmentStatus.PAUSED])
def test_a_normal_or_paused_enrollment_is_terminated_for_good(status: EnrollmentStatus) -> None:
    on = date(2025, 8, 31)
    changed, event = terminate(enrollment(status), on, EndReason.DEATH, REF, note="死亡证明 2025-123")
    assert changed.status is EnrollmentStatus.TERMINATED
    assert not changed.is_active
    assert changed.status_since == on
    assert changed.reason is EndReason.DEATH
    assert event == EnrollmentEvent(EventKind.TERMINATED, on, EndReason.DEATH, "死亡证明 2025-123")


def test_a_termination_without_a_note_carries_none() -> None:
    _, event = terminate(enrollment(), date(2025, 8, 31), EndReason.EMIGRATION, REF)
    assert event.kind is EventKind.TERMINATED
    assert event.reason is EndReason.EMIGRATION
    assert event.note is None


def test_an_enrollment_cannot_be_terminated_twice() -> None:
    terminated, _ = terminate(enrollment(), date(2025, 8, 31), EndReason.DUPLICATE, REF)
    with pytest.raises(Refused) as caught:
        terminate(terminated, date(2025, 9, 1), EndReason.DEATH, REF)
    status_refusal(caught, EnrollmentStatus.TERMINATED)
    assert caught.value.params["action"] is Phrase.ACT_TERMINATE_ENROLLMENT
    assert caught.value.message_en.endswith("cannot terminate it")
    assert caught.value.message_zh.endswith("不能终止参保")


def test_a_terminated_enrollment_can_be_neither_paused_nor_resumed() -> None:
    terminated, _ = terminate(enrollment(), date(2025, 8, 31), EndReason.TRANSFERRED, REF)
    with pytest.raises(Refused):
        pause(terminated, date(2025, 9, 1), EndReason.OTHER, REF)
    with pytest.raises(Refused):
        resume(terminated, date(2025, 9, 1), REF)


def test_a_termination_dated_before_the_last_change_is_refused() -> None:
    with pytest.raises(Refused) as caught:
        terminate(enrollment(EnrollmentStatus.PAUSED, since=date(2024, 3, 1)), date(2024, 1, 1), EndReason.DEATH, REF)
    assert caught.value.code is ErrorCode.ENROLLMENT_DATE_INVALID
    assert caught.value.params == {"on": "2024-01-01", "last": "2024-03-01"}


def test_the_wrong_status_is_reported_before_the_date() -> None:
    with pytest.raises(Refused) as caught:
        resume(enrollment(EnrollmentStatus.NORMAL, since=date(2024, 3, 1)), date(2024, 1, 1), REF)
    assert caught.value.code is ErrorCode.ENROLLMENT_STATUS_WRONG


def test_a_whole_life_pause_resume_pause_terminate() -> None:
    life = enrollment()
    kinds = []
    for step in (
        lambda e: pause(e, date(2021, 1, 1), EndReason.CONTRIBUTIONS_STOPPED, REF),
        lambda e: resume(e, date(2021, 1, 1), REF),
        lambda e: pause(e, date(2022, 7, 1), EndReason.OTHER, REF),
        lambda e: terminate(e, date(2023, 1, 1), EndReason.EMIGRATION, REF),
    ):
        life, event = step(life)
        kinds.append(event.kind)
    assert kinds == [EventKind.PAUSED, EventKind.RESUMED, EventKind.PAUSED, EventKind.TERMINATED]
    assert life.status is EnrollmentStatus.TERMINATED
    assert life.status_since == date(2023, 1, 1)
    assert life.reason is EndReason.EMIGRATION
    assert life.began_on == BEGAN
