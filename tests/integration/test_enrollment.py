"""Enrollment: enroll, pause, resume, terminate, move to another pooling region."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from gongji.domain.codes import EndReason, Insutype, PsnType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.service.account_query import balances
from gongji.service.accounts import CreditAccount, credit_account
from gongji.service.audit import audit
from gongji.service.context import Context
from gongji.service.enrollment import (
    Enroll,
    MoveRegion,
    PauseEnrollment,
    ResumeEnrollment,
    TerminateEnrollment,
    enroll,
    move_region,
    pause_enrollment,
    resume_enrollment,
    terminate_enrollment,
)
from gongji.service.people import RegisterPerson, register_person, show_person
from tests.helpers import DEFU, JIANGUO, XIUYING, employee, resident, snapshot

EMPLOYEE = Insutype.EMPLOYEE_BASIC


def test_employee_enrollment_opens_both_parts_of_the_personal_account(ctx: Context) -> None:
    employee(ctx)
    view = balances(ctx, JIANGUO)
    assert sorted(a.kind for a in view.accounts) == ["personal_current", "personal_prior"]
    assert {a.region for a in view.accounts} == {"130100"}
    assert view.personal_account_fen == 0


def test_a_resident_has_no_personal_account_to_credit(ctx: Context, engine: Engine) -> None:
    resident(ctx, XIUYING, "李秀英")
    assert balances(ctx, XIUYING).accounts == []
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        credit_account(ctx, CreditAccount(XIUYING, 100, "x"), key="c1")
    assert refused.value.code is ErrorCode.NOT_AN_EMPLOYEE
    assert snapshot(engine) == before


def test_a_second_basic_insurance_is_refused_as_duplicate(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        enroll(
            ctx,
            Enroll(JIANGUO, Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT, "130100", date(2026, 1, 1)),
            key="e2",
        )
    assert refused.value.code is ErrorCode.ALREADY_ENROLLED
    assert snapshot(engine) == before
    # A supplementary insurance beside the basic one is fine.
    view = enroll(
        ctx,
        Enroll(JIANGUO, Insutype.LARGE_EXPENSE_SUBSIDY, PsnType.EMPLOYEE_IN_SERVICE, "130100", date(2026, 1, 1)),
        key="e3",
    )
    assert [e.insutype for e in view.enrollments] == ["310", "330"]


def test_person_type_must_fit_the_insurance_type(ctx: Context, engine: Engine) -> None:
    register_person(ctx, RegisterPerson(JIANGUO, "张建国"), key="r")
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as invalid:
        enroll(ctx, Enroll(JIANGUO, EMPLOYEE, PsnType.ADULT_RESIDENT, "130100", date(2026, 1, 1)), key="e")
    assert invalid.value.params["field"] == "psn_type"
    with pytest.raises(InvalidInput) as unknown_region:
        enroll(ctx, Enroll(JIANGUO, EMPLOYEE, PsnType.EMPLOYEE_IN_SERVICE, "139999", date(2026, 1, 1)), key="e2")
    assert unknown_region.value.code is ErrorCode.CODE_UNKNOWN
    assert snapshot(engine) == before


def test_a_paused_enrollment_takes_no_credit_until_resumed(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    pause_enrollment(ctx, PauseEnrollment(JIANGUO, EMPLOYEE, date(2026, 6, 1)), key="p")
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        credit_account(ctx, CreditAccount(JIANGUO, 100, "x"), key="c1")
    assert refused.value.code is ErrorCode.ENROLLMENT_STATUS_WRONG
    with pytest.raises(Refused) as twice:
        pause_enrollment(ctx, PauseEnrollment(JIANGUO, EMPLOYEE, date(2026, 7, 1)), key="p2")
    assert twice.value.code is ErrorCode.ENROLLMENT_STATUS_WRONG
    assert snapshot(engine) == before
    resume_enrollment(ctx, ResumeEnrollment(JIANGUO, EMPLOYEE, date(2026, 9, 1)), key="r")
    credit_account(ctx, CreditAccount(JIANGUO, 100, "x"), key="c2")
    assert balances(ctx, JIANGUO).current_year_fen == 100
    history = show_person(ctx, JIANGUO).enrollments[0].events
    assert [(e.kind, e.on) for e in history] == [
        ("enrolled", date(2000, 1, 1)),
        ("paused", date(2026, 6, 1)),
        ("resumed", date(2026, 9, 1)),
    ]


def test_a_change_cannot_be_dated_before_the_last_one(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    pause_enrollment(ctx, PauseEnrollment(JIANGUO, EMPLOYEE, date(2026, 6, 1)), key="p")
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        resume_enrollment(ctx, ResumeEnrollment(JIANGUO, EMPLOYEE, date(2026, 5, 1)), key="r")
    assert refused.value.code is ErrorCode.ENROLLMENT_DATE_INVALID
    assert snapshot(engine) == before


def test_death_ends_every_enrollment_and_nothing_new_can_start(ctx: Context, engine: Engine) -> None:
    employee(ctx, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED)
    enroll(
        ctx, Enroll(DEFU, Insutype.LARGE_EXPENSE_SUBSIDY, PsnType.EMPLOYEE_RETIRED, "130100", date(2020, 1, 1)), key="e"
    )
    view = terminate_enrollment(ctx, TerminateEnrollment(DEFU, date(2026, 10, 1), EndReason.DEATH), key="t")
    assert view.died_on == date(2026, 10, 1)
    assert [(e.status, e.reason) for e in view.enrollments] == [("terminated", "death"), ("terminated", "death")]
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        enroll(
            ctx, Enroll(DEFU, Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT, "130100", date(2026, 11, 1)), key="e2"
        )
    assert refused.value.code is ErrorCode.PERSON_DECEASED
    with pytest.raises(NotFound):
        terminate_enrollment(ctx, TerminateEnrollment(DEFU, date(2026, 11, 1), EndReason.DEATH), key="t2")
    assert snapshot(engine) == before


def test_duplicate_enrollment_ends_only_the_named_insurance(ctx: Context) -> None:
    employee(ctx)
    with pytest.raises(InvalidInput):
        terminate_enrollment(ctx, TerminateEnrollment(JIANGUO, date(2026, 10, 1), EndReason.DUPLICATE), key="t0")
    view = terminate_enrollment(
        ctx, TerminateEnrollment(JIANGUO, date(2026, 10, 1), EndReason.DUPLICATE, EMPLOYEE, "重复参保"), key="t"
    )
    assert view.died_on is None
    assert view.enrollments[0].reason_zh == "重复参保"


def test_moving_region_carries_the_personal_account_across(ctx: Context) -> None:
    employee(ctx, prior_fen=300_000, current_fen=80_000)
    view = move_region(ctx, MoveRegion(JIANGUO, EMPLOYEE, "110000", date(2026, 11, 1)), key="m")
    assert [(e.pooling_region, e.status, e.reason) for e in view.enrollments] == [
        ("130100", "terminated", "transferred"),
        ("110000", "normal", None),
    ]
    by_region = {(a.region, a.kind): a for a in balances(ctx, JIANGUO).accounts}
    assert by_region[("130100", "personal_prior")].balance_fen == 0
    assert by_region[("130100", "personal_current")].balance_fen == 0
    assert by_region[("110000", "personal_prior")].balance_fen == 300_000
    assert by_region[("110000", "personal_current")].balance_fen == 80_000
    assert by_region[("110000", "personal_current")].period_year == 2026
    assert audit(ctx).clean
    # Contributions now land in Beijing.
    credit_account(ctx, CreditAccount(JIANGUO, 500, "北京划入"), key="c")
    assert balances(ctx, JIANGUO).current_year_fen == 80_500


def test_moving_to_the_same_region_is_refused(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        move_region(ctx, MoveRegion(JIANGUO, EMPLOYEE, "130100", date(2026, 11, 1)), key="m")
    assert refused.value.code is ErrorCode.SAME_POOLING_REGION
    assert snapshot(engine) == before
