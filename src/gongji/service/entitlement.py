"""人员待遇享受检查 (2001): may this person be treated at the insurance's expense, at this institution, on this day?

Each check gongji can make from its own records is answered as one row, passed or not, never skipped in silence:

===== ============================== =================================================================================
code  check                            passes when
===== ============================== =================================================================================
01    参保状态 (enrollment)            the person holds the insurance type, in normal status on the day, and is alive
02    联网结算 (suspension)            no suspension of networked settlement applies on the day (暂停联网结算)
03    门诊慢特病备案 (chronic filing)  only for 门诊慢特病 visits (``med_type`` 14, or a provincial 14xxxx): a chronic
                                       filing holds on the day (for the disease named in ``dise_codg``, if named)
04    定点备案 (designated filing)     the person filed no designated institution, or this institution is one in force
05    转院备案 (referral filing)       only for 转外诊治住院 (``med_type`` 23): a referral to this institution holds
===== ============================== =================================================================================

The codes are gongji's own values of ``trt_chk_type`` (the national list is regional); each row names its check in
``trt_chk_rslt`` what it found, as a term (a :class:`~gongji.domain.phrases.Phrase`, or a
:class:`~gongji.domain.wording.Said` with its fields) that the national interface renders in Chinese.
``fund_pay_type`` is the pooling fund of the insurance type (310 → 310100, 390 → 390100 …), or ``None`` for an
insurance type without a fund code. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from gongji.domain.codes import EnrollmentStatus, Insutype
from gongji.domain.enrollment import Enrollment
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said, Text
from gongji.service.context import Context
from gongji.service.filings import FilingKind, FilingView, filings_in_force
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.suspension import suspension_finding

__all__ = ["EntitlementCheck", "EntitlementRow", "EntitlementView", "check_entitlement", "enrolled_on"]

#: The pooling fund (基金支付类型) of each insurance type that has one.
FUND_OF_INSUTYPE = {
    Insutype.EMPLOYEE_BASIC: "310100",
    Insutype.CIVIL_SERVANT_SUBSIDY: "320100",
    Insutype.LARGE_EXPENSE_SUBSIDY: "330100",
    Insutype.RETIRED_CADRE: "340100",
    Insutype.ENTERPRISE_SUPPLEMENT: "370100",
    Insutype.RESIDENT_BASIC: "390100",
    Insutype.URBAN_RESIDENT_BASIC: "390100",
    Insutype.RESIDENT_SERIOUS_ILLNESS: "390200",
    Insutype.MATERNITY: "510100",
}


@dataclass(frozen=True)
class EntitlementCheck:
    """2001's question: ``person`` (psn_no or ID number) in ``insutype``, for ``med_type``, at ``institution``.

    The checks are made for ``begin_on``'s day (the visit's start); ``end_on`` (``endtime``) is read and kept, but
    no check spans the period yet.
    """

    person: str
    insutype: Insutype
    med_type: str
    institution: str
    begin_on: date
    end_on: date | None = None
    dise_codg: str | None = None


@dataclass(frozen=True)
class EntitlementRow:
    """One check's answer (a ``trtinfo`` row): passed or not, the period it speaks of, and what was found (a term)."""

    trt_chk_type: str
    enjoys: bool
    fund_pay_type: str | None
    begin_on: date | None
    end_on: date | None
    result: Phrase | Said


@dataclass(frozen=True)
class EntitlementView:
    """Every check of one question, in the order of the module's table."""

    psn_no: str
    rows: tuple[EntitlementRow, ...]

    @property
    def enjoys(self) -> bool:
        """Whether every check passed."""
        return all(row.enjoys for row in self.rows)


def enrolled_on(enrollments: Sequence[Enrollment], insutype: Insutype | None, day: date) -> Enrollment | None:
    """The enrollment (in ``insutype``, or any when ``None``) that was in normal status on ``day``, if one was.

    An enrollment paused or ended after ``day`` was still normal on it (its status changed on ``status_since``).
    """
    for enrollment in enrollments:
        if insutype is not None and enrollment.insutype is not insutype:
            continue
        if enrollment.began_on > day:
            continue
        if enrollment.status is EnrollmentStatus.NORMAL or enrollment.status_since > day:
            return enrollment
    return None


def _is_chronic_visit(med_type: str) -> bool:
    """门诊慢特病: national 14, or a provincial six-digit code of that family (140104 门诊慢病)."""
    return med_type == "14" or (len(med_type) == 6 and med_type.startswith("14"))


def _enrollment_row(uow: UnitOfWork, person: Person, cmd: EntitlementCheck) -> EntitlementRow:
    fund = FUND_OF_INSUTYPE.get(cmd.insutype)
    day = cmd.begin_on
    if person.died_on is not None and person.died_on <= day:
        died = Said(Phrase.ENT_DIED, {"on": person.died_on.isoformat()})
        return EntitlementRow("01", False, fund, None, person.died_on, died)
    enrollment = enrolled_on(uow.enrollments.for_person(person.id), cmd.insutype, day)
    if enrollment is None:
        args = {"day": day.isoformat(), "insutype": cmd.insutype, "code": cmd.insutype.value}
        return EntitlementRow("01", False, fund, None, None, Said(Phrase.ENT_NOT_ENROLLED, args))
    ends = None if enrollment.status is EnrollmentStatus.NORMAL else enrollment.status_since
    since = enrollment.began_on.isoformat()
    found = Said(Phrase.ENT_ENROLLED, {"insutype": cmd.insutype, "region": enrollment.pooling_region, "since": since})
    return EntitlementRow("01", True, fund, enrollment.began_on, ends, found)


