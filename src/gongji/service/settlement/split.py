"""Reading a settlement once: the visit, its classified lines, the family, year-start balances and suspension,
gathered into :class:`~gongji.service.settlement.core.SettlementInputs` for the pure core to compute."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gongji.domain.catalogue import CatalogueItem, Institution
from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.ledger import AccountKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.settlement import BillParts, Payment, SetlInfo, SettlementRecord
from gongji.domain.visits import FeeLine, Visit
from gongji.domain.wallet import WalletTransfer
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.rules.schema import HospitalLevel, InsuredCategory, QuotaModel
from gongji.service.checks import RuleReader
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.eligibility import WalletGrant
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.settlement.core import BillFacts, Plan, SettlementInputs, compute_plan
from gongji.service.settlement.family import Family, load_family
from gongji.service.settlement.views import PurseStepView, StepView
from gongji.service.suspension import finding_among

__all__ = [
    "SettlementPlan",
    "YearStartParts",
    "bill_facts",
    "category_of",
    "plan_settlement",
    "relations_moment",
    "waiting_lines",
    "wallet_grants",
    "year_start_parts",
    "year_starts",
]


@dataclass
class SettlementPlan:
    """A computed settlement with the visit, institution and family it was computed for."""

    visit: Visit
    institution: Institution
    family: Family
    core: Plan
    #: The fee lines it settles.
    lines: list[FeeLine]
    #: Every line of the visit, as read with it.
    visit_lines: list[FeeLine]

    @property
    def lines_left(self) -> bool:
        """Whether a line of the visit still waits once this settlement has taken its own."""
        taken = {line.id for line in self.lines}
        return any(line.waiting and line.id not in taken for line in self.visit_lines)

    @property
    def person(self) -> Person:
        """The patient (as the family was read with the plan)."""
        return self.family.patient

    @property
    def amounts(self) -> SetlInfo:
        """The national amounts."""
        return self.core.amounts

    @property
    def payments(self) -> list[Payment]:
        """What each account paid."""
        return self.core.payments

    @property
    def steps(self) -> list[PurseStepView]:
        """Each account tried."""
        return self.core.steps

    @property
    def fund_steps(self) -> list[StepView]:
        """How the fund's and the accounts' parts were reached."""
        return self.core.fund_steps

    @property
    def reader(self) -> RuleReader:
        """Every rule value the plan read."""
        return self.core.reader

    @property
    def year(self) -> int:
        """The year whose accumulators and quotas the bill counts against."""
        return self.core.year

    @property
    def deductible_group(self) -> str | None:
        """The yearly deductible accumulator's group (``None``: a per-visit deductible or none)."""
        return self.core.fund.deductible_group

    @property
    def fund_group(self) -> str | None:
        """The yearly fund-paid accumulator's group."""
        return self.core.fund.fund_group

    @property
    def deductible_standard_fen(self) -> int:
        """起付标准 of this bill under the rules (0 where they set none)."""
        return self.core.fund.deductible_standard_fen


def category_of(visit: Visit) -> InsuredCategory:
    """The fund's treatment category of the visit's insured person."""
    return InsuredCategory.of(visit.psn_type)


def relations_moment(visit: Visit, now: datetime) -> datetime:
    """When relations are judged: a stay's at its settlement (a binding made during the stay pays it where the
    region allows), any other visit's at its start."""
    return max(now, visit.begin_at) if visit.inpatient else visit.begin_at


def _bill_parts(lines: Sequence[FeeLine]) -> BillParts:
    return BillParts(
        fulamt_ownpay_fen=sum(line.parts.fulamt_ownpay_fen for line in lines),
        overlmt_fen=sum(line.parts.overlmt_fen for line in lines),
        preselfpay_fen=sum(line.parts.preselfpay_fen for line in lines),
        inscp_fen=sum(line.parts.inscp_fen for line in lines),
    )


