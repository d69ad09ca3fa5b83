"""An outpatient day, played by any conformance client against the ``fsi_server`` fixture.

李秀英 (resident insurance, no account of her own; her husband 张建国's account pays for her through mutual aid)
comes to the demo hospital: sign-in, card, registration (2201) and the visit with its diagnoses (2203), then three
charge batches, each uploaded (2204), pre-settled (2206) and settled (2207) on its own — the registration fee, a
prescription priced to four decimals, and a prescription one of whose lines is cancelled (2205) before its
settlement. One batch is then reversed (2208); the HIS looks the visit, a settlement and the fee lines up
(5201/5203/5204), reconciles the day (3201/3202, counting each batch's settlement) and signs out (9002).
Every answer is checked with :mod:`.checks`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from gongji.domain.money import fen_to_decimal
from gongji.service.demo import JIANGUO, XIUYING
from gongji.service.reconciliation.statement import ReconcileTotals, SettlementLineView, institution_settlements
from tests.fsi.conformance.base import ConformanceClient
from tests.fsi.conformance.checks import check_settlement, own_balance
from tests.fsi.conformance.inputs import Batch, Line, Visit
from tests.serving import BUSINESS_NOW

__all__ = ["DayRecord", "Settled", "open_visit", "outpatient_day", "reconcile_day"]

CONSULTATION = "001102000010000"  # 普通门诊诊查费, 甲类
ATORVASTATIN = "XC10AAA129A001010100004"  # 阿托伐他汀钙片, 乙类
LORATADINE = "XR06AXL001A001010100009"  # 氯雷他定片, 乙类
AMBROXOL = "XR05CBA001X001010100017"  # 盐酸氨溴索口服溶液, 乙类
DIAGNOSES = [("J06.900", "急性上呼吸道感染"), ("I10.x00", "原发性高血压")]
SUMS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")


@dataclass(frozen=True)
class Settled:
    """A settlement or reversal answer of the day: its message and the national record; ``sign`` −1 for a
    reversal."""

    msgid: str
    setlinfo: dict[str, Any]
    sign: int = 1


@dataclass
class DayRecord:
    """What the HIS keeps of its day: the visit, its batches and every settlement and reversal, in order."""

    visit: Visit
    batches: list[Batch] = field(default_factory=list)
    settled: dict[str, Settled] = field(default_factory=dict)
    reversals: list[Settled] = field(default_factory=list)

    def ledger(self) -> list[Settled]:
        """The HIS's records of the day: each batch's settlement, then each reversal."""
        return [*self.settled.values(), *self.reversals]


def open_visit(client: ConformanceClient, certno: str) -> Visit:
    """1101 then 2201: a registered outpatient visit."""
    visit = client.read_card(certno)
    visit.ipt_otp_no = f"MZ{client.name[:4].upper()}{secrets.token_hex(4)}"
    output = client.must("2201", client.register_input(visit, BUSINESS_NOW - timedelta(minutes=40)), "2201 挂号")
    visit.mdtrt_id = str(output["data"]["mdtrt_id"])
    assert output["data"]["psn_no"] == visit.psn_no
    return visit


def _settle_batch(client: ConformanceClient, record: DayRecord, batch: Batch) -> None:
    """2206 then 2207 of one batch; both answers checked, the settlement kept in the day's record."""
    visit = record.visit
    own = own_balance(client.server, visit.certno)
    preview = client.must("2206", client.settle_input(visit, batch, final=False), f"2206 {batch.chrg_bchno}")
    own_part = amount_of(preview["setlinfo"], "acct_pay") - amount_of(preview["setlinfo"], "acct_mulaid_pay")
    amounts = check_settlement(preview, balance_after=own - own_part)
    assert amounts["medfee_sumamt"] == batch.total, "a batch's pre-settlement covers that batch alone"
    settled = client.settle(visit, batch)
    check_settlement(settled, balance_after=own_balance(client.server, visit.certno))
    info = settled["setlinfo"]
    assert amount_of(info, "medfee_sumamt") == batch.total
    assert amount_of(info, "acct_mulaid_pay") == amount_of(info, "acct_pay") > 0, "her husband's account pays"
    record.settled[batch.chrg_bchno] = Settled(client.calls[-1].msgid, info)


def amount_of(node: dict[str, Any], name: str) -> Decimal:
    """An amount of an answer as a Decimal."""
    return Decimal(node[name])


