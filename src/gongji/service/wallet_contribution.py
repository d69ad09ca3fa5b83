"""A resident or long-term care contribution paid from the person's own wallet (医保钱包), as seed 001 describes: the
money her relatives sent pays her 居民医保 contribution, leaving their accounts at that moment.

The grants are spent oldest acceptance first; the contribution is paid in full or refused (a contribution is never
paid in part). Each grant's sender region must let personal accounts pay this kind of contribution — the same check
(:func:`gongji.service.eligibility.assess_wallet`) a settlement makes.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.ledger import WALLET_QUOTA, AccountKind, AccountOpening, JournalKind
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.settlement import PayerRow, Payment, SetlInfo, SettlementRecord
from gongji.rules.schema import Contribution
from gongji.service.checks import Party, RuleReader
from gongji.service.context import Context
from gongji.service.contributions import CONTRIBUTION_INSUTYPES
from gongji.service.eligibility import PaymentKind, Question, assess_wallet
from gongji.service.ledger_door import Move, across_regions, memo_source, post_moves
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.settlement import ExplanationView, SettlementView, settlement_view, stored_explanation, trace_views
from gongji.service.settlement.split import wallet_grants
from gongji.service.settlement.steps import purse_step
from gongji.service.settlement.views import StepView
from gongji.service.wallet_moves import tell_payers, wallet_source

__all__ = ["PayContributionFromWallet", "pay_contribution_from_wallet"]


@dataclass(frozen=True)
class PayContributionFromWallet:
    """Pay ``person``'s own contribution of ``kind`` (a year's amount, in fen) from her wallet."""

    person: str
    kind: Contribution
    amount_fen: int
    year: int
    reference: str


def _payments(ctx: Context, uow: UnitOfWork, person_id: int, kind: Contribution, amount: int) -> list[Payment]:
    """The grants that pay, oldest first, each judged as a settlement judges it; refused unless they cover it all."""
    now = ctx.clock.now()
    reader = RuleReader(ctx.rules, now.date())
    question = Question(moment=now, kind=PaymentKind(contribution=kind))
    payments: list[Payment] = []
    left = amount
    for grant in wallet_grants(uow, person_id, lock=True):
        purse = assess_wallet(reader, grant, question, chosen=True).purse
        assert purse is not None
        take = min(purse.available_fen(), left)
        if take > 0:
            payments.append(Payment(purse, take, 0))
            left -= take
    if left:
        raise Refused(
            ErrorCode.CONTRIBUTION_NOT_COVERED,
            payer=Phrase.PAID_THROUGH_WALLET,
            available=format_yuan(amount - left),
            amount=format_yuan(amount),
        )
    return payments


def pay_contribution_from_wallet(ctx: Context, cmd: PayContributionFromWallet, *, key: str) -> SettlementView:
    """Pay the person's contribution in full from her wallet, or refuse with the reason."""
    if not 0 < cmd.amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            ErrorCode.AMOUNT_INVALID, value=format_yuan(cmd.amount_fen), reason=Phrase.AMOUNT_WITHIN_LIMIT
        )
    reference = cmd.reference.strip()[:200]
    if not reference:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="reference", reason=Phrase.CONTRIBUTION_REFERENCE_REQUIRED)

    def handler(uow: UnitOfWork) -> SettlementView:
        person = resolve_person(uow, cmd.person)
        now = ctx.clock.now()
        party = Party(person, uow.enrollments.for_person(person.id), ())
        enrollment = party.active_in(CONTRIBUTION_INSUTYPES[cmd.kind])
        if enrollment is None:
            insutype = CONTRIBUTION_INSUTYPES[cmd.kind][0]
            raise Refused(ErrorCode.CONTRIBUTION_BENEFICIARY_NOT_ENROLLED, name=person.name, insutype=insutype)
        uow.ledger.accounts_of_people([person.id], lock=True)  # her wallet: one payment of hers at a time
        payments = _payments(ctx, uow, person.id, cmd.kind, cmd.amount_fen)
        region = enrollment.pooling_region
        collected = AccountOpening(f"SYS:{region}:contributions_collected", AccountKind.CONTRIBUTIONS_COLLECTED, region)
        wallet = AccountOpening.of(AccountKind.WALLET, _wallet_region(uow, person.id), person.id, now.year)
        moves: list[Move] = []
        for payment in payments:
            source, source_region = wallet_source(payment.purse, wallet.region, now.year)
            moves += across_regions(source, source_region, collected, region, payment.amount_fen, now.year)
            moves.append((wallet, memo_source(wallet.region, WALLET_QUOTA), payment.amount_fen))
        ref = f"{cmd.kind.value}:{cmd.year}:{reference}"
        posted = post_moves(uow, moves, kind=JournalKind.SETTLEMENT, at=now, reference=ref, person_id=person.id)
        tell_payers(uow, payments, journal_id=posted.journal_id, reference=ref, patient=person, at=now, nodes=ctx.nodes)
        reader = RuleReader(ctx.rules, now.date())
        explanation = ExplanationView(
            rules=trace_views(reader),
            fund_steps=[
                StepView("CONTRIBUTION", {"kind": cmd.kind.value, "year": cmd.year, "amount_fen": cmd.amount_fen})
            ],
            purses=[
                purse_step(order, p.purse, p, p.purse.available_fen(), p.amount_fen)
                for order, p in enumerate(payments, start=1)
            ],
            cash_fen=0,
        )
        amount = cmd.amount_fen
        record = uow.settlements.add(
            SettlementRecord(
                id=0,
                setl_id="",
                visit_id=None,
                person_id=person.id,
                institution_id=None,
                journal_id=posted.journal_id,
                kind="contribution",
                status="settled",
                region=region,
                insutype=enrollment.insutype.value,
                psn_type=enrollment.psn_type.value,
                med_type=None,
                acct_used_flag=True,
                amounts=SetlInfo(amount, amount, 0, 0, 0, 0, 0, 0, 0, amount, amount, amount, 0, 0, 0),
                payers=tuple(
                    PayerRow(
                        seq,
                        p.purse.payer_id,
                        None,
                        p.purse.region,
                        p.amount_fen,
                        0,
                        p.balance_after_fen,
                        wallet_transfer_id=p.purse.wallet_transfer_id,
                    )
                    for seq, p in enumerate(payments, start=1)
                ),
                settled_at=now,
                explanation=stored_explanation(explanation),
            )
        )
        return settlement_view(uow, record, explanation)

    request = {
        "person": cmd.person.strip().upper(),
        "kind": cmd.kind.value,
        "amount_fen": cmd.amount_fen,
        "year": cmd.year,
        "reference": reference,
    }
    return ctx.write(
        key=key, operation="contribution.wallet", request=request, result_type=SettlementView, handler=handler
    )


def _wallet_region(uow: UnitOfWork, person_id: int) -> str:
    wallet = uow.wallets.wallet(person_id)
    assert wallet is not None  # she had grants to spend, so she has a wallet
    return wallet.region
