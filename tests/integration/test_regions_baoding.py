"""Baoding (130600) and its counties, once unknown to gongji: people are enrolled there and settled for, and the
rules are read along the chain county → city → province → national.

The fund values are this test's own (a rules directory written here, loaded over the package's rules as the worked
examples of test_settlement.py are): Baoding's file sets the outpatient pooling ratio (50 %, no deductible, cap
1,000.00); no county has a file, so a person insured in 竞秀区 (130602) is settled by the city's values, and Hebei's
and the national files answer the rest.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gongji.domain.codes import Insutype, MedType, PsnType
from gongji.domain.errors import ErrorCode
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.service.catalogue import load_demo_catalogue
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, MoveRegion, enroll, move_region
from gongji.service.institutions import AddInstitution, add_institution
from gongji.service.people import RegisterPerson, register_person
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from tests.helpers import DEFU, JIANGUO, XIUYING, refused
from tests.helpers import random_key as _key

CONSULTATION = "001102000010000"  # demo catalogue: 诊查费, 甲类 (A), cap 10.00
BAODING_HOSPITAL = "H13060200001"
REF = '{title: "Test rules of tests/integration/test_regions_baoding.py", address: "https://example.test/baoding"}'


def _baoding_rules(directory: Path) -> Path:
    def entry(name: str, row: str) -> str:
        dated = f"    - since: 2020-01-01\n      value:\n        - {row}\n      reference: {REF}\n"
        return f"  {name}:\n{dated}      confidence: unverified\n"

    (directory / "130600.yaml").write_text(
        'region: "130600"\nname: 保定市\nparameters:\n'
        + entry("pooling_ratio_bp", '{med_types: ["11"], ratio_bp: 5000}')
        + entry("pooling_deductible_fen", '{med_types: ["11"], amount_fen: 0}')
        + entry("pooling_annual_cap_fen", '{med_types: ["11"], amount_fen: 100000}'),
        encoding="utf-8",
    )
    return directory


@pytest.fixture
def baoding(ctx: Context, tmp_path: Path) -> Context:
    """The context under Baoding's test rules, with the demo catalogue and a hospital in 竞秀区."""
    ctx = dataclasses.replace(ctx, rules=RuleBook.load([_baoding_rules(tmp_path)]))
    load_demo_catalogue(ctx)
    add_institution(ctx, AddInstitution(BAODING_HOSPITAL, "保定示例医院", "hospital", "130602", "2"), key=_key())
    return ctx


def _insure(ctx: Context, certno: str, name: str, region: str) -> None:
    register_person(ctx, RegisterPerson(certno, name), key=_key())
    cmd = Enroll(certno, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE, region, date(2024, 1, 1), "示例单位")
    enroll(ctx, cmd, key=_key())


def _settle_consultation(ctx: Context, certno: str) -> tuple[dict[str, int], dict[str, str]]:
    """One 诊查费 of 10.00 at the Baoding hospital; the amounts and, per parameter read, the region that answered."""
    opened = open_visit(ctx, OpenVisit(certno, BAODING_HOSPITAL, MedType.GENERAL_OUTPATIENT), key=_key())
    upload_fees(ctx, UploadFees(opened.mdtrt_id, (FeeInput("1", CONSULTATION, "1", 1_000),)), key=_key())
    view = commit_settlement(ctx, Settle(opened.mdtrt_id, True), key=_key())
    return view.amounts, {trace.parameter: trace.region for trace in view.explanation.rules}


@pytest.mark.parametrize(("region", "certno"), [("130600", JIANGUO), ("130602", XIUYING)])
def test_a_person_insured_in_baoding_or_one_of_its_counties_is_settled_by_baodings_rules(
    baoding: Context, region: str, certno: str
) -> None:
    _insure(baoding, certno, "保定参保人", region)
    amounts, answered_by = _settle_consultation(baoding, certno)
    # 10.00 of 甲类 within its cap: all 1000 in the policy range; Baoding's 50 % and no deductible: the fund pays
    # 500 and the person 500 (an empty personal account: in cash).
    assert amounts["medfee_sumamt"] == 1_000
    assert amounts["hifp_pay"] == 500
    assert amounts["psn_cash_pay"] == 500
    assert answered_by["pooling_ratio_bp"] == "130600"
    assert answered_by["pooling_deductible_fen"] == "130600"
    # What the personal account may pay is the national rule's, reached along the same chain.
    assert answered_by["account_payable_med_types"] == "100000"


def test_the_rules_of_a_baoding_county_fall_back_to_hebei_and_then_the_nation(baoding: Context) -> None:
    day = date(2026, 11, 22)
    assert baoding.rules.chain("130602") == ["130602", "130600", "130000", "100000"]
    assert baoding.rules.resolve(params.MAX_BENEFICIARIES_AT_ONCE_COUNT, "130602", day).trace.region == "130000"
    assert baoding.rules.resolve(params.WALLET_ENABLED, "130602", day).trace.region == "100000"


def test_a_district_abolished_before_the_enrollment_date_is_refused_naming_its_successor(
    baoding: Context, engine: Engine
) -> None:
    register_person(baoding, RegisterPerson(DEFU, "张德福"), key=_key())
    cmd = Enroll(DEFU, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_RETIRED, "130603", date(2024, 1, 1), "示例单位")
    error = refused(engine, ErrorCode.REGION_NOT_IN_FORCE, lambda: enroll(baoding, cmd, key=_key()))
    assert "130606 莲池区" in error.message_zh
    # The same district on a date it was in force is a region one can be insured in.
    enroll(baoding, dataclasses.replace(cmd, since=date(2014, 1, 1)), key=_key())


def test_a_district_created_after_the_date_is_not_yet_a_region(baoding: Context, engine: Engine) -> None:
    register_person(baoding, RegisterPerson(DEFU, "张德福"), key=_key())
    cmd = Enroll(DEFU, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_RETIRED, "130606", date(2014, 1, 1), "示例单位")
    refused(engine, ErrorCode.REGION_NOT_YET_IN_FORCE, lambda: enroll(baoding, cmd, key=_key()))


def test_a_move_to_a_baoding_county_is_judged_on_the_day_of_the_move(baoding: Context, engine: Engine) -> None:
    _insure(baoding, JIANGUO, "张建国", "130100")
    gone = MoveRegion(JIANGUO, Insutype.EMPLOYEE_BASIC, "130604", date(2026, 11, 1))
    refused(engine, ErrorCode.REGION_NOT_IN_FORCE, lambda: move_region(baoding, gone, key=_key()))
    moved = move_region(baoding, dataclasses.replace(gone, to_region="130606"), key=_key())
    assert "130606" in str(moved)
