"""Visits, fee lines and settlements: preview (writes nothing), commit (one journal), reverse, explain.

The split follows ``gongji.domain.settlement``; this module gathers its inputs — the rules of the patient's region on
the visit's date, the year's accumulators, the locked balances of every account that may pay, the patient's payer
order — writes the result as one journal (money and memo accounts together), and keeps an explanation of every value
read and every account tried.

Where the rules data has no pooling row for a bill (no ratio, deductible or cap for that medical type, hospital level
and category), the missing value is treated as "the fund pays nothing" / "no deductible" / "no cap" and the
explanation says so: the data, not the code, is what to complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from pydantic import TypeAdapter

from gongji.domain.catalogue import MILLI, Institution, InstitutionKind, classify
from gongji.domain.codes import BASIC_INSUTYPES, FundPayType, Insutype, MedType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.ledger import (
    DEDUCTIBLE,
    FUND,
    QUOTA,
    AccountKind,
    AccountState,
    JournalKind,
    TransferSpec,
    accumulator_code,
    institution_code,
    mirror,
    post_transfers,
    quota_used_code,
)
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan, round_half_up
from gongji.domain.people import Person
from gongji.domain.relations import RelationStatus
from gongji.domain.settlement import (
    Band,
    BillParts,
    FundTerms,
    PayerRow,
    Payment,
    Purse,
    SetlInfo,
    SettlementRecord,
    fund_share,
    take,
)
from gongji.domain.visits import FeeLine, Visit, VisitStatus
from gongji.rules import parameters as params
from gongji.rules.schema import (
    BillPart,
    HospitalLevel,
    InsuredCategory,
    QuotaModel,
    ShareablePart,
    match_row,
)
from gongji.service.accounts import roll_over_account
from gongji.service.context import Context
from gongji.service.eligibility import (
    Party,
    PaymentKind,
    RuleReader,
    ShareableBalance,
    payment_findings,
    rule_trace_views,
)
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.suspension import refuse_if_suspended
from gongji.service.views import RuleTraceView

__all__ = [
    "EXPLANATION",
    "CancelFees",
    "ExplanationView",
    "FeeInput",
    "FeeLineView",
    "OpenVisit",
    "PurseStepView",
    "ReverseSettlement",
    "Settle",
    "SettlementPlan",
    "SettlementView",
    "VisitView",
    "cancel_fees",
    "commit_settlement",
    "explain",
    "explanation_of",
    "open_visit",
    "open_visit_in",
    "payer_rows",
    "plan_settlement",
    "preview_settlement",
    "reverse_settlement",
    "settlement_transfers",
    "settlement_view",
    "show_settlement",
    "trace_views",
    "upload_fees",
    "upload_fees_in",
    "visit_view",
]

MAX_LINES_PER_UPLOAD = 500


# --- commands and views ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenVisit:
    """门诊挂号 / 入院办理 / 药店购药: a visit of a person at an institution under a medical type."""

    person: str
    institution: str
    med_type: MedType
    begin_at: datetime | None = None
    insutype: Insutype | None = None
    ipt_otp_no: str | None = None
    buyer_name: str | None = None
    buyer_certno: str | None = None


@dataclass(frozen=True)
class FeeInput:
    """One fee line as the hospital system uploads it (quantity as text: ``"2"``, ``"0.5"``)."""

    feedetl_sn: str
    item_code: str
    quantity: str
    unit_price_fen: int
    item_name: str | None = None
    fee_at: datetime | None = None
    returns_feedetl_sn: str | None = None


@dataclass(frozen=True)
class UploadFees:
    """费用明细上传."""

    mdtrt_id: str
    lines: tuple[FeeInput, ...]


@dataclass(frozen=True)
class CancelFees:
    """费用明细撤销: the named lines, or every line of the visit."""

    mdtrt_id: str
    feedetl_sns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Settle:
    """结算 (or 预结算 when previewed): ``acct_used_flag`` false pays nothing from any account."""

    mdtrt_id: str
    acct_used_flag: bool = True


@dataclass(frozen=True)
class ReverseSettlement:
    """结算撤销."""

    setl_id: str
    reason: str


@dataclass(frozen=True)
class FeeLineView:
    """A classified fee line."""

    feedetl_sn: str
    item_code: str
    item_name: str
    quantity: str
    unit_price_fen: int
    total_fen: int
    fulamt_ownpay_fen: int
    overlmt_fen: int
    preselfpay_fen: int
    inscp_fen: int
    category: str | None
    cancelled: bool


@dataclass(frozen=True)
class VisitView:
    """A visit with its fee lines."""

    mdtrt_id: str
    person_id: int
    psn_no: str
    name: str
    institution: str
    institution_name: str
    insutype: str
    psn_type: str
    med_type: str
    med_type_zh: str
    region: str
    begin_at: datetime
    status: str
    ipt_otp_no: str | None
    buyer_name: str | None
    lines: list[FeeLineView]


@dataclass(frozen=True)
class PurseStepView:
    """One account tried in order: what it paid, or why it was skipped."""

    order: int
    payer: str
    relation: str | None
    region: str
    balance_before_fen: int
    available_fen: int
    paid_fen: int
    from_prior_fen: int
    from_current_fen: int
    balance_after_fen: int
    skipped_code: str | None
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class ExplanationView:
    """Why the bill was split as it was: every rule value read, every step of the fund, every account tried."""

    rules: list[RuleTraceView]
    fund_steps_zh: list[str]
    fund_steps_en: list[str]
    purses: list[PurseStepView]
    cash_fen: int


@dataclass(frozen=True)
class PayerLineView:
    """Who paid from a personal account (``setldetail`` extension and gongji's own record)."""

    seq: int
    payer: str
    payer_psn_no: str
    relation: str | None
    relation_zh: str | None
    region: str
    amount_fen: int
    prior_years_fen: int
    current_year_fen: int
    balance_after_fen: int


@dataclass(frozen=True)
class FundLineView:
    """A ``setldetail`` row: a fund or account that paid."""

    fund_pay_type: str
    fund_pay_type_name: str
    inscp_scp_amt_fen: int
    fund_payamt_fen: int


@dataclass(frozen=True)
class SettlementView:
    """A settlement (or its preview): the national amounts, who paid, and the explanation."""

    setl_id: str | None
    mdtrt_id: str | None
    status: str
    previewed: bool
    person_id: int
    psn_no: str
    name: str
    certno: str
    insutype: str
    psn_type: str
    med_type: str | None
    institution: str | None
    settled_at: datetime
    acct_used_flag: bool
    amounts: dict[str, int]
    funds: list[FundLineView]
    payers: list[PayerLineView]
    explanation: ExplanationView
    buyer_name: str | None = None
    reversed_at: datetime | None = None


EXPLANATION = TypeAdapter(ExplanationView)


# --- visits and fees ---------------------------------------------------------------------------------------------


def _visit(uow: UnitOfWork, mdtrt_id: str) -> Visit:
    visit = uow.visits.find(mdtrt_id.strip())
    if visit is None:
        raise NotFound(ErrorCode.VISIT_NOT_FOUND, mdtrt_id=mdtrt_id)
    return visit


def _institution(uow: UnitOfWork, code: str) -> Institution:
    institution = uow.institutions.find_by_code(code.strip())
    if institution is None:
        raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=code)
    return institution


