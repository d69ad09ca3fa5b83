"""The insured person's pages that read his family (all need a signed-in person; every one shows only his own
family), and the helpers the other person modules share (the notices, a region's rules, the scoped read).

::

    GET       /                               → My family, or the sign-in page
    GET       /family                         我的家庭: whom I pay for, who pays for me, balances, requests for me
    GET       /relations/{id}                 one of my relations, with its history
    GET       /why                            为什么用不了: every failing check, its rule and source, what to do

The forms that act (bind, confirm or decline, order, quota, end) are in :mod:`gongji.api.portal.person_actions`; the
records (statement, settlements, CSV) in :mod:`gongji.api.portal.person_records`.

A relation, settlement or person outside the person's circle (see :mod:`gongji.service.household`) is answered with
the same 403 page whether it exists or not (:func:`scoped`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gongji.api.portal.deps import CurrentPerson, PortalDep, RelationId
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.i18n import Translator
from gongji.api.portal.middleware import current_session
from gongji.api.portal.render import redirect, render, translator
from gongji.api.portal.shown import quota_shown
from gongji.api.portal.state import Portal
from gongji.domain.errors import ErrorCode, NotFound
from gongji.service import household
from gongji.service.household_views import CircleView, RegionRulesView
from gongji.service.relations import can_pay, queries
from gongji.service.views import CheckView, WhyView

__all__ = ["KINDS", "known_notice", "router", "rules_for", "scoped"]

router = APIRouter()

#: The kinds of payment "why" asks about, as ``can_pay.why`` reads them.
KINDS = ("outpatient", "inpatient", "pharmacy", "resident_basic")
#: Seed 004's reasons first: not insured, 亲情账户 not 共济, nothing to share, no binding, outside the account's scope,
#: the binding gone (ended, moved), then the rest in the order the checks ran.
_SEED_ORDER = (
    ErrorCode.BENEFICIARY_NOT_INSURED,
    ErrorCode.BENEFICIARY_STATUS_NOT_NORMAL,
    ErrorCode.AUTHORISER_NOT_ELIGIBLE,
    ErrorCode.NOT_AN_EMPLOYEE,
    ErrorCode.PROXY_LINK_IS_NOT_MUTUAL_AID,
    ErrorCode.AUTHORISER_BALANCE_ZERO,
    ErrorCode.NO_RELATION,
    ErrorCode.RELATION_NOT_CONFIRMED,
    ErrorCode.OUTSIDE_ACCOUNT_SCOPE,
    ErrorCode.RELATION_ENDED,
    ErrorCode.GEOGRAPHY_NOT_OPEN,
)
_NOTICES = frozenset(
    {"bind.sent", "confirm.done", "confirm.declined", "order.saved", "quota.saved", "end.done", "end.requested"}
)


# --- helpers --------------------------------------------------------------------------------------------------------


def known_notice(value: str | None) -> str | None:
    """The notice a page was sent back with, if it is one of the forms' notices (else none)."""
    return value if value in _NOTICES else None


def rules_for(portal: Portal, region: str | None) -> RegionRulesView | None:
    """The region's rules as of today (none without a region)."""
    return household.region_rules(portal.ctx, region) if region else None


def scoped(call: Any, *args: Any) -> Any:
    """Run a scoped read; anything "not found" (another family's, or nothing) becomes the 403 page."""
    try:
        return call(*args)
    except NotFound as exc:
        raise Forbidden() from exc


# --- my family ------------------------------------------------------------------------------------------------------


@router.get("/")
def start(request: Request) -> Response:
    """My family when signed in, else the sign-in page."""
    session = current_session(request)
    return redirect(request, "/family" if session is not None and session.signed_in else "/sign-in")


@router.get("/family")
def family_page(request: Request, portal: PortalDep, person: CurrentPerson, notice: str = "") -> Response:
    """我的家庭."""
    t = translator(request)
    family = queries.family(portal.ctx, person.ref)
    circle = household.circle(portal.ctx, person.ref)
    rules = rules_for(portal, family.region)
    return render(
        request,
        "family.html",
        nav="family",
        family=family,
        me=circle.me,
        member_ids={m.name: m.person_id for m in circle.members},
        rules=rules,
        pending=household.awaiting(portal.ctx, person.ref),
        quotas={r.id: quota_shown(t, r, rules) for r in family.i_pay_for},
        my_id=person.person_id,
        notice=known_notice(notice),
    )


@router.get("/relations/{relation_id}")
def relation_page(request: Request, portal: PortalDep, person: CurrentPerson, relation_id: RelationId) -> Response:
    """One of my relations, with every step of its life."""
    relation = scoped(household.relation_of, portal.ctx, person.ref, relation_id)
    rules = rules_for(portal, relation.region)
    return render(
        request,
        "relation.html",
        nav="family",
        relation=relation,
        rules=rules,
        quota=quota_shown(translator(request), relation, rules),
        i_pay=relation.authoriser_id == person.person_id,
        my_id=person.person_id,
    )


# --- why can't it pay? ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One failing check as the why page shows it."""

    code: str
    title_key: str
    todo_key: str
    check: CheckView


def _reasons(t: Translator, found: WhyView) -> list[Reason]:
    rank = {code.name: index for index, code in enumerate(_SEED_ORDER)}
    ordered = sorted(found.failed, key=lambda c: rank.get(c.code, len(rank)))
    return [
        Reason(
            c.code,
            f"why.title.{c.code}" if t.has(f"why.title.{c.code}") else "why.generic.title",
            f"why.todo.{c.code}" if t.has(f"why.todo.{c.code}") else "why.generic.todo",
            c,
        )
        for c in ordered
    ]


def _default_direction(circle: CircleView, relative_id: int | None) -> str:
    """Whose account the question is about when the person did not say: a relative who pays for him, else his own
    account when he has one (an employee asking about a relative he pays for or means to)."""
    member = circle.member(relative_id) if relative_id else None
    if member is not None and member.pays_for_me:
        return "they_pay"
    if (member is not None and member.i_pay_for) or circle.me.has_account:
        return "i_pay"
    return "they_pay"


@router.get("/why")
def why_page(
    request: Request,
    portal: PortalDep,
    person: CurrentPerson,
    relative: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    direction: Annotated[str, Query(pattern="^(they_pay|i_pay)$")] = "",
    kind: Annotated[str, Query(pattern="^(outpatient|inpatient|pharmacy|resident_basic)$")] = "outpatient",
) -> Response:
    """为什么用不了: choose a relative and a kind of payment; every failing check, its rule and what to do."""
    t = translator(request)
    circle = household.circle(portal.ctx, person.ref)
    direction = direction or _default_direction(circle, relative)
    answer: WhyView | None = None
    reasons: list[Reason] = []
    admission_region: str | None = None
    if relative is not None:
        member = circle.member(relative)
        if member is None or member.is_me:
            raise Forbidden()
        payer, patient = (member, circle.me) if direction == "they_pay" else (circle.me, member)
        answer = can_pay.why(portal.ctx, payer.psn_no, patient.psn_no, kind=kind)
        reasons = _reasons(t, answer)
        if kind == "inpatient" and payer.region:
            rules = household.region_rules(portal.ctx, payer.region)
            if rules.binding_after_admission_pays_stay is False:
                admission_region = payer.region
    return render(
        request,
        "why.html",
        nav="why",
        circle=circle,
        relative=relative,
        direction=direction,
        kind=kind,
        kinds=KINDS,
        answer=answer,
        reasons=reasons,
        admission_region=admission_region,
    )
