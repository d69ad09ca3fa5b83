"""What one insured person may see of his own family (``gongji.service.household``), on SQLite and PostgreSQL: his
circle, the requests that wait for him as the relative or as a minor's guardian, his region's rules with sources,
and the settlements his records touch."""

from __future__ import annotations

import pytest

from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import NotFound
from gongji.service import household
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.demo import DEFU, GUILAN, JIANGUO, PHARMACY, XIAOMING, XIUYING, ZHANGLI, load_demo
from gongji.service.relations.lifecycle import RequestBinding, request_binding
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from tests.serving import BUSINESS_NOW, LOADED_AT

LORATADINE = "XR06AXL001A001010100009"  # in the demo catalogue


@pytest.fixture
def demo(ctx: Context, clock: FixedClock) -> Context:
    clock.set(LOADED_AT)
    load_demo(ctx)
    clock.set(BUSINESS_NOW)
    return ctx


def test_a_persons_circle_his_requests_rules_and_records(demo: Context) -> None:
    ctx = demo
    # the circle: relations of any state and proxy links, never a stranger; ID numbers masked
    circle = household.circle(ctx, JIANGUO)
    assert {m.name for m in circle.members} == {"李秀英", "张小明", "赵桂兰"}
    mother = next(m for m in circle.members if m.name == "赵桂兰")
    assert mother.proxy_link
    assert not mother.i_pay_for
    assert mother.masked_certno.endswith("0026")
    assert mother.masked_certno.count("*") == 14
    assert household.circle(ctx, ZHANGLI).members == []
    assert household.find_relative(ctx, GUILAN, "赵桂兰") == mother.psn_no
    assert household.find_relative(ctx, GUILAN, "赵桂芳") is None

    # a request for an adult waits for her (with face verification); one for a minor waits for his guardians only
    request_binding(ctx, RequestBinding(DEFU, GUILAN, RelationType.SPOUSE, commitment=True), key="hh:spouse")
    [mine] = household.awaiting(ctx, GUILAN)
    assert (mine.role, mine.face_required, mine.face_min_age) == ("self", True, 16)
    assert mine.face_rule.reference_title
    assert household.pending_for(ctx, GUILAN, mine.relation.id) == mine
    with pytest.raises(NotFound):
        household.pending_for(ctx, JIANGUO, mine.relation.id)
    with pytest.raises(NotFound):
        household.relation_of(ctx, ZHANGLI, mine.relation.id)
    assert household.relation_of(ctx, DEFU, mine.relation.id).beneficiary == "赵桂兰"

    # rules a person sees before acting, each with its source
    rules = household.region_rules(ctx, "110000")
    # Beijing: 3 changes a year; the whole balance is shared within the quota the authoriser sets (no yearly share).
    assert (rules.changes_per_year, rules.quota_model, rules.quota_share_bp) == (3, "per_relation", None)
    assert rules.traces["changes_per_year_count"].reference_title

    # records: the payer sees whom he paid for; the patient sees her bill; nobody else sees it
    records = household.records(ctx, JIANGUO, 2026)
    assert {s.patient: s.role for s in records.settlements} == {"李秀英": "payer", "张小明": "payer"}
    assert {s.name for s in records.spending} == {"李秀英", "张小明"}
    son = next(s for s in records.settlements if s.patient == "张小明")
    assert son.paid_by_me_fen == 5_000 < son.acct_mulaid_pay_fen
    assert [s.role for s in household.records(ctx, XIUYING, 2026).settlements] == ["patient"]
    # 张德福's own visit, paid from his own account and reversed, then his grandson's purchase
    defu = household.records(ctx, DEFU, 2026).settlements
    assert [(s.role, s.status) for s in defu] == [("both", "reversed"), ("payer", "settled")]
    assert household.records(ctx, XIAOMING, 2025).settlements == []
    assert household.settlement_for(ctx, XIUYING, records.settlements[0].setl_id).name == "李秀英"
    with pytest.raises(NotFound):
        household.settlement_for(ctx, ZHANGLI, records.settlements[0].setl_id)


def test_records_list_a_bill_paid_only_in_cash(demo: Context) -> None:
    """赵桂兰 has no personal account and no relative bound to pay for her (her son's 亲情账户 shares no money); paying
    this purchase without her wallet, it moves no account of the family, and her records still list it as her own
    bill."""
    ctx = demo
    visit = open_visit(ctx, OpenVisit(GUILAN, PHARMACY, MedType.PHARMACY_PURCHASE), key="hh:guilan:visit")
    upload_fees(ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", LORATADINE, "1", 2_380),)), key="hh:guilan:fees")
    settled = commit_settlement(ctx, Settle(visit.mdtrt_id, use_wallet=False), key="hh:guilan:settle")
    assert settled.amounts["psn_cash_pay"] == settled.amounts["medfee_sumamt"] == 2_380
    [listed] = [s for s in household.records(ctx, GUILAN, 2026).settlements if s.setl_id == settled.setl_id]
    assert (listed.setl_id, listed.role, listed.paid_by_me_fen) == (settled.setl_id, "patient", 0)
    assert household.records(ctx, GUILAN, 2025).settlements == []
    assert settled.setl_id not in {s.setl_id for s in household.records(ctx, JIANGUO, 2026).settlements}