def _require_open(visit: Visit, action_zh: str, action_en: str) -> None:
    if visit.status is not VisitStatus.OPEN:
        names = {"settled": "已结算", "cancelled": "已撤销", "open": "就诊中"}
        raise Refused(
            ErrorCode.VISIT_NOT_OPEN,
            mdtrt_id=visit.mdtrt_id,
            status_zh=names[visit.status.value],
            status_en=visit.status.value,
            action_zh=action_zh,
            action_en=action_en,
        )


def _quantity_milli(text: str, sn: str) -> int:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        value = Decimal("NaN")
    if not value.is_finite() or value == 0 or abs(value) > 1_000_000 or (value * MILLI) % 1 != 0:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field=f"feedetail[{sn}].cnt",
            reason_zh="数量须为非零、最多三位小数的数",
            reason_en="a quantity is a non-zero number with at most three decimals",
        )
    return int(value * MILLI)


def _visit_view(uow: UnitOfWork, visit: Visit) -> VisitView:
    person = uow.people.get(visit.person_id)
    institution = uow.institutions.get(visit.institution_id)
    assert person is not None
    assert institution is not None
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
            )
            for line in uow.visits.lines(visit.id)
        ],
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
        raise Refused(ErrorCode.PATIENT_NOT_INSURED, name=person.name, insutype_zh=insutype.zh, insutype_en=insutype.en)
    pharmacy = institution.kind is InstitutionKind.PHARMACY
    if pharmacy != (cmd.med_type is MedType.PHARMACY_PURCHASE):
        kind_zh, kind_en = ("零售药店", "pharmacy") if pharmacy else ("医疗机构", "hospital")
        raise Refused(
            ErrorCode.INSTITUTION_KIND_MISMATCH,
            institution=institution.name,
            kind_zh=kind_zh,
            kind_en=kind_en,
            med_type_zh=cmd.med_type.zh,
            med_type_en=cmd.med_type.en,
        )
    return uow.visits.add(
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


def open_visit(ctx: Context, cmd: OpenVisit, *, key: str) -> VisitView:
    """Register a visit: the patient must hold the insurance (default: the basic one) in normal status and not be
    suspended; a pharmacy takes only pharmacy purchases (41) and a pharmacy purchase only a pharmacy."""

    def handler(uow: UnitOfWork) -> VisitView:
        return _visit_view(uow, open_visit_in(ctx, uow, cmd))

    request = asdict_plain(cmd)
    return ctx.write(key=key, operation="visit.open", request=request, result_type=VisitView, handler=handler)


def asdict_plain(cmd: Any) -> dict[str, Any]:
    """A command as plain data for the idempotency hash."""
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in cmd.__dict__.items()}


def _parsed_lines(cmd: UploadFees) -> list[tuple[FeeInput, int]]:
    """Check an upload's shape and read its quantities (thousandths)."""
    if not cmd.lines or len(cmd.lines) > MAX_LINES_PER_UPLOAD:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="feedetail",
            reason_zh=f"一次上传 1 到 {MAX_LINES_PER_UPLOAD} 条明细",
            reason_en=f"upload 1 to {MAX_LINES_PER_UPLOAD} lines at a time",
        )
    parsed = [(line, _quantity_milli(line.quantity, line.feedetl_sn)) for line in cmd.lines]
    for line, _ in parsed:
        if not 0 <= line.unit_price_fen <= MAX_AMOUNT_FEN or not line.feedetl_sn.strip() or not line.item_code.strip():
            raise InvalidInput(
                ErrorCode.FIELD_INVALID,
                field=f"feedetail[{line.feedetl_sn}]",
                reason_zh="须有流水号、项目编码和不为负的单价",
                reason_en="a line needs a serial number, an item code and a unit price that is not negative",
            )
    return parsed


def upload_fees_in(ctx: Context, uow: UnitOfWork, visit: Visit, cmd: UploadFees) -> None:
    """Classify and store fee lines inside a unit of work (the checks of :func:`upload_fees`)."""
    parsed = _parsed_lines(cmd)
    _require_open(visit, "上传费用", "upload fees")
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
    uow.visits.add_lines(new_lines, now)


def upload_fees(ctx: Context, cmd: UploadFees, *, key: str) -> VisitView:
    """费用明细上传: classify every line at upload (全自费 / 超限价 / 先行自付 / 政策范围内). A return names the line it
    returns, with a negative quantity no larger than what is left of that line, at the same price."""
    _parsed_lines(cmd)

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        upload_fees_in(ctx, uow, visit, cmd)
        return _visit_view(uow, visit)

    request = {"mdtrt_id": cmd.mdtrt_id.strip(), "lines": [asdict_plain(line) for line in cmd.lines]}
    return ctx.write(key=key, operation="visit.fees", request=request, result_type=VisitView, handler=handler)


