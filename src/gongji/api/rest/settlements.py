"""``/settlements``: preview, commit, show, reverse and explain settlements (operators within their regions;
institutions on their own visits only)."""

from __future__ import annotations

from fastapi import APIRouter, status

from gongji.api.rest.auth import ContextDep, IdempotencyKey, OperatorOrInstitution, Principal
from gongji.api.rest.models import ExplanationOut, ReverseSettlementIn, SettleIn, SettlementOut
from gongji.api.rest.params import SetlPath
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.api.rest.visits import acting_institution, require_scope, require_visit
from gongji.service import scopes, settlement
from gongji.service.context import Context

__all__ = ["router"]

router = APIRouter(prefix="/settlements", tags=["settlements 结算"], responses=PROBLEM_RESPONSES)


def _require_settlement(ctx: Context, principal: Principal, setl_id: str, action_zh: str, action_en: str) -> None:
    require_scope(principal, scopes.settlement_scope(ctx, setl_id), setl_id, action_zh, action_en)


def _command(body: SettleIn, principal: Principal) -> settlement.Settle:
    return settlement.Settle(
        body.mdtrt_id, body.acct_used_flag, acting_institution(principal), body.medfee_sumamt_fen, body.use_wallet
    )


@router.post("/preview", summary="预结算 Preview a settlement (writes nothing)")
def preview(body: SettleIn, ctx: ContextDep, principal: OperatorOrInstitution) -> SettlementOut:
    """Everything a settlement would compute, with its explanation; nothing is written, so no Idempotency-Key."""
    require_visit(ctx, principal, body.mdtrt_id, "预结算", "preview this settlement")
    return SettlementOut.model_validate(settlement.preview_settlement(ctx, _command(body, principal)))


@router.post("", status_code=status.HTTP_201_CREATED, summary="结算 Settle a visit")
def commit(body: SettleIn, ctx: ContextDep, principal: OperatorOrInstitution, key: IdempotencyKey) -> SettlementOut:
    """The pooling fund's share, then the patient's own account, then relatives' accounts in order, then cash; one
    journal with the quotas and yearly accumulators."""
    require_visit(ctx, principal, body.mdtrt_id, "结算", "settle this visit")
    return SettlementOut.model_validate(settlement.commit_settlement(ctx, _command(body, principal), key=key))


@router.get("/{setl_id}", summary="查看结算 A settlement with its payers and explanation")
def show(setl_id: SetlPath, ctx: ContextDep, principal: OperatorOrInstitution) -> SettlementOut:
    """A committed (or reversed) settlement."""
    _require_settlement(ctx, principal, setl_id, "查看结算", "see this settlement")
    return SettlementOut.model_validate(settlement.show_settlement(ctx, setl_id))


@router.post("/{setl_id}/reversal", summary="结算撤销 Reverse a settlement")
def reverse(
    setl_id: SetlPath,
    body: ReverseSettlementIn,
    ctx: ContextDep,
    principal: OperatorOrInstitution,
    key: IdempotencyKey,
) -> SettlementOut:
    """Every balance, quota and yearly accumulator is restored exactly; the visit is open again."""
    _require_settlement(ctx, principal, setl_id, "撤销结算", "reverse this settlement")
    cmd = settlement.ReverseSettlement(setl_id, body.reason, acting_institution(principal))
    return SettlementOut.model_validate(settlement.reverse_settlement(ctx, cmd, key=key))


@router.get("/{setl_id}/explanation", summary="结算说明 Why the bill was split as it was")
def explanation(setl_id: SetlPath, ctx: ContextDep, principal: OperatorOrInstitution) -> ExplanationOut:
    """Every rule value read (with its reference), every step of the fund, every account tried."""
    _require_settlement(ctx, principal, setl_id, "查看结算说明", "see this explanation")
    return ExplanationOut.model_validate(settlement.explain(ctx, setl_id))
