"""3203 清算申请, 3204 清算撤销 and 4101 结算清单上传 over real HTTP, on SQLite and PostgreSQL.

The module's server gets one day of business of its own (2026-12-10: one outpatient settlement at the hospital, one
pharmacy sale, and one hospital settlement reversed the next day), so that the clearing figures are the sums of what
the settlement answers gave. Requests are shaped as newtouch-cloud/openhis (``Input_3203.cs``, ``Input_3204.cs``)
and fengzaiqishi11/hsa-his (``InsureGetInfoBOImpl.java`` for 4101) build them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from gongji.service.clock import FixedClock
from gongji.service.demo import DEFU, JIANGUO, XIAOMING
from tests.fsi.conftest import FsiServer
from tests.fsi.test_reconciliation_http import ATORVASTATIN, CONSULTATION, LORATADINE, Settled, at, ok, settle
from tests.helpers import snapshot
from tests.serving import BUSINESS_NOW

DAY, NEXT_DAY = "2026-12-10", "2026-12-11"


@dataclass(frozen=True)
class Day:
    """The module's business: a settlement in force, one reversed, a pharmacy sale."""

    server: FsiServer
    kept: Settled
    reversed: Settled
    sale: Settled


@pytest.fixture(scope="module")
def day(fsi_server: FsiServer) -> Iterator[Day]:
    clock = fsi_server.ctx.clock
    assert isinstance(clock, FixedClock)
    at(clock, DAY, "09:00")
    kept = settle(fsi_server.hospital, DEFU, "310", "11", [(CONSULTATION, "1"), (ATORVASTATIN, "1")])
    at(clock, DAY, "10:00")
    gone = settle(fsi_server.hospital, JIANGUO, "310", "11", [(CONSULTATION, "1")])
    at(clock, DAY, "11:00")
    sale = settle(fsi_server.pharmacy, XIAOMING, "390", "41", [(LORATADINE, "1")])
    at(clock, NEXT_DAY, "09:00")
    ok(fsi_server.hospital.call("2208", {"data": {"setl_id": gone.setl_id, "mdtrt_id": gone.setlinfo["mdtrt_id"]}}))
    try:
        yield Day(fsi_server, kept, gone, sale)
    finally:
        clock.set(BUSINESS_NOW)


def application(settled: Settled, **changes: Any) -> dict[str, Any]:
    """3203's ``data`` declaring one settlement of 2026-12-10, as openhis fills it (numbers as numbers)."""
    info = settled.setlinfo
    data = {
        "clr_type": "11",
        "clr_way": "1",
        "setlym": "202612",
        "psntime": 1,
        "medfee_sumamt": info["medfee_sumamt"],
        "med_sumfee": info["inscp_scp_amt"],
        "fund_appy_sum": info["fund_pay_sumamt"],
        "cash_payamt": info["psn_cash_pay"],
        "acct_pay": info["acct_pay"],
        "begndate": DAY,
        "enddate": DAY,
    }
    return data | changes


def refused(answer: Any, code: str) -> str:
    """The ``err_msg`` of a refusal with ``code``."""
    assert answer.infcode == -2, answer.body
    assert code in (answer.err_msg or ""), answer.err_msg
    return str(answer.err_msg)


# --- 3203 / 3204 -----------------------------------------------------------------------------------------------


def test_an_application_agreeing_with_the_settlements_is_recorded_once_until_cancelled(day: Day) -> None:
    hospital = day.server.hospital
    # 2026-12-10 holds the kept settlement and the one reversed on 12-11: the period 12-10..12-11 nets to the kept one.
    data = application(day.kept, enddate=NEXT_DAY)
    output = ok(hospital.call("3203", {"data": data}))
    evt_id = output["result"]["clr_appy_evt_id"]
    assert output["clr_appy_evt_id"] == evt_id

    message = refused(hospital.call("3203", {"data": data}), "CLEARING_ALREADY_APPLIED")
    assert evt_id in message

    assert ok(hospital.call("3204", {"data": {"clr_appy_evt_id": evt_id}})) is None
    refused(hospital.call("3204", {"data": {"clr_appy_evt_id": evt_id}}), "CLEARING_ALREADY_CANCELLED")
    again = ok(hospital.call("3203", {"data": data}))["result"]["clr_appy_evt_id"]
    assert again != evt_id
    ok(hospital.call("3204", {"data": {"clr_appy_evt_id": again}}))