def _check_return(uow: UnitOfWork, existing: dict[str, FeeLine], line: FeeInput, quantity: int) -> int:
    sn = line.feedetl_sn

    def invalid(zh: str, en: str) -> Refused:
        return Refused(ErrorCode.FEE_RETURN_INVALID, feedetl_sn=sn, reason_zh=zh, reason_en=en)

    if quantity >= 0 or not line.returns_feedetl_sn:
        raise invalid(
            "退费须为负数量并注明原明细流水号", "a return has a negative quantity and names the line it returns"
        )
    original = existing.get(line.returns_feedetl_sn.strip())
    if original is None or original.cancelled or original.quantity_milli < 0:
        raise invalid("原明细不存在或已撤销", "the line it returns does not exist or was cancelled")
    if original.unit_price_fen != line.unit_price_fen or original.item_code != line.item_code.strip():
        raise invalid("退费须与原明细的项目和单价相同", "a return has the item and unit price of the line it returns")
    returned = sum(
        -other.quantity_milli
        for other in existing.values()
        if other.returns_line_id == original.id and not other.cancelled
    )
    if -quantity > original.quantity_milli - returned:
        raise invalid("退费数量超过原明细剩余数量", "more is returned than is left of the line")
    return original.id


def cancel_fees(ctx: Context, cmd: CancelFees, *, key: str) -> VisitView:
    """费用明细撤销 (only while the visit is not settled)."""

    def handler(uow: UnitOfWork) -> VisitView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        _require_open(visit, "撤销费用", "cancel fees")
        lines = [line for line in uow.visits.lines(visit.id) if not line.cancelled]
        if cmd.feedetl_sns is not None:
            wanted = {sn.strip() for sn in cmd.feedetl_sns}
            missing = wanted - {line.feedetl_sn for line in lines}
            if missing:
                raise Refused(
                    ErrorCode.FEE_RETURN_INVALID,
                    feedetl_sn=",".join(sorted(missing)),
                    reason_zh="明细不存在或已撤销",
                    reason_en="no such line, or already cancelled",
                )
            lines = [line for line in lines if line.feedetl_sn in wanted]
        uow.visits.cancel_lines([line.id for line in lines])
        return _visit_view(uow, visit)

    request = {"mdtrt_id": cmd.mdtrt_id.strip(), "feedetl_sns": list(cmd.feedetl_sns) if cmd.feedetl_sns else None}
    return ctx.write(key=key, operation="visit.cancel_fees", request=request, result_type=VisitView, handler=handler)


# --- the split ---------------------------------------------------------------------------------------------------


@dataclass
class SettlementPlan:
    """Everything a settlement computes before anything is written."""

    visit: Visit
    person: Person
    institution: Institution
    amounts: SetlInfo
    payments: list[Payment]
    steps: list[PurseStepView]
    fund_steps_zh: list[str]
    fund_steps_en: list[str]
    reader: RuleReader
    year: int
    deductible_group: str | None
    fund_group: str | None
    purses: list[Purse] = field(default_factory=list)


def _category(visit: Visit) -> InsuredCategory:
    if not visit.psn_type.is_employee:
        return InsuredCategory.RESIDENT
    return InsuredCategory.RETIRED if visit.psn_type.is_retired else InsuredCategory.IN_SERVICE


def _level(institution: Institution) -> HospitalLevel | None:
    return HospitalLevel(institution.level) if institution.level else None


def _group(med_types: Sequence[MedType]) -> str:
    return "+".join(sorted(m.value for m in med_types))


def _accumulated(uow: UnitOfWork, kind: AccountKind, person_id: int, year: int, group: str | None) -> int:
    if group is None:
        return 0
    row = uow.ledger.find_account_by_code(accumulator_code(kind, person_id, year, group))
    return row.state.balance_fen if row else 0


def _bill_parts(lines: Sequence[FeeLine]) -> tuple[BillParts, int]:
    live = [line for line in lines if not line.cancelled]
    parts = BillParts(
        fulamt_ownpay_fen=sum(line.parts.fulamt_ownpay_fen for line in live),
        overlmt_fen=sum(line.parts.overlmt_fen for line in live),
        preselfpay_fen=sum(line.parts.preselfpay_fen for line in live),
        inscp_fen=sum(line.parts.inscp_fen for line in live),
    )
    return parts, len(live)


def _payable_ceiling(
    reader: RuleReader, region: str, med_type: MedType, parts: BillParts, fund: int, deductible: int, not_payable: int
) -> int:
    """What the personal account may pay of this bill under a region's scope (bill parts and medical types)."""
    if med_type not in reader.get(params.ACCOUNT_PAYABLE_MED_TYPES, region):
        return 0
    allowed_parts: list[BillPart] = reader.get(params.ACCOUNT_PAYABLE_BILL_PARTS, region)
    allowed = set(allowed_parts)
    ceiling = 0
    if BillPart.POLICY_SELF_PAY in allowed:
        ceiling += parts.inscp_fen - fund
    if BillPart.CATEGORY_B_SELF_PAY in allowed:
        ceiling += parts.preselfpay_fen
    if BillPart.FULL_OWN_PAY in allowed:
        ceiling += parts.fulamt_ownpay_fen
    if BillPart.OVER_LIMIT in allowed:
        ceiling += parts.overlmt_fen
    del deductible  # part of inscp − fund already
    return max(ceiling - not_payable, 0)


