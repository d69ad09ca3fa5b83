"""Settlements of different patients post to different shards of the region's hot accounts (the institution's
clearing account, the quota's memo source): concurrent settlements do not queue for one row, and the shards together
hold exactly what the settlements paid the institution."""

from __future__ import annotations

from gongji.domain.codes import MedType, RelationType
from gongji.domain.ledger import HOT_SHARDS, AccountKind, AccountOpening, institution_code, shard_of
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.context import Context
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    reverse_settlement,
    upload_fees,
)
from tests.helpers import JIANGUO, XIAOMING, employee, person_id, resident

LORATADINE = "XR06AXL001A001010100009"
PHARMACY = "P13010200001"


def _clearing_balances(ctx: Context) -> dict[str, int]:
    """The pharmacy's clearing account in every shard that exists, by code."""
    base = AccountOpening(institution_code(PHARMACY, "130100"), AccountKind.INSTITUTION_CLEARING, "130100")
    codes = [base.in_shard(shard).code for shard in range(HOT_SHARDS)] + [base.code]
    found = ctx.read(lambda uow: uow.ledger.find_accounts_by_code(codes))
    return {code: row.state.balance_fen for code, row in found.items()}


def test_two_patients_settle_into_their_own_shards_and_the_shards_add_up(ctx: Context) -> None:
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    employee(ctx, JIANGUO, "张建国", prior_fen=50_000)
    resident(ctx, XIAOMING, "张小明")
    asked = request_binding(ctx, RequestBinding(JIANGUO, XIAOMING, RelationType.CHILD, commitment=True), key="b")
    confirm_binding(ctx, ConfirmBinding(asked.id, JIANGUO, "ok"), key="c")
    father, son = person_id(ctx, JIANGUO), person_id(ctx, XIAOMING)
    assert shard_of(father) != shard_of(son)
    settled = []
    for n, patient in enumerate((JIANGUO, XIAOMING, XIAOMING)):
        visit = open_visit(ctx, OpenVisit(patient, PHARMACY, MedType.PHARMACY_PURCHASE), key=f"v{n}")
        upload_fees(ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", LORATADINE, "2", 2_380),)), key=f"f{n}")
        settled.append(commit_settlement(ctx, Settle(visit.mdtrt_id), key=f"s{n}"))

    balances = _clearing_balances(ctx)
    base = institution_code(PHARMACY, "130100")
    # The pharmacy is owed each bill in full (fund, accounts and cash), in the shard of the patient it treated.
    assert balances == {
        f"{base}#{shard_of(father):02d}": settled[0].amounts["medfee_sumamt"],
        f"{base}#{shard_of(son):02d}": settled[1].amounts["medfee_sumamt"] + settled[2].amounts["medfee_sumamt"],
    }
    reverse_settlement(ctx, ReverseSettlement(settled[2].setl_id, "test"), key="r")
    assert sum(_clearing_balances(ctx).values()) == sum(s.amounts["medfee_sumamt"] for s in settled[:2])
    assert audit(ctx).clean