def test_a_differing_figure_is_refused_by_name_and_nothing_is_written(day: Day) -> None:
    hospital = day.server.hospital
    claimed = day.kept.amount("medfee_sumamt") + Decimal("0.01")
    before = snapshot(day.server.engine)
    message = refused(
        hospital.call("3203", {"data": application(day.kept, enddate=NEXT_DAY, medfee_sumamt=str(claimed))}),
        "CLEARING_FIGURE_DIFFERS",
    )
    assert "医疗费总额" in message
    assert f"{claimed:.2f}" in message
    assert f"{day.kept.amount('medfee_sumamt'):.2f}" in message
    assert snapshot(day.server.engine) == before


def test_a_day_with_a_settlement_later_reversed_counts_it_until_the_reversal(day: Day) -> None:
    hospital = day.server.hospital
    # 12-10 alone: both hospital settlements count (the reversal is booked on 12-11), so one declared is short.
    message = refused(hospital.call("3203", {"data": application(day.kept)}), "CLEARING_FIGURE_DIFFERS")
    assert "清算人次" in message


def test_the_pharmacy_applies_for_its_own_clearing_type(day: Day) -> None:
    pharmacy = day.server.pharmacy
    evt_id = ok(pharmacy.call("3203", {"data": application(day.sale, clr_type="41")}))["result"]["clr_appy_evt_id"]
    refused(day.server.hospital.call("3204", {"data": {"clr_appy_evt_id": evt_id}}), "CLEARING_NOT_FOUND")
    ok(pharmacy.call("3204", {"data": {"clr_appy_evt_id": evt_id}}))


def test_an_unreadable_application_is_refused_naming_the_field(day: Day) -> None:
    hospital = day.server.hospital
    refused(hospital.call("3203", {"data": application(day.kept, setlym="2026-12")}), "setlym")
    refused(hospital.call("3203", {"data": application(day.kept, psntime="one")}), "psntime")
    refused(hospital.call("3203", {"data": application(day.kept, clr_type="99")}), "clr_type")


# --- 4101 ------------------------------------------------------------------------------------------------------


def settlement_list(settled: Settled, **setlinfo: Any) -> dict[str, Any]:
    """4101's input as hsa-his builds it (``setlinfo`` and the list nodes)."""
    info = settled.setlinfo
    return {
        "setlinfo": {
            "setl_id": info["setl_id"],
            "mdtrt_id": info["mdtrt_id"],
            "psn_no": info["psn_no"],
            "psn_name": info["psn_name"],
            "hi_type": info["insutype"],
            **setlinfo,
        },
        "payinfo": [{"fund_pay_type": "310100", "fund_payamt": info["fund_pay_sumamt"]}],
        "iteminfo": [{"med_chrgitm": "09", "amt": info["medfee_sumamt"], "claa_sumfee": 0, "clab_amt": 0}],
        "opspdiseinfo": [],
        "diseinfo": [{"diag_type": "1", "diag_code": "I10.x00", "diag_name": "高血压", "maindiag_flag": "1"}],
        "oprninfo": [],
        "icuinfo": [],
        "bldinfo": [],
    }


def test_a_settlement_list_is_stored_and_an_upload_again_replaces_it_under_the_same_id(day: Day) -> None:
    hospital = day.server.hospital
    first = ok(hospital.call("4101", settlement_list(day.kept)))
    assert first["setl_list_id"] == first["data"]["setl_list_id"]
    again = ok(hospital.call("4101", settlement_list(day.kept, medcasno="BA0001")))
    assert again["setl_list_id"] == first["setl_list_id"]


def test_a_settlement_list_of_another_institution_or_a_reversed_settlement_is_refused(day: Day) -> None:
    refused(day.server.pharmacy.call("4101", settlement_list(day.kept)), "SETTLEMENT_NOT_FOUND")
    refused(day.server.hospital.call("4101", settlement_list(day.reversed)), "SETTLEMENT_LIST_OF_REVERSED")


def test_a_settlement_list_naming_another_visit_or_lacking_a_required_node_is_refused(day: Day) -> None:
    hospital = day.server.hospital
    message = refused(hospital.call("4101", settlement_list(day.kept, mdtrt_id="999")), "SETTLEMENT_LIST_MISMATCH")
    assert "mdtrt_id" in message
    incomplete = settlement_list(day.kept)
    del incomplete["payinfo"]
    refused(hospital.call("4101", incomplete), "payinfo")