def plan_settlement(ctx: Context, uow: UnitOfWork, visit: Visit, acct_used: bool, *, lock: bool) -> SettlementPlan:
    """Compute a settlement of a visit (amounts, payments, explanation); ``lock`` locks the paying accounts."""
    person = uow.people.get(visit.person_id)
    institution = uow.institutions.get(visit.institution_id)
    assert person is not None
    assert institution is not None
    on = visit.begin_at.date()
    reader = RuleReader(ctx.rules, on)
    lines = uow.visits.lines(visit.id)
    parts, count = _bill_parts(lines)
    if count == 0 or parts.medfee_sumamt_fen <= 0:
        raise Refused(ErrorCode.EMPTY_BILL, mdtrt_id=visit.mdtrt_id)
    items = uow.catalogue.find_many({line.item_code for line in lines if not line.cancelled})
    not_payable_lines = [
        line
        for line in lines
        if not line.cancelled and line.item_code in items and not items[line.item_code].account_payable
    ]
    category, level, age = _category(visit), _level(institution), person.age_on(on)
    year = on.year
    zh: list[str] = []
    en: list[str] = []

    def row_of(param: Any) -> Any:
        found = ctx.rules.find(param, visit.region, on)
        if found is None:
            return None
        reader.traces.append(found.trace)
        return match_row(found.value, visit.med_type, level, category, age)

    deductible_row, ratio_row, cap_row = (
        row_of(params.POOLING_DEDUCTIBLE_FEN),
        row_of(params.POOLING_RATIO_BP),
        row_of(params.POOLING_ANNUAL_CAP_FEN),
    )
    label = f"{visit.med_type.value} {visit.med_type.zh}, {category.value}, level {level.value if level else '—'}"
    if ratio_row is None:
        zh.append(f"统筹区 {visit.region} 的规则没有适用于此费用（{label}）的统筹基金支付比例：统筹基金不支付")
        en.append(f"Region {visit.region}'s rules set no pooling ratio for this bill ({label}): the fund pays nothing")
        share = fund_share(parts.inscp_fen, FundTerms(0, 0, 0, (), None, 0))
        deductible_group = fund_group = None
    else:
        deductible_group = _group(deductible_row.med_types) if deductible_row else None
        fund_group = _group(cap_row.med_types) if cap_row else _group(ratio_row.med_types)
        paid_dedc = _accumulated(uow, AccountKind.DEDUCTIBLE_PAID, person.id, year, deductible_group)
        paid_fund = _accumulated(uow, AccountKind.FUND_PAID, person.id, year, fund_group)
        terms = FundTerms(
            deductible_fen=deductible_row.amount_fen if deductible_row else 0,
            deductible_paid_fen=paid_dedc,
            ratio_bp=ratio_row.ratio_bp,
            bands=tuple(Band(b.from_fen, b.ratio_bp) for b in ratio_row.bands or ()),
            cap_fen=cap_row.amount_fen if cap_row else None,
            fund_paid_fen=paid_fund,
        )
        share = fund_share(parts.inscp_fen, terms)
        if deductible_row is None:
            zh.append("规则未设定起付标准：按无起付线计算")
            en.append("The rules set no deductible for this bill: none is applied")
        else:
            zh.append(
                f"起付标准 {format_yuan(terms.deductible_fen)}，本年已付 {format_yuan(paid_dedc)}，本次起付 "
                f"{format_yuan(share.act_pay_dedc_fen)}"
            )
            en.append(
                f"Deductible {format_yuan(terms.deductible_fen)}, paid this year {format_yuan(paid_dedc)}, applied now "
                f"{format_yuan(share.act_pay_dedc_fen)}"
            )
        zh.append(
            f"政策范围内 {format_yuan(parts.inscp_fen)} − 起付 {format_yuan(share.act_pay_dedc_fen)} = "
            f"{format_yuan(parts.inscp_fen - share.act_pay_dedc_fen)}，按 {terms.ratio_bp / 100:g}% 支付 "
            f"{format_yuan(share.before_cap_fen)}"
        )
        en.append(
            f"Policy range {format_yuan(parts.inscp_fen)} − deductible {format_yuan(share.act_pay_dedc_fen)} = "
            f"{format_yuan(parts.inscp_fen - share.act_pay_dedc_fen)}, at {terms.ratio_bp / 100:g}%: "
            f"{format_yuan(share.before_cap_fen)}"
        )
        if terms.cap_fen is None:
            zh.append("规则未设定年度最高支付限额：不封顶")
            en.append("The rules set no annual cap for this bill: none is applied")
        else:
            zh.append(
                f"年度限额 {format_yuan(terms.cap_fen)}，本年已支付 {format_yuan(paid_fund)}，统筹基金支付 "
                f"{format_yuan(share.hifp_pay_fen)}"
            )
            en.append(
                f"Annual cap {format_yuan(terms.cap_fen)}, paid this year {format_yuan(paid_fund)}: the fund pays "
                f"{format_yuan(share.hifp_pay_fen)}"
            )
    fund = share.hifp_pay_fen
    psn_part = parts.medfee_sumamt_fen - fund
    # What the person bears of items the account may not pay: their total less the fund's share of their policy
    # range, the fund's payment being attributed to the lines in proportion to their policy-range amounts.
    not_payable = sum(
        line.parts.total_fen
        - (round_half_up(Fraction(line.parts.inscp_fen * fund, parts.inscp_fen)) if parts.inscp_fen else 0)
        for line in not_payable_lines
    )
    purses, steps, payments, acct_paid = (
        ([], [], [], 0)
        if not acct_used
        else _waterfall(
            ctx, uow, visit, person, reader, parts, fund, share.act_pay_dedc_fen, not_payable, psn_part, lock=lock
        )
    )
    own = next((p for p in purses if p.own), None)
    if own is None and not acct_used:
        own_rows = [
            row
            for row in uow.ledger.accounts_of_person(person.id)
            if row.region == visit.region
            and row.state.kind in (AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT)
        ]
        if own_rows:
            own = Purse(person.id, None, person.name, visit.region, sum(r.state.balance_fen for r in own_rows), 0)
    if not acct_used:
        zh.append("本次不使用个人账户（acct_used_flag = 0）")
        en.append("The account is not used this time (acct_used_flag = 0)")
    else:
        ceiling = min(
            _payable_ceiling(reader, visit.region, visit.med_type, parts, fund, share.act_pay_dedc_fen, not_payable),
            psn_part,
        )
        zh.append(
            f"个人负担 {format_yuan(psn_part)}，其中个人账户可支付 {format_yuan(ceiling)}"
            f"（统筹区 {visit.region} 的个人账户支付范围），其余现金支付"
        )
        en.append(
            f"Person's part {format_yuan(psn_part)}, of which personal accounts may pay {format_yuan(ceiling)} "
            f"(region {visit.region}'s account scope); the rest is cash"
        )
        if own is None:
            zh.append(f"{person.name} 本人没有职工医保个人账户，由共济人账户按顺序支付")
            en.append(f"{person.name} has no personal account of her or his own; authorisers pay in order")
    own_paid = sum(p.amount_fen for p in payments if p.purse.own)
    balance = (own.prior_years_fen + own.current_year_fen - own_paid) if own else 0
    amounts = SetlInfo(
        medfee_sumamt_fen=parts.medfee_sumamt_fen,
        fulamt_ownpay_amt_fen=parts.fulamt_ownpay_fen,
        overlmt_selfpay_fen=parts.overlmt_fen,
        preselfpay_amt_fen=parts.preselfpay_fen,
        inscp_scp_amt_fen=parts.inscp_fen,
        act_pay_dedc_fen=share.act_pay_dedc_fen,
        hifp_pay_fen=fund,
        pool_prop_selfpay_fen=share.pool_prop_selfpay_fen,
        fund_pay_sumamt_fen=fund,
        psn_part_amt_fen=psn_part,
        acct_pay_fen=acct_paid,
        acct_mulaid_pay_fen=acct_paid - own_paid,
        psn_cash_pay_fen=psn_part - acct_paid,
        hosp_part_amt_fen=0,
        balc_fen=balance,
    )
    plan = SettlementPlan(
        visit, person, institution, amounts, payments, steps, zh, en, reader, year, deductible_group, fund_group
    )
    plan.purses = purses
    return plan


