"""Paying a relative's individual contribution from a personal account (代缴): resident insurance (城乡居民医保) since
2021, long-term care insurance (长期护理保险) since the 2026 national notice — where the region's scope allows it.

The payer must be an effective authoriser of the relative (every check of the "why" dry run applies, with the
contribution as the kind of payment); the contribution is paid in full from the authoriser's shareable balance
(历年 first) within his quota and the balance he must keep, or refused. It is recorded as a settlement of kind
``contribution`` (so it can be shown, explained and reversed like one) in one journal with the quota memo.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongji.domain.codes import Insutype
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.ledger import (
    QUOTA,
    AccountKind,
    JournalEntry,
    JournalKind,
    TransferSpec,
    quota_used_code,
)
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.settlement import PayerRow, SetlInfo, SettlementRecord, take
from gongji.rules.schema import Contribution
from gongji.service.checks import Party
from gongji.service.context import Context
from gongji.service.eligibility import PaymentKind
from gongji.service.ledger_door import memo_source
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.settlement import (
    ExplanationView,
    PurseStepView,
    SettlementView,
    settlement_view,
    stored_explanation,
    trace_views,
)
from gongji.service.settlement.ask import ask_payer
from gongji.service.settlement.views import StepView

__all__ = ["CONTRIBUTION_INSUTYPES", "PayContribution", "pay_contribution"]

CONTRIBUTION_INSUTYPES = {
    Contribution.RESIDENT_BASIC: (
        Insutype.RESIDENT_BASIC,
        Insutype.URBAN_RESIDENT_BASIC,
        Insutype.NEW_RURAL_COOPERATIVE,
    ),
    Contribution.LONG_TERM_CARE: (Insutype.LONG_TERM_CARE,),
}


@dataclass(frozen=True)
class PayContribution:
    """代缴: ``payer`` pays ``beneficiary``'s individual contribution of ``kind`` (a year's amount, in fen)."""

    payer: str
    beneficiary: str
    kind: Contribution
    amount_fen: int
    year: int
    reference: str


def pay_contribution(ctx: Context, cmd: PayContribution, *, key: str) -> SettlementView:
    """Pay a relative's contribution in full from the payer's account, or refuse with the reason."""
    if not 0 < cmd.amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            ErrorCode.AMOUNT_INVALID,
            value=format_yuan(cmd.amount_fen),
            reason=Phrase.AMOUNT_WITHIN_LIMIT,
        )
    reference = cmd.reference.strip()[:200]
    if not reference:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="reference", reason=Phrase.CONTRIBUTION_REFERENCE_REQUIRED)

    def handler(uow: UnitOfWork) -> SettlementView:
        payer = resolve_person(uow, cmd.payer)
        beneficiary = resolve_person(uow, cmd.beneficiary)
        uow.people.lock([payer.id, beneficiary.id])
        now = ctx.clock.now()
        b = Party(beneficiary, uow.enrollments.for_person(beneficiary.id), uow.relations.of_person(beneficiary.id))
        enrollment = b.active_in(CONTRIBUTION_INSUTYPES[cmd.kind])
        if enrollment is None:
            insutype = CONTRIBUTION_INSUTYPES[cmd.kind][0]
            raise Refused(
                ErrorCode.CONTRIBUTION_BENEFICIARY_NOT_ENROLLED,
                name=beneficiary.name,
                insutype=insutype,
            )
        answer = ask_payer(ctx, uow, payer, beneficiary, now, PaymentKind(contribution=cmd.kind), lock=True)
        findings, purse, reader = answer.verdict.findings, answer.verdict.purse, answer.reader
        if findings:
            raise findings[0].refusal()
        assert purse is not None
        assert purse.relation_id is not None
        region = purse.region
        relation = next(r for r in answer.family.relations if r.id == purse.relation_id)
        parts = {r.state.kind: r for r in answer.family.personal_accounts(payer.id, region)}
        prior, current = purse.prior_years_fen, purse.current_year_fen
        available = purse.available_fen()
        if available < cmd.amount_fen:
            raise Refused(
                ErrorCode.CONTRIBUTION_NOT_COVERED,
                payer=payer.name,
                available=format_yuan(available),
                amount=format_yuan(cmd.amount_fen),
            )
        payment = take(purse, cmd.amount_fen)
        collected = uow.ledger.open_named_account(
            f"SYS:{enrollment.pooling_region}:contributions_collected",
            AccountKind.CONTRIBUTIONS_COLLECTED,
            enrollment.pooling_region,
            "CNY",
            None,
            now,
        )
        specs: list[TransferSpec] = []
        for kind, amount in (
            (AccountKind.PERSONAL_PRIOR, payment.from_prior_fen),
            (AccountKind.PERSONAL_CURRENT, payment.from_current_fen),
        ):
            if not amount:
                continue
            account = parts[kind].state
            if region == enrollment.pooling_region:
                specs.append(TransferSpec(account.id, collected.id, amount))
            else:
                out = uow.ledger.open_account(AccountKind.REGION_TRANSFER, region, None, now)
                into = uow.ledger.open_account(AccountKind.REGION_TRANSFER, enrollment.pooling_region, None, now)
                specs += [TransferSpec(account.id, out.id, amount), TransferSpec(into.id, collected.id, amount)]
        memo = memo_source(region, QUOTA)
        source = uow.ledger.open_named_account(memo.code, memo.kind, region, memo.asset, None, now)
        quota_account = uow.ledger.open_named_account(
            quota_used_code(relation.id, now.year), AccountKind.QUOTA_USED, region, QUOTA, payer.id, now
        )
        specs.append(TransferSpec(source.id, quota_account.id, cmd.amount_fen))
        reference_text = f"{cmd.kind.value}:{cmd.year}:{reference}"
        written = uow.ledger.post(
            JournalEntry(JournalKind.SETTLEMENT, now, specs, reference=reference_text, person_id=beneficiary.id)
        )
        journal_id = written.journal_id
        explanation = ExplanationView(
            rules=trace_views(reader),
            fund_steps=[
                StepView("CONTRIBUTION", {"kind": cmd.kind.value, "year": cmd.year, "amount_fen": cmd.amount_fen})
            ],
            purses=[
                PurseStepView(
                    order=1,
                    payer=payer.name,
                    relation=str(relation.id),
                    region=region,
                    balance_before_fen=prior + current,
                    available_fen=available,
                    paid_fen=cmd.amount_fen,
                    from_prior_fen=payment.from_prior_fen,
                    from_current_fen=payment.from_current_fen,
                    balance_after_fen=payment.balance_after_fen,
                    skipped_code=None,
                    reason=StepView(
                        "PAID",
                        {
                            "paid_fen": cmd.amount_fen,
                            "prior_fen": payment.from_prior_fen,
                            "current_fen": payment.from_current_fen,
                        },
                    ),
                )
            ],
            cash_fen=0,
        )
        amount = cmd.amount_fen
        record = uow.settlements.add(
            SettlementRecord(
                id=0,
                setl_id="",
                visit_id=None,
                person_id=beneficiary.id,
                institution_id=None,
                journal_id=journal_id,
                kind="contribution",
                status="settled",
                region=enrollment.pooling_region,
                insutype=enrollment.insutype.value,
                psn_type=enrollment.psn_type.value,
                med_type=None,
                acct_used_flag=True,
                amounts=SetlInfo(amount, amount, 0, 0, 0, 0, 0, 0, 0, amount, amount, amount, 0, 0, 0),
                payers=(
                    PayerRow(
                        1,
                        payer.id,
                        relation.id,
                        region,
                        payment.from_prior_fen,
                        payment.from_current_fen,
                        payment.balance_after_fen,
                    ),
                ),
                settled_at=now,
                explanation=stored_explanation(explanation),
            )
        )
        return settlement_view(uow, record, explanation)

    request = {
        "payer": cmd.payer.strip().upper(),
        "beneficiary": cmd.beneficiary.strip().upper(),
        "kind": cmd.kind.value,
        "amount_fen": cmd.amount_fen,
        "year": cmd.year,
        "reference": reference,
    }
    return ctx.write(
        key=key, operation="contribution.pay", request=request, result_type=SettlementView, handler=handler
    )
