"""``/people``: the person registry and enrollments (operators only, within their pooling regions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from gongji.api.rest.auth import ContextDep, IdempotencyKey, Operator, Principal
from gongji.api.rest.models import (
    ContactIn,
    EnrollIn,
    MoveIn,
    PauseIn,
    PersonOut,
    RegisterIn,
    ResumeIn,
    TerminateIn,
)
from gongji.api.rest.params import PersonPath
from gongji.api.rest.problems import PROBLEM_RESPONSES
from gongji.domain.regions import parse_region
from gongji.service import enrollment, people, scopes
from gongji.service.context import Context

__all__ = ["require_person", "router"]

router = APIRouter(prefix="/people", tags=["people 参保人员"], responses=PROBLEM_RESPONSES)


def require_person(ctx: Context, principal: Principal, ref: str, action_zh: str, action_en: str) -> None:
    """The person exists (``PERSON_NOT_FOUND``) and, for an operator, belongs to a granted region."""
    principal.require_region(scopes.person_region(ctx, ref), action_zh, action_en)


@router.get("", summary="人员列表 The insured of the caller's regions")
def list_people(
    ctx: ContextDep,
    principal: Operator,
    name: Annotated[
        str | None, Query(max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$", description="姓名包含 Name contains")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=people.MAX_PAGE_SIZE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[PersonOut]:
    """People whose active basic enrollment is in one of the caller's pooling regions, in registration order.
    A person enrolled nowhere yet is found by ID number (``GET /people/{ref}``)."""
    views = scopes.insured_people(ctx, principal.regions, limit=limit, offset=offset, name=name or None)
    return [PersonOut.model_validate(view) for view in views]


@router.post("", status_code=status.HTTP_201_CREATED, summary="登记参保人员 Register a person")
def register(body: RegisterIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> PersonOut:
    """Register a person by resident ID number (GB 11643 checked); a registered number is refused."""
    cmd = people.RegisterPerson(
        body.certno,
        body.name,
        phone=body.phone,
        address=body.address,
        sex=body.sex,
        birth_date=body.birth_date,
        naty=body.naty,
    )
    return PersonOut.model_validate(people.register_person(ctx, cmd, key=key))


@router.get("/{ref}", summary="查看人员 A person with contact details and enrollments")
def show(ref: PersonPath, ctx: ContextDep, principal: Operator) -> PersonOut:
    """One person, by ID number or person number."""
    require_person(ctx, principal, ref, "查看人员", "see this person")
    return PersonOut.model_validate(people.show_person(ctx, ref))


@router.post("/{ref}/contact", summary="变更联系方式 Change phone or address")
def change_contact(
    ref: PersonPath, body: ContactIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> PersonOut:
    """Record a new phone and/or address from a day on (every change is kept with its date)."""
    require_person(ctx, principal, ref, "变更联系方式", "change contact details")
    cmd = people.UpdateContact(ref, body.phone, body.address, body.effective_on)
    return PersonOut.model_validate(people.update_contact(ctx, cmd, key=key))


@router.post("/{ref}/enrollments", summary="参保登记 Enroll (310 also opens the personal account)")
def enroll(ref: PersonPath, body: EnrollIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> PersonOut:
    """Enroll in a pooling region the caller holds; the person must belong to one it holds, or to none yet."""
    require_person(ctx, principal, ref, "办理参保", "enroll this person")
    principal.require_region(parse_region(body.pooling_region, body.since).code, "办理参保", "enroll in this region")
    cmd = enrollment.Enroll(ref, body.insutype, body.psn_type, body.pooling_region, body.since, body.employer)
    return PersonOut.model_validate(enrollment.enroll(ctx, cmd, key=key))


@router.post("/{ref}/enrollments/pause", summary="暂停参保 Pause an enrollment")
def pause(ref: PersonPath, body: PauseIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> PersonOut:
    """A normal enrollment becomes paused from a day."""
    require_person(ctx, principal, ref, "暂停参保", "pause an enrollment")
    cmd = enrollment.PauseEnrollment(ref, body.insutype, body.on, body.reason)
    return PersonOut.model_validate(enrollment.pause_enrollment(ctx, cmd, key=key))


@router.post("/{ref}/enrollments/resume", summary="恢复参保 Resume a paused enrollment")
def resume(ref: PersonPath, body: ResumeIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> PersonOut:
    """A paused enrollment becomes normal again from a day."""
    require_person(ctx, principal, ref, "恢复参保", "resume an enrollment")
    cmd = enrollment.ResumeEnrollment(ref, body.insutype, body.on)
    return PersonOut.model_validate(enrollment.resume_enrollment(ctx, cmd, key=key))


@router.post("/{ref}/enrollments/terminate", summary="终止参保 Terminate (death and emigration end all)")
def terminate(
    ref: PersonPath, body: TerminateIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey
) -> PersonOut:
    """End an enrollment with a reason; the person's relations end with their basic insurance."""
    require_person(ctx, principal, ref, "终止参保", "terminate an enrollment")
    cmd = enrollment.TerminateEnrollment(ref, body.on, body.reason, body.insutype, body.note)
    return PersonOut.model_validate(enrollment.terminate_enrollment(ctx, cmd, key=key))


@router.post("/{ref}/enrollments/move", summary="转移接续 Move to another pooling region")
def move(ref: PersonPath, body: MoveIn, ctx: ContextDep, principal: Operator, key: IdempotencyKey) -> PersonOut:
    """The enrollment and the personal account move; the caller must hold the region the person leaves."""
    require_person(ctx, principal, ref, "办理转移接续", "move this person")
    cmd = enrollment.MoveRegion(ref, body.insutype, body.to_region, body.on, body.employer)
    return PersonOut.model_validate(enrollment.move_region(ctx, cmd, key=key))
