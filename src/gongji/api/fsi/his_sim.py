"""A hospital simulator: complete visits driven through the national interface over HTTP, as a HIS would.

Each visit: 1101 (read the card) → 2201 (register) → 2204 (upload fees) → 2206 (pre-settle) → 2207 (settle, with
the total the pre-settlement gave); every ``reverse_every``-th settlement is then reversed (2208) and every
``undo_every``-th undone by 冲正 (2601). Every settlement answer is checked against the national identities. Visits
alternate between a hospital (med_type 11) and a pharmacy (41). With ``rate`` the visits start on a fixed schedule
(an open-loop load, as the benchmark needs); without it, as fast as ``concurrency`` clients can go.
"""

from __future__ import annotations

import csv
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import httpx

from gongji.api.fsi.client import FsiAnswer, FsiClient
from gongji.domain.codes import FundPayType, MedType
from gongji.domain.money import format_yuan, parse_yuan
from gongji.service.clock import SHANGHAI

__all__ = ["Institution", "SimReport", "check_identities", "run_simulation", "sample_items"]


@dataclass(frozen=True)
class Institution:
    """An institution the simulator plays, with its gateway credentials."""

    fixmedins_code: str
    paasid: str
    token: str
    pharmacy: bool


@dataclass
class SimReport:
    """What a simulation did and how fast the server answered."""

    visits: int = 0
    completed: int = 0
    with_mutual_aid: int = 0
    reversed: int = 0
    undone: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    identity_failures: list[str] = field(default_factory=list)
    latencies_s: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    elapsed_s: float = 0.0

    def rate(self, infno: str) -> float:
        """Answers of a transaction per second over the whole run."""
        return len(self.latencies_s.get(infno, [])) / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, infno: str, share: float) -> float:
        """A latency percentile of a transaction, in milliseconds."""
        values = sorted(self.latencies_s.get(infno, []))
        if not values:
            return 0.0
        if share == 0.5:
            return statistics.median(values) * 1000
        return values[min(len(values) - 1, int(len(values) * share))] * 1000


