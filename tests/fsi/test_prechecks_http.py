"""3101 / 3102 明细审核事前 / 事中分析 over real HTTP, on both backends.

Requests are shaped as fengzaiqishi11/hsa-his (commit 1fcd557940391a10c84c139f1e65846eef69a664) builds them in
``hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/module/service/impl/InsureDetailAuditServiceImpl.java``:
``input.data`` is ``AnalysisDTO`` snake-cased, with ``patient_dtos`` and ``fsi_encounter_dtos`` single objects
(``AnaInsuDTO.java``, ``AnaMdtrtDTO.java``) and ``fsi_order_dtos`` a list (``AnaOrderDTO.java``). The list form the
specification describes is sent too. Every expected amount is worked out here from the sample catalogue's figures
(``gongji/service/data/demo_catalogue.csv``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from gongji.api.fsi.client import FsiAnswer
from gongji.service.demo import JIANGUO, XIUYING
from gongji.service.people import show_person
from tests.fsi.conftest import FsiServer
from tests.helpers import snapshot

CONSULTATION = ("001102000010000", "普通门诊诊查费")  # category A, capped at 10.00
BLOOD_COUNT = ("002501010150000", "血细胞分析（血常规）")  # category A, capped at 20.00
DONKEY_GLUE = ("ZZ99XXE0001010100026", "阿胶（250g）")  # category C: self-paid
UNLISTED = ("XX00NOTINCATALOGUE0001", "目录外自制药")


def order(item: tuple[str, str], cnt: str, pric: str, sumamt: str | None = None, rx_id: str = "RX1") -> dict[str, Any]:
    """An ``AnaOrderDTO`` line; ``sumamt`` is cnt × pric unless given."""
    return {
        "rx_id": rx_id,
        "rxno": "CF0001",
        "long_drord_flag": "0",
        "hilist_type": "201",
        "hilist_code": item[0],
        "hilist_name": item[1],
        "hosplist_code": f"HOSP-{item[0]}",
        "cnt": cnt,
        "pric": pric,
        "sumamt": sumamt if sumamt is not None else str((Decimal(cnt) * Decimal(pric)).quantize(Decimal("0.01"))),
        "drord_begn_date": "2026-11-22 09:30:00",
        "curr_drord_flag": "1",
    }


def analysis(patn_id: str, orders: list[dict[str, Any]], **encounter: Any) -> dict[str, Any]:
    """``input`` of 3101 as hsa-his sends it: one patient, one encounter, both as objects."""
    return {
        "data": {
            "syscode": "HIS",
            "task_id": "T20261122001",
            "trig_scen": "1",
            "rule_ids": "",
            "patient_dtos": {
                "patn_id": patn_id,
                "patn_name": "示例",
                "gend": "1",
                "brdy": "1975-03-15",
                "poolarea": "130100",
                "curr_mdtrt_id": "MZ0001",
                "fsi_encounter_dtos": {
                    "mdtrt_id": "MZ0001",
                    "medins_id": "H13010200001",
                    "adm_date": "2026-11-22 09:00:00",
                    "med_type": "11",
                    "insutype": "310",
                    "fsi_order_dtos": orders,
                    "fsi_diagnose_dtos": [
                        {"dise_codg": "J06.900", "dise_name": "急性上呼吸道感染", "maindise_flag": "1"}
                    ],
                    **encounter,
                },
            },
        }
    }


def findings(answer: FsiAnswer) -> list[dict[str, Any]]:
    """The ``result`` rows of a successful answer."""
    assert (answer.status, answer.infcode, answer.err_msg) == (200, 0, None), answer.err_msg
    rows: list[dict[str, Any]] = answer.output["result"]
    return rows


@pytest.fixture(scope="module")
def jianguo(fsi_server: FsiServer) -> str:
    """张建国's person number (employee insurance, 310, since 1997)."""
    return show_person(fsi_server.ctx, JIANGUO).psn_no


def test_a_clean_prescription_has_no_findings_and_writes_nothing(fsi_server: FsiServer, jianguo: str) -> None:
    before = snapshot(fsi_server.engine)
    clean = analysis(jianguo, [order(CONSULTATION, "1", "10.00"), order(BLOOD_COUNT, "1", "20.00", rx_id="RX2")])
    assert findings(fsi_server.hospital.call("3101", clean)) == []
    assert findings(fsi_server.hospital.call("3102", clean)) == []
    assert snapshot(fsi_server.engine) == before


def test_items_outside_the_catalogue_and_self_paid_items_are_found(fsi_server: FsiServer, jianguo: str) -> None:
    lines = [order(UNLISTED, "2", "15.50", rx_id="RX1"), order(DONKEY_GLUE, "1", "120.00", rx_id="RX2")]
    rows = findings(fsi_server.hospital.call("3101", analysis(jianguo, lines)))
    assert [(r["rule_id"], r["vola_amt"], r["judge_result_detail_dtos"][0]["rx_id"]) for r in rows] == [
        ("GJ-CAT-1", Decimal("31.00"), "RX1"),
        ("GJ-CAT-2", Decimal("120.00"), "RX2"),
    ]
    first = rows[0]
    assert first["patn_id"] == jianguo
    assert first["mdtrt_id"] == "MZ0001"
    assert first["task_id"] == "T20261122001"
    assert first["jr_id"] == "T20261122001-0001"
    assert UNLISTED[0] in first["vola_cont"]


