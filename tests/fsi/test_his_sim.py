"""The hospital simulator drives complete visits through a real server, and the ledger stays clean."""

from __future__ import annotations

from gongji.api.fsi.client import FsiClient
from gongji.api.fsi.his_sim import Institution, SimOptions, check_identities, run_simulation
from gongji.domain.codes import FundPayType
from gongji.service.audit import audit
from gongji.service.demo import DEFU, HOSPITAL, JIANGUO, PHARMACY, XIAOMING, XIUYING
from gongji.service.institution_access import institution_credentials
from tests.fsi.conftest import FsiServer
from tests.serving import BUSINESS_NOW


def _places(server: FsiServer) -> list[Institution]:
    found = []
    for code, pharmacy in ((HOSPITAL, False), (PHARMACY, True)):
        creds = institution_credentials(server.ctx, code)
        found.append(Institution(code, creds.paasid, creds.token, pharmacy))
    return found


def test_his_sim_completes_visits_with_mutual_aid_and_the_audit_is_clean(fsi_server: FsiServer) -> None:
    report = run_simulation(
        fsi_server.base_url,
        _places(fsi_server),
        [XIUYING, XIAOMING, DEFU, JIANGUO],
        visits=24,
        concurrency=3,
        reverse_every=5,
        undo_every=7,
        clock=lambda: BUSINESS_NOW,
    )
    assert report.identity_failures == []
    assert report.refused == {}
    assert report.completed == 24
    # 李秀英 and 张小明 have no account of their own: whenever a relative's account pays, it is mutual aid.
    assert report.with_mutual_aid > 0
    # Every 5th settlement is reversed (visits 4, 9, 14, 19), every 7th of the others undone (6, 13, 20).
    assert report.reversed == 4
    assert report.undone == 3
    assert len(report.latencies_s["2207"]) == 24
    assert audit(fsi_server.ctx).clean


def test_the_identity_check_catches_a_broken_answer() -> None:
    good = {
        "medfee_sumamt": "10.00",
        "fulamt_ownpay_amt": "0",
        "overlmt_selfpay": "0",
        "preselfpay_amt": "1.00",
        "inscp_scp_amt": "9.00",
        "fund_pay_sumamt": "6.00",
        "psn_part_amt": "4.00",
        "hosp_part_amt": "0",
        "acct_pay": "3.00",
        "psn_cash_pay": "1.00",
        "acct_mulaid_pay": "2.00",
    }
    rows = [{"fund_pay_type": FundPayType.EMPLOYEE_PERSONAL_ACCOUNT, "fund_payamt": "3.00"}]
    assert check_identities(good, rows) == []
    assert check_identities({**good, "preselfpay_amt": "1.01"}, rows) == [
        "medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt"
    ]
    assert check_identities({**good, "hosp_part_amt": "0.01"}, rows) == [
        "medfee_sumamt = fund_pay_sumamt + psn_part_amt + hosp_part_amt"
    ]
    assert check_identities({**good, "psn_cash_pay": "1.01"}, rows) == ["psn_part_amt = acct_pay + psn_cash_pay"]
    assert check_identities({**good, "acct_mulaid_pay": "3.01"}, rows) == ["acct_mulaid_pay <= acct_pay"]
    assert check_identities(
        good, [{"fund_pay_type": FundPayType.EMPLOYEE_PERSONAL_ACCOUNT, "fund_payamt": "2.00"}]
    ) == ["setldetail 310200 rows add up to acct_pay"]


def test_his_sim_settles_each_charge_batch_and_uploads_2203_and_queries(fsi_server: FsiServer) -> None:
    report = run_simulation(
        fsi_server.base_url,
        _places(fsi_server),
        [XIUYING, DEFU, JIANGUO],
        visits=6,
        concurrency=2,
        reverse_every=0,
        undo_every=0,
        clock=lambda: BUSINESS_NOW,
        options=SimOptions(batches=3, visit_info=True, queries=True),
    )
    assert report.refused == {}
    assert report.identity_failures == []
    assert report.completed == 6
    # Three hospital visits of three batches each, three pharmacy sales of one.
    assert report.batches == 3 * 3 + 3
    assert len(report.latencies_s["2204"]) == len(report.latencies_s["2206"]) == len(report.latencies_s["2207"]) == 12
    assert len(report.latencies_s["2203"]) == 3
    assert report.queried == 6 * 3
    assert audit(fsi_server.ctx).clean


def test_his_sim_stays_are_settled_mid_stay_then_at_discharge(fsi_server: FsiServer) -> None:
    hospital = [place for place in _places(fsi_server) if not place.pharmacy]
    report = run_simulation(
        fsi_server.base_url,
        hospital,
        [DEFU, JIANGUO],
        visits=2,
        concurrency=1,
        reverse_every=2,
        undo_every=0,
        clock=lambda: BUSINESS_NOW,
        options=SimOptions(stay_every=1),
    )
    assert report.refused == {}
    assert report.identity_failures == []
    assert (report.stays, report.mid_settled) == (2, 2)
    assert len(report.latencies_s["2304"]) == 4
    assert len(report.latencies_s["2402"]) == 2
    # The second stay's final settlement is reversed (2305).
    assert report.reversed == 1
    assert len(report.latencies_s["2305"]) == 1
    assert audit(fsi_server.ctx).clean


def test_clients_of_one_institution_never_repeat_a_msgid() -> None:
    """A HIS numbers its messages in one sequence: his-sim's warm-up and its run (two clients of the same
    institution, in the same second) must not send the same msgid, or the second message is a conflicting replay."""
    first = FsiClient("http://127.0.0.1:9", "H13010200099", "p", "t")
    second = FsiClient("http://127.0.0.1:9", "H13010200099", "p", "t")
    sent = [client.new_msgid() for _ in range(4_000) for client in (first, second)]
    assert len(set(sent)) == len(sent)
    assert all(len(msgid) == 30 for msgid in sent)


def test_at_a_fixed_rate_every_visit_records_how_late_it_started(fsi_server: FsiServer) -> None:
    report = run_simulation(
        fsi_server.base_url,
        _places(fsi_server),
        [XIUYING, XIAOMING],
        visits=6,
        concurrency=1,  # one thread: the visits after the first wait for it, and say so
        rate=1_000.0,
        reverse_every=0,
        undo_every=0,
        clock=lambda: BUSINESS_NOW,
    )
    assert report.completed == 6
    assert len(report.start_delays_s) == 6
    assert max(report.start_delays_s) > 0
    assert min(report.start_delays_s) >= 0
