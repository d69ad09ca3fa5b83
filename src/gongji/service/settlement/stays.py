"""What is recorded of a visit after it opens: its medical type and diagnoses (2203 门诊就诊信息上传, 2403
入院信息变更), a stay's discharge (2402) and its cancel (2405), and when a stay may be settled (finally or mid-stay)."""

from __future__ import annotations

from dataclasses import asdict, replace

from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.visits import INPATIENT_MED_TYPES, Visit
from gongji.domain.wording import Said
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.views import CancelDischarge, ChangeVisit, Discharge, VisitView
from gongji.service.settlement.visits import _checked_diagnoses, _require_open, _visit, _visit_view, require_institution

__all__ = ["cancel_discharge", "change_visit", "discharge", "require_discharged"]


def change_visit(ctx: Context, cmd: ChangeVisit, *, key: str) -> VisitView:
    """门诊就诊信息上传 (2203) / 入院信息变更 (2403): the visit's medical type, its start (a stay's admission) and its
    diagnoses, as the hospital records them after registration. What a settlement has taken was settled under the
    visit as it was: the medical type and start change only while no settlement of the visit is in force; the
    diagnoses (those of the visit, or a stay's admission ones) are replaced at any time before the visit closes."""
    action = Phrase.ACT_CHANGE_VISIT

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, action)
        _require_open(visit, action)
        if visit.inpatient != cmd.stay:
            raise Refused(ErrorCode.VISIT_CHANGE_REFUSED, mdtrt_id=visit.mdtrt_id, reason=_kind_reason(visit))
        changed = _changed(visit, cmd)
        if changed != visit:
            in_force = {line.settlement_id for line in uow.visits.lines(visit.id) if line.settlement_id}
            if in_force:
                raise Refused(
                    ErrorCode.VISIT_HAS_SETTLEMENTS, mdtrt_id=visit.mdtrt_id, count=len(in_force), action=action
                )
            uow.visits.save(changed)
        if cmd.diagnoses:
            stage = "admission" if cmd.stay else "visit"
            uow.visits.drop_diagnoses(visit.id, stage)
            uow.visits.add_diagnoses(visit.id, stage, _checked_diagnoses(cmd.diagnoses), ctx.clock.now())
        return _visit_view(uow, changed)

    request = {**asdict(cmd), "begin_at": cmd.begin_at.isoformat() if cmd.begin_at else None}
    return ctx.write(key=key, operation="visit.change", request=request, result_type=VisitView, handler=handler)


def _kind_reason(visit: Visit) -> Phrase:
    return Phrase.CHANGE_STAY_BY_2403 if visit.inpatient else Phrase.CHANGE_VISIT_BY_2203


def _changed(visit: Visit, cmd: ChangeVisit) -> Visit:
    """The visit with the medical type and start the change gives, each kept within what the visit is: a stay's
    medical type stays a stay's and a pharmacy's a pharmacy's; a stay does not begin after its discharge."""
    med_type = cmd.med_type or visit.med_type
    if med_type != visit.med_type:
        same_kind = (med_type in INPATIENT_MED_TYPES) == visit.inpatient
        same_kind = same_kind and (med_type is MedType.PHARMACY_PURCHASE) == (
            visit.med_type is MedType.PHARMACY_PURCHASE
        )
        if not same_kind:
            raise Refused(
                ErrorCode.VISIT_CHANGE_REFUSED,
                mdtrt_id=visit.mdtrt_id,
                reason=Said(Phrase.MED_TYPE_OTHER_KIND, {"med_type": med_type.value}),
            )
    begin_at = cmd.begin_at or visit.begin_at
    if visit.discharged_at is not None and begin_at > visit.discharged_at:
        raise InvalidInput(
            ErrorCode.DISCHARGE_BEFORE_ADMISSION,
            discharged_at=f"{visit.discharged_at:%Y-%m-%d %H:%M}",
            admitted_at=f"{begin_at:%Y-%m-%d %H:%M}",
        )
    return replace(visit, med_type=med_type, begin_at=begin_at)


