"""The insured person's forms that act (all need a signed-in person; every one acts only on his own family).

::

    GET|POST  /bind                           bind a relative (relation type, name, ID number, documents, quota)
    GET|POST  /relations/{id}/confirm         confirm a request for me (face verification) or as a minor's guardian
    POST      /relations/{id}/decline         decline it
    GET|POST  /order                          reorder my payers
    GET|POST  /relations/{id}/quota           set the quota of a relation I pay through
    GET|POST  /quota                          set my one shared quota (regions with one quota for all relatives)
    GET|POST  /relations/{id}/end             end a relation (the region's limit on changes shown first)

A relation outside the person's circle is answered with the same 403 page whether it exists or not (see
:func:`gongji.api.portal.person.scoped`). Writes run under an idempotency key from the form (a double submit replays
the first outcome). Refusals are shown on the page the person was on, in his language.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gongji.api.portal.deps import (
    CheckedForm,
    CurrentPerson,
    PortalDep,
    RelationId,
    SignedInPerson,
    new_idem,
    write_key,
)
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.middleware import base_of
from gongji.api.portal.person import known_notice, rules_for, scoped
from gongji.api.portal.render import redirect, render, translator
from gongji.api.portal.shown import quota_shown
from gongji.api.portal.state import Portal
from gongji.domain.codes import RelationType
from gongji.domain.errors import GongjiError, InvalidInput
from gongji.domain.identity import ResidentId
from gongji.domain.money import parse_yuan
from gongji.domain.relations import Channel
from gongji.service import household
from gongji.service.relations import lifecycle, payers, queries
from gongji.service.views import RelationView

__all__ = ["router"]

router = APIRouter()


# --- bind -----------------------------------------------------------------------------------------------------------


def _bind_page(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    *,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    family = queries.family(portal.ctx, person.ref)
    circle = household.circle(portal.ctx, person.ref)
    return render(
        request,
        "bind.html",
        status=status,
        nav="bind",
        me=circle.me,
        family=family,
        rules=rules_for(portal, family.region),
        relation_types=[r.value for r in RelationType if r.bindable],
        idem=new_idem(),
        error=error,
        values=values or {},
    )


@router.get("/bind")
def bind_page(request: Request, portal: PortalDep, person: CurrentPerson) -> Response:
    """The binding form, with the region's rules beside it."""
    return _bind_page(request, portal, person)


