"""The settlement core: one pure function from everything a settlement read to the whole plan.

The service reads once (:mod:`gongji.service.settlement.split`): the bill's classified totals, the patient, the
family's relations, accounts, balances, year-start balances and quota use. :func:`compute_plan` then decides, with no
database, no clock and no I/O:

1. the pooling fund's part, from the region's own fund rules — a bill whose category and medical type the region's
   rules do not cover is refused (``FUND_RULES_MISSING``), never paid 0 by default;
2. each account in the patient's order, each judged by :func:`gongji.service.eligibility.assess_payer` (the one
   place that decides what a relative may pay; "why" asks it too), with the amount taken or the coded reason for
   skipping it;
3. the rest in cash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.ledger import AccountKind, accumulator_code, quota_used_code
from gongji.domain.money import divide_half_up
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Relation
from gongji.domain.settlement import Band, BillParts, FundShare, FundTerms, Payment, Purse, SetlInfo, fund_share, take
from gongji.domain.wording import Said
from gongji.rules import parameters as params
from gongji.rules.coverage import NOT_POOLED, fund_ratio
from gongji.rules.schema import BillPart, HospitalLevel, InsuredCategory, WalletPosition, match_row
from gongji.service.checks import Finding, RuleReader
from gongji.service.eligibility import (
    PayerMoney,
    PaymentKind,
    Question,
    Verdict,
    WalletGrant,
    assess_payer,
    assess_wallet,
)
from gongji.service.settlement.family import Family
from gongji.service.settlement.steps import FundSteps, fund_steps, purse_step
from gongji.service.settlement.views import PurseStepView, StepView

__all__ = ["BillFacts", "FundPart", "Plan", "SettlementInputs", "compute_plan", "fund_part", "payer_money"]


@dataclass(frozen=True)
class BillFacts:
    """The bill as the service read it: where, what, for whom, and its classified totals."""

    region: str
    med_type: MedType
    category: InsuredCategory
    level: HospitalLevel | None
    age_years: int
    #: The visit's start (a stay's admission): the rules in effect then apply.
    begin_at: datetime
    inpatient: bool
    parts: BillParts
    #: (total, policy-range amount) of each line whose item the personal account may not pay.
    not_payable_lines: tuple[tuple[int, int], ...] = ()
    acct_used: bool = True
    #: What the visit's earlier settlements (other charge batches, a stay's mid-stay ones) met of a per-visit
    #: deductible, and paid from each relative's account (a per-visit cap counts it), by payer.
    visit_deductible_paid_fen: int = 0
    visit_paid: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SettlementInputs:
    """Everything a settlement reads, read once."""

    bill: BillFacts
    family: Family
    #: When relations are judged: the visit's start, or for a stay the moment it is settled (a binding made during
    #: the stay pays it where the region says so).
    moment: datetime
    #: The clock's year: a 当年 part still holding an earlier year's money counts as 历年 money.
    this_year: int
    #: Each payer's 历年 and 当年 parts as the year (or his account) began: the base of a yearly share.
    year_start: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    #: The patient's suspension of networked settlement, when one applies (every account is then refused).
    suspension: Finding | None = None
    #: The patient's wallet (医保钱包): accepted transfers with money left, in the order they are spent.
    wallet: Sequence[WalletGrant] = ()
    #: Whether the patient pays with the wallet this time (asked only where the rules let her choose).
    use_wallet: bool = True


@dataclass(frozen=True)
class FundPart:
    """The fund's share of a bill, with the yearly accumulators it counts against."""

    share: FundShare
    deductible_group: str | None
    fund_group: str | None
    deductible_standard_fen: int
    steps: FundSteps


@dataclass
class Plan:
    """Everything a settlement computes before anything is written."""

    amounts: SetlInfo
    payments: list[Payment]
    steps: list[PurseStepView]
    fund_steps: list[StepView]
    fund: FundPart
    verdicts: dict[int, Verdict]
    reader: RuleReader
    year: int


def _group(med_types: Sequence[MedType]) -> str:
    return "+".join(sorted(m.value for m in med_types))


