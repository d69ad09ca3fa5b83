"""Visits and their fee lines: open, upload (classified at upload), cancel, show."""

from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal, InvalidOperation

from gongji.domain.catalogue import MILLI, Institution, InstitutionKind, classify
from gongji.domain.codes import BASIC_INSUTYPES, Insutype, MedType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.visits import INPATIENT_MED_TYPES, Diagnosis, FeeLine, Visit, VisitStatus
from gongji.domain.wording import Said
from gongji.rules import parameters as params
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.views import (
    MAX_LINES_PER_UPLOAD,
    CancelDischarge,
    CancelFees,
    CancelVisit,
    DiagnosisView,
    Discharge,
    FeeInput,
    FeeLineView,
    OpenVisit,
    UploadFees,
    VisitView,
)
from gongji.service.suspension import refuse_if_suspended

__all__ = [
    "cancel_discharge",
    "cancel_fees",
    "cancel_visit",
    "discharge",
    "open_visit",
    "open_visit_in",
    "require_discharged",
    "require_institution",
    "upload_fees",
    "upload_fees_in",
    "visit_view",
]


def _visit(uow: UnitOfWork, mdtrt_id: str) -> Visit:
    visit = uow.visits.find(mdtrt_id.strip())
    if visit is None:
        raise NotFound(ErrorCode.VISIT_NOT_FOUND, mdtrt_id=mdtrt_id)
    return visit


def require_institution(
    uow: UnitOfWork, institution_id: int | None, acting: str | None, mdtrt_id: str, action: Phrase
) -> None:
    """An institution acting through the national interface touches only its own visits and settlements."""
    if acting is None:
        return
    own = uow.institutions.find_by_code(acting.strip())
    if own is None or own.id != institution_id:
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


def _quantity_milli(text: str, sn: str) -> int:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        value = Decimal("NaN")
    if not value.is_finite() or value == 0 or abs(value) > 1_000_000 or (value * MILLI) % 1 != 0:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field=f"feedetail[{sn}].cnt",
            reason=Phrase.QUANTITY_FORMAT,
        )
    return int(value * MILLI)


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
                unit_price_fen=line.unit_price_fen,
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
        return _visit_view(uow, discharged)

    request = {
        "mdtrt_id": cmd.mdtrt_id.strip(),
        "discharged_at": cmd.discharged_at.isoformat() if cmd.discharged_at else None,
        "way": cmd.way,
        "diagnoses": [asdict(d) for d in cmd.diagnoses],
        "institution": cmd.institution,
    }
    return ctx.write(key=key, operation="visit.discharge", request=request, result_type=VisitView, handler=handler)


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


def require_discharged(visit: Visit) -> None:
    """A stay is settled after its discharge (mid-stay settlement is not supported)."""
    if visit.inpatient and visit.discharged_at is None:
        raise Refused(ErrorCode.STAY_NOT_DISCHARGED, mdtrt_id=visit.mdtrt_id)


def open_visit(ctx: Context, cmd: OpenVisit, *, key: str) -> VisitView:
    """Register a visit: the patient must hold the insurance (default: the basic one) in normal status and not be
    suspended; a pharmacy takes only pharmacy purchases (41) and a pharmacy purchase only a pharmacy."""

    def handler(uow: UnitOfWork) -> VisitView:
        return _visit_view(uow, open_visit_in(ctx, uow, cmd))

    request = asdict(cmd)
    return ctx.write(key=key, operation="visit.open", request=request, result_type=VisitView, handler=handler)


def _parsed_lines(cmd: UploadFees) -> list[tuple[FeeInput, int]]:
    """Check an upload's shape and read its quantities (thousandths)."""
    if not cmd.lines or len(cmd.lines) > MAX_LINES_PER_UPLOAD:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="feedetail",
            reason=Said(Phrase.LINES_PER_UPLOAD, {"max": MAX_LINES_PER_UPLOAD}),
        )
    parsed = [(line, _quantity_milli(line.quantity, line.feedetl_sn)) for line in cmd.lines]
    for line, _ in parsed:
        if not 0 <= line.unit_price_fen <= MAX_AMOUNT_FEN or not line.feedetl_sn.strip() or not line.item_code.strip():
            raise InvalidInput(
                ErrorCode.FIELD_INVALID,
                field=f"feedetail[{line.feedetl_sn}]",
                reason=Phrase.LINE_FIELDS,
            )
    return parsed


