"""A hospital simulator: complete visits driven through the national interface over HTTP, as a HIS would.

Each visit (the flows are in :mod:`gongji.api.fsi.his_sim_visits`): 1101 (read the card) → 2201 (register) →
optionally 2203 (the visit and its diagnosis) → for each charge batch 2204 (upload fees) → 2206 (pre-settle) → 2207
(settle, with the total the pre-settlement gave) → optionally the queries 5201/5203/5204. Every ``stay_every``-th
hospital visit is an inpatient stay instead, settled in the middle (``mid_setl_flag`` 1) and at discharge. Every
``reverse_every``-th visit's last settlement is then reversed (2208/2305) and every ``undo_every``-th undone by 冲正
(2601). Every settlement answer is checked against the national identities. Visits alternate between a hospital
(med_type 11) and a pharmacy (41). With ``rate`` the visits start on a fixed schedule (an open-loop load, as the
benchmark needs); without it, as fast as ``concurrency`` clients can go.
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
from gongji.api.fsi.his_sim_visits import Played, SimOptions, VisitPlan, play_outpatient, play_stay
from gongji.domain.codes import FundPayType
from gongji.domain.money import parse_yuan
from gongji.service.clock import SHANGHAI

__all__ = ["Institution", "SimOptions", "SimReport", "check_identities", "run_simulation", "sample_items"]


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
    #: Charge batches settled (2207), inpatient stays completed, mid-stay settlements, queries answered.
    batches: int = 0
    stays: int = 0
    mid_settled: int = 0
    queried: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    identity_failures: list[str] = field(default_factory=list)
    latencies_s: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    elapsed_s: float = 0.0
    #: At a fixed rate: how late each visit started after its scheduled moment (all threads busy), in seconds.
    start_delays_s: list[float] = field(default_factory=list)

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


class _Sim:
    """The runner: one client per institution, the report, and the :class:`~gongji.api.fsi.his_sim_visits.Driver`
    the visit flows call."""

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
        options: SimOptions,
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
        self.options = options

    def call(self, client: FsiClient, infno: str, input_: dict[str, Any]) -> FsiAnswer:
        """Send one transaction, timing it and counting a refusal."""
        started = time.perf_counter()
        answer = client.call(infno, input_)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.report.latencies_s[infno].append(elapsed)
            if answer.infcode != 0:
                self.report.refused[f"{infno}: {(answer.err_msg or '')[:80]}"] += 1
        return answer

    def check(self, infno: str, answer: FsiAnswer) -> None:
        """Record the national identities a settlement answer breaks."""
        broken = check_identities(answer.output["setlinfo"], answer.output["setldetail"])
        if broken:
            with self.lock:
                self.report.identity_failures += [f"{infno} {answer.msgid}: {b}" for b in broken]

    def count(self, name: str, by: int = 1) -> None:
        """Bump a counter of the report."""
        with self.lock:
            setattr(self.report, name, getattr(self.report, name) + by)

    def _is_stay(self, plan: VisitPlan) -> bool:
        every = self.options.stay_every
        return not plan.pharmacy and every > 0 and plan.number % every == every - 1

    def visit(self, plan: VisitPlan, where: Institution) -> None:
        """Play one visit, then reverse or undo its last settlement when its number says so."""
        client = self.clients[where.fixmedins_code]
        rng = random.Random(self.seed * 1_000_003 + plan.number)
        stay = self._is_stay(plan)
        played = (play_stay if stay else play_outpatient)(self, client, plan, rng)
        if played is None:
            return
        with self.lock:
            self.report.completed += 1
            self.report.with_mutual_aid += played.mutual_aid
        if self.reverse_every and plan.number % self.reverse_every == self.reverse_every - 1:
            self._reverse(client, played, "2305" if stay else "2208")
        elif self.undo_every and plan.number % self.undo_every == self.undo_every - 1:
            self._undo(client, played, "2304" if stay else "2207")

    def _reverse(self, client: FsiClient, played: Played, infno: str) -> None:
        setl_id = played.last.output["setlinfo"]["setl_id"]
        answer = self.call(
            client, infno, {"data": {"setl_id": setl_id, "mdtrt_id": played.mdtrt_id, "psn_no": played.psn_no}}
        )
        if answer.infcode == 0:
            self.check(infno, answer)
            self.count("reversed")

    def _undo(self, client: FsiClient, played: Played, oinfno: str) -> None:
        undo = {"psn_no": played.psn_no, "omsgid": played.last.msgid, "oinfno": oinfno}
        if self.call(client, "2601", {"data": undo}).infcode == 0:
            self.count("undone")

    def run(self, visits: int, concurrency: int, rate: float | None) -> SimReport:
        """Sign every institution in, play the visits, and return the report."""
        for client in self.clients.values():
            client.sign_in()
        plan = []
        for n in range(visits):
            where = self.institutions[n % len(self.institutions)]
            plan.append((VisitPlan(n, self.patients[n % len(self.patients)], where.pharmacy), where))
        self.report.visits = visits
        started = time.perf_counter()

        def one(step: tuple[VisitPlan, Institution]) -> None:
            if rate:
                due = started + step[0].number / rate
                if due > time.perf_counter():
                    time.sleep(due - time.perf_counter())
                late = max(0.0, time.perf_counter() - due)
                with self.lock:
                    self.report.start_delays_s.append(late)
            self.visit(*step)

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
    options: SimOptions | None = None,
) -> SimReport:
    """Drive ``visits`` complete visits of ``patients`` at ``institutions`` through the server at ``url``;
    ``clock`` gives the time the hospital writes into its messages (``begntime``), the real time by default;
    ``options`` add charge batches, 2203, inpatient stays with a mid-stay settlement and the queries (none by
    default: one batch per visit, as the benchmark measures)."""
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
        options=options or SimOptions(),
    )
    return sim.run(visits, concurrency, rate)