def fund_part(reader: RuleReader, bill: BillFacts, family: Family) -> FundPart:
    """The pooling fund's part under the region's own rules; ``FUND_RULES_MISSING`` where they say nothing."""
    select = (bill.med_type, bill.level, bill.category, bill.age_years)
    ratio_row = fund_ratio(lambda param: reader.find(param, bill.region), *select)
    if isinstance(ratio_row, str):
        assert ratio_row == NOT_POOLED
        nothing = fund_share(bill.parts.inscp_fen, FundTerms(0, 0, 0, (), None, 0))
        # The rule that said so may be the national one: name the region whose file answered.
        rule_region = reader.traces[-1].region
        return FundPart(nothing, None, None, 0, [StepView("PHARMACY_NOT_POOLED", {"region": rule_region})])
    if ratio_row is None:
        raise Refused(
            ErrorCode.FUND_RULES_MISSING,
            region=bill.region,
            on=reader.on.isoformat(),
            category=bill.category,
            med_type=bill.med_type,
            level=Said(Phrase.LEVEL_RATED, {"level": bill.level.value}) if bill.level else Phrase.LEVEL_UNRATED,
        )
    deductibles = reader.find(params.POOLING_DEDUCTIBLE_FEN, bill.region)
    caps = reader.find(params.POOLING_ANNUAL_CAP_FEN, bill.region)
    deductible_row = match_row(deductibles, *select) if deductibles else None
    cap_row = match_row(caps, *select) if caps else None
    year = bill.begin_at.year
    per_visit = deductible_row is not None and deductible_row.per == "visit"
    deductible_group = _group(deductible_row.med_types) if deductible_row and not per_visit else None
    fund_group = _group(cap_row.med_types) if cap_row else _group(ratio_row.med_types)
    patient = family.patient.id
    paid_dedc = (
        bill.visit_deductible_paid_fen
        if per_visit
        else _accumulated(family, AccountKind.DEDUCTIBLE_PAID, patient, year, deductible_group)
    )
    paid_fund = _accumulated(family, AccountKind.FUND_PAID, patient, year, fund_group)
    terms = FundTerms(
        deductible_fen=deductible_row.amount_fen if deductible_row else 0,
        deductible_paid_fen=paid_dedc,
        ratio_bp=ratio_row.ratio_bp,
        bands=tuple(Band(b.from_fen, b.ratio_bp) for b in ratio_row.bands or ()),
        cap_fen=cap_row.amount_fen if cap_row else None,
        fund_paid_fen=paid_fund,
    )
    share = fund_share(bill.parts.inscp_fen, terms)
    steps = fund_steps(
        bill.parts.inscp_fen, terms, share, has_deductible=deductible_row is not None, per_visit=per_visit
    )
    return FundPart(share, deductible_group, fund_group, terms.deductible_fen, steps)


def _accumulated(family: Family, kind: AccountKind, person_id: int, year: int, group: str | None) -> int:
    return 0 if group is None else family.balance_of(accumulator_code(kind, person_id, year, group))


def payable_ceiling(reader: RuleReader, region: str, bill: BillFacts, fund_fen: int) -> int:
    """What personal accounts of ``region`` may pay of this bill: the bill parts its scope allows, less what the
    person bears of items the account may not pay (their total less the fund's share of their policy range, the
    fund's payment attributed to lines in proportion to their policy-range amounts)."""
    parts = bill.parts
    allowed_parts: list[BillPart] = reader.get(params.ACCOUNT_PAYABLE_BILL_PARTS, region)
    allowed = set(allowed_parts)
    ceiling = 0
    if BillPart.POLICY_SELF_PAY in allowed:
        ceiling += parts.inscp_fen - fund_fen
    if BillPart.CATEGORY_B_SELF_PAY in allowed:
        ceiling += parts.preselfpay_fen
    if BillPart.FULL_OWN_PAY in allowed:
        ceiling += parts.fulamt_ownpay_fen
    if BillPart.OVER_LIMIT in allowed:
        ceiling += parts.overlmt_fen
    not_payable = sum(
        total - (divide_half_up(inscp * fund_fen, parts.inscp_fen) if parts.inscp_fen else 0)
        for total, inscp in bill.not_payable_lines
    )
    return max(ceiling - not_payable, 0)


