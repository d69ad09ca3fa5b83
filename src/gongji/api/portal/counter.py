"""Counter staff (线下办理): an operator signs in with his operator API token and acts for people of his regions.

::

    GET|POST  /counter/sign-in                       the operator's token → an operator session bound to the token
    GET       /counter                               find a person by ID number or name (his regions only)
    GET       /counter/people/{psn_no}               the family's whole picture, and every counter action
    POST      /counter/people/{psn_no}/bind          bind a relative on documents checked here (effective at once)
    POST      /counter/relations/{id}/end            end a relation at once
    POST      /counter/people/{psn_no}/proxy         add a 亲情账户
    POST      /counter/people/{psn_no}/proxy/end     end a 亲情账户
    POST      /counter/people/{psn_no}/claim         a manual reimbursement claim with its receipt, settled at once
    POST      /counter/people/{psn_no}/suspend       suspend networked settlement
    POST      /counter/people/{psn_no}/resume        lift the suspension
    GET       /counter/settlements/{setl_id}         any settlement's explanation (his regions only)
    GET       /counter/audit                         the audit trail of his regions

The operator is authenticated by :func:`gongji.service.api_tokens.authenticate` (the REST API's own tokens; no second
store). His session stays bound to that token: every request reads the token as it is now (role, regions; see
:class:`gongji.api.portal.session.SessionGuard`), and a revoked token ends the session at once. Anything outside his
regions is the 403 page. Every action, done or refused, is recorded by :mod:`gongji.service.operator_audit` with the
person's masked ID number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from gongji.api.portal.deps import (
    IDEM_FIELD,
    CheckedForm,
    CurrentOperator,
    Form,
    Operator,
    PortalDep,
    RelationId,
    SetlId,
    new_idem,
)
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.middleware import current_session, set_session
from gongji.api.portal.render import redirect, render, translator
from gongji.api.portal.session import Session, SubjectKind, operator_name
from gongji.api.portal.shown import SETTLEMENT_AMOUNTS, quota_shown
from gongji.api.portal.state import Portal
from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import ErrorCode, GongjiError, InvalidInput, NotFound
from gongji.domain.identity import mask_id_number
from gongji.domain.money import parse_yuan
from gongji.domain.relations import Channel
from gongji.service import api_tokens, claims, household, operator_audit, people, scopes, suspension
from gongji.service.relations import lifecycle, proxies, queries
from gongji.service.settlement.journal import show_settlement
from gongji.service.settlement.views import FeeInput
from gongji.service.views import PersonView

__all__ = ["router"]

router = APIRouter(prefix="/counter")

PsnNo = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,40}$")]
_NOTICES = frozenset(
    {"bind", "end", "proxy_add", "proxy_end", "claim", "suspend", "resume"},
)


def _client_key(request: Request) -> str:
    return f"counter-client:{request.client.host if request.client else 'unknown'}"


def _key(operator: Operator, form: Form, action: str) -> str:
    idem = form.get(IDEM_FIELD) or new_idem()
    return f"counter:{operator.token_id}:{action}:{idem[:64]}"


def _person(portal: Portal, operator: Operator, ref: str) -> tuple[PersonView, str]:
    """A person of the operator's regions (and his region); the 403 page for anyone else or no one."""
    try:
        person = people.show_person(portal.ctx, ref)
        region = scopes.person_region(portal.ctx, person.psn_no)
    except NotFound as exc:
        raise Forbidden() from exc
    if not operator.may(region):
        raise Forbidden()
    assert region is not None
    return person, region


def _audit(
    portal: Portal,
    operator: Operator,
    region: str | None,
    action: str,
    who: str | None,
    detail: str,
    refused: GongjiError | None = None,
) -> None:
    refused_code = refused.code.name if refused is not None else None
    operator_audit.record_action(
        portal.ctx, operator_audit.RecordAction(operator.label, region, action, who, detail or None, refused_code)
    )


def _subject(person: PersonView) -> str:
    return f"{person.name} {mask_id_number(person.certno)}"


# --- sign-in --------------------------------------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    """The operator's token form (a signed-in operator goes straight to the counter)."""
    session = current_session(request)
    if session is not None and session.is_operator:
        return redirect(request, "/counter")
    return render(request, "counter_sign_in.html", nav="counter-sign-in", error=None)


@router.post("/sign-in")
def sign_in(request: Request, portal: PortalDep, form: CheckedForm) -> Response:
    """An operator token that authenticates signs the operator in with a new session (role + regions)."""
    keys = [_client_key(request)]

    def again(error: str, status: int, **params: int) -> Response:
        return render(request, "counter_sign_in.html", status=status, nav="counter-sign-in", error=(error, params))

    wait = portal.throttle.retry_after_s(keys)
    if wait:
        return again("signin.throttled", 429, seconds=wait)
    token = api_tokens.authenticate(portal.ctx, form.get("token"))
    if token is None or token.role != api_tokens.Role.OPERATOR.value or not token.regions:
        portal.throttle.failed(keys)
        return again("counter.bad_token", 400)
    name = operator_name(token.id, token.label, token.fingerprint)
    session = Session.signed_in_as(
        SubjectKind.OPERATOR, token.id, f"operator:{token.id}", name, ",".join(token.regions), portal.codec.now_s()
    )
    set_session(request, session)
    _audit(portal, Operator(token.id, name, tuple(token.regions)), None, "sign_in", None, "")
    return redirect(request, "/counter")