def _waterfall(
    ctx: Context,
    uow: UnitOfWork,
    visit: Visit,
    person: Person,
    reader: RuleReader,
    parts: BillParts,
    fund: int,
    deductible: int,
    not_payable: int,
    psn_part: int,
    *,
    lock: bool,
) -> tuple[list[Purse], list[PurseStepView], list[Payment], int]:
    """Own account first (unless the region says otherwise), then each authoriser in the patient's order."""
    on = visit.begin_at.date()
    patient = Party(person, uow.enrollments.for_person(person.id), uow.relations.of_person(person.id))
    # Every live relation is tried, in order: an active one pays, a pending one is skipped with its reason.
    relations = sorted(
        (r for r in patient.relations if r.beneficiary_id == person.id and r.is_live_at(visit.begin_at)),
        key=lambda r: (r.order_position or 10_000, r.id),
    )
    people = {person.id: person}
    account_ids: list[int] = []
    # A current-year part still holding last year's money is 历年 money already (a commit rolls it over first;
    # a preview counts it so, without writing).
    this_year = ctx.clock.now().year
    unrolled: set[int] = set()
    for payer_id in [person.id, *(r.authoriser_id for r in relations)]:
        if payer_id not in people:
            found = uow.people.get(payer_id)
            assert found is not None
            people[payer_id] = found
        for row in uow.ledger.accounts_of_person(payer_id):
            if row.state.kind in (AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT):
                account_ids.append(row.state.id)
                if row.period_year is not None and row.period_year < this_year:
                    unrolled.add(row.state.id)
    states = (
        uow.ledger.lock(account_ids)
        if lock
        else {row.state.id: row.state for row in uow.ledger.accounts_by_id(account_ids)}
    )

    def parts_of(payer_id: int, region: str) -> tuple[int, int, dict[AccountKind, int]]:
        prior = current = 0
        ids: dict[AccountKind, int] = {}
        for state in states.values():
            if state.owner_person_id == payer_id and state.ledger.startswith(region):
                if state.kind is AccountKind.PERSONAL_PRIOR:
                    prior += state.balance_fen
                    ids[state.kind] = state.id
                elif state.kind is AccountKind.PERSONAL_CURRENT:
                    ids[state.kind] = state.id
                    if state.id in unrolled:
                        prior += state.balance_fen
                    else:
                        current += state.balance_fen
        return prior, current, ids

    purses: list[Purse] = []
    own_first = reader.get(params.OWN_ACCOUNT_PAYS_FIRST, visit.region)
    own_prior, own_current, own_ids = parts_of(person.id, visit.region)
    own = Purse(person.id, None, person.name, visit.region, own_prior, own_current) if own_ids else None
    kind = PaymentKind(med_type=visit.med_type)
    relatives: list[Purse] = []
    for relation in relations:
        authoriser = people[relation.authoriser_id]
        payer = Party(authoriser, uow.enrollments.for_person(authoriser.id), uow.relations.of_person(authoriser.id))
        region = payer.region or relation.region
        prior, current, _ = parts_of(authoriser.id, region)
        used = _quota_used(uow, relation.id, on.year)
        start_balance = prior + current  # the year's opening balance is refined below when the share model needs it
        findings, sub = payment_findings(
            ctx.rules,
            payer,
            patient,
            visit.begin_at,
            kind,
            ShareableBalance(prior, current, used, start_balance),
            shared_quota=uow.relations.shared_quota(authoriser.id),
        )
        reader.traces.extend(sub.traces)
        skip = None
        if findings:
            skip = (findings[0].code.name, dict(findings[0].params))
        elif (
            visit.inpatient
            and relation.confirmed_at
            and relation.confirmed_at > visit.begin_at
            and not sub.get(params.BINDING_AFTER_ADMISSION_PAYS_STAY, region)
        ):
            skip = (
                ErrorCode.BINDING_AFTER_ADMISSION.name,
                {
                    "relation_id": relation.id,
                    "confirmed_at": f"{relation.confirmed_at:%Y-%m-%d %H:%M}",
                    "admitted_at": f"{visit.begin_at:%Y-%m-%d %H:%M}",
                    "region": region,
                },
            )
        quota_left = _quota_left(ctx, relation, region, on, used, start_balance, uow)
        keep = ctx.rules.resolve(params.AUTHORISER_MIN_BALANCE_FEN, region, on).value
        prior_only = ctx.rules.resolve(params.SHAREABLE_PART, region, on).value is ShareablePart.PRIOR_YEARS_ONLY
        cap = ctx.rules.resolve(params.PER_VISIT_CAP_FEN, region, on).value.get(visit.med_type)
        relatives.append(
            Purse(
                authoriser.id,
                relation.id,
                authoriser.name,
                region,
                prior,
                current,
                prior_only,
                keep,
                quota_left,
                cap,
                skip,
            )
        )
    ordered = ([own] if own and own_first else []) + relatives + ([own] if own and not own_first else [])
    purses = ordered
    steps: list[PurseStepView] = []
    payments: list[Payment] = []
    paid = 0
    mutual_by_visit = 0
    for order, purse in enumerate(ordered, start=1):
        ceiling = _payable_ceiling(reader, purse.region, visit.med_type, parts, fund, deductible, not_payable)
        room = max(min(ceiling, psn_part) - paid, 0)
        available = purse.available_fen()
        if purse.visit_cap_left_fen is not None:
            available = min(available, max(purse.visit_cap_left_fen - mutual_by_visit, 0))
        amount = min(room, available)
        payment = None
        if amount > 0:
            payment = take(purse, amount)
            payments.append(payment)
            paid += amount
            if not purse.own:
                mutual_by_visit += amount
        steps.append(_step(order, purse, payment, available, room))
    return purses, steps, payments, paid


