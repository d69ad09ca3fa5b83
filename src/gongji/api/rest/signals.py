"""``/signals``: the fraud signals' review queue. Analysts read every region's signals; an operator reads and reviews
his regions' only. A run of the rules is idempotent (the same facts give the same signals, kept once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from gongji.api.rest.auth import ContextDep, IdempotencyKey, Operator, OperatorOrAnalyst
from gongji.api.rest.models import MAX_ID
from gongji.api.rest.models.signals import ReviewIn, RunIn, RunOut, SignalOut
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.domain.regions import parse_region
from gongji.service.signals import queue

__all__ = ["router"]

router = APIRouter(prefix="/signals", tags=["signals 风险信号"], responses=PROBLEM_RESPONSES)

SignalPath = Annotated[int, Path(ge=1, le=MAX_ID, description="信号编号 Signal id", examples=[1])]


@router.get("", summary="风险信号队列 The review queue, highest score first")
def listing(
    ctx: ContextDep,
    principal: OperatorOrAnalyst,
    status: Annotated[str | None, Query(pattern="^(open|confirmed|dismissed)$")] = "open",
    rule: Annotated[str | None, Query(max_length=40)] = None,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    limit: Annotated[int, Query(ge=1, le=queue.MAX_LISTED)] = 100,
) -> list[SignalOut]:
    """The signals of the caller's regions (an analyst: every region; ``region``: that one only)."""
    regions = principal.visible_regions()
    if region is not None:
        code = parse_region(region).code
        principal.require_region(code, "查看风险信号", "read this region's signals")
        regions = frozenset({code})
    found = queue.list_signals(ctx, regions=regions, status=status, rule=rule, limit=limit)
    return [SignalOut.model_validate(s) for s in found]


@router.get("/{signal_id}", summary="风险信号及证据 A signal with its evidence")
def one(signal_id: SignalPath, ctx: ContextDep, principal: OperatorOrAnalyst) -> SignalOut:
    """One signal of the caller's regions."""
    return SignalOut.model_validate(queue.show_signal(ctx, signal_id, regions=principal.visible_regions()))


@router.post("/{signal_id}/review", summary="处理风险信号 Mark a signal confirmed or dismissed")
def review(
    signal_id: SignalPath, body: ReviewIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> SignalOut:
    """Once, by an operator of the signal's region; a second review is refused (``SIGNAL_ALREADY_REVIEWED``)."""
    done = queue.review_signal(
        ctx, signal_id, body.status, operator=body.operator, note=body.note, regions=principal.regions, key=key
    )
    return SignalOut.model_validate(done)


@router.post("/run", summary="运行风险规则 Run every rule over a year")
def run(body: RunIn, ctx: ContextDep, principal: OperatorOrAnalyst, key: IdempotencyKey) -> RunOut:
    """Every rule over the year's visits, payments and bindings; what is new is kept (idempotent)."""
    report = queue.run_signals(ctx, year=body.year, key=key)
    return RunOut(found=dict(report.found), new=dict(report.new))