def sample_items() -> list[tuple[str, bool, int | None]]:
    """The sample catalogue's items: (code, is a drug, price cap in fen)."""
    text = resources.files("gongji.service").joinpath("data").joinpath("demo_catalogue.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    items = []
    for row in rows:
        cap = row["price_cap_yuan"].strip()
        items.append((row["code"], row["kind"] == "drug", parse_yuan(cap) if cap else None))
    return items


def _yuan(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def check_identities(setlinfo: dict[str, Any], details: Sequence[dict[str, Any]]) -> list[str]:
    """The national identities a settlement answer must satisfy; the list of those it breaks."""
    names = (
        "medfee_sumamt",
        "fulamt_ownpay_amt",
        "overlmt_selfpay",
        "preselfpay_amt",
        "inscp_scp_amt",
        "fund_pay_sumamt",
        "psn_part_amt",
        "hosp_part_amt",
        "acct_pay",
        "psn_cash_pay",
        "acct_mulaid_pay",
    )
    v = {name: _yuan(setlinfo.get(name)) for name in names}
    broken = []
    parts = v["fulamt_ownpay_amt"] + v["overlmt_selfpay"] + v["preselfpay_amt"] + v["inscp_scp_amt"]
    if v["medfee_sumamt"] != parts:
        broken.append("medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt")
    if v["medfee_sumamt"] != v["fund_pay_sumamt"] + v["psn_part_amt"] + v["hosp_part_amt"]:
        broken.append("medfee_sumamt = fund_pay_sumamt + psn_part_amt + hosp_part_amt")
    if v["psn_part_amt"] != v["acct_pay"] + v["psn_cash_pay"]:
        broken.append("psn_part_amt = acct_pay + psn_cash_pay")
    if abs(v["acct_mulaid_pay"]) > abs(v["acct_pay"]):
        broken.append("acct_mulaid_pay <= acct_pay")
    account_rows = sum(
        _yuan(d["fund_payamt"]) for d in details if d.get("fund_pay_type") == FundPayType.EMPLOYEE_PERSONAL_ACCOUNT
    )
    if account_rows != v["acct_pay"]:
        broken.append("setldetail 310200 rows add up to acct_pay")
    return broken


@dataclass
class _Visit:
    """One simulated visit's state."""

    number: int
    certno: str
    where: Institution


class _Sim:
    def __init__(
        self,
        url: str,
        institutions: Sequence[Institution],
        patients: Sequence[str],
        *,
        reverse_every: int,
        undo_every: int,
        seed: int,
        concurrency: int,
        clock: Callable[[], datetime],
    ) -> None:
        limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
        self.http = httpx.Client(base_url=url, timeout=30.0, limits=limits)
        self.clients = {
            i.fixmedins_code: FsiClient(url, i.fixmedins_code, i.paasid, i.token, self.http) for i in institutions
        }
        self.institutions = list(institutions)
        self.patients = list(patients)
        self.items = sample_items()
        self.reverse_every = reverse_every
        self.undo_every = undo_every
        self.seed = seed
        self.report = SimReport()
        self.lock = threading.Lock()
        self.clock = clock

    def _call(self, client: FsiClient, infno: str, input_: dict[str, Any]) -> FsiAnswer:
        started = time.perf_counter()
        answer = client.call(infno, input_)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.report.latencies_s[infno].append(elapsed)
            if answer.infcode != 0:
                self.report.refused[f"{infno}: {(answer.err_msg or '')[:80]}"] += 1
        return answer

    def _check(self, infno: str, answer: FsiAnswer) -> None:
        broken = check_identities(answer.output["setlinfo"], answer.output["setldetail"])
        if broken:
            with self.lock:
                self.report.identity_failures += [f"{infno} {answer.msgid}: {b}" for b in broken]

    def visit(self, visit: _Visit) -> None:
        client = self.clients[visit.where.fixmedins_code]
        rng = random.Random(self.seed * 1_000_003 + visit.number)
        now = f"{self.clock():%Y-%m-%d %H:%M:%S}"
        card = {"mdtrt_cert_type": "02", "mdtrt_cert_no": visit.certno, "psn_cert_type": "01", "certno": visit.certno}
        person = self._call(client, "1101", {"data": {**card, "begntime": now}})
        if person.infcode != 0:
            return
        psn_no = person.output["baseinfo"]["psn_no"]
        insured = [row for row in person.output["insuinfo"] if row["psn_insu_stas"] == "1"]
        if not insured:
            return
        insutype = insured[0]["insutype"]
        registered = self._call(
            client,
            "2201",
            {
                "data": {
                    "psn_no": psn_no,
                    "insutype": insutype,
                    "begntime": now,
                    "mdtrt_cert_type": "02",
                    "mdtrt_cert_no": visit.certno,
                    "ipt_otp_no": f"SIM{visit.number:08d}",
                    "atddr_no": "D001",
                    "dr_name": "模拟医生",
                    "dept_code": "A03",
                    "dept_name": "内科",
                    "caty": "A03",
                }
            },
        )
        if registered.infcode != 0:
            return
        mdtrt_id = registered.output["data"]["mdtrt_id"]
        choices = [item for item in self.items if item[1]] if visit.where.pharmacy else self.items
        lines = []
        for index, (code, _, cap) in enumerate(rng.sample(choices, k=rng.randint(1, 3)), start=1):
            price = rng.randrange(500, 9_000) if cap is None else max(100, cap - rng.randrange(0, 200))
            count = rng.randint(1, 3)
            lines.append(
                {
                    "feedetl_sn": f"{visit.number}-{index}",
                    "mdtrt_id": mdtrt_id,
                    "psn_no": psn_no,
                    "chrg_bchno": "1",
                    "med_list_codg": code,
                    "medins_list_codg": code,
                    "det_item_fee_sumamt": format_yuan(price * count, grouping=False),
                    "cnt": count,
                    "pric": format_yuan(price, grouping=False),
                    "fee_ocur_time": now,
                }
            )
        if self._call(client, "2204", {"feedetail": lines}).infcode != 0:
            return
        settle = {
            "psn_no": psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": visit.certno,
            "med_type": MedType.PHARMACY_PURCHASE if visit.where.pharmacy else MedType.GENERAL_OUTPATIENT,
            "psn_setlway": "01",
            "mdtrt_id": mdtrt_id,
            "chrg_bchno": "1",
            "acct_used_flag": "1",
            "insutype": insutype,
        }
        preview = self._call(client, "2206", {"data": settle})
        if preview.infcode != 0:
            return
        self._check("2206", preview)
        total = preview.output["setlinfo"]["medfee_sumamt"]
        settled = self._call(client, "2207", {"data": {**settle, "medfee_sumamt": total, "invono": ""}})
        if settled.infcode != 0:
            return
        self._check("2207", settled)
        with self.lock:
            self.report.completed += 1
            if _yuan(settled.output["setlinfo"]["acct_mulaid_pay"]) > 0:
                self.report.with_mutual_aid += 1
        setl_id = settled.output["setlinfo"]["setl_id"]
        if self.reverse_every and visit.number % self.reverse_every == self.reverse_every - 1:
            answer = self._call(client, "2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}})
            if answer.infcode == 0:
                self._check("2208", answer)
                with self.lock:
                    self.report.reversed += 1
        elif self.undo_every and visit.number % self.undo_every == self.undo_every - 1:
            answer = self._call(client, "2601", {"data": {"psn_no": psn_no, "omsgid": settled.msgid, "oinfno": "2207"}})
            if answer.infcode == 0:
                with self.lock:
                    self.report.undone += 1

    def run(self, visits: int, concurrency: int, rate: float | None) -> SimReport:
        for client in self.clients.values():
            client.sign_in()
        plan = [
            _Visit(n, self.patients[n % len(self.patients)], self.institutions[n % len(self.institutions)])
            for n in range(visits)
        ]
        self.report.visits = visits
        started = time.perf_counter()

        def one(visit: _Visit) -> None:
            if rate:
                delay = started + visit.number / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            self.visit(visit)

        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, plan))
        self.report.elapsed_s = time.perf_counter() - started
        self.http.close()
        return self.report


def run_simulation(
    url: str,
    institutions: Sequence[Institution],
    patients: Sequence[str],
    *,
    visits: int,
    concurrency: int = 4,
    rate: float | None = None,
    reverse_every: int = 10,
    undo_every: int = 15,
    seed: int = 1,
    clock: Callable[[], datetime] | None = None,
) -> SimReport:
    """Drive ``visits`` complete visits of ``patients`` at ``institutions`` through the server at ``url``;
    ``clock`` gives the time the hospital writes into its messages (``begntime``), the real time by default."""
    if not institutions or not patients:
        raise ValueError("the simulator needs at least one institution and one patient")
    sim = _Sim(
        url,
        institutions,
        patients,
        reverse_every=reverse_every,
        undo_every=undo_every,
        seed=seed,
        concurrency=concurrency,
        clock=clock or (lambda: datetime.now(SHANGHAI)),
    )
    return sim.run(visits, concurrency, rate)