def _quota_used(uow: UnitOfWork, relation_id: int, year: int) -> int:
    row = uow.ledger.find_account_by_code(quota_used_code(relation_id, year))
    return row.state.balance_fen if row else 0


def _quota_left(
    ctx: Context, relation: Any, region: str, on: date, used: int, start_balance: int, uow: UnitOfWork
) -> int | None:
    model = ctx.rules.resolve(params.QUOTA_MODEL, region, on).value
    if model is QuotaModel.PER_RELATION:
        return None if relation.quota_fen is None else max(relation.quota_fen - used, 0)
    if model is QuotaModel.SHARED:
        _, quota = uow.relations.shared_quota(relation.authoriser_id)
        return None if quota is None else max(quota - used, 0)
    share = ctx.rules.resolve(params.QUOTA_ANNUAL_SHARE_BP, region, on).value
    return max(start_balance * share // 10_000 - used, 0)


def _step(order: int, purse: Purse, payment: Payment | None, available: int, room: int) -> PurseStepView:
    before = purse.prior_years_fen + purse.current_year_fen
    paid = payment.amount_fen if payment else 0
    if purse.skip is not None:
        code, params_ = purse.skip
        error = Refused(ErrorCode[code], **params_)
        zh, en, skipped = f"跳过：{error.message_zh}", f"Skipped: {error.message_en}", code
    elif paid:
        prior = payment.from_prior_fen if payment else 0
        current = payment.from_current_fen if payment else 0
        zh = f"支付 {format_yuan(paid)}（历年 {format_yuan(prior)}，当年 {format_yuan(current)}）"
        en = f"Paid {format_yuan(paid)}"
        skipped = None
        if paid < room:
            zh += f"；可用额 {format_yuan(available)} 已用尽"
            en += f"; its available {format_yuan(available)} is used up"
    elif room == 0:
        zh, en, skipped = "无需支付：前序账户已付清可由个人账户支付的部分", "Nothing left for accounts to pay", None
    else:
        zh, en, skipped = (
            "可用额为零（余额、须保留余额、额度或每次上限）",
            "Nothing available (balance, kept minimum, quota or per-visit cap)",
            "NOTHING_AVAILABLE",
        )
    return PurseStepView(
        order=order,
        payer=purse.name,
        relation=str(purse.relation_id) if purse.relation_id else None,
        region=purse.region,
        balance_before_fen=before,
        available_fen=available,
        paid_fen=paid,
        from_prior_fen=payment.from_prior_fen if payment else 0,
        from_current_fen=payment.from_current_fen if payment else 0,
        balance_after_fen=before - paid,
        skipped_code=skipped,
        reason_zh=zh,
        reason_en=en,
    )


# --- preview, commit, reverse, explain ---------------------------------------------------------------------------


def _funds(amounts: SetlInfo) -> list[FundLineView]:
    rows = []
    if amounts.hifp_pay_fen:
        fund = FundPayType.EMPLOYEE_POOLING_FUND
        rows.append(FundLineView(fund.value, fund.zh, amounts.inscp_scp_amt_fen, amounts.hifp_pay_fen))
    if amounts.acct_pay_fen:
        account = FundPayType.EMPLOYEE_PERSONAL_ACCOUNT
        rows.append(FundLineView(account.value, account.zh, amounts.inscp_scp_amt_fen, amounts.acct_pay_fen))
    return rows


def _resident_fund(visit: Visit, rows: list[FundLineView]) -> list[FundLineView]:
    """Residents' pooling fund is 390100, not the employees' 310100."""
    if visit.insutype is Insutype.EMPLOYEE_BASIC:
        return rows
    resident = FundPayType.RESIDENT_BASIC_FUND
    return [
        replace(row, fund_pay_type=resident.value, fund_pay_type_name=resident.zh)
        if row.fund_pay_type == FundPayType.EMPLOYEE_POOLING_FUND.value
        else row
        for row in rows
    ]


def _amounts_dict(amounts: SetlInfo) -> dict[str, int]:
    return {name.removesuffix("_fen"): value for name, value in amounts.__dict__.items()}


def trace_views(reader: RuleReader) -> list[RuleTraceView]:
    """The rule values a settlement read."""
    return rule_trace_views(reader.traces)


def explanation_of(plan: SettlementPlan) -> ExplanationView:
    """The explanation of a computed settlement."""
    return ExplanationView(
        rules=trace_views(plan.reader),
        fund_steps_zh=plan.fund_steps_zh,
        fund_steps_en=plan.fund_steps_en,
        purses=plan.steps,
        cash_fen=plan.amounts.psn_cash_pay_fen,
    )


def _payer_lines(uow: UnitOfWork, payers: Sequence[PayerRow]) -> list[PayerLineView]:
    lines = []
    for payer in payers:
        person = uow.people.get(payer.payer_person_id)
        assert person is not None
        relation = uow.relations.get(payer.relation_id) if payer.relation_id else None
        lines.append(
            PayerLineView(
                seq=payer.seq,
                payer=person.name,
                payer_psn_no=person.psn_no,
                relation=relation.relation_type.value if relation else None,
                relation_zh=relation.relation_type.zh if relation else "本人",
                region=payer.region,
                amount_fen=payer.prior_years_fen + payer.current_year_fen,
                prior_years_fen=payer.prior_years_fen,
                current_year_fen=payer.current_year_fen,
                balance_after_fen=payer.balance_after_fen,
            )
        )
    return lines


def payer_rows(plan: SettlementPlan) -> list[PayerRow]:
    """Who paid from a personal account, as stored with the settlement."""
    return [
        PayerRow(
            seq=index,
            payer_person_id=p.purse.payer_id,
            relation_id=p.purse.relation_id,
            region=p.purse.region,
            prior_years_fen=p.from_prior_fen,
            current_year_fen=p.from_current_fen,
            balance_after_fen=p.balance_after_fen,
        )
        for index, p in enumerate(plan.payments, start=1)
    ]


def _view(
    uow: UnitOfWork,
    plan_or_record: SettlementPlan | SettlementRecord,
    *,
    visit: Visit | None,
    previewed: bool,
    explanation: ExplanationView,
) -> SettlementView:
    if isinstance(plan_or_record, SettlementPlan):
        plan = plan_or_record
        person, amounts, payers = plan.person, plan.amounts, payer_rows(plan)
        setl_id, status, settled_at, reversed_at = None, "previewed", plan.visit.begin_at, None
        institution: str | None = plan.institution.fixmedins_code
        insutype, psn_type = plan.visit.insutype.value, plan.visit.psn_type.value
        med_type: str | None = plan.visit.med_type.value
        acct_used = True  # the preview sets the flag it was asked with
    else:
        record = plan_or_record
        found = uow.people.get(record.person_id)
        assert found is not None
        person, amounts, payers = found, record.amounts, list(record.payers)
        setl_id, status, settled_at, reversed_at = record.setl_id, record.status, record.settled_at, record.reversed_at
        inst = uow.institutions.get(record.institution_id) if record.institution_id else None
        institution = inst.fixmedins_code if inst else None
        insutype, psn_type, med_type, acct_used = (
            record.insutype,
            record.psn_type,
            record.med_type,
            record.acct_used_flag,
        )
    funds = _funds(amounts)
    if visit is not None:
        funds = _resident_fund(visit, funds)
    return SettlementView(
        setl_id=setl_id,
        mdtrt_id=visit.mdtrt_id if visit else None,
        status=status,
        previewed=previewed,
        person_id=person.id,
        psn_no=person.psn_no,
        name=person.name,
        certno=person.certno,
        insutype=insutype,
        psn_type=psn_type,
        med_type=med_type,
        institution=institution,
        settled_at=settled_at,
        acct_used_flag=acct_used,
        amounts=_amounts_dict(amounts),
        funds=funds,
        payers=_payer_lines(uow, payers),
        explanation=explanation,
        buyer_name=visit.buyer_name if visit else None,
        reversed_at=reversed_at,
    )


def preview_settlement(ctx: Context, cmd: Settle) -> SettlementView:
    """预结算: compute everything a settlement would, and write nothing."""

    def handler(uow: UnitOfWork) -> SettlementView:
        visit = _visit(uow, cmd.mdtrt_id)
        _require_open(visit, "结算", "settle it")
        plan = plan_settlement(ctx, uow, visit, cmd.acct_used_flag, lock=False)
        view = _view(uow, plan, visit=visit, previewed=True, explanation=explanation_of(plan))
        return replace(view, acct_used_flag=cmd.acct_used_flag, settled_at=ctx.clock.now())

    return ctx.read(handler)


def settlement_transfers(
    ctx: Context, uow: UnitOfWork, plan: SettlementPlan, *, payout: bool = False
) -> tuple[list[TransferSpec], list[int]]:
    """The journal of a settlement: money into the institution's clearing account from the fund, each paying
    account and cash; and the memo accounts (deductible and fund paid this year, quota used) in the same journal.

    For a manual reimbursement (``payout``) the person has already paid the institution in full: the fund's and
    the accounts' shares go to the claims payable account (paid out to the person), and no cash moves.
    """
    now = ctx.clock.now()
    visit, region, amounts = plan.visit, plan.visit.region, plan.amounts
    ledger = uow.ledger
    if payout:
        inst = ledger.open_account(AccountKind.CLAIMS_PAYABLE, region, None, now)
    else:
        inst = ledger.open_named_account(
            institution_code(plan.institution.fixmedins_code, region),
            AccountKind.INSTITUTION_CLEARING,
            region,
            "CNY",
            None,
            now,
        )
    specs: list[TransferSpec] = []
    if amounts.hifp_pay_fen:
        pool = ledger.open_account(AccountKind.FUND_POOL, region, None, now)
        specs.append(TransferSpec(pool.id, inst.id, amounts.hifp_pay_fen))
    for payment in plan.payments:
        purse = payment.purse
        parts = {
            AccountKind.PERSONAL_PRIOR: payment.from_prior_fen,
            AccountKind.PERSONAL_CURRENT: payment.from_current_fen,
        }
        for kind, amount in parts.items():
            if amount == 0:
                continue
            account = ledger.open_account(kind, purse.region, purse.payer_id, now)
            if purse.region == region:
                specs.append(TransferSpec(account.id, inst.id, amount))
            else:
                out = ledger.open_account(AccountKind.REGION_TRANSFER, purse.region, None, now)
                into = ledger.open_account(AccountKind.REGION_TRANSFER, region, None, now)
                specs += [TransferSpec(account.id, out.id, amount), TransferSpec(into.id, inst.id, amount)]
        if purse.relation_id is not None:
            source = ledger.open_named_account(
                f"SYS:{purse.region}:memo_source:{QUOTA}", AccountKind.MEMO_SOURCE, purse.region, QUOTA, None, now
            )
            used = ledger.open_named_account(
                quota_used_code(purse.relation_id, plan.year),
                AccountKind.QUOTA_USED,
                purse.region,
                QUOTA,
                purse.payer_id,
                now,
            )
            specs.append(TransferSpec(source.id, used.id, payment.amount_fen))
    if amounts.psn_cash_pay_fen and not payout:
        cash = ledger.open_account(AccountKind.CASH_CLEARING, region, None, now)
        specs.append(TransferSpec(cash.id, inst.id, amounts.psn_cash_pay_fen))
    memo = (
        (amounts.act_pay_dedc_fen, AccountKind.DEDUCTIBLE_PAID, DEDUCTIBLE, plan.deductible_group),
        (amounts.hifp_pay_fen, AccountKind.FUND_PAID, FUND, plan.fund_group),
    )
    for amount, kind, asset, group in memo:
        if amount and group:
            source = ledger.open_named_account(
                f"SYS:{region}:memo_source:{asset}", AccountKind.MEMO_SOURCE, region, asset, None, now
            )
            accumulator = ledger.open_named_account(
                accumulator_code(kind, visit.person_id, plan.year, group), kind, region, asset, visit.person_id, now
            )
            specs.append(TransferSpec(source.id, accumulator.id, amount))
    ids = sorted({s.debit_account_id for s in specs} | {s.credit_account_id for s in specs})
    return specs, ids


def _roll_over_payers(ctx: Context, uow: UnitOfWork, visit: Visit) -> None:
    """Before paying in a new year, move last year's 当年 balances of everyone who may pay into 历年."""
    now = ctx.clock.now()
    payers = {visit.person_id} | {
        r.authoriser_id
        for r in uow.relations.of_person(visit.person_id)
        if r.beneficiary_id == visit.person_id and r.status is RelationStatus.ACTIVE
    }
    for payer_id in sorted(payers):
        for row in uow.ledger.accounts_of_person(payer_id):
            if row.state.kind is AccountKind.PERSONAL_CURRENT and (row.period_year or now.year) < now.year:
                roll_over_account(uow, row, now.year, now)


def commit_settlement(ctx: Context, cmd: Settle, *, key: str) -> SettlementView:
    """结算: the same computation as the preview, under locks, written as one journal with the settlement record,
    its payers and its explanation; the visit becomes settled. Idempotent by ``key``."""

    def handler(uow: UnitOfWork) -> SettlementView:
        visit = _visit(uow, cmd.mdtrt_id)
        visit = uow.visits.lock(visit.id) or visit
        _require_open(visit, "结算", "settle it")
        patient = uow.people.get(visit.person_id)
        assert patient is not None
        refuse_if_suspended(uow, patient, visit.begin_at.date(), ctx.clock.now())
        _roll_over_payers(ctx, uow, visit)
        plan = plan_settlement(ctx, uow, visit, cmd.acct_used_flag, lock=True)
        specs, ids = settlement_transfers(ctx, uow, plan)
        locked: dict[int, AccountState] = uow.ledger.lock(ids)
        posted, balances = post_transfers(locked, specs)
        now = ctx.clock.now()
        journal_id = uow.ledger.write_journal(
            kind=JournalKind.SETTLEMENT,
            booked_at=now,
            reference=visit.mdtrt_id,
            note=None,
            person_id=visit.person_id,
            reverses_journal_id=None,
            transfers=posted,
            locked=locked,
            new_balances=balances,
        )
        explanation = explanation_of(plan)
        record = uow.settlements.add(
            SettlementRecord(
                id=0,
                setl_id="",
                visit_id=visit.id,
                person_id=visit.person_id,
                institution_id=visit.institution_id,
                journal_id=journal_id,
                kind="medical",
                status="settled",
                region=visit.region,
                insutype=visit.insutype.value,
                psn_type=visit.psn_type.value,
                med_type=visit.med_type.value,
                acct_used_flag=cmd.acct_used_flag,
                amounts=plan.amounts,
                payers=tuple(payer_rows(plan)),
                settled_at=now,
                explanation=EXPLANATION.dump_json(explanation).decode(),
            )
        )
        uow.visits.save(replace(visit, status=VisitStatus.SETTLED, end_at=visit.end_at or now))
        return _view(uow, record, visit=visit, previewed=False, explanation=explanation)

    request = {"mdtrt_id": cmd.mdtrt_id.strip(), "acct_used_flag": cmd.acct_used_flag}
    return ctx.write(key=key, operation="settle.commit", request=request, result_type=SettlementView, handler=handler)


def _record(uow: UnitOfWork, setl_id: str) -> SettlementRecord:
    record = uow.settlements.find(setl_id.strip())
    if record is None:
        raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=setl_id)
    return record