def outpatient_day(client: ConformanceClient, certno: str = XIUYING) -> DayRecord:
    """The whole outpatient day (see the module's docstring); returns the HIS's record of it."""
    client.sign_in()
    payer_before = own_balance(client.server, JIANGUO)
    record = DayRecord(open_visit(client, certno))
    visit = record.visit
    client.must("2203", client.visit_info_input(visit, BUSINESS_NOW - timedelta(minutes=35), DIAGNOSES), "2203")
    plans = [
        [Line("1", CONSULTATION, Decimal("10.00"), Decimal("1"))],
        [Line("2", ATORVASTATIN, Decimal("3.3333"), Decimal("6"))],
        [
            Line("3", LORATADINE, Decimal("23.80"), Decimal("1")),
            Line("4", AMBROXOL, Decimal("0.0833"), Decimal("12")),
        ],
    ]
    for number, lines in enumerate(plans, start=1):
        batch = Batch(client.batch_number(number), list(lines))
        record.batches.append(batch)
        at = BUSINESS_NOW - timedelta(minutes=30 - 5 * number)
        uploaded = client.must("2204", client.fees_input(visit, batch, batch.lines, at), f"2204 {batch.chrg_bchno}")
        rows = uploaded["result"] if isinstance(uploaded, dict) else uploaded
        assert sorted(str(row["feedetl_sn"]) for row in rows) == sorted(line.feedetl_sn for line in batch.lines)
        if number == 3:
            client.cancel_line(visit, batch, batch.lines[1], at)
            batch.lines.pop(1)
        _settle_batch(client, record, batch)

    reversed_batch = record.batches[1]
    original = record.settled[reversed_batch.chrg_bchno]
    back = client.must("2208", client.reverse_input(visit, str(original.setlinfo["setl_id"])), "2208")
    amounts = check_settlement(back, balance_after=own_balance(client.server, certno), reversal=True)
    assert amounts["medfee_sumamt"] == -reversed_batch.total
    record.reversals.append(Settled(client.calls[-1].msgid, back["setlinfo"], sign=-1))

    paid = sum(amount_of(s.setlinfo, "acct_mulaid_pay") for s in record.ledger())
    assert own_balance(client.server, JIANGUO) == payer_before - paid, "mutual aid is taken from her husband"
    query_the_day(client, record)
    reconcile_day(client, record)
    client.sign_out()
    return record


def query_the_day(client: ConformanceClient, record: DayRecord) -> None:
    """5201 (the visit), 5203 (the first batch's settlement), 5204 (the visit's fee lines)."""
    visit, first = record.visit, record.settled[record.batches[0].chrg_bchno]
    setl_id = str(first.setlinfo["setl_id"])
    visits = client.must("5201", client.query_input("5201", visit, None, BUSINESS_NOW), "5201 就诊信息查询")
    found = visits["mdtrtinfo"] if isinstance(visits, dict) else visits
    assert visit.mdtrt_id in {str(row["mdtrt_id"]) for row in found}
    settlement = client.must("5203", client.query_input("5203", visit, setl_id, BUSINESS_NOW), "5203 结算信息查询")
    assert str(settlement["setlinfo"]["setl_id"]) == setl_id
    assert amount_of(settlement["setlinfo"], "medfee_sumamt") == record.batches[0].total
    fees = client.must("5204", client.query_input("5204", visit, setl_id, BUSINESS_NOW), "5204 费用明细查询")
    lines = fees if isinstance(fees, list) else next(v for v in fees.values() if isinstance(v, list))
    assert {str(row["feedetl_sn"]) for row in lines} >= {line.feedetl_sn for line in record.batches[0].lines}


def _other_lines(client: ConformanceClient, record: DayRecord) -> list[SettlementLineView]:
    """The institution's other outpatient settlements of the day (the demo's bills), which its records hold too."""
    when = BUSINESS_NOW.date()
    cmd = ReconcileTotals(client.fixmedins_code, when, when, clr_type="11")
    lines = institution_settlements(client.server.ctx, cmd)
    return [line for line in lines if line.mdtrt_id != record.visit.mdtrt_id]


def reconcile_day(client: ConformanceClient, record: DayRecord) -> None:
    """3201 with the day's totals and count, then 3202 with every line: both balanced, each batch counted."""
    day = f"{BUSINESS_NOW:%Y-%m-%d}"
    earlier = _other_lines(client, record)
    sums = {name: Decimal("0.00") for name in SUMS}
    for line in earlier:
        sums["medfee_sumamt"] += fen_to_decimal(line.medfee_sumamt_fen)
        sums["fund_pay_sumamt"] += fen_to_decimal(line.fund_pay_sumamt_fen)
        sums["acct_pay"] += fen_to_decimal(line.acct_pay_fen)
    for settled in record.ledger():
        for name in SUMS:
            sums[name] += amount_of(settled.setlinfo, name)
    count = sum(-1 if line.reversal else 1 for line in earlier) + len(record.settled) - len(record.reversals)
    totals = client.must("3201", client.statement_input(day, sums, count, "11"), "3201 对总账")
    assert totals["stmtinfo"]["stmt_rslt"] == "0", totals["stmtinfo"]
    detail = [
        {
            "setl_id": line.setl_id,
            "msgid": line.msgid or "",
            "medfee_sumamt": client.money(fen_to_decimal(line.medfee_sumamt_fen)),
            "fund_pay_sumamt": client.money(fen_to_decimal(line.fund_pay_sumamt_fen)),
            "acct_pay": client.money(fen_to_decimal(line.acct_pay_fen)),
        }
        for line in earlier
    ] + [
        {
            "setl_id": str(s.setlinfo["setl_id"]),
            "msgid": s.msgid,
            **{name: client.money(amount_of(s.setlinfo, name)) for name in SUMS},
        }
        for s in record.ledger()
    ]
    statement = client.statement_input(day, sums, count, "11")
    checked = client.must("3202", {**statement, "detail": detail}, "3202 对明细账")
    assert checked["stmtinfo"]["stmt_rslt"] == "0", checked["stmtinfo"]
    results = {(str(row["setl_id"]), str(row["stmt_rslt"])) for row in checked["detail"]}
    assert {(str(s.setlinfo["setl_id"]), "0") for s in record.ledger()} <= results
