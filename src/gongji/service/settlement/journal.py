"""Writing a settlement: preview, commit (one journal with the memo accounts), reverse, show, explain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from gongji.domain.codes import FundPayType, Insutype
from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.ledger import (
    AccountKind,
    AccountState,
    JournalKind,
    mirror,
    post_transfers,
)
from gongji.domain.money import format_yuan
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Relation, RelationStatus
from gongji.domain.settlement import (
    PayerRow,
    SetlInfo,
    SettlementRecord,
)
from gongji.domain.visits import Visit, VisitStatus
from gongji.service.accounts import roll_over_account
from gongji.service.checks import RuleReader, rule_trace_views
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.family import PERSONAL_PARTS, Family, load_family
from gongji.service.settlement.moves import settlement_transfers
from gongji.service.settlement.split import SettlementPlan, plan_settlement, relations_moment
from gongji.service.settlement.stays import require_discharged
from gongji.service.settlement.views import (
    EXPLANATION,
    BalanceAfterView,
    ExplanationView,
    FundLineView,
    PayerLineView,
    ReverseSettlement,
    Settle,
    SettlementView,
)
from gongji.service.settlement.visits import _require_open, _visit, require_institution
from gongji.service.views import RuleTraceView
from gongji.service.wallet_moves import restore_spending, tell_payers

__all__ = [
    "commit_settlement",
    "explain",
    "explanation_of",
    "payer_rows",
    "preview_settlement",
    "reverse_settlement",
    "settlement_view",
    "show_settlement",
    "trace_views",
]


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
        fund_steps=plan.fund_steps,
        purses=plan.steps,
        cash_fen=plan.amounts.psn_cash_pay_fen,
    )


def _payer_lines(uow: UnitOfWork, payers: Sequence[PayerRow], family: Family | None = None) -> list[PayerLineView]:
    """Who paid, named; ``family`` (when the settlement has just read it) spares reading the payers again."""
    known_people: dict[int, Person] = dict(family.people) if family else {}
    known_relations: dict[int, Relation] = {r.id: r for r in family.relations} if family else {}
    lines = []
    for payer in payers:
        person = known_people.get(payer.payer_person_id) or uow.people.get(payer.payer_person_id)
        assert person is not None
        relation = (
            (known_relations.get(payer.relation_id) or uow.relations.get(payer.relation_id))
            if payer.relation_id
            else None
        )
        wallet = payer.wallet_transfer_id is not None
        said = relation.relation_type if relation else Phrase.PAID_THROUGH_WALLET if wallet else Phrase.PATIENT_SELF
        lines.append(
            PayerLineView(
                seq=payer.seq,
                payer=person.name,
                payer_psn_no=person.psn_no,
                relation=relation.relation_type.value if relation else "wallet" if wallet else None,
                relation_zh=said.zh,
                region=payer.region,
                amount_fen=payer.prior_years_fen + payer.current_year_fen,
                prior_years_fen=payer.prior_years_fen,
                current_year_fen=payer.current_year_fen,
                balance_after_fen=payer.balance_after_fen,
                wallet_transfer_id=payer.wallet_transfer_id,
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
            wallet_transfer_id=p.purse.wallet_transfer_id,
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
    plan: SettlementPlan | None = None,
) -> SettlementView:
    """The view of a plan (previewed) or of a stored record; ``plan``, given with the record it has just been
    written as, supplies the people and the institution without reading them again."""
    family = plan.family if plan else None
    if isinstance(plan_or_record, SettlementPlan):
        plan = plan_or_record
        family = plan.family
        person, amounts, payers = plan.person, plan.amounts, payer_rows(plan)
        region = plan.visit.region
        setl_id, status, settled_at, reversed_at = None, "previewed", plan.visit.begin_at, None
        institution: str | None = plan.institution.fixmedins_code
        insutype, psn_type = plan.visit.insutype.value, plan.visit.psn_type.value
        med_type: str | None = plan.visit.med_type.value
        acct_used = True  # the preview sets the flag it was asked with
    else:
        record = plan_or_record
        found = plan.person if plan else uow.people.get(record.person_id)
        assert found is not None
        person, amounts, payers = found, record.amounts, list(record.payers)
        region = record.region
        setl_id, status, settled_at, reversed_at = record.setl_id, record.status, record.settled_at, record.reversed_at
        if plan is not None:
            institution = plan.institution.fixmedins_code
        else:
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
        payers=_payer_lines(uow, payers, family),
        explanation=explanation,
        buyer_name=visit.buyer_name if visit else None,
        reversed_at=reversed_at,
        region=region,
        # Known where the bill is computed; a stored settlement keeps the amounts, not the terms.
        deductible_standard_fen=(
            plan_or_record.deductible_standard_fen if isinstance(plan_or_record, SettlementPlan) else None
        ),
        naty=person.naty,
        visit_began_at=visit.begin_at if visit else None,
        visit_ended_at=(visit.discharged_at or visit.end_at) if visit else None,
    )


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
        visit = _visit(uow, cmd.mdtrt_id)
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, Phrase.ACT_PREVIEW)
        _check_visit(visit, cmd)
        plan = plan_settlement(
            ctx, uow, visit, cmd.acct_used_flag, lock=False, use_wallet=cmd.use_wallet, batch=_batch(cmd)
        )
        _check_total(plan, cmd)
        view = _view(uow, plan, visit=visit, previewed=True, explanation=explanation_of(plan))
        return replace(view, acct_used_flag=cmd.acct_used_flag, settled_at=ctx.clock.now())

    return ctx.read(handler)


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
        visit = uow.visits.find_for_update(cmd.mdtrt_id.strip()) or _visit(uow, cmd.mdtrt_id)
        require_institution(uow, visit.institution_id, cmd.institution, visit.mdtrt_id, Phrase.ACT_SETTLE)
        _check_visit(visit, cmd)
        patient = uow.people.get(visit.person_id)
        assert patient is not None
        moment = relations_moment(visit, ctx.clock.now())
        family = load_family(uow, patient, moment, lock=True)
        if _roll_over_payers(ctx, uow, family):
            family = load_family(uow, patient, moment, lock=True)
        plan = plan_settlement(
            ctx, uow, visit, cmd.acct_used_flag, lock=True, family=family, use_wallet=cmd.use_wallet, batch=_batch(cmd)
        )
        _check_total(plan, cmd)
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
                request_key=key,
                chrg_bchno=_batch(cmd),
                mid_stay=cmd.mid_stay,
            )
        )
        visit = _take_lines(uow, visit, plan, record.id, mid_stay=cmd.mid_stay, now=now)
        tell_payers(uow, plan.payments, journal_id=journal_id, reference=visit.mdtrt_id, patient=patient, at=now)
        return _view(uow, record, visit=visit, previewed=False, explanation=explanation, plan=plan)

    return ctx.write(
        key=key, operation="settle.commit", request=cmd.request(), result_type=SettlementView, handler=handler
    )


def _take_lines(
    uow: UnitOfWork, visit: Visit, plan: SettlementPlan, settlement_id: int, *, mid_stay: bool, now: datetime
) -> Visit:
    """The settlement takes its lines; the visit is settled once none waits (a stay after its final settlement), and
    stays open while another batch waits or the stay goes on. Returns the visit as it now is."""
    uow.visits.mark_settled([line.id for line in plan.lines], settlement_id)
    if mid_stay or any(line.waiting for line in uow.visits.lines(visit.id)):
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
    owners = {record.person_id} | {p.payer_person_id for p in record.payers}
    people = uow.people.get_many(owners)
    # Everyone the answer names has a line, a patient without an account of her own at 0.
    totals = {(people[record.person_id].psn_no, record.region): 0} | {
        (people[p.payer_person_id].psn_no, p.region): 0 for p in record.payers
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
        uow.visits.release(record.id)
        restore_spending(uow, record.payers, journal_id=reversal_id, reference=record.setl_id, at=now)
        visit = uow.visits.get(record.visit_id) if record.visit_id else None
        if visit is not None:
            uow.visits.save(replace(visit, status=VisitStatus.OPEN))
        reversed_record = _record(uow, cmd.setl_id)
        view = _view(
            uow,
            reversed_record,
            visit=visit,
            previewed=False,
            explanation=EXPLANATION.validate_json(record.explanation),
        )
        return replace(view, balances_after_reversal=_personal_balances(uow, record))

    request = {"setl_id": cmd.setl_id.strip(), "reason": reason, "institution": cmd.institution}
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