# --- find, family ---------------------------------------------------------------------------------------------------


@router.get("")
def find_page(request: Request, portal: PortalDep, operator: CurrentOperator) -> Response:
    """The search form (a POST, so that an ID number never appears in a URL or a log)."""
    return render(request, "counter_find.html", nav="counter", searched=False, found=[], regions=operator.regions)


@router.post("")
def find(request: Request, portal: PortalDep, operator: CurrentOperator, form: CheckedForm) -> Response:
    """Find a person of the operator's regions by ID number (whole) or by name (part of it)."""
    query = form.get("q")[:40]
    matches: list[PersonView] = []
    if query:
        try:
            person = people.show_person(portal.ctx, query.upper())
        except (NotFound, InvalidInput):
            matches = scopes.insured_people(portal.ctx, frozenset(operator.regions), limit=50, name=query)
        else:
            matches = [person] if operator.may(scopes.person_region(portal.ctx, person.psn_no)) else []
    found = [(person, mask_id_number(person.certno)) for person in matches]
    return render(
        request, "counter_find.html", nav="counter", searched=bool(query), found=found, regions=operator.regions
    )


def _person_page(
    request: Request,
    portal: Portal,
    operator: Operator,
    psn_no: str,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    outcome: Any = None,
) -> Response:
    person, region = _person(portal, operator, psn_no)
    family = queries.family(portal.ctx, person.psn_no)
    rules = household.region_rules(portal.ctx, region)
    t = translator(request)
    return render(
        request,
        "counter_person.html",
        status=status,
        nav="counter",
        person=person,
        masked=mask_id_number(person.certno),
        region=region,
        me=household.circle(portal.ctx, person.psn_no).me,
        family=family,
        rules=rules,
        quotas={r.id: quota_shown(t, r, rules) for r in family.i_pay_for},
        records=household.records(portal.ctx, person.psn_no, portal.ctx.clock.today().year),
        suspensions=suspension.suspensions(portal.ctx, person.psn_no),
        relation_types=[r.value for r in RelationType],
        med_types=[MedType.GENERAL_OUTPATIENT.value, MedType.GENERAL_INPATIENT.value],
        error=error,
        notice=f"counter.done.{notice}" if notice in _NOTICES else None,
        outcome=outcome,
        idem=new_idem(),
        today=portal.ctx.clock.today().isoformat(),
    )


@router.get("/people/{psn_no}")
def person_page(
    request: Request, portal: PortalDep, operator: CurrentOperator, psn_no: PsnNo, notice: str = ""
) -> Response:
    """The family's whole picture: relations both ways, 亲情账户, balances, suspensions, and the counter's forms."""
    return _person_page(request, portal, operator, psn_no, notice=notice)


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
    person, region = _person(portal, operator, psn_no)
    try:
        detail, outcome = run(person)
    except GongjiError as exc:
        _audit(portal, operator, region, action, _subject(person), "", refused=exc)
        return _person_page(request, portal, operator, person.psn_no, status=422, error=translator(request).error(exc))
    _audit(portal, operator, region, action, _subject(person), detail)
    if outcome is not None:
        return _person_page(request, portal, operator, person.psn_no, notice=action, outcome=outcome)
    return redirect(request, f"/counter/people/{person.psn_no}", notice=action)


def _invalid(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(ErrorCode.FIELD_INVALID, field=field, reason_zh=zh, reason_en=en)


def _relative(form: Form) -> str:
    certno = form.get("relative").replace(" ", "").upper()
    if not certno:
        raise _invalid("relative", "请填写亲属的证件号码", "enter the relative's ID number")
    return certno


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
            key=_key(operator, form, "bind"),
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
            key=_key(operator, form, "end"),
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
        proxies.add_proxy_link(
            portal.ctx,
            proxies.AddProxyLink(person.psn_no, relative, channel=Channel.COUNTER, operator=operator.label),
            key=_key(operator, form, "proxy_add"),
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
            portal.ctx, proxies.EndProxyLink(person.psn_no, relative), key=_key(operator, form, "proxy_end")
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
            key=_key(operator, form, "claim"),
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
            key=_key(operator, form, "suspend"),
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
            portal.ctx, suspension.LiftSuspension(person.psn_no, operator.label), key=_key(operator, form, "resume")
        )
        return "", None

    return _act(request, portal, operator, psn_no, "resume", run)


# --- settlements, audit ---------------------------------------------------------------------------------------------


@router.get("/settlements/{setl_id}")
def settlement_page(request: Request, portal: PortalDep, operator: CurrentOperator, setl_id: SetlId) -> Response:
    """Any settlement of the operator's regions, with its explanation."""
    try:
        scope = scopes.settlement_scope(portal.ctx, setl_id)
        settlement = show_settlement(portal.ctx, setl_id)
    except NotFound as exc:
        raise Forbidden() from exc
    if not operator.may(scope.region):
        raise Forbidden()
    return render(
        request,
        "counter_settlement.html",
        nav="counter",
        settlement=settlement,
        amounts=SETTLEMENT_AMOUNTS,
        my_name=settlement.name,
        is_patient=True,
    )


@router.get("/audit")
def audit_page(request: Request, portal: PortalDep, operator: CurrentOperator) -> Response:
    """The audit trail of the operator's regions (and his own sign-ins), newest first."""
    entries = operator_audit.latest_actions(portal.ctx, operator.regions, operator=operator.label)
    return render(request, "counter_audit.html", nav="counter-audit", entries=entries)