def _stay(uow: UnitOfWork, mdtrt_id: str, acting: str | None, action: Phrase) -> Visit:
    """A stay, locked, of the acting institution, not settled or cancelled."""
    visit = _visit(uow, mdtrt_id)
    visit = uow.visits.lock(visit.id) or visit
    require_institution(uow, visit.institution_id, acting, visit.mdtrt_id, action)
    if not visit.inpatient:
        raise Refused(
            ErrorCode.NOT_A_STAY,
            mdtrt_id=visit.mdtrt_id,
            med_type=visit.med_type,
            action=action,
        )
    _require_open(visit, action)
    return visit


def discharge(ctx: Context, cmd: Discharge, *, key: str) -> VisitView:
    """出院办理: the stay ends (at ``discharged_at``, or now) with its discharge diagnoses; it can then be settled."""

    def handler(uow: UnitOfWork) -> VisitView:
        return _visit_view(uow, discharge_in(ctx, uow, cmd))

    request = {
        "mdtrt_id": cmd.mdtrt_id.strip(),
        "discharged_at": cmd.discharged_at.isoformat() if cmd.discharged_at else None,
        "way": cmd.way,
        "diagnoses": [asdict(d) for d in cmd.diagnoses],
        "institution": cmd.institution,
    }
    return ctx.write(key=key, operation="visit.discharge", request=request, result_type=VisitView, handler=handler)


def discharge_in(ctx: Context, uow: UnitOfWork, cmd: Discharge) -> Visit:
    """The discharge of :func:`discharge` inside a unit of work: the stay as it now is."""
    visit = _stay(uow, cmd.mdtrt_id, cmd.institution, Phrase.ACT_DISCHARGE)
    if visit.discharged_at is not None:
        raise Refused(
            ErrorCode.STAY_ALREADY_DISCHARGED,
            mdtrt_id=visit.mdtrt_id,
            discharged_at=f"{visit.discharged_at:%Y-%m-%d %H:%M}",
        )
    now = ctx.clock.now()
    at = cmd.discharged_at or now
    if at < visit.begin_at:
        raise InvalidInput(
            ErrorCode.DISCHARGE_BEFORE_ADMISSION,
            discharged_at=f"{at:%Y-%m-%d %H:%M}",
            admitted_at=f"{visit.begin_at:%Y-%m-%d %H:%M}",
        )
    way = (cmd.way or "").strip()[:10] or None
    discharged = replace(visit, discharged_at=at, discharge_way=way, end_at=at)
    uow.visits.save(discharged)
    uow.visits.add_diagnoses(visit.id, "discharge", _checked_diagnoses(cmd.diagnoses), now)
    return discharged


def cancel_discharge(ctx: Context, cmd: CancelDischarge, *, key: str) -> VisitView:
    """出院撤销: a discharged stay that is not settled is open again."""

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _stay(uow, cmd.mdtrt_id, cmd.institution, Phrase.ACT_CANCEL_DISCHARGE)
        if visit.discharged_at is None:
            raise Refused(
                ErrorCode.STAY_NOT_DISCHARGED,
                mdtrt_id=visit.mdtrt_id,
            )
        reopened = replace(visit, discharged_at=None, discharge_way=None, end_at=None)
        uow.visits.save(reopened)
        uow.visits.drop_diagnoses(visit.id, "discharge")
        return _visit_view(uow, reopened)

    request = {"mdtrt_id": cmd.mdtrt_id.strip(), "institution": cmd.institution}
    return ctx.write(
        key=key, operation="visit.cancel_discharge", request=request, result_type=VisitView, handler=handler
    )


def require_discharged(visit: Visit, *, mid_stay: bool = False) -> None:
    """A stay is settled finally after its discharge; a mid-stay settlement (中途结算) only before it, and only of a
    stay."""
    if mid_stay:
        reason = None if visit.inpatient else Phrase.MID_STAY_NOT_A_STAY
        if reason is None and visit.discharged_at is not None:
            reason = Phrase.MID_STAY_DISCHARGED
        if reason is not None:
            raise Refused(ErrorCode.MID_STAY_NOT_POSSIBLE, mdtrt_id=visit.mdtrt_id, reason=reason)
    elif visit.inpatient and visit.discharged_at is None:
        raise Refused(ErrorCode.STAY_NOT_DISCHARGED, mdtrt_id=visit.mdtrt_id)
