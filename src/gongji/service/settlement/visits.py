"""Visits: open, cancel, show (their fee lines: ``fees``; what is recorded after they open: ``stays``)."""

from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal

from gongji.domain.catalogue import (
    MILLI,
    Institution,
    InstitutionKind,
    price_fen,
)
from gongji.domain.codes import BASIC_INSUTYPES, Insutype, MedType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.visits import INPATIENT_MED_TYPES, Diagnosis, Visit, VisitStatus
from gongji.domain.wording import Said
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.refusal_log import concerning
from gongji.service.settlement.views import (
    CancelVisit,
    DiagnosisView,
    FeeLineView,
    OpenVisit,
    VisitView,
)
from gongji.service.suspension import refuse_if_suspended

__all__ = ["cancel_visit", "open_visit", "open_visit_in", "require_acting", "require_institution", "visit_view"]


def _visit(uow: UnitOfWork, mdtrt_id: str) -> Visit:
    visit = uow.visits.find(mdtrt_id.strip())
    if visit is None:
        raise NotFound(ErrorCode.VISIT_NOT_FOUND, mdtrt_id=mdtrt_id)
    concerning(visit.person_id, visit.region)
    return visit


def require_institution(
    uow: UnitOfWork, institution_id: int | None, acting: str | None, mdtrt_id: str, action: Phrase
) -> None:
    """An institution acting through the national interface touches only its own visits and settlements."""
    if acting is None:
        return
    own = uow.institutions.find_by_code(acting.strip())
    require_acting(own if own is not None and own.id == institution_id else None, acting, mdtrt_id, action)


def require_acting(institution: Institution | None, acting: str | None, mdtrt_id: str, action: Phrase) -> None:
    """:func:`require_institution` once the visit's own ``institution`` has been read: the acting one is it."""
    if acting is not None and (institution is None or institution.fixmedins_code != acting.strip()):
        raise Refused(
            ErrorCode.VISIT_OF_OTHER_INSTITUTION,
            mdtrt_id=mdtrt_id,
            fixmedins_code=acting.strip(),
            action=action,
        )


def _institution(uow: UnitOfWork, code: str) -> Institution:
    institution = uow.institutions.find_by_code(code.strip())
    if institution is None:
        raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=code)
    return institution


def _require_open(visit: Visit, action: Phrase) -> None:
    if visit.status is not VisitStatus.OPEN:
        raise Refused(ErrorCode.VISIT_NOT_OPEN, mdtrt_id=visit.mdtrt_id, status=visit.status, action=action)


def _visit_view(uow: UnitOfWork, visit: Visit) -> VisitView:
    person = uow.people.get(visit.person_id)
    institution = uow.institutions.get(visit.institution_id)
    assert person is not None
    assert institution is not None
    lines = uow.visits.lines(visit.id)
    items = uow.catalogue.find_many({line.item_code for line in lines})
    diagnoses = [
        DiagnosisView(stage, d.seq, d.diag_type, d.diag_code, d.diag_name, d.main)
        for stage, d in uow.visits.diagnoses(visit.id)
    ]
    serials = {line.id: line.feedetl_sn for line in lines}
    return VisitView(
        mdtrt_id=visit.mdtrt_id,
        person_id=person.id,
        psn_no=person.psn_no,
        name=person.name,
        institution=institution.fixmedins_code,
        institution_name=institution.name,
        insutype=visit.insutype.value,
        psn_type=visit.psn_type.value,
        med_type=visit.med_type.value,
        med_type_zh=visit.med_type.zh,
        region=visit.region,
        begin_at=visit.begin_at,
        status=visit.status.value,
        ipt_otp_no=visit.ipt_otp_no,
        buyer_name=visit.buyer_name,
        lines=[
            FeeLineView(
                feedetl_sn=line.feedetl_sn,
                item_code=line.item_code,
                item_name=line.item_name,
                quantity=str(Decimal(line.quantity_milli) / MILLI),
                unit_price_microyuan=line.unit_price_microyuan,
                unit_price_fen=price_fen(line.unit_price_microyuan),
                total_fen=line.parts.total_fen,
                fulamt_ownpay_fen=line.parts.fulamt_ownpay_fen,
                overlmt_fen=line.parts.overlmt_fen,
                preselfpay_fen=line.parts.preselfpay_fen,
                inscp_fen=line.parts.inscp_fen,
                category=line.category,
                cancelled=line.cancelled,
                item_kind=items[line.item_code].kind.value if line.item_code in items else None,
                self_pay_bp=items[line.item_code].self_pay_bp if line.item_code in items else None,
                price_cap_fen=items[line.item_code].price_cap_fen if line.item_code in items else None,
                returns_feedetl_sn=serials.get(line.returns_line_id) if line.returns_line_id else None,
                chrg_bchno=line.chrg_bchno,
                settled=line.settlement_id is not None,
            )
            for line in lines
        ],
        discharged_at=visit.discharged_at,
        discharge_way=visit.discharge_way,
        diagnoses=diagnoses,
    )


