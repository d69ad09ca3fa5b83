"""Filings, the entitlement check and prescription pre-checks as use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from gongji.domain.codes import Insutype
from gongji.domain.errors import Conflict, ErrorCode, InvalidInput
from gongji.service.context import Context
from gongji.service.demo import HOSPITAL, load_demo
from gongji.service.enrollment import PauseEnrollment, pause_enrollment
from gongji.service.entitlement import EntitlementCheck, check_entitlement
from gongji.service.filings import CancelFiling, FileFiling, FilingKind, cancel_filing, file_filing, filings_of
from gongji.service.prechecks import Encounter, OrderLine, PatientCase, PreCheck, Rule, precheck
from tests.helpers import DEFU, JIANGUO, refused

OTHER_HOSPITAL = "H13010200002"


@pytest.fixture
def family(ctx: Context) -> Context:
    load_demo(ctx)
    return ctx


def _chronic(begin: date, end: date | None, code: str = "M001", person: str = JIANGUO) -> FileFiling:
    return FileFiling(FilingKind.CHRONIC, person, HOSPITAL, code, begin, end, "糖尿病（示例）", Insutype.EMPLOYEE_BASIC)


def test_a_filing_is_idempotent_by_its_key(family: Context) -> None:
    command = _chronic(date(2026, 1, 1), date(2026, 12, 31))
    first = file_filing(family, command, key="f1")
    assert file_filing(family, command, key="f1") == first
    assert len(filings_of(family, JIANGUO, FilingKind.CHRONIC)) == 1
    with pytest.raises(Conflict):
        file_filing(family, _chronic(date(2026, 2, 1), None), key="f1")


def test_a_cancelled_filing_no_longer_blocks_its_period(family: Context, engine: Engine) -> None:
    filed = file_filing(family, _chronic(date(2026, 1, 1), None), key="f1")
    refused(engine, ErrorCode.FILING_OVERLAPS, lambda: file_filing(family, _chronic(date(2030, 1, 1), None), key="f2"))
    cancel = CancelFiling(FilingKind.CHRONIC, JIANGUO, filed.trt_dcla_detl_sn, HOSPITAL, "鉴定有误")
    cancelled = cancel_filing(family, cancel, key="c1")
    assert cancelled.cancel_memo == "鉴定有误"
    assert cancel_filing(family, cancel, key="c1") == cancelled  # the same message replayed
    again = file_filing(family, _chronic(date(2030, 1, 1), None), key="f3")
    assert [v.trt_dcla_detl_sn for v in filings_of(family, JIANGUO, FilingKind.CHRONIC)] == [again.trt_dcla_detl_sn]


def test_a_designation_names_a_known_institution(family: Context, engine: Engine) -> None:
    unknown = FileFiling(FilingKind.DESIGNATED, DEFU, HOSPITAL, "H00000000000", date(2026, 1, 1))
    refused(engine, ErrorCode.INSTITUTION_NOT_FOUND, lambda: file_filing(family, unknown, key="d1"))
    known = FileFiling(FilingKind.DESIGNATED, DEFU, HOSPITAL, OTHER_HOSPITAL, date(2026, 1, 1))
    assert file_filing(family, known, key="d2").insutype == "310"  # his basic enrollment's


def test_filings_in_force_include_their_last_day(family: Context) -> None:
    file_filing(family, _chronic(date(2026, 1, 1), date(2026, 11, 22)), key="f1")
    assert [v.subject_code for v in filings_of(family, JIANGUO, FilingKind.CHRONIC, on=date(2026, 11, 22))] == ["M001"]
    assert filings_of(family, JIANGUO, FilingKind.CHRONIC, on=date(2026, 11, 23)) == []


def _check(day: date, med_type: str = "11") -> EntitlementCheck:
    return EntitlementCheck(JIANGUO, Insutype.EMPLOYEE_BASIC, med_type, HOSPITAL, day)


def test_a_paused_enrollment_entitles_up_to_its_pause(family: Context) -> None:
    pause_enrollment(family, PauseEnrollment(JIANGUO, Insutype.EMPLOYEE_BASIC, date(2026, 11, 1)), key="p1")
    before = check_entitlement(family, _check(date(2026, 10, 31)))
    after = check_entitlement(family, _check(date(2026, 11, 2)))
    assert (before.rows[0].enjoys, before.rows[0].end_on) == (True, date(2026, 11, 1))
    assert after.rows[0].enjoys is False
    assert after.enjoys is False


def test_a_chronic_visit_adds_the_chronic_check_and_others_do_not(family: Context) -> None:
    plain = check_entitlement(family, _check(date(2026, 11, 22)))
    chronic = check_entitlement(family, _check(date(2026, 11, 22), "140104"))
    assert [r.trt_chk_type for r in plain.rows] == ["01", "02", "04"]
    assert [r.trt_chk_type for r in chronic.rows] == ["01", "02", "03", "04"]
    assert chronic.rows[2].enjoys is False


def _line(code: str, quantity: str, price: str, sumamt_fen: int) -> OrderLine:
    return OrderLine("RX1", code, None, Decimal(quantity), Decimal(price), sumamt_fen)


def test_precheck_finds_per_rule_and_filters_by_rule(family: Context) -> None:
    # 血常规 is capped at 20.00 and category A; 3 at 21.005 exceed by 3 × 1.005 = 3.015, 3.02 rounded half up.
    line = _line("002501010150000", "3", "21.005", 6302)
    case = PatientCase(JIANGUO, (Encounter("V1", date(2026, 11, 22), Insutype.EMPLOYEE_BASIC, (line,)),))
    found = precheck(family, PreCheck((case,)))
    assert [(v.rule, v.amount_fen) for v in found] == [(Rule.ABOVE_PRICE_CAP, 302)]
    assert precheck(family, PreCheck((case,), frozenset({Rule.OFF_CATALOGUE}))) == []


def test_precheck_refuses_an_unknown_rule_id() -> None:
    with pytest.raises(InvalidInput) as caught:
        Rule.named(["GJ-CAT-1", "NOPE"])
    assert caught.value.code is ErrorCode.PRECHECK_RULE_UNKNOWN
    assert caught.value.params["rule_id"] == "NOPE"