def payer_money(
    family: Family,
    payer_id: int,
    region: str,
    relation: Relation | None,
    *,
    year: int,
    this_year: int,
    year_start: Mapping[int, tuple[int, int]],
) -> PayerMoney:
    """What the family's accounts say of one payer in a region: parts now (a 当年 part of an earlier year counts as
    历年), what this relation's and all his relations' quotas paid in ``year``, and the year-start base."""
    prior = current = 0
    for row in family.personal_accounts(payer_id, region):
        earlier = row.period_year is not None and row.period_year < this_year
        if row.state.kind is AccountKind.PERSONAL_PRIOR or earlier:
            prior += row.state.balance_fen
        else:
            current += row.state.balance_fen
    suffix = f":quota_used:{year}"
    authoriser_used = sum(
        row.state.balance_fen
        for row in family.accounts.get(payer_id, ())
        if row.state.kind is AccountKind.QUOTA_USED and row.code.endswith(suffix)
    )
    relation_used = family.balance_of(quota_used_code(relation.id, year)) if relation else 0
    start_prior, start_current = year_start.get(payer_id, (0, 0))
    return PayerMoney(
        prior_years_fen=prior,
        current_year_fen=current,
        relation_used_fen=relation_used,
        authoriser_used_fen=authoriser_used,
        start_prior_fen=start_prior,
        start_current_fen=start_current,
        shared_quota_fen=family.shared_quotas.get(payer_id, (False, None))[1],
    )


def _money(inputs: SettlementInputs, payer_id: int, region: str, relation: Relation | None) -> PayerMoney:
    return payer_money(
        inputs.family,
        payer_id,
        region,
        relation,
        year=inputs.bill.begin_at.year,
        this_year=inputs.this_year,
        year_start=inputs.year_start,
    )


def _verdicts(reader: RuleReader, inputs: SettlementInputs) -> tuple[list[Purse], dict[int, Verdict]]:
    """Every account that may be tried, in order (own first unless the region says otherwise), with its verdict."""
    bill, family = inputs.bill, inputs.family
    patient = family.party(family.patient.id)
    question = Question(
        moment=inputs.moment,
        kind=PaymentKind(med_type=bill.med_type),
        admitted_at=bill.begin_at if bill.inpatient else None,
        suspension=inputs.suspension,
        visit_paid=bill.visit_paid,
    )
    verdicts: dict[int, Verdict] = {}
    own: Purse | None = None
    if family.personal_accounts(patient.person.id, bill.region):
        money = _money(inputs, patient.person.id, bill.region, None)
        verdict = assess_payer(reader, patient, patient, money, question)
        verdicts[patient.person.id] = verdict
        own = verdict.purse
    relatives: list[Purse] = []
    for relation in family.paying_relations:
        payer = family.party(relation.authoriser_id)
        region = payer.region or relation.region
        verdict = assess_payer(reader, payer, patient, _money(inputs, payer.person.id, region, relation), question)
        verdicts[payer.person.id] = verdict
        if verdict.purse is not None:
            relatives.append(verdict.purse)
    wallet = _wallet_purses(reader, inputs, question)
    if wallet and reader.get(params.WALLET_PAYER_POSITION, bill.region) is WalletPosition.BEFORE_RELATIVES:
        relatives = wallet + relatives
    else:
        relatives = relatives + wallet
    own_first = reader.get(params.OWN_ACCOUNT_PAYS_FIRST, bill.region)
    ordered = ([own] if own and own_first else []) + relatives + ([own] if own and not own_first else [])
    return ordered, verdicts


def _wallet_purses(reader: RuleReader, inputs: SettlementInputs, question: Question) -> list[Purse]:
    """The patient's wallet, grant by grant (oldest acceptance first); used unless she chose not to, where the
    rules let her choose."""
    if not inputs.wallet:
        return []
    chosen = inputs.use_wallet or not reader.get(params.WALLET_PATIENT_CHOOSES, inputs.bill.region)
    purses = []
    for grant in inputs.wallet:
        purse = assess_wallet(reader, grant, question, chosen=chosen).purse
        assert purse is not None
        purses.append(purse)
    return purses


