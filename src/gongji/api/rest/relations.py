"""Mutual-aid relations (共济关系) and proxy links (亲情账户): request, confirm, decline, end, order, quota, family,
"why can't X pay for Y" (operators only, within their regions; a relation belongs to both parties' regions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from gongji.api.rest.auth import ContextDep, IdempotencyKey, Operator, Principal
from gongji.api.rest.models import (
    ConfirmIn,
    DeclineIn,
    EndRelationIn,
    FamilyOut,
    Moment,
    OrderIn,
    ProxyLinkIn,
    QuotaIn,
    RelationOut,
    RelationRequestIn,
    WhyOut,
)
from gongji.api.rest.params import DayQuery, PersonPath, RelationIdPath
from gongji.api.rest.people import require_person
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.domain.relations import Channel
from gongji.service import scopes
from gongji.service.context import Context
from gongji.service.relations import can_pay, lifecycle, payers, proxies, queries

__all__ = ["router"]

router = APIRouter(tags=["relations 共济关系"], responses=PROBLEM_RESPONSES)


def _channel(operator: str | None) -> Channel:
    return Channel.COUNTER if operator else Channel.ONLINE


def _require_people(ctx: Context, principal: Principal, refs: list[str], action_zh: str, action_en: str) -> None:
    """Every person exists, and an operator holds the region of each of them: a route that names two people
    answers nothing about either (not even a name) to an operator of only one side."""
    for ref in refs:
        principal.require_region(scopes.person_region(ctx, ref), action_zh, action_en)


def _require_relation(ctx: Context, principal: Principal, relation_id: int, action_zh: str, action_en: str) -> None:
    principal.require_any_region(scopes.relation_regions(ctx, relation_id), action_zh, action_en)


@router.post("/relations", status_code=status.HTTP_201_CREATED, summary="申请绑定 Ask to bind a relative")
def request_binding(body: RelationRequestIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> RelationOut:
    """Every binding check runs; the first that fails refuses. Online the request waits for the relative; at the
    counter (``operator`` given, documents recorded in ``proof_reference``) it takes effect at once."""
    _require_people(ctx, principal, [body.authoriser, body.beneficiary], "办理共济绑定", "bind these people")
    cmd = lifecycle.RequestBinding(**body.model_dump(), channel=_channel(body.operator))
    return RelationOut.model_validate(lifecycle.request_binding(ctx, cmd, key=key))


@router.get("/relations/{relation_id}", summary="查看共济关系 A relation with its history")
def show_relation(relation_id: RelationIdPath, ctx: ContextDep, principal: Operator) -> RelationOut:
    """One relation with every step of its life."""
    _require_relation(ctx, principal, relation_id, "查看共济关系", "see this relation")
    return RelationOut.model_validate(queries.relation(ctx, relation_id))


@router.post("/relations/{relation_id}/confirm", summary="确认绑定 The relative (or guardian) confirms")
def confirm(
    relation_id: RelationIdPath, body: ConfirmIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> RelationOut:
    """Face verification at or above the region's age; a guardian confirms for a minor."""
    _require_relation(ctx, principal, relation_id, "确认共济绑定", "confirm this relation")
    cmd = lifecycle.ConfirmBinding(relation_id, body.confirmer, body.face_token)
    return RelationOut.model_validate(lifecycle.confirm_binding(ctx, cmd, key=key))


