"""Computing a settlement: the fund's share from the rules, then the payer waterfall, with its explanation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from gongji.domain.catalogue import Institution
from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.ledger import (
    AccountKind,
    accumulator_code,
    quota_used_code,
)
from gongji.domain.money import apply_rate_bp, format_yuan, round_half_up
from gongji.domain.people import Person
from gongji.domain.settlement import (
    Band,
    BillParts,
    FundTerms,
    Payment,
    Purse,
    SetlInfo,
    fund_share,
    take,
)
from gongji.domain.visits import FeeLine, Visit
from gongji.rules import parameters as params
from gongji.rules.schema import (
    BillPart,
    HospitalLevel,
    InsuredCategory,
    QuotaModel,
    ShareablePart,
    match_row,
)
from gongji.service.checks import RuleReader
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.eligibility import PaymentKind, ShareableBalance, payment_findings
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.settlement.family import PERSONAL_PARTS, Family, load_family
from gongji.service.settlement.views import PurseStepView

__all__ = ["SettlementPlan", "opening_balance", "plan_settlement", "quota_left", "year_start_balance"]


@dataclass
class SettlementPlan:
    """Everything a settlement computes before anything is written."""

    visit: Visit
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
    family: Family
    #: 起付标准 of this bill under the rules (0 where they set none).
    deductible_standard_fen: int = 0

    @property
    def person(self) -> Person:
        """The patient (as the family was read with the plan)."""
        return self.family.patient


def _category(visit: Visit) -> InsuredCategory:
    if not visit.psn_type.is_employee:
        return InsuredCategory.RESIDENT
    return InsuredCategory.RETIRED if visit.psn_type.is_retired else InsuredCategory.IN_SERVICE


def _level(institution: Institution) -> HospitalLevel | None:
    return HospitalLevel(institution.level) if institution.level else None


def _group(med_types: Sequence[MedType]) -> str:
    return "+".join(sorted(m.value for m in med_types))


def _accumulated(family: Family, kind: AccountKind, year: int, group: str | None) -> int:
    return 0 if group is None else family.balance_of(accumulator_code(kind, family.patient.id, year, group))


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
    reader: RuleReader, region: str, med_type: MedType, parts: BillParts, fund: int, not_payable: int
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
    return max(ceiling - not_payable, 0)


def plan_settlement(
    ctx: Context, uow: UnitOfWork, visit: Visit, acct_used: bool, *, lock: bool, family: Family | None = None
) -> SettlementPlan:
    """Compute a settlement of a visit (amounts, payments, explanation); ``lock`` locks the family's accounts.
    ``family``, when the caller has read it already (under the same lock), is not read again."""
    if family is None:
        patient = uow.people.get(visit.person_id)
        assert patient is not None
        family = load_family(uow, patient, visit.begin_at, lock=lock)
    person = family.patient
    institution = uow.institutions.get(visit.institution_id)
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
    where = f"{category.value}, level {level.value if level else '—'}"
    if ratio_row is None:
        label_zh = f"{visit.med_type.value} {visit.med_type.zh}，{where}"
        label_en = f"{visit.med_type.value} {visit.med_type.en}, {where}"
        zh.append(f"统筹区 {visit.region} 的规则没有适用于此费用（{label_zh}）的统筹基金支付比例：统筹基金不支付")
        en.append(
            f"Region {visit.region}'s rules set no pooling ratio for this bill ({label_en}): the fund pays nothing"
        )
        share = fund_share(parts.inscp_fen, FundTerms(0, 0, 0, (), None, 0))
        deductible_group = fund_group = None
    else:
        deductible_group = _group(deductible_row.med_types) if deductible_row else None
        fund_group = _group(cap_row.med_types) if cap_row else _group(ratio_row.med_types)
        paid_dedc = _accumulated(family, AccountKind.DEDUCTIBLE_PAID, year, deductible_group)
        paid_fund = _accumulated(family, AccountKind.FUND_PAID, year, fund_group)
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
        else _waterfall(ctx, uow, family, visit, reader, parts, fund, not_payable, psn_part)
    )
    own = next((p for p in purses if p.own), None)
    if own is None and not acct_used:
        own_rows = family.personal_accounts(person.id, visit.region)
        if own_rows:
            own = Purse(person.id, None, person.name, visit.region, sum(r.state.balance_fen for r in own_rows), 0)
    if not acct_used:
        zh.append("本次不使用个人账户（acct_used_flag = 0）")
        en.append("The account is not used this time (acct_used_flag = 0)")
    else:
        ceiling = min(
            _payable_ceiling(reader, visit.region, visit.med_type, parts, fund, not_payable),
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
    return SettlementPlan(
        visit=visit,
        institution=institution,
        amounts=amounts,
        payments=payments,
        steps=steps,
        fund_steps_zh=zh,
        fund_steps_en=en,
        reader=reader,
        year=year,
        deductible_group=deductible_group,
        fund_group=fund_group,
        family=family,
        deductible_standard_fen=deductible_row.amount_fen if ratio_row is not None and deductible_row else 0,
    )


def _waterfall(
    ctx: Context,
    uow: UnitOfWork,
    family: Family,
    visit: Visit,
    reader: RuleReader,
    parts: BillParts,
    fund: int,
    not_payable: int,
    psn_part: int,
) -> tuple[list[Purse], list[PurseStepView], list[Payment], int]:
    """Own account first (unless the region says otherwise), then each authoriser in the patient's order."""
    on = visit.begin_at.date()
    person = family.patient
    patient = family.party(person.id)
    # Every live relation is tried, in order: an active one pays, a pending one is skipped with its reason.
    relations = family.paying_relations
    # A current-year part still holding last year's money is 历年 money already (a commit rolls it over first;
    # a preview counts it so, without writing).
    this_year = ctx.clock.now().year
    unrolled: set[int] = set()
    states = {}
    for payer_id in [person.id, *(r.authoriser_id for r in relations)]:
        for row in family.personal_accounts(payer_id):
            states[row.state.id] = row.state
            if row.period_year is not None and row.period_year < this_year:
                unrolled.add(row.state.id)

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
        payer = family.party(relation.authoriser_id)
        authoriser = payer.person
        region = payer.region or relation.region
        prior, current, _ = parts_of(authoriser.id, region)
        used = family.balance_of(quota_used_code(relation.id, on.year))
        # The opening balance is read only where the quota is a yearly share of it (two reads per account).
        annual = ctx.rules.resolve(params.QUOTA_MODEL, region, on).value is QuotaModel.ANNUAL_SHARE
        start_balance = opening_balance(uow, family.personal_accounts(authoriser.id, region), on.year) if annual else 0
        shared = family.shared_quotas.get(authoriser.id, (False, None))
        findings, sub = payment_findings(
            ctx.rules,
            payer,
            patient,
            visit.begin_at,
            kind,
            ShareableBalance(prior, current, used, start_balance),
            shared_quota=shared,
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
        left = quota_left(ctx, relation, region, on, used, start_balance, shared[1])
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
                left,
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
        ceiling = _payable_ceiling(reader, purse.region, visit.med_type, parts, fund, not_payable)
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


def quota_left(
    ctx: Context, relation: Any, region: str, on: date, used: int, start_balance: int, shared_quota_fen: int | None
) -> int | None:
    """What is left of the quota this relation may use this year under the region's quota model (``None``: no
    limit): the relation's own quota, the authoriser's one shared quota (``shared_quota_fen``), or a yearly share
    of his opening balance."""
    model = ctx.rules.resolve(params.QUOTA_MODEL, region, on).value
    if model is QuotaModel.PER_RELATION:
        return None if relation.quota_fen is None else max(relation.quota_fen - used, 0)
    if model is QuotaModel.SHARED:
        return None if shared_quota_fen is None else max(shared_quota_fen - used, 0)
    share = ctx.rules.resolve(params.QUOTA_ANNUAL_SHARE_BP, region, on).value
    return max(apply_rate_bp(start_balance, share) - used, 0)


def year_start_balance(uow: UnitOfWork, person_id: int, region: str, year: int) -> int:
    """The person's personal-account balance in a region as the year began (for quotas that are a yearly share)."""
    rows = [
        row
        for row in uow.ledger.accounts_of_person(person_id)
        if row.region == region and row.state.kind in PERSONAL_PARTS
    ]
    return opening_balance(uow, rows, year)


def opening_balance(uow: UnitOfWork, accounts: Sequence[AccountRow], year: int) -> int:
    """The sum of these accounts' balances as ``year`` began."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI) - timedelta(microseconds=1)
    return sum(uow.ledger.balance_as_of(row.state.id, start) for row in accounts)


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