def compute_plan(book_reader: RuleReader, inputs: SettlementInputs) -> Plan:
    """The whole settlement of a bill: the fund's part, each account in order (amount or coded skip), and cash.
    Pure: it reads only ``inputs`` and the rules (every value read is recorded by ``book_reader``)."""
    bill, family = inputs.bill, inputs.family
    reader = book_reader
    assert bill.parts.medfee_sumamt_fen > 0, "an empty bill is refused when it is read"
    if inputs.suspension is not None:
        raise inputs.suspension.refusal()
    fund = fund_part(reader, bill, family)
    hifp = fund.share.hifp_pay_fen
    psn_part = bill.parts.medfee_sumamt_fen - hifp
    purses, verdicts = _verdicts(reader, inputs) if bill.acct_used else ([], {})
    steps: list[PurseStepView] = []
    payments: list[Payment] = []
    paid = 0
    for order, purse in enumerate(purses, start=1):
        ceiling = payable_ceiling(reader, purse.region, bill, hifp)
        room = max(min(ceiling, psn_part) - paid, 0)
        available = purse.available_fen()
        amount = min(room, available)
        payment = take(purse, amount) if amount > 0 else None
        if payment is not None:
            payments.append(payment)
            paid += amount
        steps.append(purse_step(order, purse, payment, available, room))
    fund_steps = [*fund.steps, *_account_steps(reader, bill, family, purses, hifp, psn_part)]
    own_purse = next((p for p in purses if p.own), None)
    own_paid = sum(p.amount_fen for p in payments if p.purse.own)
    if own_purse is None and not bill.acct_used:
        own_rows = family.personal_accounts(family.patient.id, bill.region)
        balance = sum(r.state.balance_fen for r in own_rows)
    else:
        balance = (own_purse.prior_years_fen + own_purse.current_year_fen - own_paid) if own_purse else 0
    amounts = SetlInfo(
        medfee_sumamt_fen=bill.parts.medfee_sumamt_fen,
        fulamt_ownpay_amt_fen=bill.parts.fulamt_ownpay_fen,
        overlmt_selfpay_fen=bill.parts.overlmt_fen,
        preselfpay_amt_fen=bill.parts.preselfpay_fen,
        inscp_scp_amt_fen=bill.parts.inscp_fen,
        act_pay_dedc_fen=fund.share.act_pay_dedc_fen,
        hifp_pay_fen=hifp,
        pool_prop_selfpay_fen=fund.share.pool_prop_selfpay_fen,
        fund_pay_sumamt_fen=hifp,
        psn_part_amt_fen=psn_part,
        acct_pay_fen=paid,
        acct_mulaid_pay_fen=paid - own_paid,
        psn_cash_pay_fen=psn_part - paid,
        hosp_part_amt_fen=0,
        balc_fen=balance,
    )
    return Plan(amounts, payments, steps, fund_steps, fund, verdicts, reader, bill.begin_at.year)


def _account_steps(
    reader: RuleReader, bill: BillFacts, family: Family, purses: Sequence[Purse], fund_fen: int, psn_part_fen: int
) -> list[StepView]:
    """What accounts may pay of the person's part (or that they are not used), and whether the patient has one."""
    if not bill.acct_used:
        return [StepView("ACCOUNT_NOT_USED", {})]
    scope = reader.get(params.ACCOUNT_PAYABLE_MED_TYPES, bill.region)
    ceiling = payable_ceiling(reader, bill.region, bill, fund_fen) if bill.med_type in scope else 0
    steps = [
        StepView(
            "ACCOUNT_SCOPE",
            {"person_part_fen": psn_part_fen, "payable_fen": min(ceiling, psn_part_fen), "region": bill.region},
        )
    ]
    if not any(p.own for p in purses):
        steps.append(StepView("NO_OWN_ACCOUNT", {"name": family.patient.name}))
    return steps