def waiting_lines(visit: Visit, lines: Sequence[FeeLine], batch: str | None) -> list[FeeLine]:
    """Of the visit's ``lines``, those a settlement takes: every live line not yet settled, or those of one charge
    batch."""
    waiting = [line for line in lines if line.waiting and (batch is None or line.chrg_bchno == batch)]
    if batch is not None and not waiting:
        if any(line.chrg_bchno == batch and not line.cancelled for line in lines):
            raise Refused(ErrorCode.CHARGE_BATCH_SETTLED, chrg_bchno=batch, action=Phrase.ACT_SETTLE)
        raise NotFound(ErrorCode.CHARGE_BATCH_NOT_FOUND, mdtrt_id=visit.mdtrt_id, chrg_bchno=batch)
    return waiting


def bill_facts(
    items: Mapping[str, CatalogueItem],
    visit: Visit,
    institution: Institution,
    person: Person,
    acct_used: bool,
    lines: Sequence[FeeLine],
    earlier: Sequence[SettlementRecord] = (),
) -> BillFacts:
    """The bill of ``lines`` as the core reads it: their totals, the lines the account may not pay (by their catalogue
    ``items``), and what the visit's ``earlier`` settlements (its other batches, a stay's mid-stay ones) already met
    of its per-visit terms."""
    parts = _bill_parts(lines)
    if not lines or parts.medfee_sumamt_fen <= 0:
        raise Refused(ErrorCode.EMPTY_BILL, mdtrt_id=visit.mdtrt_id)
    not_payable = tuple(
        (line.parts.total_fen, line.parts.inscp_fen)
        for line in lines
        if line.item_code in items and not items[line.item_code].account_payable
    )
    on = visit.begin_at.date()
    return BillFacts(
        region=visit.region,
        med_type=visit.med_type,
        category=category_of(visit),
        level=HospitalLevel(institution.level) if institution.level else None,
        age_years=person.age_on(on),
        begin_at=visit.begin_at,
        inpatient=visit.inpatient,
        parts=parts,
        not_payable_lines=not_payable,
        acct_used=acct_used,
        visit_deductible_paid_fen=sum(r.amounts.act_pay_dedc_fen for r in earlier),
        visit_paid=_mutual_aid_by_payer(earlier),
    )


def _mutual_aid_by_payer(earlier: Sequence[SettlementRecord]) -> dict[int, int]:
    """What each relative's account has paid of the visit in its earlier settlements (its per-visit cap counts it)."""
    paid: dict[int, int] = {}
    for record in earlier:
        for payer in record.payers:
            if payer.relation_id is not None and payer.payer_person_id is not None:
                amount = payer.prior_years_fen + payer.current_year_fen
                paid[payer.payer_person_id] = paid.get(payer.payer_person_id, 0) + amount
    return paid


def year_start_parts(uow: UnitOfWork, accounts: Sequence[AccountRow], year: int) -> tuple[int, int]:
    """历年 and 当年 as the year began — or, for an account opened during the year, as its first movement left it
    (an opening balance loaded in March is the base of that year's share)."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    prior = current = 0
    for row in accounts:
        if row.opened_at < start:
            amount = uow.ledger.balance_as_of(row.state.id, start - timedelta(microseconds=1))
        else:
            lines = uow.ledger.statement([row.state.id], row.opened_at, datetime(year + 1, 1, 1, tzinfo=SHANGHAI))
            amount = lines[0].balance_after_fen if lines else 0
        if row.state.kind is AccountKind.PERSONAL_PRIOR:
            prior += amount
        else:
            current += amount
    return prior, current


#: How the year-start parts of some accounts are read (:func:`year_start_parts`, or a replay's memory of it).
YearStartParts = Callable[[UnitOfWork, Sequence[AccountRow], int], tuple[int, int]]


def year_starts(
    rules: RuleBook, uow: UnitOfWork, family: Family, year: int, parts: YearStartParts | None = None
) -> dict[int, tuple[int, int]]:
    """The year-start parts of every payer whose region's quota under ``rules`` is a yearly share of them (read only
    there, by ``parts``: :func:`year_start_parts` unless given)."""
    read = parts or year_start_parts
    starts = {}
    on = datetime(year, 1, 1, tzinfo=SHANGHAI).date()
    for relation in family.paying_relations:
        payer = family.party(relation.authoriser_id)
        region = payer.region or relation.region
        model = rules.find(params.QUOTA_MODEL, region, on)
        if model is not None and model.value is QuotaModel.ANNUAL_SHARE:
            starts[payer.person.id] = read(uow, family.personal_accounts(payer.person.id, region), year)
    return starts


def wallet_grants(uow: UnitOfWork, patient_id: int, *, lock: bool) -> list[WalletGrant]:
    """What the patient's wallet holds: accepted transfers with money left, oldest acceptance first, senders named."""
    return grants_of(uow, uow.wallets.spendable(patient_id, lock=lock))


