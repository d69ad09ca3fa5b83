"""A small province with bills over three months and two regions, made through the use cases, for the tests of the
analytical export and the reports: the demo family (its bills, its reversal and its wallet purchase) in October, more
of the family's bills in November and December, and an employee of Changchun settling there in November."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongji.domain.codes import MedType
from gongji.domain.identity import check_character
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.demo import DEFU, XIAOMING, XIUYING, load_demo
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    SettlementView,
    UploadFees,
    commit_settlement,
    open_visit,
    reverse_settlement,
    upload_fees,
)
from tests.helpers import employee, random_key

SJZ_HOSPITAL = "H13010200001"
SJZ_PHARMACY = "P13010200001"
CHANGCHUN_HOSPITAL = "H22010200001"
#: An employee of Changchun (220100), born 1983-04-05, a woman.
CHANGCHUN = "22010219830405002" + check_character("22010219830405002")


def at(year: int, month: int, day: int) -> datetime:
    """Ten in the morning of that day in Shanghai (inside the wallet's hours)."""
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


def bill(ctx: Context, person: str, institution: str, med_type: MedType, *lines: FeeInput) -> SettlementView:
    """Open a visit, upload its lines and settle it."""
    opened = open_visit(ctx, OpenVisit(person, institution, med_type), key=random_key())
    upload_fees(ctx, UploadFees(opened.mdtrt_id, lines), key=random_key())
    return commit_settlement(ctx, Settle(opened.mdtrt_id), key=random_key())


def outpatient(ctx: Context, person: str, institution: str = SJZ_HOSPITAL) -> SettlementView:
    """An outpatient visit with a consultation and a drug."""
    return bill(
        ctx,
        person,
        institution,
        MedType.GENERAL_OUTPATIENT,
        FeeInput("1", "001102000010000", "1", 1_000),
        FeeInput("2", "XC10AAA129A001010100004", "1", 3_580),
    )


def pharmacy(ctx: Context, person: str) -> SettlementView:
    """A pharmacy purchase."""
    return bill(
        ctx, person, SJZ_PHARMACY, MedType.PHARMACY_PURCHASE, FeeInput("1", "XR06AXL001A001010100009", "1", 2_380)
    )


@dataclass
class Bills:
    """The settlements of the small province that the tests act on later."""

    november_xiuying: SettlementView


def three_months(ctx: Context, clock: FixedClock) -> Bills:
    """October: the demo; November: 李秀英's outpatient visit (paid by 张建国) and the Changchun employee's; December:
    张小明's pharmacy purchase (paid by his father's and grandfather's accounts)."""
    clock.set(at(2026, 10, 15))
    load_demo(ctx)
    employee(ctx, CHANGCHUN, "刘长春", region="220100", current_fen=50_000)
    clock.set(at(2026, 11, 10))
    november = outpatient(ctx, XIUYING)
    outpatient(ctx, CHANGCHUN, CHANGCHUN_HOSPITAL)
    clock.set(at(2026, 12, 1))
    pharmacy(ctx, XIAOMING)
    return Bills(november)


def december_changes(ctx: Context, clock: FixedClock, bills: Bills) -> None:
    """Mid-December: 张德福 buys at the pharmacy, and 李秀英's November visit is reversed."""
    clock.set(at(2026, 12, 15))
    pharmacy(ctx, DEFU)
    assert bills.november_xiuying.setl_id is not None
    reverse_settlement(
        ctx, ReverseSettlement(bills.november_xiuying.setl_id, "测试撤销 test reversal"), key=random_key()
    )
