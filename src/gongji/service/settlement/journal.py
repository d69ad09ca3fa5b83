"""Writing a settlement: preview, commit (one journal with the memo accounts), reverse, show, explain."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.ledger import (
    AccountKind,
    JournalEntry,
    JournalKind,
    mirror,
)
from gongji.domain.money import format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.relations import RelationStatus
from gongji.domain.settlement import SettlementRecord
from gongji.domain.visits import Visit, VisitStatus
from gongji.service.account_rollover import roll_over_account
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.refusal_log import concerning
from gongji.service.settlement.family import PERSONAL_PARTS, Family, load_family
from gongji.service.settlement.moves import settlement_transfers
from gongji.service.settlement.record_view import explanation_of, payer_rows, view_of
from gongji.service.settlement.split import SettlementPlan, plan_settlement, relations_moment
from gongji.service.settlement.stays import require_discharged
from gongji.service.settlement.stored import read_explanation, stored_explanation
from gongji.service.settlement.views import (
    BalanceAfterView,
    ExplanationView,
    ReverseSettlement,
    Settle,
    SettlementView,
)
from gongji.service.settlement.visits import _require_open, require_acting, require_institution
from gongji.service.settlement_ports import VisitOpening
from gongji.service.wallet_moves import restore_spending, tell_payers

__all__ = [
    "commit_settlement",
    "explain",
    "preview_settlement",
    "reverse_settlement",
    "show_settlement",
]


def _check_total(plan: SettlementPlan, cmd: Settle) -> None:
    """The total and the classified amounts the hospital system declares are gongji's own, or nothing is settled."""
    actual = plan.amounts.medfee_sumamt_fen
    if cmd.medfee_sumamt_fen is not None and cmd.medfee_sumamt_fen != actual:
        raise Refused(
            ErrorCode.BILL_TOTAL_MISMATCH,
            mdtrt_id=plan.visit.mdtrt_id,
            expected=format_yuan(cmd.medfee_sumamt_fen),
            actual=format_yuan(actual),
        )
    for name, declared in cmd.declared:
        computed = getattr(plan.amounts, name)
        if declared != computed:
            raise Refused(
                ErrorCode.CLASSIFIED_AMOUNT_MISMATCH,
                field=name.removesuffix("_fen"),
                declared=format_yuan(declared),
                actual=format_yuan(computed),
            )


def _check_visit(visit: Visit, cmd: Settle) -> None:
    """The visit may be settled: open (an outpatient visit whose batches are all settled answers for the batch a
    settlement names); what the settlement names of it (medical and insurance type) is the visit's own; a mid-stay
    settlement is of a stay not yet discharged, a final one of a stay discharged."""
    settled_batches = visit.status is VisitStatus.SETTLED and not visit.inpatient and _batch(cmd) is not None
    if not settled_batches:
        _require_open(visit, Phrase.ACT_SETTLE)
    for said, declared, actual in (
        (Phrase.FIELD_MED_TYPE, cmd.med_type, visit.med_type.value),
        (Phrase.FIELD_INSUTYPE, cmd.insutype, visit.insutype.value),
    ):
        if declared is not None and declared.strip() != actual:
            raise Refused(
                ErrorCode.SETTLE_VISIT_MISMATCH, field=said, declared=declared, actual=actual, mdtrt_id=visit.mdtrt_id
            )
    require_discharged(visit, mid_stay=cmd.mid_stay)


def _batch(cmd: Settle) -> str | None:
    return (cmd.chrg_bchno or "").strip() or None


def preview_settlement(ctx: Context, cmd: Settle) -> SettlementView:
    """预结算: compute everything a settlement would, and write nothing."""

    def handler(uow: UnitOfWork) -> SettlementView:
        opening = _opening(uow, cmd.mdtrt_id, lock=False)
        visit = opening.visit
        require_acting(opening.institution, cmd.institution, visit.mdtrt_id, Phrase.ACT_PREVIEW)
        _check_visit(visit, cmd)
        family = load_family(
            uow, opening.patient, relations_moment(visit, ctx.clock.now()), lock=False, relations=opening.relations
        )
        plan = plan_settlement(
            ctx,
            uow,
            visit,
            cmd.acct_used_flag,
            lock=False,
            family=family,
            use_wallet=cmd.use_wallet,
            batch=_batch(cmd),
            institution=opening.institution,
        )
        _check_total(plan, cmd)
        view = view_of(uow, plan, visit=visit, previewed=True, explanation=explanation_of(plan))
        return replace(view, acct_used_flag=cmd.acct_used_flag, settled_at=ctx.clock.now())

    return ctx.read(handler)


