"""Counter staff (线下办理): an operator signs in with his operator API token and acts for people of his regions.

::

    GET|POST  /counter/sign-in                       the operator's token → an operator session bound to the token
    GET       /counter                               find a person by ID number or name (his regions only)
    GET       /counter/people/{psn_no}               the family's whole picture (wallets too), and every counter action
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

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from gongji.api.portal.counter_wallet import family_wallets
from gongji.api.portal.deps import (
    IDEM_FIELD,
    CheckedForm,
    CurrentOperator,
    Form,
    Operator,
    PortalDep,
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
from gongji.domain.errors import GongjiError, InvalidInput, NotFound
from gongji.domain.identity import mask_id_number
from gongji.service import api_tokens, household, operator_audit, people, scopes, suspension
from gongji.service.relations import queries
from gongji.service.settlement.journal import show_settlement
from gongji.service.views import PersonView

__all__ = [
    "PsnNo",
    "action_key",
    "audit_subject",
    "operator_person",
    "record_action",
    "render_person",
    "router",
]

router = APIRouter(prefix="/counter")

PsnNo = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,40}$")]
_NOTICES = frozenset(
    {"bind", "end", "proxy_add", "proxy_end", "claim", "suspend", "resume"},
)


def _client_key(request: Request) -> str:
    return f"counter-client:{request.client.host if request.client else 'unknown'}"


def action_key(operator: Operator, form: Form, action: str) -> str:
    idem = form.get(IDEM_FIELD) or new_idem()
    return f"counter:{operator.token_id}:{action}:{idem[:64]}"


def operator_person(portal: Portal, operator: Operator, ref: str) -> tuple[PersonView, str]:
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


def record_action(
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


def audit_subject(person: PersonView) -> str:
    return f"{person.name} {mask_id_number(person.certno)}"


# --- sign-in --------------------------------------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    """The operator's token form (a signed-in operator goes straight to the counter)."""
    session = current_session(request)
    if session is not None and session.is_operator:
        return redirect(request, "/counter")
    if session is not None and session.is_analyst:
        return redirect(request, "/counter/reports")
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
    if token is not None and token.role == api_tokens.Role.ANALYST.value:
        name = operator_name(token.id, token.label, token.fingerprint)
        analyst = Session.signed_in_as(
            SubjectKind.ANALYST, token.id, f"analyst:{token.id}", name, "", portal.codec.now_s()
        )
        set_session(request, analyst)  # an analyst reads the reports and nothing that names a person
        return redirect(request, "/counter/reports")
    if token is None or token.role != api_tokens.Role.OPERATOR.value or not token.regions:
        portal.throttle.failed(keys)
        return again("counter.bad_token", 400)
    name = operator_name(token.id, token.label, token.fingerprint)
    session = Session.signed_in_as(
        SubjectKind.OPERATOR, token.id, f"operator:{token.id}", name, ",".join(token.regions), portal.codec.now_s()
    )
    set_session(request, session)
    record_action(portal, Operator(token.id, name, tuple(token.regions)), None, "sign_in", None, "")
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


def render_person(
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
    person, region = operator_person(portal, operator, psn_no)
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
        wallets=family_wallets(portal, operator, family),
        relation_types=[r.value for r in RelationType if r.bindable],
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
    return render_person(request, portal, operator, psn_no, notice=notice)


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
