"""Counter actions (线下办理): what an operator does for a person of his regions — bind, end, 亲情账户, a manual claim,
suspend and resume — each audited, done or refused, and shown on the person's page (see
:mod:`gongji.api.portal.counter` for the routes' list and the operator's session)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gongji.api.portal.counter import (
    PsnNo,
    action_key,
    audit_subject,
    operator_person,
    record_action,
    render_person,
)
from gongji.api.portal.deps import (
    CheckedForm,
    CurrentOperator,
    Form,
    Operator,
    PortalDep,
    RelationId,
)
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.render import redirect, translator
from gongji.api.portal.state import Portal
from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import ErrorCode, GongjiError, InvalidInput, NotFound, Refused
from gongji.domain.identity import mask_id_number
from gongji.domain.money import parse_yuan
from gongji.domain.relations import Channel
from gongji.service import claims, household, scopes, suspension
from gongji.service.relations import lifecycle, proxies
from gongji.service.settlement.views import FeeInput
from gongji.service.views import PersonView

__all__ = ["router"]

router = APIRouter(prefix="/counter")


def _act(
    request: Request,
    portal: Portal,
    operator: Operator,
    psn_no: str,
    action: str,
    run: Callable[[PersonView], tuple[str, Any]],
) -> Response:
    """Run one counter action for a person of the operator's regions, audit it (done or refused), and show the
    outcome: back to the person's page, or the refusal on it."""
    person, region = operator_person(portal, operator, psn_no)
    try:
        detail, outcome = run(person)
    except GongjiError as exc:
        record_action(portal, operator, region, action, audit_subject(person), "", refused=exc)
        return render_person(request, portal, operator, person.psn_no, status=422, error=translator(request).error(exc))
    record_action(portal, operator, region, action, audit_subject(person), detail)
    if outcome is not None:
        return render_person(request, portal, operator, person.psn_no, notice=action, outcome=outcome)
    return redirect(request, f"/counter/people/{person.psn_no}", notice=action)