def _opening(uow: UnitOfWork, mdtrt_id: str, *, lock: bool, reserve_id: bool = False) -> VisitOpening:
    """The visit by 就诊ID with its patient, her relations and its institution (a settlement's first read)."""
    opening = uow.bills.opening(mdtrt_id.strip(), lock=lock, reserve_id=reserve_id)
    if opening is None:
        raise NotFound(ErrorCode.VISIT_NOT_FOUND, mdtrt_id=mdtrt_id)
    concerning(opening.visit.person_id, opening.visit.region)
    return opening


def _roll_over_payers(ctx: Context, uow: UnitOfWork, family: Family) -> bool:
    """Before paying in a new year, move last year's 当年 balances of everyone who may pay into 历年; true when
    anything moved (the family's balances are then to be read again)."""
    now = ctx.clock.now()
    patient = family.patient.id
    payers = {patient} | {
        r.authoriser_id for r in family.relations if r.beneficiary_id == patient and r.status is RelationStatus.ACTIVE
    }
    rolled = False
    for payer_id in sorted(payers):
        for row in family.accounts.get(payer_id, ()):
            if row.state.kind is AccountKind.PERSONAL_CURRENT and (row.period_year or now.year) < now.year:
                roll_over_account(uow, row, now.year, now)
                rolled = True
    return rolled


def commit_settlement(ctx: Context, cmd: Settle, *, key: str) -> SettlementView:
    """结算: the same computation as the preview, under locks, written as one journal with the settlement record,
    its payers and its explanation; the visit becomes settled. Idempotent by ``key``."""

    def handler(uow: UnitOfWork) -> SettlementView:
        record, visit, plan, explanation = commit_settlement_in(ctx, uow, cmd, key=key)
        return view_of(uow, record, visit=visit, previewed=False, explanation=explanation, plan=plan)

    return ctx.write(
        key=key,
        operation="settle.commit",
        request=cmd.request(),
        result_type=SettlementView,
        handler=handler,
        grouped=True,
    )


def commit_settlement_in(
    ctx: Context, uow: UnitOfWork, cmd: Settle, *, key: str | None
) -> tuple[SettlementRecord, Visit, SettlementPlan, ExplanationView]:
    """The settlement of :func:`commit_settlement` inside a unit of work (``key``: the request's, kept with the
    record): the record as written, the visit as it now is, the plan and its explanation."""
    opening = _opening(uow, cmd.mdtrt_id, lock=True, reserve_id=True)
    visit, patient = opening.visit, opening.patient
    require_acting(opening.institution, cmd.institution, visit.mdtrt_id, Phrase.ACT_SETTLE)
    _check_visit(visit, cmd)
    moment = relations_moment(visit, ctx.clock.now())
    family = load_family(uow, patient, moment, lock=True, relations=opening.relations)
    if _roll_over_payers(ctx, uow, family):
        family = load_family(uow, patient, moment, lock=True, relations=opening.relations)
    plan = plan_settlement(
        ctx,
        uow,
        visit,
        cmd.acct_used_flag,
        lock=True,
        family=family,
        use_wallet=cmd.use_wallet,
        batch=_batch(cmd),
        institution=opening.institution,
    )
    _check_total(plan, cmd)
    specs, _ = settlement_transfers(ctx, uow, plan)
    now = ctx.clock.now()
    entry = JournalEntry(JournalKind.SETTLEMENT, now, specs, reference=visit.mdtrt_id, person_id=visit.person_id)
    journal_id = uow.ledger.post(entry).journal_id
    explanation = explanation_of(plan)
    record = uow.settlements.add(_new_record(opening.settlement_id, plan, cmd, journal_id, now, explanation, key))
    visit = _take_lines(uow, visit, plan, record.id, mid_stay=cmd.mid_stay, now=now)
    tell_payers(
        uow, plan.payments, journal_id=journal_id, reference=visit.mdtrt_id, patient=patient, at=now, nodes=ctx.nodes
    )
    return record, visit, plan, explanation


def _new_record(
    reserved_id: int | None,
    plan: SettlementPlan,
    cmd: Settle,
    journal_id: int,
    now: datetime,
    explanation: ExplanationView,
    key: str | None,
) -> SettlementRecord:
    """The record of a medical settlement about to be written."""
    visit = plan.visit
    return SettlementRecord(
        id=reserved_id or 0,
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
        explanation=stored_explanation(explanation),
        request_key=key,
        chrg_bchno=_batch(cmd),
        mid_stay=cmd.mid_stay,
    )


def _take_lines(
    uow: UnitOfWork, visit: Visit, plan: SettlementPlan, settlement_id: int, *, mid_stay: bool, now: datetime
) -> Visit:
    """The settlement takes its lines; the visit is settled once none waits (a stay after its final settlement), and
    stays open while another batch waits or the stay goes on. Returns the visit as it now is."""
    uow.visits.mark_settled([line.id for line in plan.lines], settlement_id)
    if mid_stay or plan.lines_left:
        return visit
    settled = replace(visit, status=VisitStatus.SETTLED, end_at=visit.end_at or now)
    uow.visits.save(settled)
    return settled