@router.post("/bind")
def bind(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """Ask to bind a relative; he confirms on his own page."""
    t = translator(request)
    values = {name: form.get(name) for name in ("relation_type", "name", "proof", "quota", "commitment")}

    def again(error: str) -> Response:
        return _bind_page(request, portal, person, status=422, error=error, values=values)

    certno = form.get("certno").replace(" ", "").upper()
    try:
        relation_type = RelationType(values["relation_type"])
        ResidentId.parse(certno)
    except (ValueError, InvalidInput):
        return again(t("bind.no_person"))
    quota_fen: int | None = None
    if values["quota"]:
        try:
            quota_fen = parse_yuan(values["quota"])
        except InvalidInput:
            return again(t("bind.quota_invalid"))
    relative = household.find_relative(portal.ctx, certno, values["name"])
    if relative is None:
        return again(t("bind.no_person"))
    command = lifecycle.RequestBinding(
        authoriser=person.ref,
        beneficiary=relative,
        relation_type=relation_type,
        channel=Channel.ONLINE,
        proof_reference=values["proof"] or None,
        commitment=values["commitment"] == "yes",
        quota_fen=quota_fen,
    )
    try:
        lifecycle.request_binding(portal.ctx, command, key=write_key(person, form, "bind"))
    except GongjiError as exc:
        return again(t.error(exc))
    return redirect(request, "/family", notice="bind.sent")


# --- confirm or decline a request -----------------------------------------------------------------------------------


def _confirm_page(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    relation_id: int,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    pending = scoped(household.pending_for, portal.ctx, person.ref, relation_id)
    return render(
        request,
        "confirm.html",
        status=status,
        nav="family",
        pending=pending,
        face_simulated=portal.face_is_simulated,
        has_account=household.circle(portal.ctx, person.ref).me.has_account,
        face_token=f"portal-face-{new_idem()}",
        idem=new_idem(),
        error=error,
        switch_path=f"{base_of(request)}/relations/{relation_id}/confirm",
    )


@router.get("/relations/{relation_id}/confirm")
def confirm_page(request: Request, portal: PortalDep, person: CurrentPerson, relation_id: RelationId) -> Response:
    """A request waiting for me: what it means, and the face-verification step where the region needs it."""
    return _confirm_page(request, portal, person, relation_id)


@router.post("/relations/{relation_id}/confirm")
def confirm(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, relation_id: RelationId
) -> Response:
    """Confirm (as the relative, or a minor's guardian) with the face-verification token when one is needed."""
    pending = scoped(household.pending_for, portal.ctx, person.ref, relation_id)
    token = form.get("face_token") or None
    command = lifecycle.ConfirmBinding(pending.relation.id, person.ref, token)
    try:
        lifecycle.confirm_binding(portal.ctx, command, key=write_key(person, form, "confirm"))
    except GongjiError as exc:
        return _confirm_page(request, portal, person, relation_id, status=422, error=translator(request).error(exc))
    return redirect(request, "/family", notice="confirm.done")


@router.post("/relations/{relation_id}/decline")
def decline(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, relation_id: RelationId
) -> Response:
    """Say no to a request."""
    pending = scoped(household.pending_for, portal.ctx, person.ref, relation_id)
    command = lifecycle.DeclineBinding(pending.relation.id, person.ref)
    try:
        lifecycle.decline_binding(portal.ctx, command, key=write_key(person, form, "decline"))
    except GongjiError as exc:
        return _confirm_page(request, portal, person, relation_id, status=422, error=translator(request).error(exc))
    return redirect(request, "/family", notice="confirm.declined")


# --- order of payers ------------------------------------------------------------------------------------------------


def _order_page(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    family = queries.family(portal.ctx, person.ref)
    ordered = [p for p in family.pay_for_me if p.position is not None]
    ids = [p.relation.id for p in ordered]

    def swapped(index: int, other: int) -> list[int] | None:
        """The order with two neighbours swapped (``None`` past either end)."""
        if not 0 <= other < len(ids):
            return None
        moved = ids[:]
        moved[index], moved[other] = moved[other], moved[index]
        return moved

    moves = [(payer, swapped(index, index - 1), swapped(index, index + 1)) for index, payer in enumerate(ordered)]
    return render(
        request,
        "order.html",
        status=status,
        nav="family",
        family=family,
        moves=moves,
        idem=new_idem(),
        error=error,
        notice=notice,
    )


@router.get("/order")
def order_page(request: Request, portal: PortalDep, person: CurrentPerson, notice: str = "") -> Response:
    """The order in which my relatives' accounts pay for me."""
    return _order_page(request, portal, person, notice=known_notice(notice))


@router.post("/order")
def set_order(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """Save a new order (the form sends every paying relation, in the new order)."""
    family = queries.family(portal.ctx, person.ref)
    circle = household.circle(portal.ctx, person.ref)
    by_relation = {p.relation.id: p.relation for p in family.pay_for_me if p.position is not None}
    try:
        wanted = [int(v) for v in form.getlist("order")]
    except ValueError:
        wanted = []
    if sorted(wanted) != sorted(by_relation):
        raise Forbidden()
    refs = []
    for relation_id in wanted:
        member = circle.member(by_relation[relation_id].authoriser_id)
        if member is None:
            raise Forbidden()
        refs.append(member.psn_no)
    command = payers.SetOrder(person.ref, tuple(refs), person.ref)
    try:
        payers.set_order(portal.ctx, command, key=write_key(person, form, "order"))
    except GongjiError as exc:
        return _order_page(request, portal, person, status=422, error=translator(request).error(exc))
    return redirect(request, "/order", notice="order.saved")


# --- quota ----------------------------------------------------------------------------------------------------------


def _quota_page(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    relation: RelationView | None,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    family = queries.family(portal.ctx, person.ref)
    rules = rules_for(portal, family.region)
    return render(
        request,
        "quota.html",
        status=status,
        nav="family",
        relation=relation,
        family=family,
        rules=rules,
        shown=quota_shown(translator(request), relation, rules) if relation else None,
        idem=new_idem(),
        error=error,
    )


def _my_payment(portal: Portal, person: SignedInPerson, relation_id: int) -> RelationView:
    relation: RelationView = scoped(household.relation_of, portal.ctx, person.ref, relation_id)
    if relation.authoriser_id != person.person_id:
        raise Forbidden()
    return relation


def _save_quota(
    request: Request, portal: Portal, person: SignedInPerson, form: Any, relation: RelationView | None
) -> Response:
    t = translator(request)
    quota_fen: int | None = None
    if form.get("mode") != "whole":
        try:
            quota_fen = parse_yuan(form.get("amount"))
        except InvalidInput:
            return _quota_page(request, portal, person, relation, status=422, error=t("bind.quota_invalid"))
    command = payers.SetQuota(person.ref, quota_fen, relation.id if relation else None)
    try:
        payers.set_quota(portal.ctx, command, key=write_key(person, form, "quota"))
    except GongjiError as exc:
        return _quota_page(request, portal, person, relation, status=422, error=t.error(exc))
    return redirect(request, "/family", notice="quota.saved")


@router.get("/relations/{relation_id}/quota")
def quota_page(request: Request, portal: PortalDep, person: CurrentPerson, relation_id: RelationId) -> Response:
    """Set this year's quota of a relation I pay through."""
    return _quota_page(request, portal, person, _my_payment(portal, person, relation_id))


@router.post("/relations/{relation_id}/quota")
def set_quota(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, relation_id: RelationId
) -> Response:
    """Save a relation's quota (``mode=whole`` for the whole shareable balance, else ``amount`` in yuan)."""
    return _save_quota(request, portal, person, form, _my_payment(portal, person, relation_id))


@router.get("/quota")
def shared_quota_page(request: Request, portal: PortalDep, person: CurrentPerson) -> Response:
    """Set my one quota for all relatives (where the region has one shared quota)."""
    return _quota_page(request, portal, person, None)


@router.post("/quota")
def set_shared_quota(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """Save my shared quota."""
    return _save_quota(request, portal, person, form, None)


# --- end ------------------------------------------------------------------------------------------------------------


def _end_page(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    relation: RelationView,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    family = queries.family(portal.ctx, person.ref)
    rules = rules_for(portal, relation.region)
    i_pay = relation.authoriser_id == person.person_id
    limit = family.changes_allowed
    left = None if not isinstance(limit, int) else max(limit - family.changes_used, 0)
    return render(
        request,
        "end.html",
        status=status,
        nav="family",
        relation=relation,
        family=family,
        rules=rules,
        i_pay=i_pay,
        changes_left=left,
        other_asked=relation.state == "ending" and relation.end_requested_by is not None,
        idem=new_idem(),
        error=error,
    )


@router.get("/relations/{relation_id}/end")
def end_page(request: Request, portal: PortalDep, person: CurrentPerson, relation_id: RelationId) -> Response:
    """What ending costs (the region's changes per year, both sides or one) before I do it."""
    return _end_page(request, portal, person, scoped(household.relation_of, portal.ctx, person.ref, relation_id))


@router.post("/relations/{relation_id}/end")
def end(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, relation_id: RelationId
) -> Response:
    """End it (or ask to, where both sides must agree)."""
    relation = scoped(household.relation_of, portal.ctx, person.ref, relation_id)
    command = lifecycle.EndRelation(relation.id, by=person.ref, channel=Channel.ONLINE)
    try:
        after = lifecycle.end_relation(portal.ctx, command, key=write_key(person, form, "end"))
    except GongjiError as exc:
        return _end_page(request, portal, person, relation, status=422, error=translator(request).error(exc))
    return redirect(request, "/family", notice="end.done" if after.state == "ended" else "end.requested")
