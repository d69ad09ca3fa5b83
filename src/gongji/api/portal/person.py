"""The insured person's pages (all need a signed-in person; every one shows only his own family).

::

    GET       /                               → My family, or the sign-in page
    GET       /family                         我的家庭: whom I pay for, who pays for me, balances, requests for me
    GET       /relations/{id}                 one of my relations, with its history
    GET|POST  /bind                           bind a relative (relation type, name, ID number, documents, quota)
    GET|POST  /relations/{id}/confirm         confirm a request for me (face verification) or as a minor's guardian
    POST      /relations/{id}/decline         decline it
    GET|POST  /order                          reorder my payers
    GET|POST  /relations/{id}/quota           set the quota of a relation I pay through
    GET|POST  /quota                          set my one shared quota (regions with one quota for all relatives)
    GET|POST  /relations/{id}/end             end a relation (the region's limit on changes shown first)
    GET       /why                            为什么用不了: every failing check, its rule and source, what to do
    GET       /records                        statement, settlements, the year's spending by family member (SVG)
    GET       /records/statement.csv          the statement as CSV
    GET       /records/settlements.csv        the settlements as CSV
    GET       /settlements/{setl_id}          one settlement I am part of, with its explanation

A relation, settlement or person outside the person's circle (see :mod:`gongji.service.household`) is answered with
the same 403 page whether it exists or not. Writes run under an idempotency key from the form (a double submit
replays the first outcome). Refusals are shown on the page the person was on, in his language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gongji.api.portal.chart import bar_chart
from gongji.api.portal.deps import (
    CheckedForm,
    CurrentPerson,
    PortalDep,
    RelationId,
    SetlId,
    SignedInPerson,
    new_idem,
    write_key,
)
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.i18n import Translator
from gongji.api.portal.middleware import base_of, current_session
from gongji.api.portal.render import csv_response, redirect, render, translator
from gongji.api.portal.shown import SETTLEMENT_AMOUNTS, quota_shown
from gongji.api.portal.state import Portal
from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode, GongjiError, InvalidInput, NotFound
from gongji.domain.identity import ResidentId
from gongji.domain.money import format_yuan, parse_yuan
from gongji.domain.relations import Channel
from gongji.service import household
from gongji.service.accounts import statement
from gongji.service.household import CircleView, RegionRulesView
from gongji.service.relations import can_pay, lifecycle, payers, queries
from gongji.service.views import CheckView, RelationView, WhyView

__all__ = ["KINDS", "router"]

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
#: How many past years the records page offers.
_YEARS_SHOWN = 5

YearQuery = Annotated[int | None, Query(ge=1990, le=2199)]


# --- helpers --------------------------------------------------------------------------------------------------------


def _notice(value: str | None) -> str | None:
    return value if value in _NOTICES else None


def _rules(portal: Portal, region: str | None) -> RegionRulesView | None:
    return household.region_rules(portal.ctx, region) if region else None


def _scoped(call: Any, *args: Any) -> Any:
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
    rules = _rules(portal, family.region)
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
        notice=_notice(notice),
    )


@router.get("/relations/{relation_id}")
def relation_page(request: Request, portal: PortalDep, person: CurrentPerson, relation_id: RelationId) -> Response:
    """One of my relations, with every step of its life."""
    relation = _scoped(household.relation_of, portal.ctx, person.ref, relation_id)
    rules = _rules(portal, relation.region)
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
        rules=_rules(portal, family.region),
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
    pending = _scoped(household.pending_for, portal.ctx, person.ref, relation_id)
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
    pending = _scoped(household.pending_for, portal.ctx, person.ref, relation_id)
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
    pending = _scoped(household.pending_for, portal.ctx, person.ref, relation_id)
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
    return _order_page(request, portal, person, notice=_notice(notice))


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
    rules = _rules(portal, family.region)
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
    relation: RelationView = _scoped(household.relation_of, portal.ctx, person.ref, relation_id)
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
    rules = _rules(portal, relation.region)
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
    return _end_page(request, portal, person, _scoped(household.relation_of, portal.ctx, person.ref, relation_id))


@router.post("/relations/{relation_id}/end")
def end(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, relation_id: RelationId
) -> Response:
    """End it (or ask to, where both sides must agree)."""
    relation = _scoped(household.relation_of, portal.ctx, person.ref, relation_id)
    command = lifecycle.EndRelation(relation.id, by=person.ref, channel=Channel.ONLINE)
    try:
        after = lifecycle.end_relation(portal.ctx, command, key=write_key(person, form, "end"))
    except GongjiError as exc:
        return _end_page(request, portal, person, relation, status=422, error=translator(request).error(exc))
    return redirect(request, "/family", notice="end.done" if after.state == "ended" else "end.requested")


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


# --- records --------------------------------------------------------------------------------------------------------


def _year(portal: Portal, year: int | None) -> int:
    return year or portal.ctx.clock.today().year


@router.get("/records")
def records_page(request: Request, portal: PortalDep, person: CurrentPerson, year: YearQuery = None) -> Response:
    """My statement, the settlements that involve me, and the year's spending from my account by family member."""
    shown_year = _year(portal, year)
    this_year = portal.ctx.clock.today().year
    found = household.records(portal.ctx, person.ref, shown_year)
    lines = statement(portal.ctx, person.ref, start=date(shown_year, 1, 1), end=date(shown_year, 12, 31))
    circle = household.circle(portal.ctx, person.ref)
    chart = bar_chart([(s.name, s.amount_fen) for s in found.spending])
    return render(
        request,
        "records.html",
        nav="records",
        year=shown_year,
        years=list(range(this_year, this_year - _YEARS_SHOWN, -1)),
        records=found,
        statement=lines,
        chart=chart,
        me=circle.me,
    )


