"""The visits the hospital simulator plays (see :mod:`gongji.api.fsi.his_sim` for the runner and its report).

- **Outpatient** (hospital, med_type 11) and **pharmacy** (41) visits: 1101 → 2201 → (hospital, with
  ``visit_info``) 2203 → for each charge batch (``chrg_bchno`` B1, B2 …; a pharmacy sells in one batch): 2204 →
  2206 → 2207 with the total the pre-settlement gave → (with ``queries``) 5201, 5203 and 5204. The last batch's
  settlement may then be reversed (2208) or undone (2601), as the runner decides.
- **Inpatient stays** (every ``stay_every``-th hospital visit): 1101 → 2401 two days back → 2301 for the first
  day → 2303/2304 with ``mid_setl_flag`` 1 (中途结算) → 2301 for the second day → 2402 → 2303/2304 of the rest.

Every settlement answer is checked against the national identities by the driver.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from gongji.api.fsi.client import FsiAnswer, FsiClient
from gongji.domain.codes import MedType
from gongji.domain.money import format_yuan

__all__ = ["Driver", "Played", "SimOptions", "VisitPlan", "play_outpatient", "play_stay"]


@dataclass(frozen=True)
class SimOptions:
    """What the simulator adds to the basic visit: charge batches per hospital visit, 2203, a stay every N-th
    hospital visit (0: none), and the queries after settling."""

    batches: int = 1
    visit_info: bool = False
    stay_every: int = 0
    queries: bool = False


@dataclass(frozen=True)
class VisitPlan:
    """One simulated visit: its number, the patient, and whether it is at the pharmacy."""

    number: int
    certno: str
    pharmacy: bool


@dataclass(frozen=True)
class Played:
    """A visit that reached its settlements: who, which visit, and the last settlement (to reverse or undo)."""

    psn_no: str
    mdtrt_id: str
    last: FsiAnswer
    mutual_aid: bool


class Driver(Protocol):
    """What the flows need from the runner: calls that are timed and counted, answers checked, the items to
    bill, the time the hospital writes, and counters to bump."""

    items: list[tuple[str, bool, int | None]]
    clock: Callable[[], datetime]
    options: SimOptions

    def call(self, client: FsiClient, infno: str, input_: dict[str, Any]) -> FsiAnswer:
        """Send one transaction (timed; a refusal counted)."""

    def check(self, infno: str, answer: FsiAnswer) -> None:
        """Check a settlement answer against the national identities."""

    def count(self, name: str, by: int = 1) -> None:
        """Bump one of the report's counters."""


def _positive(value: Any) -> bool:
    """An answered amount (a number read as Decimal, or text) above zero."""
    return value not in (None, "") and Decimal(str(value)) > 0


def _time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _person(driver: Driver, client: FsiClient, certno: str) -> tuple[str, str] | None:
    """1101 by ID card: (psn_no, insutype in force), or None when refused or not insured."""
    card = {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "psn_cert_type": "01", "certno": certno}
    person = driver.call(client, "1101", {"data": {**card, "begntime": _time(driver.clock())}})
    if person.infcode != 0:
        return None
    insured = [row for row in person.output["insuinfo"] if row["psn_insu_stas"] == "1"]
    return (person.output["baseinfo"]["psn_no"], insured[0]["insutype"]) if insured else None


def _lines(driver: Driver, rng: random.Random, pharmacy: bool, first_sn: int) -> list[tuple[str, str, int, int]]:
    """1 to 3 random lines (serial, code, price in fen, count) of the sample catalogue."""
    choices = [item for item in driver.items if item[1]] if pharmacy else driver.items
    lines = []
    for offset, (code, _, cap) in enumerate(rng.sample(choices, k=rng.randint(1, 3))):
        price = rng.randrange(500, 9_000) if cap is None else max(100, cap - rng.randrange(0, 200))
        lines.append((str(first_sn + offset), code, price, rng.randint(1, 3)))
    return lines


