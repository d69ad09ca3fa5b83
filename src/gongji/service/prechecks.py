"""明细审核事前 / 事中分析 (3101 / 3102): what gongji can tell a doctor about a prescription before it is settled.

The checks are only those gongji can make honestly from its own records — its catalogue (医保目录) and its registry.
Each is a rule with a stable id; a request may name the ones it wants (``rule_ids``), otherwise all run:

========  ========================  ====  =====  =================================================================
rule_id   rule_name                 sev   class  found when
========  ========================  ====  =====  =================================================================
GJ-CAT-1  医保目录外项目            1     1      ``hilist_code`` is not in gongji's catalogue (paid in full by the
                                                 person): the line's amount
GJ-CAT-2  全自费（丙类）项目        2     1      the item is category C (no fund pays it): the line's amount
GJ-PRC-1  超医保限价                1     2      ``pric`` is above the catalogue's price cap: quantity × the excess
GJ-QTY-1  数量异常                  2     3      the quantity is negative or above :data:`MAX_LINE_QUANTITY`: the
                                                 line's amount
GJ-AMT-1  明细金额与数量单价不符    1     3      ``sumamt`` differs from quantity × price (to the fen): the
                                                 difference
GJ-ENR-1  就诊日无有效参保          1     4      no enrollment in the encounter's insurance type (any basic one when
                                                 none is named) is in normal status on the day, or the person has
                                                 died: the encounter's amount
GJ-SUS-1  联网结算已暂停            1     4      a suspension of networked settlement applies on the day: the
                                                 encounter's amount
========  ========================  ====  =====  =================================================================

``sev`` is ``sev_deg`` (1 明确违规, 2 可疑) and ``class`` is ``vola_bhvr_type`` (1 目录, 2 价格, 3 数量与金额,
4 参保资格) — gongji's own values. gongji's catalogue carries no sex or age limits and no indication restrictions,
so no rule checks them: a prescription passing here may still break a regional rule gongji does not hold.

The amounts (``vola_amt``) are exact fen, rounded half up once. Nothing is written: the same request gives the
same answer, and a replayed message reads again. An unknown patient is refused (``PERSON_NOT_FOUND``), as is an
unknown rule id (``PRECHECK_RULE_UNKNOWN``). A rule's name and a finding's content are terms (a
:class:`~gongji.domain.phrases.Phrase`, a :class:`~gongji.domain.wording.Said`): the edges choose the words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from gongji.domain.catalogue import CatalogueItem, ItemCategory
from gongji.domain.codes import BASIC_INSUTYPES, Insutype
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.money import format_yuan, round_half_up
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said, Text
from gongji.service.context import Context
from gongji.service.entitlement import enrolled_on
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.suspension import suspension_finding

__all__ = [
    "MAX_LINE_QUANTITY",
    "Encounter",
    "OrderLine",
    "PatientCase",
    "PreCheck",
    "Rule",
    "Violation",
    "precheck",
]

#: A quantity above this on one prescription line is taken for a typing error (GJ-QTY-1).
MAX_LINE_QUANTITY = Decimal(10_000)


@dataclass(frozen=True)
class _RuleText:
    rule_id: str
    name: Phrase
    sev_deg: str
    vola_bhvr_type: str


class Rule(Enum):
    """The pre-check rules (see the module's table)."""

    OFF_CATALOGUE = _RuleText("GJ-CAT-1", Phrase.RULE_OFF_CATALOGUE, "1", "1")
    SELF_PAID_ITEM = _RuleText("GJ-CAT-2", Phrase.RULE_SELF_PAID_ITEM, "2", "1")
    ABOVE_PRICE_CAP = _RuleText("GJ-PRC-1", Phrase.RULE_ABOVE_PRICE_CAP, "1", "2")
    ODD_QUANTITY = _RuleText("GJ-QTY-1", Phrase.RULE_ODD_QUANTITY, "2", "3")
    AMOUNT_MISMATCH = _RuleText("GJ-AMT-1", Phrase.RULE_AMOUNT_MISMATCH, "1", "3")
    NOT_INSURED = _RuleText("GJ-ENR-1", Phrase.RULE_NOT_INSURED, "1", "4")
    SUSPENDED = _RuleText("GJ-SUS-1", Phrase.RULE_SUSPENDED, "1", "4")

    @property
    def rule_id(self) -> str:
        """The rule's stable id."""
        return self.value.rule_id

    @property
    def zh(self) -> str:
        """The rule's name in Chinese (``rule_name``)."""
        return self.value.name.zh

    @property
    def en(self) -> str:
        """The rule's name in English."""
        return self.value.name.en

    @classmethod
    def named(cls, rule_ids: Sequence[str]) -> frozenset[Rule]:
        """The rules of these ids; an id gongji does not have is refused (``PRECHECK_RULE_UNKNOWN``)."""
        by_id = {rule.rule_id: rule for rule in cls}
        for rule_id in rule_ids:
            if rule_id not in by_id:
                known = [Text(known_id, known_id, known_id) for known_id in by_id]  # codes, joined per language
                raise InvalidInput(ErrorCode.PRECHECK_RULE_UNKNOWN, rule_id=rule_id, known=known)
        return frozenset(by_id[rule_id] for rule_id in rule_ids)


@dataclass(frozen=True)
class OrderLine:
    """A prescription (order) line: the catalogue code, quantity, unit price in yuan (up to six decimals) and the
    line's amount in fen as the client computed it."""

    rx_id: str | None
    hilist_code: str
    hilist_name: str | None
    quantity: Decimal
    price_yuan: Decimal
    sumamt_fen: int


@dataclass(frozen=True)
class Encounter:
    """A visit (就诊) of the case: its day, its insurance type if named, and its order lines."""

    mdtrt_id: str | None
    on: date
    insutype: Insutype | None
    orders: tuple[OrderLine, ...]


@dataclass(frozen=True)
class PatientCase:
    """A patient (``patn_id``: psn_no or ID number) and the encounters to check."""

    patn_id: str
    encounters: tuple[Encounter, ...]


@dataclass(frozen=True)
class PreCheck:
    """The cases to check, with the rules to run (``None``: all of them)."""

    patients: tuple[PatientCase, ...]
    rules: frozenset[Rule] | None = None


@dataclass(frozen=True)
class Violation:
    """One finding: its rule, where (patient, encounter, line), the amount concerned and what was found (a term)."""

    rule: Rule
    patn_id: str
    mdtrt_id: str | None
    rx_id: str | None
    amount_fen: int
    content: Said


def _expected_fen(line: OrderLine) -> int:
    return round_half_up(Fraction(line.quantity) * Fraction(line.price_yuan) * 100)


def _line_findings(line: OrderLine, item: CatalogueItem | None) -> list[tuple[Rule, int, Said]]:
    """The catalogue, price, quantity and amount rules on one line: (rule, amount in fen, what was found)."""
    found: list[tuple[Rule, int, Said]] = []
    named: Said | str = line.hilist_code
    if line.hilist_name:
        named = Said(Phrase.NAME_WITH_CODE, {"name": line.hilist_name, "code": line.hilist_code})
    if item is None:
        found.append((Rule.OFF_CATALOGUE, line.sumamt_fen, Said(Phrase.PRE_OFF_CATALOGUE, {"item": named})))
    elif item.category is ItemCategory.C:
        found.append((Rule.SELF_PAID_ITEM, line.sumamt_fen, Said(Phrase.PRE_SELF_PAID_ITEM, {"item": named})))
    if item is not None and item.price_cap_fen is not None and line.price_yuan * 100 > item.price_cap_fen:
        excess = round_half_up(Fraction(line.quantity) * (Fraction(line.price_yuan) * 100 - item.price_cap_fen))
        cap = format_yuan(item.price_cap_fen, grouping=False)
        above = Said(Phrase.PRE_ABOVE_PRICE_CAP, {"item": named, "price": str(line.price_yuan), "cap": cap})
        found.append((Rule.ABOVE_PRICE_CAP, excess, above))
    if line.quantity < 0 or line.quantity > MAX_LINE_QUANTITY:
        odd = Said(Phrase.PRE_ODD_QUANTITY, {"item": named, "quantity": str(line.quantity)})
        found.append((Rule.ODD_QUANTITY, abs(line.sumamt_fen), odd))
    expected = _expected_fen(line)
    if expected != line.sumamt_fen:
        given, want = format_yuan(line.sumamt_fen, grouping=False), format_yuan(expected, grouping=False)
        differs = Said(Phrase.PRE_AMOUNT_MISMATCH, {"item": named, "given": given, "expected": want})
        found.append((Rule.AMOUNT_MISMATCH, abs(expected - line.sumamt_fen), differs))
    return found


def _encounter_findings(
    uow: UnitOfWork, person: Person, encounter: Encounter, now: datetime
) -> list[tuple[Rule, int, Said]]:
    """The registry's rules on one encounter: insured on the day, settlement not suspended."""
    found: list[tuple[Rule, int, Said]] = []
    total = sum(line.sumamt_fen for line in encounter.orders)
    day = encounter.on.isoformat()
    died = person.died_on is not None and person.died_on <= encounter.on
    enrollments = uow.enrollments.for_person(person.id)
    if encounter.insutype is not None:
        insured = enrolled_on(enrollments, encounter.insutype, encounter.on) is not None
    else:
        insured = any(enrolled_on(enrollments, basic, encounter.on) for basic in BASIC_INSUTYPES)
    if died or not insured:
        if encounter.insutype is None:
            uninsured = Said(Phrase.PRE_NOT_INSURED_BASIC, {"day": day})
        else:
            uninsured = Said(Phrase.PRE_NOT_INSURED, {"day": day, "insutype": encounter.insutype.value})
        found.append((Rule.NOT_INSURED, total, uninsured))
    if suspension_finding(uow, person, encounter.on, now) is not None:
        found.append((Rule.SUSPENDED, total, Said(Phrase.PRE_SUSPENDED, {"day": day})))
    return found


def precheck(ctx: Context, cmd: PreCheck) -> list[Violation]:
    """3101 / 3102: every finding of the chosen rules, patient by patient, encounter by encounter, line by line."""

    def handler(uow: UnitOfWork) -> list[Violation]:
        codes = {line.hilist_code for case in cmd.patients for e in case.encounters for line in e.orders}
        items = uow.catalogue.find_many(codes)
        now = ctx.clock.now()
        found: list[Violation] = []
        for case in cmd.patients:
            person = resolve_person(uow, case.patn_id)
            for encounter in case.encounters:
                where = (case.patn_id, encounter.mdtrt_id)
                for rule, fen, content in _encounter_findings(uow, person, encounter, now):
                    found.append(Violation(rule, *where, None, fen, content))
                for line in encounter.orders:
                    for rule, fen, content in _line_findings(line, items.get(line.hilist_code)):
                        found.append(Violation(rule, *where, line.rx_id, fen, content))
        return [v for v in found if cmd.rules is None or v.rule in cmd.rules]

    return ctx.read(handler)