@router.get("/records/statement.csv")
def statement_csv(request: Request, portal: PortalDep, person: CurrentPerson, year: YearQuery = None) -> Response:
    """The year's statement as CSV, in the page's language."""
    t = translator(request)
    shown_year = _year(portal, year)
    found = household.records(portal.ctx, person.ref, shown_year)
    lines = statement(portal.ctx, person.ref, start=date(shown_year, 1, 1), end=date(shown_year, 12, 31))
    header = [
        t("records.col.date"),
        t("records.col.what"),
        t("records.col.part"),
        t("records.col.amount"),
        t("records.col.balance"),
        t("records.col.paid_for"),
        t("records.col.settlement"),
        t("records.col.reference"),
    ]
    rows = [
        [
            line.booked_at.strftime("%Y-%m-%d %H:%M"),
            t.journal(line.kind),
            t.account(line.account),
            format_yuan(line.amount_fen, grouping=False),
            format_yuan(line.balance_after_fen, grouping=False),
            line.paid_for or "",
            found.setl_by_journal.get(line.journal_id, ""),
            line.reference or "",
        ]
        for line in lines.lines
    ]
    return csv_response(f"{t('csv.statement_name')}-{shown_year}", header, rows)


@router.get("/records/settlements.csv")
def settlements_csv(request: Request, portal: PortalDep, person: CurrentPerson, year: YearQuery = None) -> Response:
    """The year's settlements that involve me, as CSV."""
    t = translator(request)
    shown_year = _year(portal, year)
    found = household.records(portal.ctx, person.ref, shown_year)
    header = [
        t("records.col.date"),
        t("records.col.settlement"),
        t("records.col.patient"),
        t("records.col.kind"),
        t("records.col.total"),
        t("records.col.fund"),
        t("records.col.accounts"),
        t("records.col.mutual"),
        t("records.col.cash"),
        t("records.col.by_me"),
        t("records.col.status"),
    ]
    rows = [
        [
            s.settled_at.strftime("%Y-%m-%d %H:%M"),
            s.setl_id,
            s.patient,
            t.med_type(s.med_type),
            format_yuan(s.medfee_sumamt_fen, grouping=False),
            format_yuan(s.fund_pay_sumamt_fen, grouping=False),
            format_yuan(s.acct_pay_fen, grouping=False),
            format_yuan(s.acct_mulaid_pay_fen, grouping=False),
            format_yuan(s.psn_cash_pay_fen, grouping=False),
            format_yuan(s.paid_by_me_fen, grouping=False),
            t(f"records.status.{s.status}") if t.has(f"records.status.{s.status}") else s.status,
        ]
        for s in found.settlements
    ]
    return csv_response(f"{t('csv.settlements_name')}-{shown_year}", header, rows)


#: The amounts a settlement page lists, in the order a bill is read.


@router.get("/settlements/{setl_id}")
def settlement_page(request: Request, portal: PortalDep, person: CurrentPerson, setl_id: SetlId) -> Response:
    """One settlement I am the patient of or paid in: how the bill was shared, who paid, and why."""
    settlement = _scoped(household.settlement_for, portal.ctx, person.ref, setl_id)
    return render(
        request,
        "settlement.html",
        nav="records",
        settlement=settlement,
        amounts=SETTLEMENT_AMOUNTS,
        my_name=person.name,
        is_patient=settlement.person_id == person.person_id,
    )