def upload_fees_in(ctx: Context, uow: UnitOfWork, visit: Visit, cmd: UploadFees) -> None:
    """Classify and store fee lines inside a unit of work (the checks of :func:`upload_fees`)."""
    parsed = _parsed_lines(cmd)
    _require_open(visit, Phrase.ACT_UPLOAD_FEES)
    existing = {line.feedetl_sn: line for line in uow.visits.lines(visit.id)}
    items = uow.catalogue.find_many({line.item_code.strip() for line, _ in parsed})
    default_share = ctx.rules.find(params.CATEGORY_B_SELF_PAY_DEFAULT_BP, visit.region, visit.begin_at.date())
    now = ctx.clock.now()
    new_lines: list[FeeLine] = []
    seen: set[str] = set()
    for line, quantity in parsed:
        sn = line.feedetl_sn.strip()
        if sn in existing or sn in seen:
            raise Refused(ErrorCode.FEE_LINE_DUPLICATE, feedetl_sn=sn)
        seen.add(sn)
        item = items.get(line.item_code.strip())
        returns_id = None
        if quantity < 0 or line.returns_feedetl_sn:
            returns_id = _check_return(uow, existing, line, quantity)
        parts = classify(item, quantity, line.unit_price_fen, default_share.value if default_share else None)
        new_lines.append(
            FeeLine(
                id=0,
                visit_id=visit.id,
                feedetl_sn=sn,
                item_code=line.item_code.strip(),
                item_name=(item.name if item else (line.item_name or line.item_code)).strip()[:200],
                quantity_milli=quantity,
                unit_price_fen=line.unit_price_fen,
                parts=parts,
                category=item.category.value if item else None,
                fee_at=line.fee_at or now,
                returns_line_id=returns_id,
            )
        )
    # A visit's bill stays within what the ledger takes in one transfer (100 million yuan): checked here, where
    # the lines come in, so that a settlement never meets a bill it cannot post.
    totals = [line.parts.total_fen for line in new_lines]
    bill = sum(line.parts.total_fen for line in existing.values() if not line.cancelled) + sum(totals)
    for total in (*totals, bill):
        if abs(total) > MAX_AMOUNT_FEN:
            raise InvalidInput(
                ErrorCode.AMOUNT_INVALID,
                value=format_yuan(total),
                reason=Phrase.BILL_TOO_LARGE,
            )
    uow.visits.add_lines(new_lines, now)


def upload_fees(ctx: Context, cmd: UploadFees, *, key: str) -> VisitView:
    """费用明细上传: classify every line at upload (全自费 / 超限价 / 先行自付 / 政策范围内). A return names the line it
    returns, with a negative quantity no larger than what is left of that line, at the same price."""
    _parsed_lines(cmd)

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, Phrase.ACT_UPLOAD_FEES)
        upload_fees_in(ctx, uow, visit, cmd)
        return _visit_view(uow, visit)

    request = {
        "mdtrt_id": cmd.mdtrt_id.strip(),
        "lines": [asdict(line) for line in cmd.lines],
        "institution": cmd.institution,
    }
    return ctx.write(key=key, operation="visit.fees", request=request, result_type=VisitView, handler=handler)


def _check_return(uow: UnitOfWork, existing: dict[str, FeeLine], line: FeeInput, quantity: int) -> int:
    sn = line.feedetl_sn

    def invalid(reason: Phrase) -> Refused:
        return Refused(ErrorCode.FEE_RETURN_INVALID, feedetl_sn=sn, reason=reason)

    if quantity >= 0 or not line.returns_feedetl_sn:
        raise invalid(Phrase.RETURN_SHAPE)
    original = existing.get(line.returns_feedetl_sn.strip())
    if original is None or original.cancelled or original.quantity_milli < 0:
        raise invalid(Phrase.RETURN_LINE_MISSING)
    if original.unit_price_fen != line.unit_price_fen or original.item_code != line.item_code.strip():
        raise invalid(Phrase.RETURN_OTHER_ITEM)
    returned = sum(
        -other.quantity_milli
        for other in existing.values()
        if other.returns_line_id == original.id and not other.cancelled
    )
    if -quantity > original.quantity_milli - returned:
        raise invalid(Phrase.RETURN_TOO_MUCH)
    return original.id


def cancel_fees(ctx: Context, cmd: CancelFees, *, key: str) -> VisitView:
    """费用明细撤销 (only while the visit is not settled)."""

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, Phrase.ACT_CANCEL_FEES)
        _require_open(visit, Phrase.ACT_CANCEL_FEES)
        lines = [line for line in uow.visits.lines(visit.id) if not line.cancelled]
        if cmd.feedetl_sns is not None:
            wanted = {sn.strip() for sn in cmd.feedetl_sns}
            missing = wanted - {line.feedetl_sn for line in lines}
            if missing:
                raise Refused(
                    ErrorCode.FEE_RETURN_INVALID,
                    feedetl_sn=",".join(sorted(missing)),
                    reason=Phrase.LINE_NOT_FOUND,
                )
            lines = [line for line in lines if line.feedetl_sn in wanted]
        uow.visits.cancel_lines([line.id for line in lines])
        return _visit_view(uow, visit)

    request = {
        "mdtrt_id": cmd.mdtrt_id.strip(),
        "feedetl_sns": list(cmd.feedetl_sns) if cmd.feedetl_sns else None,
        "institution": cmd.institution,
    }
    return ctx.write(key=key, operation="visit.cancel_fees", request=request, result_type=VisitView, handler=handler)


def cancel_visit(ctx: Context, cmd: CancelVisit, *, key: str) -> VisitView:
    """撤销挂号 / 撤销入院: a visit not settled is cancelled, and its fee lines with it; a settled one must be
    reversed first."""

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, Phrase.ACT_CANCEL_VISIT)
        _require_open(visit, Phrase.ACT_CANCEL_VISIT)
        uow.visits.cancel_lines([line.id for line in uow.visits.lines(visit.id) if not line.cancelled])
        cancelled = replace(visit, status=VisitStatus.CANCELLED, end_at=ctx.clock.now())
        uow.visits.save(cancelled)
        return _visit_view(uow, cancelled)

    request = {"mdtrt_id": cmd.mdtrt_id.strip(), "institution": cmd.institution}
    return ctx.write(key=key, operation="visit.cancel", request=request, result_type=VisitView, handler=handler)


def visit_view(ctx: Context, mdtrt_id: str) -> VisitView:
    """A visit with its fee lines."""
    return ctx.read(lambda uow: _visit_view(uow, _visit(uow, mdtrt_id)))
