"""An inpatient stay, played by any conformance client against the ``fsi_server`` fixture.

张德福 (retired employee, with his own account) is admitted (2401) two days before the business day, his admission
is changed (2403: another bed, a second diagnosis), fees are uploaded day by day (2301), the stay is settled in the
middle (2303/2304 with ``mid_setl_flag`` 1), more fees follow, he is discharged (2402), the rest is settled
(2303/2304) and that final settlement is reversed (2305). Every answer is checked with :mod:`.checks`; the
reversal must carry the fields of the real Chongqing 2305 answer too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from gongji.service.demo import DEFU
from tests.fsi.conformance.base import ConformanceClient
from tests.fsi.conformance.checks import check_settlement, own_balance
from tests.fsi.conformance.inputs import Line, Visit
from tests.fsi.national import CHONGQING_REVERSAL_FIELDS
from tests.serving import BUSINESS_NOW

__all__ = ["StayRecord", "inpatient_stay"]

ADMITTED = BUSINESS_NOW - timedelta(days=2, hours=3)  # 2026-11-20 09:00
DIAGNOSES = [("I10.x00", "原发性高血压")]
CHANGED_DIAGNOSES = [("I10.x00", "原发性高血压"), ("E11.900", "2型糖尿病")]
SALINE = "XB05BBL001B002010100013"  # 氯化钠注射液, 甲类
DAYS: list[tuple[timedelta, list[Line]]] = [
    (
        timedelta(hours=1),
        [
            Line("1", "001102000010000", Decimal("10.00"), Decimal("1")),
            Line("2", SALINE, Decimal("4.8333"), Decimal("3")),
        ],
    ),
    (timedelta(days=1, hours=1), [Line("3", "XC10AAA129A001010100004", Decimal("3.3333"), Decimal("6"))]),
    (timedelta(days=2), [Line("4", "XR06AXL001A001010100009", Decimal("23.80"), Decimal("1"))]),
]


@dataclass
class StayRecord:
    """What the HIS keeps of the stay."""

    visit: Visit
    settlements: list[dict[str, Any]] = field(default_factory=list)
    reversal: dict[str, Any] | None = None


def _upload(client: ConformanceClient, visit: Visit, day: int) -> Decimal:
    """2301 of one day's lines; their total."""
    after, lines = DAYS[day]
    output = client.must("2301", client.fees_input(visit, None, lines, ADMITTED + after), f"2301 day {day + 1}")
    rows = output["result"] if isinstance(output, dict) else output
    assert sorted(str(row["feedetl_sn"]) for row in rows) == sorted(line.feedetl_sn for line in lines)
    return sum((line.sumamt for line in lines), Decimal("0.00"))


def _settle(client: ConformanceClient, record: StayRecord, total: Decimal, *, mid: bool) -> dict[str, Any]:
    """2303 then 2304 of what is not settled yet; both answers checked."""
    visit, label = record.visit, "中途结算" if mid else "出院结算"
    own = own_balance(client.server, visit.certno)
    preview = client.must("2303", client.stay_settle_input(visit, total, mid=mid), f"2303 {label}")
    paid_by_own = check_settlement(preview, balance_after=own - _own_part(preview))
    assert paid_by_own["medfee_sumamt"] == total
    settled: dict[str, Any] = client.stay_settle(visit, total, mid=mid)
    amounts = check_settlement(settled, balance_after=own_balance(client.server, visit.certno))
    assert amounts["medfee_sumamt"] == total
    assert own_balance(client.server, visit.certno) == own - amounts["acct_pay"] + amounts["acct_mulaid_pay"]
    record.settlements.append(settled["setlinfo"])
    return settled


def _own_part(output: dict[str, Any]) -> Decimal:
    """What the patient's own account pays in a pre-settlement (its account part less mutual aid)."""
    info = output["setlinfo"]
    return Decimal(info["acct_pay"]) - Decimal(info["acct_mulaid_pay"])


def inpatient_stay(client: ConformanceClient, certno: str = DEFU) -> StayRecord:
    """The whole stay (see the module's docstring); returns the HIS's record of it."""
    client.sign_in()
    visit = client.read_person(certno)
    visit.med_type, visit.ipt_otp_no = "21", f"ZY{client.name[:4].upper()}{secrets.token_hex(4)}"
    record = StayRecord(visit)
    admitted = client.must("2401", client.admit_input(visit, ADMITTED, DIAGNOSES), "2401 入院办理")
    visit.mdtrt_id = str(admitted["result"]["mdtrt_id"])
    changed = ADMITTED + timedelta(hours=6)
    client.must("2403", client.change_input(visit, changed, CHANGED_DIAGNOSES), "2403 入院信息变更")

    mid_total = _upload(client, visit, 0) + _upload(client, visit, 1)
    _settle(client, record, mid_total, mid=True)
    rest = _upload(client, visit, 2)
    discharged = BUSINESS_NOW - timedelta(minutes=30)
    client.must("2402", client.discharge_input(visit, discharged, CHANGED_DIAGNOSES), "2402 出院办理")
    before_final = own_balance(client.server, certno)
    final = _settle(client, record, rest, mid=False)

    setl_id = str(final["setlinfo"]["setl_id"])
    assert setl_id != str(record.settlements[0]["setl_id"]), "the final settlement is a new one"
    back = client.must("2305", client.reverse_input(visit, setl_id), "2305 住院结算撤销")
    amounts = check_settlement(back, balance_after=before_final, reversal=True, extra=tuple(CHONGQING_REVERSAL_FIELDS))
    assert amounts["medfee_sumamt"] == -rest
    assert own_balance(client.server, certno) == before_final
    record.reversal = back["setlinfo"]
    client.sign_out()
    return record