def _invalid(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(ErrorCode.FIELD_INVALID, field=field, reason_zh=zh, reason_en=en)


def _relative(form: Form) -> str:
    certno = form.get("relative").replace(" ", "").upper()
    if not certno:
        raise _invalid("relative", "请填写亲属的证件号码", "enter the relative's ID number")
    return certno


def _require_relatives_region(portal: Portal, operator: Operator, relative: str) -> None:
    """A binding (or a 亲情账户) names two people: the operator must hold the relative's region too, or the answer
    (a refusal naming the relative) would tell him about someone outside his regions. A relative nobody knows is
    left to the action's own refusal."""
    try:
        region = scopes.person_region(portal.ctx, relative)
    except NotFound:
        return
    if region is not None and not operator.may(region):
        raise Refused(
            ErrorCode.REGION_NOT_GRANTED,
            region=region,
            granted=", ".join(operator.regions),
            action_zh="为此亲属办理绑定",
            action_en="bind this relative",
        )


# --- actions --------------------------------------------------------------------------------------------------------


@router.post("/people/{psn_no}/bind")
def bind(request: Request, portal: PortalDep, operator: CurrentOperator, psn_no: PsnNo, form: CheckedForm) -> Response:
    """Bind a relative whom this person pays for, on the documents checked at the counter (effective at once)."""

    def run(person: PersonView) -> tuple[str, Any]:
        try:
            relation_type = RelationType(form.get("relation_type"))
        except ValueError as exc:
            raise _invalid("relation_type", "请选择关系", "choose the relation") from exc
        relative = _relative(form)
        _require_relatives_region(portal, operator, relative)
        view = lifecycle.request_binding(
            portal.ctx,
            lifecycle.RequestBinding(
                authoriser=person.psn_no,
                beneficiary=relative,
                relation_type=relation_type,
                channel=Channel.COUNTER,
                operator=operator.label,
                proof_reference=form.get("proof_reference"),
                commitment=True,
            ),
            key=action_key(operator, form, "bind"),
        )
        return f"relation {view.id} {relation_type.value} → {mask_id_number(relative)}", None

    return _act(request, portal, operator, psn_no, "bind", run)


@router.post("/relations/{relation_id}/end")
def end(
    request: Request, portal: PortalDep, operator: CurrentOperator, relation_id: RelationId, form: CheckedForm
) -> Response:
    """End a relation at once (the person whose page it was on is named in the form)."""
    try:
        regions = scopes.relation_regions(portal.ctx, relation_id)
    except NotFound as exc:
        raise Forbidden() from exc
    if not any(operator.may(r) for r in regions):
        raise Forbidden()

    def run(person: PersonView) -> tuple[str, Any]:
        household.relation_of(portal.ctx, person.psn_no, relation_id)  # a side of it, as the audit will name him
        lifecycle.end_relation(
            portal.ctx,
            lifecycle.EndRelation(
                relation_id=relation_id, channel=Channel.COUNTER, operator=operator.label, note=form.get("note") or None
            ),
            key=action_key(operator, form, "end"),
        )
        return f"relation {relation_id}", None

    return _act(request, portal, operator, form.get("psn_no"), "end", run)


@router.post("/people/{psn_no}/proxy")
def proxy_add(
    request: Request, portal: PortalDep, operator: CurrentOperator, psn_no: PsnNo, form: CheckedForm
) -> Response:
    """Add a 亲情账户 of this person for a relative (shares no money)."""

    def run(person: PersonView) -> tuple[str, Any]:
        relative = _relative(form)
        _require_relatives_region(portal, operator, relative)
        proxies.add_proxy_link(
            portal.ctx,
            proxies.AddProxyLink(person.psn_no, relative, channel=Channel.COUNTER, operator=operator.label),
            key=action_key(operator, form, "proxy_add"),
        )
        return f"proxy → {mask_id_number(relative)}", None

    return _act(request, portal, operator, psn_no, "proxy_add", run)


@router.post("/people/{psn_no}/proxy/end")
def proxy_end(
    request: Request, portal: PortalDep, operator: CurrentOperator, psn_no: PsnNo, form: CheckedForm
) -> Response:
    """End one of this person's 亲情账户."""

    def run(person: PersonView) -> tuple[str, Any]:
        relative = _relative(form)
        proxies.end_proxy_link(
            portal.ctx, proxies.EndProxyLink(person.psn_no, relative), key=action_key(operator, form, "proxy_end")
        )
        return f"proxy → {mask_id_number(relative)}", None

    return _act(request, portal, operator, psn_no, "proxy_end", run)


@router.post("/people/{psn_no}/claim")
def claim(request: Request, portal: PortalDep, operator: CurrentOperator, psn_no: PsnNo, form: CheckedForm) -> Response:
    """A manual reimbursement claim with its receipt (one line per item code), settled at once and shown."""

    def run(person: PersonView) -> tuple[str, Any]:
        try:
            med_type = MedType(form.get("med_type"))
            visit_date = date.fromisoformat(form.get("visit_date"))
        except ValueError as exc:
            raise _invalid("visit_date", "请检查就诊类别和日期", "check the visit's kind and date") from exc
        codes = form.getlist("item_code")
        quantities = form.getlist("quantity")
        prices = form.getlist("unit_price")
        lines = tuple(
            FeeInput(str(n), code, quantity or "1", parse_yuan(price))
            for n, (code, quantity, price) in enumerate(zip(codes, quantities, prices, strict=False), start=1)
            if code
        )
        view = claims.submit_claim(
            portal.ctx,
            claims.SubmitClaim(
                person=person.psn_no,
                institution=form.get("institution"),
                med_type=med_type,
                visit_date=visit_date,
                receipts=(claims.Receipt(form.get("issuer"), form.get("receipt_no"), lines),),
                operator=operator.label,
                reason=form.get("reason"),
            ),
            key=action_key(operator, form, "claim"),
        )
        return f"claim {view.claim_id} setl {view.settlement.setl_id} payout {view.payout_fen}", view

    return _act(request, portal, operator, psn_no, "claim", run)


@router.post("/people/{psn_no}/suspend")
def suspend(
    request: Request, portal: PortalDep, operator: CurrentOperator, psn_no: PsnNo, form: CheckedForm
) -> Response:
    """Suspend this person's networked settlement from today, with the reason."""

    def run(person: PersonView) -> tuple[str, Any]:
        reason = form.get("reason")
        suspension.suspend_person(
            portal.ctx,
            suspension.SuspendPerson(person.psn_no, reason, operator.label),
            key=action_key(operator, form, "suspend"),
        )
        return reason, None

    return _act(request, portal, operator, psn_no, "suspend", run)


@router.post("/people/{psn_no}/resume")
def resume(
    request: Request, portal: PortalDep, operator: CurrentOperator, psn_no: PsnNo, form: CheckedForm
) -> Response:
    """Lift the suspension in force."""

    def run(person: PersonView) -> tuple[str, Any]:
        suspension.lift_suspension(
            portal.ctx,
            suspension.LiftSuspension(person.psn_no, operator.label),
            key=action_key(operator, form, "resume"),
        )
        return "", None

    return _act(request, portal, operator, psn_no, "resume", run)