def grants_of(uow: UnitOfWork, transfers: Sequence[WalletTransfer]) -> list[WalletGrant]:
    """The wallet's spendable ``transfers`` (read already) as grants, their senders named."""
    if not transfers:
        return []
    senders = uow.people.get_many({t.sender_id for t in transfers if t.sender_id is not None})

    def grant(t: WalletTransfer) -> WalletGrant:
        if t.sender_id is None:  # a sender on another node: named as that node told
            assert t.peer is not None
            return WalletGrant(t.id, None, t.peer.name, t.sender_region, t.remaining_fen, t.peer.node)
        return WalletGrant(t.id, t.sender_id, senders[t.sender_id].name, t.sender_region, t.remaining_fen)

    return [grant(t) for t in transfers]


def plan_settlement(
    ctx: Context,
    uow: UnitOfWork,
    visit: Visit,
    acct_used: bool,
    *,
    lock: bool,
    family: Family | None = None,
    networked: bool = True,
    use_wallet: bool = True,
    batch: str | None = None,
    institution: Institution | None = None,
) -> SettlementPlan:
    """Read everything a settlement of ``visit`` needs, once, and compute it with the pure core. ``lock`` locks the
    family's accounts; ``family``, when the caller has read it already (under the same lock), is not read again.
    A manual claim (not ``networked``) is how a person whose networked settlement is suspended is reimbursed, so a
    suspension refuses only networked settlements. ``batch`` settles one charge batch (收费批次) of the visit;
    ``institution``, the visit's, when read already."""
    now = ctx.clock.now()
    moment = relations_moment(visit, now)
    if family is None:
        patient = uow.people.get(visit.person_id)
        assert patient is not None
        family = load_family(uow, patient, moment, lock=lock)
    patient = family.patient
    read = uow.bills.read(
        visit.id, None if institution else visit.institution_id, patient.id, wallet=acct_used, lock=lock
    )
    institution = institution or read.institution
    assert institution is not None
    visit_lines = read.lines
    lines = waiting_lines(visit, visit_lines, batch)
    # The visit's settlements in force are those holding lines (a reversal releases its lines): read only if any.
    in_force = {line.settlement_id for line in visit_lines if line.settlement_id is not None}
    earlier = [r for r in uow.settlements.for_visit(visit.id) if r.id in in_force] if in_force else []
    bill = bill_facts(read.items, visit, institution, family.patient, acct_used, lines, earlier)
    inputs = SettlementInputs(
        bill=bill,
        family=family,
        moment=moment,
        this_year=now.year,
        year_start=year_starts(ctx.rules, uow, family, visit.begin_at.year),
        suspension=finding_among(read.suspensions, patient, visit.begin_at.date(), now) if networked else None,
        wallet=grants_of(uow, read.spendable) if acct_used else (),
        use_wallet=use_wallet,
    )
    plan = compute_plan(RuleReader(ctx.rules, visit.begin_at.date()), inputs)
    return SettlementPlan(visit, institution, family, plan, lines, visit_lines)