def _rows(
    lines: list[tuple[str, str, int, int]], mdtrt_id: str, psn_no: str, chrg_bchno: str | None, when: str
) -> list[dict[str, Any]]:
    rows = []
    for sn, code, price, count in lines:
        row: dict[str, Any] = {"feedetl_sn": sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_list_codg": code}
        if chrg_bchno is not None:
            row["chrg_bchno"] = chrg_bchno
        row |= {
            "medins_list_codg": code,
            "det_item_fee_sumamt": format_yuan(price * count, grouping=False),
            "cnt": count,
            "pric": format_yuan(price, grouping=False),
            "fee_ocur_time": when,
        }
        rows.append(row)
    return rows


def _visit_info(driver: Driver, client: FsiClient, psn_no: str, mdtrt_id: str, now: str) -> bool:
    """2203: the visit and its diagnosis."""
    node = {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": MedType.GENERAL_OUTPATIENT, "begntime": now}
    node |= {"dise_codg": "J06.900", "dise_name": "急性上呼吸道感染"}
    diagnosis = {"diag_type": "1", "diag_srt_no": "1", "diag_code": "J06.900", "diag_name": "急性上呼吸道感染"}
    diagnosis |= {"diag_dept": "内科", "dise_dor_no": "D001", "dise_dor_name": "模拟医生", "diag_time": now}
    diagnosis["vali_flag"] = "1"
    return driver.call(client, "2203", {"mdtrtinfo": node, "diseinfo": [diagnosis]}).infcode == 0


def _queries(driver: Driver, client: FsiClient, psn_no: str, mdtrt_id: str, setl_id: str) -> None:
    """5201, 5203 and 5204 of the visit just settled."""
    day = driver.clock()
    period = {"begntime": f"{day:%Y-%m-%d} 00:00:00", "endtime": f"{day:%Y-%m-%d} 23:59:59"}
    answers = [
        driver.call(client, "5201", {"data": {"psn_no": psn_no, **period, "mdtrt_id": mdtrt_id}}),
        driver.call(client, "5203", {"data": {"psn_no": psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}}),
        driver.call(client, "5204", {"data": {"psn_no": psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}}),
    ]
    driver.count("queried", sum(1 for answer in answers if answer.infcode == 0))


def play_outpatient(driver: Driver, client: FsiClient, plan: VisitPlan, rng: random.Random) -> Played | None:
    """An outpatient or pharmacy visit, batch by batch; None when a step was refused."""
    now = _time(driver.clock())
    found = _person(driver, client, plan.certno)
    if found is None:
        return None
    psn_no, insutype = found
    cert = {"mdtrt_cert_type": "02", "mdtrt_cert_no": plan.certno}
    registration = {"psn_no": psn_no, "insutype": insutype, "begntime": now, **cert}
    registration |= {"ipt_otp_no": f"SIM{plan.number:08d}", "atddr_no": "D001", "dr_name": "模拟医生"}
    registration |= {"dept_code": "A03", "dept_name": "内科", "caty": "A03"}
    registered = driver.call(client, "2201", {"data": registration})
    if registered.infcode != 0:
        return None
    mdtrt_id = registered.output["data"]["mdtrt_id"]
    if not plan.pharmacy and driver.options.visit_info and not _visit_info(driver, client, psn_no, mdtrt_id, now):
        return None
    med_type = MedType.PHARMACY_PURCHASE if plan.pharmacy else MedType.GENERAL_OUTPATIENT
    settle = {"psn_no": psn_no, **cert, "med_type": med_type, "psn_setlway": "01", "mdtrt_id": mdtrt_id}
    settle |= {"acct_used_flag": "1", "insutype": insutype}
    batches = 1 if plan.pharmacy else max(1, driver.options.batches)
    last: FsiAnswer | None = None
    mutual_aid = False
    for number in range(1, batches + 1):
        chrg_bchno = str(number) if batches == 1 else f"B{number}"
        lines = _lines(driver, rng, plan.pharmacy, first_sn=number * 10)
        if driver.call(client, "2204", {"feedetail": _rows(lines, mdtrt_id, psn_no, chrg_bchno, now)}).infcode:
            return None
        batch = {**settle, "chrg_bchno": chrg_bchno}
        preview = driver.call(client, "2206", {"data": batch})
        if preview.infcode != 0:
            return None
        driver.check("2206", preview)
        total = preview.output["setlinfo"]["medfee_sumamt"]
        last = driver.call(client, "2207", {"data": {**batch, "medfee_sumamt": total, "invono": ""}})
        if last.infcode != 0:
            return None
        driver.check("2207", last)
        driver.count("batches")
        mutual_aid = mutual_aid or _positive(last.output["setlinfo"]["acct_mulaid_pay"])
    assert last is not None
    if driver.options.queries:
        _queries(driver, client, psn_no, mdtrt_id, last.output["setlinfo"]["setl_id"])
    return Played(psn_no, mdtrt_id, last, mutual_aid)


def _stay_settle(driver: Driver, client: FsiClient, node: dict[str, Any], mid: bool) -> FsiAnswer | None:
    """2303 then 2304 of what the stay has not settled yet (the total the pre-settlement gave)."""
    data = {**node, "mid_setl_flag": "1" if mid else "0"}
    preview = driver.call(client, "2303", {"data": data})
    if preview.infcode != 0:
        return None
    driver.check("2303", preview)
    total = preview.output["setlinfo"]["medfee_sumamt"]
    settled = driver.call(client, "2304", {"data": {**data, "medfee_sumamt": total}})
    if settled.infcode != 0:
        return None
    driver.check("2304", settled)
    return settled


def play_stay(driver: Driver, client: FsiClient, plan: VisitPlan, rng: random.Random) -> Played | None:
    """An inpatient stay with a mid-stay settlement; None when a step was refused."""
    found = _person(driver, client, plan.certno)
    if found is None:
        return None
    psn_no, insutype = found
    now = driver.clock()
    admitted_at = now - timedelta(days=2)
    cert = {"mdtrt_cert_type": "02", "mdtrt_cert_no": plan.certno}
    admission = {"psn_no": psn_no, "insutype": insutype, **cert, "med_type": MedType.GENERAL_INPATIENT}
    admission |= {"ipt_no": f"ZY{plan.number:08d}", "begntime": _time(admitted_at), "adm_dept_codg": "A03"}
    diagnosis = [{"diag_type": "1", "diag_srt_no": "1", "diag_code": "I10", "diag_name": "原发性高血压"}]
    diagnosis[0]["maindiag_flag"] = "1"
    admitted = driver.call(client, "2401", {"mdtrtinfo": admission, "diseinfo": diagnosis})
    if admitted.infcode != 0:
        return None
    mdtrt_id = admitted.output["result"]["mdtrt_id"]
    node = {"psn_no": psn_no, **cert, "mdtrt_id": mdtrt_id, "insutype": insutype, "acct_used_flag": "1"}
    first = _rows(_lines(driver, rng, False, 10), mdtrt_id, psn_no, None, _time(admitted_at + timedelta(hours=2)))
    if driver.call(client, "2301", {"feedetail": first}).infcode != 0:
        return None
    if _stay_settle(driver, client, node, mid=True) is None:
        return None
    driver.count("mid_settled")
    second = _rows(_lines(driver, rng, False, 20), mdtrt_id, psn_no, None, _time(admitted_at + timedelta(days=1)))
    if driver.call(client, "2301", {"feedetail": second}).infcode != 0:
        return None
    discharge = {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "insutype": insutype, "endtime": _time(now)}
    discharge["dscg_way"] = "1"
    if driver.call(client, "2402", {"dscginfo": discharge, "diseinfo": diagnosis}).infcode != 0:
        return None
    final = _stay_settle(driver, client, node, mid=False)
    if final is None:
        return None
    driver.count("stays")
    return Played(psn_no, mdtrt_id, final, _positive(final.output["setlinfo"]["acct_mulaid_pay"]))