@router.post("/relations/{relation_id}/decline", summary="拒绝绑定 The relative (or guardian) declines")
def decline(
    relation_id: RelationIdPath, body: DeclineIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> RelationOut:
    """A pending request is declined."""
    _require_relation(ctx, principal, relation_id, "拒绝共济绑定", "decline this relation")
    cmd = lifecycle.DeclineBinding(relation_id, body.by)
    return RelationOut.model_validate(lifecycle.decline_binding(ctx, cmd, key=key))


@router.post("/relations/{relation_id}/end", summary="解除共济 End a relation")
def end(
    relation_id: RelationIdPath, body: EndRelationIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> RelationOut:
    """Both sides where the region requires it; at once at the counter (``operator`` given)."""
    _require_relation(ctx, principal, relation_id, "解除共济关系", "end this relation")
    cmd = lifecycle.EndRelation(relation_id, body.by, _channel(body.operator), body.operator, body.note)
    return RelationOut.model_validate(lifecycle.end_relation(ctx, cmd, key=key))


@router.put("/people/{ref}/payer-order", summary="调整扣款顺序 Order a beneficiary's authorisers")
def set_order(
    ref: PersonPath, body: OrderIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> list[RelationOut]:
    """Every active authoriser exactly once, in paying order; the beneficiary's own account stays first."""
    require_person(ctx, principal, ref, "调整扣款顺序", "order the payers")
    cmd = payers.SetOrder(ref, tuple(body.authorisers), body.by)
    return [RelationOut.model_validate(view) for view in payers.set_order(ctx, cmd, key=key)]


@router.put("/people/{ref}/quota", summary="设定共济额度 Set a yearly quota")
def set_quota(ref: PersonPath, body: QuotaIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> FamilyOut:
    """The authoriser ``ref`` sets the quota of one relation, or the one shared quota where the region's model is
    shared (``relation_id`` omitted); ``quota_fen`` null means the whole shareable balance."""
    require_person(ctx, principal, ref, "设定共济额度", "set a quota")
    cmd = payers.SetQuota(ref, body.quota_fen, body.relation_id)
    return FamilyOut.model_validate(payers.set_quota(ctx, cmd, key=key))


@router.get("/people/{ref}/family", summary="我的家庭 Whom a person pays for, who pays for them, proxy links")
def family(ref: PersonPath, ctx: ContextDep, principal: Operator, on: DayQuery = None) -> FamilyOut:
    """Everything about a person's mutual aid on one page, on a day (default today)."""
    require_person(ctx, principal, ref, "查看家庭共济", "see this family")
    return FamilyOut.model_validate(queries.family(ctx, ref, on=on))


@router.get("/people/{payer}/why/{patient}", summary="为什么用不了 Can the payer's account pay for the patient?")
def why(
    payer: PersonPath,
    patient: PersonPath,
    ctx: ContextDep,
    principal: Operator,
    on: DayQuery = None,
    kind: Annotated[
        str,
        Query(
            pattern=r"^[0-9A-Za-z_]{1,30}$",
            description="费用 outpatient, inpatient, pharmacy, a med_type code, resident_basic, long_term_care",
        ),
    ] = "outpatient",
    admitted_at: Annotated[
        Moment | None,
        Query(
            description="入院时间 For a stay: when the patient was admitted (a binding made later pays it only where "
            "the region says so)"
        ),
    ] = None,
) -> WhyOut:
    """A dry run listing every check that fails (not only the first), each with the rule values it read."""
    _require_people(ctx, principal, [payer, patient], "查询共济支付", "ask about these people")
    return WhyOut.model_validate(can_pay.why(ctx, payer, patient, on=on, kind=kind, admitted_at=admitted_at))


@router.post("/people/{ref}/proxy-links", status_code=status.HTTP_201_CREATED, summary="添加亲情账户 Add a proxy link")
def add_proxy_link(
    ref: PersonPath, body: ProxyLinkIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> FamilyOut:
    """``ref`` may show the relative's e-voucher and see records; no money is shared."""
    _require_people(ctx, principal, [ref, body.relative], "添加亲情账户", "add a proxy link")
    cmd = proxies.AddProxyLink(ref, body.relative, _channel(body.operator), body.operator)
    return FamilyOut.model_validate(proxies.add_proxy_link(ctx, cmd, key=key))


@router.delete("/people/{ref}/proxy-links/{relative}", summary="解除亲情账户 End a proxy link")
def end_proxy_link(
    ref: PersonPath, relative: PersonPath, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> FamilyOut:
    """End the proxy link from ``ref`` to ``relative``."""
    _require_people(ctx, principal, [ref, relative], "解除亲情账户", "end a proxy link")
    cmd = proxies.EndProxyLink(ref, relative)
    return FamilyOut.model_validate(proxies.end_proxy_link(ctx, cmd, key=key))
