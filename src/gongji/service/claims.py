"""手工报销 (manual reimbursement): where direct settlement was not available (another region without it, an
outage — seed 000), the person paid the institution in full; an operator enters the receipts later, and gongji
settles the claim by the same split and the same payer order as a direct settlement, paying the fund's and the
accounts' shares out to the person. A receipt (issuer and number) pays out once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.ledger import JournalEntry, JournalKind
from gongji.domain.money import format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.settlement import SettlementRecord
from gongji.domain.visits import VisitStatus
from gongji.domain.wording import Said
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    SettlementView,
    UploadFees,
    explanation_of,
    open_visit_in,
    payer_rows,
    plan_settlement,
    read_explanation,
    settlement_transfers,
    settlement_view,
    stored_explanation,
    upload_fees_in,
)
from gongji.service.settlement.views import StepView
from gongji.service.wallet_moves import tell_payers

__all__ = ["ClaimView", "Receipt", "SubmitClaim", "show_claim", "submit_claim"]

MAX_RECEIPTS = 50


@dataclass(frozen=True)
class Receipt:
    """One receipt (医疗收费票据): who issued it, its number, and its fee lines."""

    issuer: str
    receipt_no: str
    lines: tuple[FeeInput, ...]


@dataclass(frozen=True)
class SubmitClaim:
    """An operator's claim for a person's bills paid in full, with the receipts."""

    person: str
    institution: str
    med_type: MedType
    visit_date: date
    receipts: tuple[Receipt, ...]
    operator: str
    reason: str


@dataclass(frozen=True)
class ClaimView:
    """A settled claim: the receipts, the settlement, and what is paid out to the person."""

    claim_id: int
    mdtrt_id: str
    operator: str
    reason: str
    receipts: list[tuple[str, str, int]]
    payout_fen: int
    settlement: SettlementView


def _check(cmd: SubmitClaim) -> None:
    if not cmd.receipts or len(cmd.receipts) > MAX_RECEIPTS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="receipts",
            reason=Said(Phrase.CLAIM_RECEIPT_COUNT, {"max": MAX_RECEIPTS}),
        )
    for field_name, value in (("operator", cmd.operator), ("reason", cmd.reason)):
        if not value.strip() or len(value) > 200:
            raise InvalidInput(ErrorCode.FIELD_INVALID, field=field_name, reason=Phrase.TEXT_REQUIRED)
    seen: set[tuple[str, str]] = set()
    for receipt in cmd.receipts:
        ident = (receipt.issuer.strip(), receipt.receipt_no.strip())
        if not all(ident) or ident in seen or not receipt.lines:
            raise InvalidInput(
                ErrorCode.FIELD_INVALID,
                field=f"receipts[{receipt.receipt_no}]",
                reason=Phrase.CLAIM_RECEIPT_FIELDS,
            )
        seen.add(ident)


def submit_claim(ctx: Context, cmd: SubmitClaim, *, key: str) -> ClaimView:
    """Settle a manual reimbursement claim in one transaction: the receipts' fee lines become a visit, settled by the
    usual split; the fund's and accounts' shares are paid out to the person (nothing is owed to the institution)."""
    _check(cmd)

    def handler(uow: UnitOfWork) -> ClaimView:
        for receipt in cmd.receipts:
            used = uow.settlements.receipt_claim(receipt.issuer.strip(), receipt.receipt_no.strip())
            if used is not None:
                raise Refused(
                    ErrorCode.CLAIM_RECEIPT_USED,
                    issuer=receipt.issuer.strip(),
                    receipt_no=receipt.receipt_no.strip(),
                    claim_id=used,
                )
        begin = datetime.combine(cmd.visit_date, time(12), tzinfo=SHANGHAI)
        visit = open_visit_in(
            ctx, uow, OpenVisit(cmd.person, cmd.institution, cmd.med_type, begin), check_suspension=False
        )
        lines = tuple(
            replace(line, feedetl_sn=f"{receipt.receipt_no.strip()}-{line.feedetl_sn}")
            for receipt in cmd.receipts
            for line in receipt.lines
        )
        upload_fees_in(ctx, uow, visit, UploadFees(visit.mdtrt_id, lines))
        plan = plan_settlement(ctx, uow, visit, True, lock=True, networked=False)
        if plan.amounts.hifp_pay_fen + plan.amounts.acct_pay_fen == 0:
            raise Refused(ErrorCode.CLAIM_NOTHING_PAYABLE, total=format_yuan(plan.amounts.medfee_sumamt_fen))
        specs, _ = settlement_transfers(ctx, uow, plan, payout=True)
        now = ctx.clock.now()
        journal_id = uow.ledger.post(
            JournalEntry(
                JournalKind.SETTLEMENT,
                now,
                specs,
                reference=f"claim:{visit.mdtrt_id}",
                note=cmd.reason.strip(),
                person_id=visit.person_id,
            )
        ).journal_id
        tell_payers(
            uow, plan.payments, journal_id=journal_id, reference=f"claim:{visit.mdtrt_id}", patient=plan.person, at=now
        )
        explanation = explanation_of(plan)
        explanation = replace(explanation, fund_steps=[*explanation.fund_steps, StepView("CLAIM_PAYOUT", {})])
        record = uow.settlements.add(
            SettlementRecord(
                id=0,
                setl_id="",
                visit_id=visit.id,
                person_id=visit.person_id,
                institution_id=visit.institution_id,
                journal_id=journal_id,
                kind="claim",
                status="settled",
                region=visit.region,
                insutype=visit.insutype.value,
                psn_type=visit.psn_type.value,
                med_type=visit.med_type.value,
                acct_used_flag=True,
                amounts=plan.amounts,
                payers=tuple(payer_rows(plan)),
                settled_at=now,
                explanation=stored_explanation(explanation),
            )
        )
        uow.visits.mark_settled([line.id for line in plan.lines], record.id)
        uow.visits.save(replace(visit, status=VisitStatus.SETTLED, end_at=begin))
        receipts = [
            (
                r.issuer.strip(),
                r.receipt_no.strip(),
                sum(
                    line.parts.total_fen
                    for line in uow.visits.lines(visit.id)
                    if line.feedetl_sn.startswith(f"{r.receipt_no.strip()}-")
                ),
            )
            for r in cmd.receipts
        ]
        claim_id = uow.settlements.add_claim(
            visit.person_id, visit.id, cmd.operator.strip(), cmd.reason.strip(), receipts, now
        )
        return ClaimView(
            claim_id=claim_id,
            mdtrt_id=visit.mdtrt_id,
            operator=cmd.operator.strip(),
            reason=cmd.reason.strip(),
            receipts=receipts,
            payout_fen=plan.amounts.fund_pay_sumamt_fen + plan.amounts.acct_pay_fen,
            settlement=settlement_view(uow, record, explanation),
        )

    request = {
        "person": cmd.person.strip().upper(),
        "institution": cmd.institution.strip().upper(),
        "med_type": cmd.med_type.value,
        "visit_date": cmd.visit_date.isoformat(),
        "receipts": [
            {"issuer": r.issuer, "receipt_no": r.receipt_no, "lines": [line.__dict__ for line in r.lines]}
            for r in cmd.receipts
        ],
        "operator": cmd.operator,
        "reason": cmd.reason,
    }
    return ctx.write(key=key, operation="claim.submit", request=request, result_type=ClaimView, handler=handler)


def show_claim(ctx: Context, mdtrt_id: str) -> ClaimView:
    """A claim by the visit it created."""

    def handler(uow: UnitOfWork) -> ClaimView:
        visit = uow.visits.find(mdtrt_id.strip())
        claim = uow.settlements.claim_of_visit(visit.id) if visit else None
        if visit is None or claim is None:
            raise NotFound(ErrorCode.VISIT_NOT_FOUND, mdtrt_id=mdtrt_id)
        claim_id, operator, reason, receipts = claim
        record = uow.settlements.for_visit(visit.id)[-1]
        view = settlement_view(uow, record, read_explanation(record.explanation, ctx.rules))
        return ClaimView(
            claim_id=claim_id,
            mdtrt_id=visit.mdtrt_id,
            operator=operator,
            reason=reason,
            receipts=receipts,
            payout_fen=record.amounts.fund_pay_sumamt_fen + record.amounts.acct_pay_fen,
            settlement=view,
        )

    return ctx.read(handler)