def test_a_price_above_the_cap_is_found_with_the_excess(fsi_server: FsiServer, jianguo: str) -> None:
    # 血常规 is capped at 20.00: two at 25.50 exceed it by 2 × 5.50 = 11.00.
    rows = findings(fsi_server.hospital.call("3101", analysis(jianguo, [order(BLOOD_COUNT, "2", "25.50")])))
    assert [(r["rule_id"], r["vola_amt"], r["sev_deg"]) for r in rows] == [("GJ-PRC-1", Decimal("11.00"), "1")]


def test_six_decimal_prices_are_read_exactly(fsi_server: FsiServer, jianguo: str) -> None:
    # 12 × 0.833333 = 9.999996, which is 10.00 to the fen: consistent, and under the cap of 10.00 per unit.
    rows = findings(
        fsi_server.hospital.call("3101", analysis(jianguo, [order(CONSULTATION, "12", "0.833333", "10.00")]))
    )
    assert rows == []


def test_an_absurd_quantity_and_an_amount_that_is_not_quantity_times_price(fsi_server: FsiServer, jianguo: str) -> None:
    lines = [
        order(CONSULTATION, "20000", "1.00", rx_id="RX1"),  # 20000 units: above 10000
        order(CONSULTATION, "2", "10.00", "25.00", rx_id="RX2"),  # 2 × 10.00 is 20.00, not 25.00
    ]
    rows = findings(fsi_server.hospital.call("3102", analysis(jianguo, lines)))
    assert [(r["rule_id"], r["vola_amt"], r["judge_result_detail_dtos"][0]["rx_id"]) for r in rows] == [
        ("GJ-QTY-1", Decimal("20000.00"), "RX1"),
        ("GJ-AMT-1", Decimal("5.00"), "RX2"),
    ]


def test_a_visit_before_the_enrollment_began_is_found_for_the_whole_encounter(fsi_server: FsiServer) -> None:
    xiuying = show_person(fsi_server.ctx, XIUYING).psn_no  # resident insurance (390) since 2019-01-01
    lines = [order(CONSULTATION, "1", "10.00"), order(BLOOD_COUNT, "1", "20.00", rx_id="RX2")]
    early = analysis(xiuying, lines, adm_date="2018-06-01 09:00:00", insutype="390")
    rows = findings(fsi_server.hospital.call("3101", early))
    assert [(r["rule_id"], r["vola_amt"], r["judge_result_detail_dtos"][0]["rx_id"]) for r in rows] == [
        ("GJ-ENR-1", Decimal("30.00"), None)
    ]
    later = analysis(xiuying, lines, insutype="390")
    assert findings(fsi_server.hospital.call("3101", later)) == []


def test_rule_ids_choose_the_rules_and_an_unknown_rule_is_refused(fsi_server: FsiServer, jianguo: str) -> None:
    message = analysis(jianguo, [order(UNLISTED, "1", "1.00"), order(BLOOD_COUNT, "1", "30.00", rx_id="RX2")])
    message["data"]["rule_ids"] = "GJ-PRC-1"
    assert [r["rule_id"] for r in findings(fsi_server.hospital.call("3101", message))] == ["GJ-PRC-1"]
    message["data"]["rule_ids"] = ["GJ-PRC-1", "NATIONAL-42"]
    answer = fsi_server.hospital.call("3101", message)
    assert answer.infcode == -2
    assert "PRECHECK_RULE_UNKNOWN" in (answer.err_msg or "")


def test_the_specification_list_form_and_several_patients(fsi_server: FsiServer, jianguo: str) -> None:
    xiuying = show_person(fsi_server.ctx, XIUYING).psn_no
    one = analysis(jianguo, [order(UNLISTED, "1", "3.00")])["data"]["patient_dtos"]
    two = analysis(xiuying, [order(CONSULTATION, "1", "10.00")], insutype="390")["data"]["patient_dtos"]
    one["fsi_encounter_dtos"] = [one["fsi_encounter_dtos"]]
    message = {"data": {"task_id": "T2", "patient_dtos": [one, two]}}
    rows = findings(fsi_server.hospital.call("3101", message))
    assert [(r["patn_id"], r["rule_id"], r["jr_id"]) for r in rows] == [(jianguo, "GJ-CAT-1", "T2-0001")]


def test_an_unknown_patient_and_a_malformed_price_are_refused(fsi_server: FsiServer) -> None:
    hospital = fsi_server.hospital
    unknown = hospital.call("3101", analysis("13010299999999999999", [order(CONSULTATION, "1", "10.00")]))
    assert unknown.infcode == -2
    assert "PERSON_NOT_FOUND" in (unknown.err_msg or "")
    seven = hospital.call("3101", analysis("13010299999999999999", [order(CONSULTATION, "1", "0.1234567", "0.12")]))
    assert seven.infcode == -2
    assert "pric" in (seven.err_msg or "")
