"""Writing a settlement: preview, commit (one journal with the memo accounts), reverse, show, explain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gongji.domain.codes import FundPayType, Insutype
from gongji.domain.errors import ErrorCode, NotFound, Refused
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
from gongji.domain.relations import RelationStatus
from gongji.domain.settlement import (
    PayerRow,
    SetlInfo,
    SettlementRecord,
)
from gongji.domain.visits import Visit, VisitStatus
from gongji.service.accounts import roll_over_account
from gongji.service.context import Context
from gongji.service.eligibility import (
    RuleReader,
    rule_trace_views,
)
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.split import SettlementPlan, plan_settlement
from gongji.service.settlement.views import (
    EXPLANATION,
    ExplanationView,
    FundLineView,
    PayerLineView,
    ReverseSettlement,
    Settle,
    SettlementView,
)
from gongji.service.settlement.visits import _require_open, _visit
from gongji.service.suspension import refuse_if_suspended
from gongji.service.views import RuleTraceView

__all__ = [
    "commit_settlement",
    "explain",
    "explanation_of",
    "payer_rows",
    "preview_settlement",
    "reverse_settlement",
    "settlement_transfers",
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