def _suspension_row(uow: UnitOfWork, person: Person, cmd: EntitlementCheck, now: datetime) -> EntitlementRow:
    fund = FUND_OF_INSUTYPE.get(cmd.insutype)
    finding = suspension_finding(uow, person, cmd.begin_on, now)
    if finding is None:
        return EntitlementRow("02", True, fund, None, None, Phrase.ENT_NOT_SUSPENDED)
    since = str(finding.params["since"])
    found = Said(Phrase.ENT_SUSPENDED, {"since": since, "reason": finding.params["reason"]})
    return EntitlementRow("02", False, fund, date.fromisoformat(since), None, found)


def _code(code: str) -> Text:
    """A code as a term that reads the same in both languages (so that a list of codes is joined per language)."""
    return Text(code, code, code)


def _period(filings: Sequence[FilingView]) -> tuple[date | None, date | None]:
    if not filings:
        return None, None
    ends = [f.end_on for f in filings]
    return min(f.begin_on for f in filings), None if None in ends else max(e for e in ends if e is not None)


def _chronic_row(uow: UnitOfWork, person: Person, cmd: EntitlementCheck) -> EntitlementRow:
    fund = FUND_OF_INSUTYPE.get(cmd.insutype)
    held = filings_in_force(uow, person, FilingKind.CHRONIC, cmd.begin_on)
    if cmd.dise_codg:
        held = [f for f in held if f.subject_code == cmd.dise_codg]
    begin, end = _period(held)
    if held:
        named = [
            Said(Phrase.NAME_WITH_CODE, {"name": f.subject_name or f.subject_code, "code": f.subject_code})
            for f in held
        ]
        return EntitlementRow("03", True, fund, begin, end, Said(Phrase.ENT_CHRONIC_FILED, {"diseases": named}))
    day = cmd.begin_on.isoformat()
    if cmd.dise_codg:
        missing = Said(Phrase.ENT_NO_CHRONIC_FILING_FOR, {"day": day, "disease": cmd.dise_codg})
    else:
        missing = Said(Phrase.ENT_NO_CHRONIC_FILING, {"day": day})
    return EntitlementRow("03", False, fund, None, None, missing)


def _designated_row(uow: UnitOfWork, person: Person, cmd: EntitlementCheck) -> EntitlementRow:
    fund = FUND_OF_INSUTYPE.get(cmd.insutype)
    held = filings_in_force(uow, person, FilingKind.DESIGNATED, cmd.begin_on)
    if not held:
        return EntitlementRow("04", True, fund, None, None, Phrase.ENT_NO_DESIGNATION)
    here = [f for f in held if f.subject_code == cmd.institution]
    begin, end = _period(here or held)
    if here:
        return EntitlementRow("04", True, fund, begin, end, Phrase.ENT_DESIGNATED_HERE)
    codes = [_code(f.subject_code) for f in held]
    found = Said(Phrase.ENT_DESIGNATED_ELSEWHERE, {"codes": codes, "institution": cmd.institution})
    return EntitlementRow("04", False, fund, begin, end, found)


def _referral_row(uow: UnitOfWork, person: Person, cmd: EntitlementCheck) -> EntitlementRow:
    fund = FUND_OF_INSUTYPE.get(cmd.insutype)
    held = [
        f for f in filings_in_force(uow, person, FilingKind.REFERRAL, cmd.begin_on) if f.subject_code == cmd.institution
    ]
    begin, end = _period(held)
    if held:
        return EntitlementRow("05", True, fund, begin, end, Phrase.ENT_REFERRED_HERE)
    missing = Said(Phrase.ENT_NOT_REFERRED, {"day": cmd.begin_on.isoformat(), "institution": cmd.institution})
    return EntitlementRow("05", False, fund, None, None, missing)


def check_entitlement(ctx: Context, cmd: EntitlementCheck) -> EntitlementView:
    """2001: every check of the module's table that applies to the question, as rows; an unknown person is refused."""

    def handler(uow: UnitOfWork) -> EntitlementView:
        person = resolve_person(uow, cmd.person)
        rows = [_enrollment_row(uow, person, cmd), _suspension_row(uow, person, cmd, ctx.clock.now())]
        if _is_chronic_visit(cmd.med_type):
            rows.append(_chronic_row(uow, person, cmd))
        rows.append(_designated_row(uow, person, cmd))
        if cmd.med_type == "23":
            rows.append(_referral_row(uow, person, cmd))
        return EntitlementView(person.psn_no, tuple(rows))

    return ctx.read(handler)
