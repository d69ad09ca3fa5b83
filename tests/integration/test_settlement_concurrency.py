"""Many settlements at once for a family whose members pay for each other in crossing orders: no deadlock or busy
error reaches the caller, no balance or quota is overspent, and the ledger audits clean."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from gongji.domain.codes import MedType, PsnType, RelationType
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.context import Context
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.service.relations.payers import SetQuota, set_quota
from gongji.service.relations.queries import family
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from tests.helpers import DEFU, JIANGUO, XIAOMING, XIUYING, employee, resident

THREADS = 8
VISITS_EACH = 6
LORATADINE = "XR06AXL001A001010100009"  # 氯雷他定片, category B (10 %), 23.80 a box in the sample catalogue


def _bind(ctx: Context, authoriser: str, beneficiary: str, kind: RelationType, confirmer: str, tag: str) -> int:
    asked = request_binding(ctx, RequestBinding(authoriser, beneficiary, kind, commitment=True), key=f"{tag}:b")
    return confirm_binding(ctx, ConfirmBinding(asked.id, confirmer, "ok"), key=f"{tag}:c").id


def test_crossing_payers_settling_at_once_never_overspend(ctx: Context) -> None:
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    # Husband and wife are both employees with little money and pay for each other; the grandfather pays for both
    # of them and for the child; the child is paid for by all three, in an order that crosses theirs.
    employee(ctx, JIANGUO, "张建国", prior_fen=20_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=15_000)
    employee(ctx, DEFU, "张德福", prior_fen=30_000, psn_type=PsnType.EMPLOYEE_RETIRED)
    resident(ctx, XIAOMING, "张小明", psn_type=PsnType.PUPIL)
    _bind(ctx, JIANGUO, XIUYING, RelationType.SPOUSE, XIUYING, "jx")
    _bind(ctx, XIUYING, JIANGUO, RelationType.SPOUSE, JIANGUO, "xj")
    _bind(ctx, DEFU, JIANGUO, RelationType.CHILD, JIANGUO, "dj")
    _bind(ctx, XIUYING, XIAOMING, RelationType.CHILD, JIANGUO, "xm")
    grandson = _bind(ctx, DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD, XIUYING, "dm")
    _bind(ctx, JIANGUO, XIAOMING, RelationType.CHILD, XIUYING, "jm")
    set_quota(ctx, SetQuota(DEFU, 10_000, grandson), key="quota")
    patients = [JIANGUO, XIUYING, XIAOMING]
    visits = []
    for n in range(THREADS * VISITS_EACH):
        patient = patients[n % len(patients)]
        where, med_type = ("P13010200001", MedType.PHARMACY_PURCHASE)
        visit = open_visit(ctx, OpenVisit(patient, where, med_type), key=f"v{n}")
        upload_fees(ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", LORATADINE, "3", 2_380),)), key=f"f{n}")
        visits.append(visit.mdtrt_id)
    people = [JIANGUO, XIUYING, DEFU]
    before = sum(balances(ctx, p).personal_account_fen for p in people)

    def settle(mdtrt_id: str) -> int:
        return commit_settlement(ctx, Settle(mdtrt_id), key=f"s:{mdtrt_id}").amounts["acct_pay"]

    with ThreadPoolExecutor(THREADS) as pool:
        paid = list(pool.map(settle, visits))  # any GongjiError or store error would fail the test here

    after = sum(balances(ctx, p).personal_account_fen for p in people)
    assert before - after == sum(paid)  # every fen that left an account paid a settlement
    assert all(balances(ctx, p).personal_account_fen >= 0 for p in people)
    assert sum(paid) <= before
    # 张建国's 16 visits alone (16 × 71.40 = 1,142.40) can draw on all three accounts (650.00 in all): every account
    # is drained, never below zero, and cash pays the rest.
    assert after == 0
    quota_used = [r.quota_used_fen for r in family(ctx, DEFU).i_pay_for if r.id == grandson]
    assert len(quota_used) == 1
    assert quota_used[0] <= 10_000
    report = audit(ctx)
    assert report.clean, report.findings
