"""Counter staff's review queue of fraud signals (风险信号): his regions' signals, highest score first, each with its
evidence, marked confirmed or dismissed once.

::

    GET       /counter/signals                        the queue (open first; ?status=confirmed|dismissed|all)
    GET       /counter/signals/{id}                   one signal with its evidence and the review form
    POST      /counter/signals/{id}/review            confirmed or dismissed, with a note

A signal of another region is the 403 page, as any other thing outside his regions. Every review, done or refused,
is recorded in the operators' audit trail.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from gongji.api.portal.counter import action_key, record_action
from gongji.api.portal.deps import CheckedForm, CurrentOperator, PortalDep, new_idem
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.render import redirect, render, translator
from gongji.domain.errors import GongjiError, NotFound
from gongji.domain.signal_names import SIGNAL_NAMES as RULES
from gongji.service.signals.queue import list_signals, review_signal, show_signal

__all__ = ["router"]

router = APIRouter(prefix="/counter")

SignalId = Annotated[int, Path(ge=1, le=2**62)]
_STATUSES = ("open", "confirmed", "dismissed", "all")


@router.get("/signals")
def queue_page(
    request: Request,
    portal: PortalDep,
    operator: CurrentOperator,
    status: Annotated[str, Query(pattern="^(open|confirmed|dismissed|all)$")] = "open",
) -> Response:
    """The operator's regions' signals, highest score first."""
    wanted = None if status == "all" else status
    found = list_signals(portal.ctx, regions=operator.regions, status=wanted, limit=200)
    return render(
        request, "counter_signals.html", nav="counter-signals", signals=found, rules=RULES, chosen=status,
        statuses=_STATUSES,
    )  # fmt: skip


def _page(
    request: Request, portal: PortalDep, operator: CurrentOperator, signal_id: int, *, error: str | None, status: int
) -> Response:
    try:
        signal = show_signal(portal.ctx, signal_id, regions=operator.regions)
    except NotFound as exc:
        raise Forbidden() from exc
    evidence = json.dumps(signal.evidence, ensure_ascii=False, indent=2, sort_keys=True)
    return render(
        request, "counter_signal.html", status=status, nav="counter-signals", signal=signal, rules=RULES,
        evidence=evidence, idem=new_idem(), error=error, reviewed=request.query_params.get("reviewed") == "1",
    )  # fmt: skip


@router.get("/signals/{signal_id}")
def signal_page(request: Request, portal: PortalDep, operator: CurrentOperator, signal_id: SignalId) -> Response:
    """One signal with its evidence, and the review form while it is open."""
    return _page(request, portal, operator, signal_id, error=None, status=200)


@router.post("/signals/{signal_id}/review")
def review(
    request: Request, portal: PortalDep, operator: CurrentOperator, signal_id: SignalId, form: CheckedForm
) -> Response:
    """Mark the signal confirmed or dismissed, once."""
    try:
        signal = show_signal(portal.ctx, signal_id, regions=operator.regions)
    except NotFound as exc:
        raise Forbidden() from exc
    status, note = form.get("status"), form.get("note")
    detail = f"{signal.rule} #{signal.id} → {status}"
    try:
        review_signal(
            portal.ctx, signal.id, status, operator=operator.label, note=note, regions=operator.regions,
            key=action_key(operator, form, "signal_review"),
        )  # fmt: skip
    except GongjiError as exc:
        record_action(portal, operator, signal.region, "signal_review", None, detail, refused=exc)
        error = translator(request).error(exc)
        return _page(request, portal, operator, signal_id, error=error, status=422)
    record_action(portal, operator, signal.region, "signal_review", None, detail)
    return redirect(request, f"/counter/signals/{signal.id}", reviewed="1")
