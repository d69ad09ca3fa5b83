"""A settlement as it is shown: the view of a computed plan (a preview, or a settlement just written) or of a stored
record — its amounts, the funds that paid, who paid from a personal account, and the explanation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gongji.domain.codes import FundPayType, Insutype
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Relation
from gongji.domain.settlement import PayerRow, SetlInfo, SettlementRecord
from gongji.domain.visits import Visit
from gongji.service.checks import RuleReader, rule_trace_views
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.family import Family
from gongji.service.settlement.split import SettlementPlan
from gongji.service.settlement.views import ExplanationView, FundLineView, PayerLineView, SettlementView
from gongji.service.views import RuleTraceView

__all__ = ["explanation_of", "payer_rows", "settlement_view", "trace_views", "view_of"]


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


def _payer_named(uow: UnitOfWork, payer: PayerRow, known: dict[int, Person]) -> tuple[str, str]:
    """The payer's name and person number; a wallet sender on another node by the name that node gave (no number)."""
    if payer.payer_person_id is None:
        transfer = uow.wallets.transfer(payer.wallet_transfer_id) if payer.wallet_transfer_id else None
        assert transfer is not None
        assert transfer.peer is not None
        return transfer.peer.name, ""
    person = known.get(payer.payer_person_id) or uow.people.get(payer.payer_person_id)
    assert person is not None
    return person.name, person.psn_no


def _payer_lines(uow: UnitOfWork, payers: Sequence[PayerRow], family: Family | None = None) -> list[PayerLineView]:
    """Who paid, named; ``family`` (when the settlement has just read it) spares reading the payers again."""
    known_people: dict[int, Person] = dict(family.people) if family else {}
    known_relations: dict[int, Relation] = {r.id: r for r in family.relations} if family else {}
    lines = []
    for payer in payers:
        name, psn_no = _payer_named(uow, payer, known_people)
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
                payer=name,
                payer_psn_no=psn_no,
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


def view_of(
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


def settlement_view(uow: UnitOfWork, record: SettlementRecord, explanation: ExplanationView) -> SettlementView:
    """The view of a stored settlement (with its visit, if it has one)."""
    visit = uow.visits.get(record.visit_id) if record.visit_id else None
    return view_of(uow, record, visit=visit, previewed=False, explanation=explanation)