def open_visit_in(ctx: Context, uow: UnitOfWork, cmd: OpenVisit, *, check_suspension: bool = True) -> Visit:
    """Open a visit inside a unit of work (the checks of :func:`open_visit`)."""
    person = resolve_person(uow, cmd.person)
    institution = _institution(uow, cmd.institution)
    now = ctx.clock.now()
    if check_suspension:
        refuse_if_suspended(uow, person, (cmd.begin_at or now).date(), now)
    enrollments = [e for e in uow.enrollments.for_person(person.id) if e.is_active]
    wanted = [cmd.insutype] if cmd.insutype else sorted(BASIC_INSUTYPES)
    enrollment = next((e for e in enrollments if e.insutype in wanted), None)
    if enrollment is None or not enrollment.is_normal:
        insutype = cmd.insutype or Insutype.EMPLOYEE_BASIC
        raise Refused(ErrorCode.PATIENT_NOT_INSURED, name=person.name, insutype=insutype)
    pharmacy = institution.kind is InstitutionKind.PHARMACY
    if pharmacy != (cmd.med_type is MedType.PHARMACY_PURCHASE):
        raise Refused(
            ErrorCode.INSTITUTION_KIND_MISMATCH,
            institution=institution.name,
            kind=institution.kind,
            med_type=cmd.med_type,
        )
    if cmd.diagnoses and cmd.med_type not in INPATIENT_MED_TYPES:
        raise Refused(
            ErrorCode.NOT_A_STAY,
            mdtrt_id="—",
            med_type=cmd.med_type,
            action=Phrase.ACT_RECORD_ADMISSION_DIAGNOSES,
        )
    opened = uow.visits.add(
        Visit(
            id=0,
            mdtrt_id="",
            person_id=person.id,
            institution_id=institution.id,
            insutype=enrollment.insutype,
            psn_type=enrollment.psn_type,
            med_type=cmd.med_type,
            region=enrollment.pooling_region,
            begin_at=cmd.begin_at or now,
            status=VisitStatus.OPEN,
            ipt_otp_no=cmd.ipt_otp_no,
            buyer_name=(cmd.buyer_name or "").strip() or None,
            buyer_certno=(cmd.buyer_certno or "").strip().upper() or None,
        ),
        now,
    )
    uow.visits.add_diagnoses(opened.id, "admission", _checked_diagnoses(cmd.diagnoses), now)
    return opened


MAX_DIAGNOSES = 50


def _checked_diagnoses(diagnoses: tuple[Diagnosis, ...]) -> list[Diagnosis]:
    """Diagnoses as given, checked: at most :data:`MAX_DIAGNOSES`, each with a code and a name, orders unique."""
    if len(diagnoses) > MAX_DIAGNOSES or len({d.seq for d in diagnoses}) != len(diagnoses):
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="diseinfo",
            reason=Said(Phrase.DIAGNOSES_AT_MOST, {"max": MAX_DIAGNOSES}),
        )
    checked = []
    for d in diagnoses:
        code, name = d.diag_code.strip(), d.diag_name.strip()
        if not code or not name or len(code) > 30 or len(name) > 200:
            raise InvalidInput(
                ErrorCode.FIELD_INVALID,
                field=f"diseinfo[{d.seq}]",
                reason=Phrase.DIAGNOSIS_FIELDS,
            )
        checked.append(Diagnosis(d.seq, d.diag_type.strip()[:10] or "1", code, name, d.main))
    return checked


def open_visit(ctx: Context, cmd: OpenVisit, *, key: str) -> VisitView:
    """Register a visit: the patient must hold the insurance (default: the basic one) in normal status and not be
    suspended; a pharmacy takes only pharmacy purchases (41) and a pharmacy purchase only a pharmacy."""

    def handler(uow: UnitOfWork) -> VisitView:
        return _visit_view(uow, open_visit_in(ctx, uow, cmd))

    request = asdict(cmd)
    return ctx.write(key=key, operation="visit.open", request=request, result_type=VisitView, handler=handler)


def cancel_visit(ctx: Context, cmd: CancelVisit, *, key: str) -> VisitView:
    """撤销挂号 / 撤销入院: a visit not settled is cancelled, and its fee lines with it; a settled one must be
    reversed first."""

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, Phrase.ACT_CANCEL_VISIT)
        _require_open(visit, Phrase.ACT_CANCEL_VISIT)
        lines = uow.visits.lines(visit.id)
        settled = {line.settlement_id for line in lines if line.settlement_id is not None and not line.cancelled}
        if settled:
            raise Refused(
                ErrorCode.VISIT_HAS_SETTLEMENTS,
                mdtrt_id=visit.mdtrt_id,
                count=len(settled),
                action=Phrase.ACT_CANCEL_VISIT,
            )
        uow.visits.cancel_lines([line.id for line in lines if not line.cancelled])
        cancelled = replace(visit, status=VisitStatus.CANCELLED, end_at=ctx.clock.now())
        uow.visits.save(cancelled)
        return _visit_view(uow, cancelled)

    request = {"mdtrt_id": cmd.mdtrt_id.strip(), "institution": cmd.institution}
    return ctx.write(key=key, operation="visit.cancel", request=request, result_type=VisitView, handler=handler)


def visit_view(ctx: Context, mdtrt_id: str) -> VisitView:
    """A visit with its fee lines."""
    return ctx.read(lambda uow: _visit_view(uow, _visit(uow, mdtrt_id)))
