"""Asking the settlement about one payer: "may X's account pay this kind of cost for Y now, and how much?"

"Why can't X pay?" and a contribution paid from a relative's account read the family as a settlement does and ask
:func:`gongji.service.eligibility.assess_payer` — the same function a settlement asks of each payer — so what they
say and what a settlement does cannot disagree. For a medical kind, "why" also says when the region's fund rules do
not cover the patient's bills at all (a settlement of them is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.rules import parameters as params
from gongji.rules.coverage import fund_ratio
from gongji.rules.schema import HospitalLevel, InsuredCategory, QuotaModel
from gongji.service.checks import Finding, Party, RuleReader
from gongji.service.context import Context
from gongji.service.eligibility import PaymentKind, Question, Verdict, assess_payer
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.core import payer_money
from gongji.service.settlement.family import Family, load_family
from gongji.service.settlement.split import year_start_parts
from gongji.service.suspension import suspension_finding

__all__ = ["Answer", "ask_payer", "category_of_party"]


@dataclass(frozen=True)
class Answer:
    """The verdict on one payer, the family it was read from, and every rule value read."""

    verdict: Verdict
    family: Family
    reader: RuleReader


def category_of_party(party: Party) -> InsuredCategory | None:
    """The fund's treatment category of a person's active basic enrollment (``None``: not insured)."""
    basic = party.basic
    return None if basic is None else InsuredCategory.of(basic.psn_type)


def _fund_finding(reader: RuleReader, patient: Party, med_type: MedType, age: int) -> Finding | None:
    """``FUND_RULES_MISSING`` when the patient's region has no fund rule for her category and this medical type at
    any hospital level (every settlement of such a bill is refused)."""
    region, category = patient.region, category_of_party(patient)
    if region is None or category is None:
        return None
    levels: list[HospitalLevel | None] = [None, *HospitalLevel]
    if any(fund_ratio(lambda param: reader.find(param, region), med_type, level, category, age) for level in levels):
        return None
    shown = {
        "region": region,
        "on": reader.on.isoformat(),
        "category": category,
        "med_type": med_type,
        "level": Phrase.LEVEL_ANY,
    }
    return Finding(ErrorCode.FUND_RULES_MISSING, shown)


def ask_payer(
    ctx: Context,
    uow: UnitOfWork,
    payer: Person,
    patient: Person,
    moment: datetime,
    kind: PaymentKind,
    *,
    admitted_at: datetime | None = None,
    lock: bool = False,
) -> Answer:
    """The verdict on the payer's account paying ``kind`` for the patient at ``moment`` (relations judged then; for
    a stay, the admission rule applied to ``admitted_at``), read as a settlement reads it."""
    now = ctx.clock.now()
    family = load_family(uow, patient, moment, lock=lock, also=(payer.id,))
    x, y = family.party(payer.id), family.party(patient.id)
    reader = RuleReader(ctx.rules, moment.date())
    region = x.region or y.region
    relation = next(
        (r for r in reversed(x.relations) if r.authoriser_id == payer.id and r.beneficiary_id == patient.id),
        None,
    )
    relation = relation if relation is not None and relation.is_live_at(moment) else None
    starts = {}
    if region is not None:
        model = ctx.rules.find(params.QUOTA_MODEL, region, moment.date())
        if model is not None and model.value is QuotaModel.ANNUAL_SHARE:
            starts[payer.id] = year_start_parts(uow, family.personal_accounts(payer.id, region), moment.year)
    money = payer_money(
        family, payer.id, region or "", relation, year=moment.year, this_year=now.year, year_start=starts
    )
    question = Question(
        moment=moment,
        kind=kind,
        admitted_at=admitted_at,
        suspension=suspension_finding(uow, patient, moment.date(), now),
        proxy_links=uow.relations.proxies_of(payer.id),
    )
    verdict = assess_payer(reader, x, y, money, question)
    if kind.med_type is not None:
        missing = _fund_finding(reader, y, kind.med_type, patient.age_on(moment.date()))
        if missing is not None:
            verdict = Verdict([*verdict.findings, missing], verdict.purse)
    return Answer(verdict, family, reader)