def _record(uow: UnitOfWork, setl_id: str) -> SettlementRecord:
    record = uow.settlements.find(setl_id.strip())
    if record is None:
        raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=setl_id)
    return record


def _personal_balances(uow: UnitOfWork, record: SettlementRecord) -> list[BalanceAfterView]:
    """The patient's and the payers' personal accounts (历年 + 当年) by region, as they stand in this transaction."""
    # A wallet sender on another node has no account here: his node holds his balance.
    payers = [p.payer_person_id for p in record.payers if p.payer_person_id is not None]
    owners = {record.person_id, *payers}
    people = uow.people.get_many(owners)
    # Everyone the answer names has a line, a patient without an account of her own at 0.
    totals = {(people[record.person_id].psn_no, record.region): 0} | {
        (people[p.payer_person_id].psn_no, p.region): 0 for p in record.payers if p.payer_person_id is not None
    }
    for row in uow.ledger.accounts_of_people(owners):
        if row.state.kind in PERSONAL_PARTS and row.state.owner_person_id is not None:
            key = (people[row.state.owner_person_id].psn_no, row.region)
            totals[key] = totals.get(key, 0) + row.state.balance_fen
    return [BalanceAfterView(psn_no, region, fen) for (psn_no, region), fen in sorted(totals.items())]


def reverse_settlement(ctx: Context, cmd: ReverseSettlement, *, key: str) -> SettlementView:
    """结算撤销: the mirror journal restores every balance, quota use and yearly accumulator exactly; the visit is
    open again. A settlement is reversed once; a reversal is never reversed."""
    reason = cmd.reason.strip()[:200] or Phrase.REVERSAL_DEFAULT_REASON.zh

    def handler(uow: UnitOfWork) -> SettlementView:
        record = _record(uow, cmd.setl_id)
        require_institution(uow, record.institution_id, cmd.institution, record.setl_id, Phrase.ACT_REVERSE_SETTLEMENT)
        journal = uow.ledger.get_journal(record.journal_id)
        assert journal is not None
        specs = mirror(journal.transfers)
        # Locked before the check: a reversal that committed while this one waited is then seen, and refused.
        uow.ledger.lock({s.debit_account_id for s in specs} | {s.credit_account_id for s in specs})
        current = _record(uow, cmd.setl_id)
        if current.status == "reversed" or uow.ledger.reversal_of(journal.id) is not None:
            raise Refused(
                ErrorCode.SETTLEMENT_ALREADY_REVERSED,
                setl_id=record.setl_id,
                reversed_at=f"{current.reversed_at:%Y-%m-%d %H:%M}" if current.reversed_at else "",
            )
        now = ctx.clock.now()
        reversal_id = uow.ledger.post(
            JournalEntry(
                JournalKind.REVERSAL,
                now,
                specs,
                reference=record.setl_id,
                note=reason,
                person_id=record.person_id,
                reverses_journal_id=journal.id,
            )
        ).journal_id
        uow.settlements.mark_reversed(record.id, reversal_id, now)
        uow.visits.release(record.id)
        restore_spending(uow, record.payers, journal_id=reversal_id, reference=record.setl_id, at=now, nodes=ctx.nodes)
        visit = uow.visits.get(record.visit_id) if record.visit_id else None
        if visit is not None:
            uow.visits.save(replace(visit, status=VisitStatus.OPEN))
        reversed_record = _record(uow, cmd.setl_id)
        view = view_of(
            uow,
            reversed_record,
            visit=visit,
            previewed=False,
            explanation=read_explanation(record.explanation, ctx.rules),
        )
        return replace(view, balances_after_reversal=_personal_balances(uow, record))

    request = {"setl_id": cmd.setl_id.strip(), "reason": reason, "institution": cmd.institution}
    return ctx.write(
        key=key, operation="settle.reverse", request=request, result_type=SettlementView, handler=handler, grouped=True
    )


def show_settlement(ctx: Context, setl_id: str) -> SettlementView:
    """A committed settlement with its payers and explanation."""

    def handler(uow: UnitOfWork) -> SettlementView:
        record = _record(uow, setl_id)
        visit = uow.visits.get(record.visit_id) if record.visit_id else None
        return view_of(
            uow, record, visit=visit, previewed=False, explanation=read_explanation(record.explanation, ctx.rules)
        )

    return ctx.read(handler)


def explain(ctx: Context, setl_id: str) -> ExplanationView:
    """The explanation of a committed settlement: every rule value read and every account tried."""
    return show_settlement(ctx, setl_id).explanation
