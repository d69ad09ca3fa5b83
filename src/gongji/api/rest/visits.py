"""``/visits``: open a visit, upload and cancel fee lines, cancel a visit, show one (operators within their regions;
institutions at their own institution only)."""

from __future__ import annotations

from fastapi import APIRouter, status

from gongji.api.rest.auth import ContextDep, IdempotencyKey, OperatorOrInstitution, Principal
from gongji.api.rest.models import CancelFeesIn, FeesIn, OpenVisitIn, VisitOut
from gongji.api.rest.params import MdtrtPath
from gongji.api.rest.people import require_person
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.service import scopes, settlement
from gongji.service.api_tokens import Role
from gongji.service.context import Context

__all__ = ["acting_institution", "require_scope", "require_visit", "router"]

router = APIRouter(prefix="/visits", tags=["visits 就诊"], responses=PROBLEM_RESPONSES)


def acting_institution(principal: Principal) -> str | None:
    """The institution the use case acts for: an institution's own code (the use case then refuses another's
    visits), nothing for an operator."""
    return principal.fixmedins_code if principal.role is Role.INSTITUTION else None


def require_scope(principal: Principal, scope: scopes.Scope, reference: str, action_zh: str, action_en: str) -> None:
    """An operator holds the region of the visit or settlement; an institution is the one it belongs to."""
    principal.require_region(scope.region, action_zh, action_en)
    if principal.role is Role.INSTITUTION and scope.fixmedins_code != principal.fixmedins_code:
        raise Refused(
            ErrorCode.VISIT_OF_OTHER_INSTITUTION,
            mdtrt_id=reference,
            fixmedins_code=principal.fixmedins_code,
            action_zh=action_zh,
            action_en=action_en,
        )


def require_visit(ctx: Context, principal: Principal, mdtrt_id: str, action_zh: str, action_en: str) -> None:
    """The visit exists (``VISIT_NOT_FOUND``) and the caller may touch it (see :func:`require_scope`)."""
    require_scope(principal, scopes.visit_scope(ctx, mdtrt_id), mdtrt_id, action_zh, action_en)


@router.post("", status_code=status.HTTP_201_CREATED, summary="挂号 / 入院 / 购药 Open a visit")
def open_visit(body: OpenVisitIn, ctx: ContextDep, principal: OperatorOrInstitution, key: IdempotencyKey) -> VisitOut:
    """An institution opens visits at itself (``institution`` omitted or its own code) for any insured patient; an
    operator names the institution and opens visits only for patients of its regions."""
    if principal.role is Role.INSTITUTION:
        principal.require_institution(
            (body.institution or principal.fixmedins_code or "").upper(), "办理就诊", "open a visit"
        )
        institution = principal.fixmedins_code
    else:
        require_person(ctx, principal, body.person, "办理就诊", "open a visit for this person")
        institution = body.institution
    if institution is None:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="institution",
            reason_zh="请填写定点医药机构编码",
            reason_en="name the institution (fixmedins_code)",
        )
    cmd = settlement.OpenVisit(**body.model_dump(exclude={"institution"}), institution=institution)
    return VisitOut.model_validate(settlement.open_visit(ctx, cmd, key=key))


@router.get("/{mdtrt_id}", summary="查看就诊 A visit with its classified fee lines")
def show_visit(mdtrt_id: MdtrtPath, ctx: ContextDep, principal: OperatorOrInstitution) -> VisitOut:
    """One visit and every fee line, classified (全自费 / 超限价 / 先行自付 / 政策范围内)."""
    require_visit(ctx, principal, mdtrt_id, "查看就诊", "see this visit")
    return VisitOut.model_validate(settlement.visit_view(ctx, mdtrt_id))


@router.post("/{mdtrt_id}/fees", summary="上传费用明细 Upload fee lines")
def upload_fees(
    mdtrt_id: MdtrtPath, body: FeesIn, ctx: ContextDep, principal: OperatorOrInstitution, key: IdempotencyKey
) -> VisitOut:
    """Each line is classified at upload; a return names the line it returns, with a negative quantity."""
    require_visit(ctx, principal, mdtrt_id, "上传费用", "upload fees")
    lines = tuple(settlement.FeeInput(**line.model_dump()) for line in body.lines)
    cmd = settlement.UploadFees(mdtrt_id, lines, acting_institution(principal))
    return VisitOut.model_validate(settlement.upload_fees(ctx, cmd, key=key))


@router.post("/{mdtrt_id}/fees/cancel", summary="撤销费用明细 Cancel fee lines")
def cancel_fees(
    mdtrt_id: MdtrtPath, body: CancelFeesIn, ctx: ContextDep, principal: OperatorOrInstitution, key: IdempotencyKey
) -> VisitOut:
    """The lines named, or every line (``feedetl_sns`` omitted), of a visit not settled."""
    require_visit(ctx, principal, mdtrt_id, "撤销费用", "cancel fees")
    sns = tuple(body.feedetl_sns) if body.feedetl_sns is not None else None
    cmd = settlement.CancelFees(mdtrt_id, sns, acting_institution(principal))
    return VisitOut.model_validate(settlement.cancel_fees(ctx, cmd, key=key))


@router.post("/{mdtrt_id}/cancel", summary="撤销就诊 Cancel a visit not settled")
def cancel_visit(
    mdtrt_id: MdtrtPath, ctx: ContextDep, principal: OperatorOrInstitution, key: IdempotencyKey
) -> VisitOut:
    """The visit and its fee lines are cancelled; a settled visit must be reversed first."""
    require_visit(ctx, principal, mdtrt_id, "撤销就诊", "cancel this visit")
    cmd = settlement.CancelVisit(mdtrt_id, acting_institution(principal))
    return VisitOut.model_validate(settlement.cancel_visit(ctx, cmd, key=key))
