"""Fee lines (费用明细): upload, classified at upload (全自费 / 超限价 / 先行自付 / 政策范围内), and cancel — each in
its charge batch (收费批次), which a settlement takes whole."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from decimal import Decimal, InvalidOperation

from gongji.domain.catalogue import MICRO_PER_FEN, MILLI, classify, line_total_fen
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.visits import FeeLine, Visit, VisitStatus
from gongji.domain.wording import Said
from gongji.rules import parameters as params
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.views import MAX_LINES_PER_UPLOAD, CancelFees, FeeInput, UploadFees, VisitView
from gongji.service.settlement.visits import _require_open, _visit, _visit_view, require_institution

__all__ = ["cancel_fees", "upload_fees", "upload_fees_in"]


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


def _line_request(line: FeeInput) -> dict[str, object]:
    """A line as its upload's idempotency compares it (the later fields only when set, so that keys stored before
    they existed replay as they were)."""
    request = asdict(line)
    for later in ("chrg_bchno", "price_microyuan", "total_fen"):
        if request[later] is None:
            del request[later]
    return request


def _reopen_for_upload(uow: UnitOfWork, visit: Visit) -> Visit:
    """An outpatient visit or a purchase whose batches are all settled takes another batch (it is open again); a
    settled stay or a cancelled visit takes nothing."""
    if visit.status is VisitStatus.SETTLED and not visit.inpatient:
        reopened = replace(visit, status=VisitStatus.OPEN, end_at=None)
        uow.visits.save(reopened)
        return reopened
    _require_open(visit, Phrase.ACT_UPLOAD_FEES)
    return visit


def _declared_total(line: FeeInput, quantity_milli: int) -> int | None:
    """The amount the hospital system gives a line, taken when it is within a fen of quantity × price (its own
    rounding of a six-decimal price may differ from gongji's by that); any other amount is refused."""
    if line.total_fen is None:
        return None
    computed = line_total_fen(quantity_milli, line.unit_price_microyuan)
    if abs(line.total_fen - computed) > 1:
        field = f"feedetail[{line.feedetl_sn}].det_item_fee_sumamt"
        raise InvalidInput(ErrorCode.FIELD_INVALID, field=field, reason=Phrase.LINE_AMOUNT)
    return line.total_fen


def _refuse_settled_batches(existing: Iterable[FeeLine], lines: Iterable[FeeInput]) -> None:
    """A charge batch that a settlement has taken takes no more lines."""
    settled = {line.chrg_bchno for line in existing if line.chrg_bchno and line.settlement_id}
    for line in lines:
        batch = (line.chrg_bchno or "").strip()
        if batch in settled:
            raise Refused(ErrorCode.CHARGE_BATCH_SETTLED, chrg_bchno=batch, action=Phrase.ACT_UPLOAD_FEES)


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
        price_ok = 0 <= line.unit_price_microyuan <= MAX_AMOUNT_FEN * MICRO_PER_FEN
        if not price_ok or not line.feedetl_sn.strip() or not line.item_code.strip():
            raise InvalidInput(
                ErrorCode.FIELD_INVALID,
                field=f"feedetail[{line.feedetl_sn}]",
                reason=Phrase.LINE_FIELDS,
            )
    return parsed


def upload_fees_in(ctx: Context, uow: UnitOfWork, visit: Visit, cmd: UploadFees) -> None:
    """Classify and store fee lines inside a unit of work (the checks of :func:`upload_fees`)."""
    parsed = _parsed_lines(cmd)
    visit = _reopen_for_upload(uow, visit)
    lines = uow.visits.lines(visit.id)
    _refuse_settled_batches(lines, cmd.lines)
    # A cancelled line's serial may be uploaded again: only live lines hold theirs.
    existing = {line.feedetl_sn: line for line in lines if not line.cancelled}
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
        share = default_share.value if default_share else None
        parts = classify(item, quantity, line.unit_price_microyuan, share, _declared_total(line, quantity))
        new_lines.append(
            FeeLine(
                id=0,
                visit_id=visit.id,
                feedetl_sn=sn,
                item_code=line.item_code.strip(),
                item_name=(item.name if item else (line.item_name or line.item_code)).strip()[:200],
                quantity_milli=quantity,
                unit_price_microyuan=line.unit_price_microyuan,
                parts=parts,
                category=item.category.value if item else None,
                fee_at=line.fee_at or now,
                returns_line_id=returns_id,
                chrg_bchno=(line.chrg_bchno or "").strip() or None,
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
        "lines": [_line_request(line) for line in cmd.lines],
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
    if original.unit_price_microyuan != line.unit_price_microyuan or original.item_code != line.item_code.strip():
        raise invalid(Phrase.RETURN_OTHER_ITEM)
    returned = sum(
        -other.quantity_milli
        for other in existing.values()
        if other.returns_line_id == original.id and not other.cancelled
    )
    if -quantity > original.quantity_milli - returned:
        raise invalid(Phrase.RETURN_TOO_MUCH)
    return original.id


def _lines_to_cancel(lines: Sequence[FeeLine], cmd: CancelFees) -> list[FeeLine]:
    """The live lines a cancel names — every one of the visit (or of its batch), or the serials given — none of them
    settled."""
    live = [line for line in lines if not line.cancelled]
    batch = (cmd.chrg_bchno or "").strip() or None
    if batch is not None:
        live = [line for line in live if line.chrg_bchno == batch]
    if cmd.feedetl_sns is not None:
        wanted = {sn.strip() for sn in cmd.feedetl_sns}
        missing = wanted - {line.feedetl_sn for line in live}
        if missing:
            raise Refused(
                ErrorCode.FEE_RETURN_INVALID,
                feedetl_sn=",".join(sorted(missing)),
                reason=Phrase.LINE_NOT_FOUND,
            )
        live = [line for line in live if line.feedetl_sn in wanted]
    settled = sorted(line.feedetl_sn for line in live if line.settlement_id is not None)
    if settled and (cmd.feedetl_sns is not None or batch is not None):
        raise Refused(ErrorCode.FEE_LINE_SETTLED, feedetl_sn=",".join(settled))
    return [line for line in live if line.settlement_id is None]


def cancel_fees(ctx: Context, cmd: CancelFees, *, key: str) -> VisitView:
    """费用明细撤销: the named lines, a charge batch's, or every line of the visit waiting to be settled; a settled
    line is cancelled only after its settlement is reversed."""

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, Phrase.ACT_CANCEL_FEES)
        _require_open(visit, Phrase.ACT_CANCEL_FEES)
        uow.visits.cancel_lines([line.id for line in _lines_to_cancel(uow.visits.lines(visit.id), cmd)])
        return _visit_view(uow, visit)

    request = {
        "mdtrt_id": cmd.mdtrt_id.strip(),
        "feedetl_sns": list(cmd.feedetl_sns) if cmd.feedetl_sns else None,
        "institution": cmd.institution,
        **({"chrg_bchno": cmd.chrg_bchno.strip()} if cmd.chrg_bchno else {}),
    }
    return ctx.write(key=key, operation="visit.cancel_fees", request=request, result_type=VisitView, handler=handler)