def reverse_settlement(ctx: Context, cmd: ReverseSettlement, *, key: str) -> SettlementView:
    """结算撤销: the mirror journal restores every balance, quota use and yearly accumulator exactly; the visit is
    open again. A settlement is reversed once; a reversal is never reversed."""
    reason = cmd.reason.strip()[:200] or "撤销"

    def handler(uow: UnitOfWork) -> SettlementView:
        record = _record(uow, cmd.setl_id)
        journal = uow.ledger.get_journal(record.journal_id)
        assert journal is not None
        specs = mirror(journal.transfers)
        locked = uow.ledger.lock({s.debit_account_id for s in specs} | {s.credit_account_id for s in specs})
        current = _record(uow, cmd.setl_id)
        if current.status == "reversed" or uow.ledger.reversal_of(journal.id) is not None:
            raise Refused(
                ErrorCode.SETTLEMENT_ALREADY_REVERSED,
                setl_id=record.setl_id,
                reversed_at=f"{current.reversed_at:%Y-%m-%d %H:%M}" if current.reversed_at else "",
            )
        posted, balances = post_transfers(locked, specs)
        now = ctx.clock.now()
        reversal_id = uow.ledger.write_journal(
            kind=JournalKind.REVERSAL,
            booked_at=now,
            reference=record.setl_id,
            note=reason,
            person_id=record.person_id,
            reverses_journal_id=journal.id,
            transfers=posted,
            locked=locked,
            new_balances=balances,
        )
        uow.settlements.mark_reversed(record.id, reversal_id, now)
        visit = uow.visits.get(record.visit_id) if record.visit_id else None
        if visit is not None:
            uow.visits.save(replace(visit, status=VisitStatus.OPEN))
        reversed_record = _record(uow, cmd.setl_id)
        return _view(
            uow,
            reversed_record,
            visit=visit,
            previewed=False,
            explanation=EXPLANATION.validate_json(record.explanation),
        )

    request = {"setl_id": cmd.setl_id.strip(), "reason": reason}
    return ctx.write(key=key, operation="settle.reverse", request=request, result_type=SettlementView, handler=handler)


def settlement_view(uow: UnitOfWork, record: SettlementRecord, explanation: ExplanationView) -> SettlementView:
    """The view of a stored settlement (with its visit, if it has one)."""
    visit = uow.visits.get(record.visit_id) if record.visit_id else None
    return _view(uow, record, visit=visit, previewed=False, explanation=explanation)


def show_settlement(ctx: Context, setl_id: str) -> SettlementView:
    """A committed settlement with its payers and explanation."""

    def handler(uow: UnitOfWork) -> SettlementView:
        record = _record(uow, setl_id)
        visit = uow.visits.get(record.visit_id) if record.visit_id else None
        return _view(
            uow, record, visit=visit, previewed=False, explanation=EXPLANATION.validate_json(record.explanation)
        )

    return ctx.read(handler)


def explain(ctx: Context, setl_id: str) -> ExplanationView:
    """The explanation of a committed settlement: every rule value read and every account tried."""
    return show_settlement(ctx, setl_id).explanation


def visit_view(ctx: Context, mdtrt_id: str) -> VisitView:
    """A visit with its fee lines."""
    return ctx.read(lambda uow: _visit_view(uow, _visit(uow, mdtrt_id)))
