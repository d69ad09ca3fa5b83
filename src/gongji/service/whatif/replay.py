"""One settlement replayed: its inputs as they were when it was made, the pure core run on them under a rule book,
and what it moved by account.

The inputs are read back from the database as the settlement read them: the visit, its fee lines (those this
settlement took), the institution, the patient's family as her relations stood at the settlement's moment, and every
account's balance just before the settlement's journal (from the ledger's running balances). Under an overlay, each
account also carries what earlier replayed settlements left it with more or less (``deltas``: paying less for a
relative in March leaves more in April). Then :func:`gongji.service.settlement.core.compute_plan` — the function the
settlement itself ran — decides, and :func:`gongji.service.settlement.moves.settlement_moves` says what the plan
would post. Nothing is written. What stays the same between a family's settlements is read once for the family
(:mod:`gongji.service.whatif.memory`).

Not replayed (counted apart): a settlement paid from a wallet (the wallet's reservations move on their own
schedule), and one whose visit is gone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from gongji.domain.errors import GongjiError
from gongji.domain.people import Person
from gongji.domain.relations import Relation, RelationStatus
from gongji.domain.settlement import SettlementRecord
from gongji.domain.visits import FeeLine, Visit
from gongji.rules.book import RuleBook
from gongji.service.checks import RuleReader
from gongji.service.context import Context
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.settlement.core import SettlementInputs, compute_plan
from gongji.service.settlement.family import Family, load_family
from gongji.service.settlement.moves import settlement_moves
from gongji.service.settlement.split import SettlementPlan, bill_facts, relations_moment, year_starts
from gongji.service.settlement_ports import BillRows
from gongji.service.whatif.memory import FamilyMemory

__all__ = ["Outcome", "Situation", "outcome", "relation_then", "situation"]


@dataclass(frozen=True)
class Outcome:
    """A settlement under one book: the accounts' part and how much of it relatives paid, cash, the fund; what each
    relation paid (``None``: the patient's own account); the effect on each account by code; or the refusal."""

    acct_pay_fen: int = 0
    mutual_aid_fen: int = 0
    cash_fen: int = 0
    fund_fen: int = 0
    by_relation: Mapping[int | None, int] = field(default_factory=dict)
    effects: Mapping[str, int] = field(default_factory=dict)
    refused: str | None = None


@dataclass(frozen=True)
class Situation:
    """What a settlement read, as it was: the record, its visit, the family with its balances of then, and its bill
    (the visit's rows, the lines it settled, the visit's earlier settlements)."""

    record: SettlementRecord
    visit: Visit
    family: Family
    bill: BillRows
    lines: list[FeeLine]
    earlier: list[SettlementRecord]


def _as_of(family: Family, balances: Mapping[int, int], deltas: Mapping[str, int]) -> Family:
    """The family with each account's balance as it was (``balances`` by account id), moved by ``deltas``."""

    def then(row: AccountRow) -> AccountRow:
        balance = balances.get(row.state.id, row.state.balance_fen) + deltas.get(row.code, 0)
        if balance == row.state.balance_fen:
            return row
        return replace(row, state=replace(row.state, balance_fen=balance))

    accounts = {person: [then(row) for row in rows] for person, rows in family.accounts.items()}
    by_code = {row.code: row for rows in accounts.values() for row in rows}
    by_code |= {code: then(row) for code, row in family.by_code.items() if code not in by_code}
    return replace(family, accounts=accounts, by_code=by_code)


def relation_then(relation: Relation, moment: datetime) -> Relation:
    """``relation`` as it stood at ``moment``, from its final row: one ended or decided since was still open then
    (its quota is today's: its history is not read back)."""
    if relation.status in (RelationStatus.ENDED, RelationStatus.EXPIRED, RelationStatus.DECLINED):
        closed = relation.ended_at or (relation.expires_at if relation.status is RelationStatus.EXPIRED else None)
        if closed is None or closed <= moment:
            return relation
        relation = replace(relation, ended_at=None, end_reason=None, end_requested_by_id=None)
        confirmed = relation.confirmed_at is not None and relation.confirmed_at <= moment
        return replace(relation, status=RelationStatus.ACTIVE if confirmed else RelationStatus.REQUESTED)
    if (
        relation.status is RelationStatus.ACTIVE
        and relation.confirmed_at is not None
        and relation.confirmed_at > moment
    ):
        return replace(relation, status=RelationStatus.REQUESTED)
    return relation


def _family_then(uow: UnitOfWork, memory: FamilyMemory, patient: Person, moment: datetime) -> Family:
    """The patient's family as her relations stood at ``moment``."""
    now = memory.relations_of(patient.id)
    own = [relation_then(r, moment) for r in now]
    if any(then is not today for then, today in zip(own, now, strict=True)):
        # A relation ended since lost its place in her payer order, and the others moved up: with no history of the
        # order, the relations of then pay in the order they were bound (the order a new binding is given).
        own = [replace(r, order_position=None) for r in own]
    family = load_family(uow, patient, moment, lock=False, relations=own, reader=memory)
    others = {
        person: [relation_then(r, moment) for r in relations]
        for person, relations in family.relations_of_people.items()
    }
    return replace(family, relations_of_people=others)


def situation(uow: UnitOfWork, memory: FamilyMemory, setl_id: str) -> Situation | None:
    """The settlement ``setl_id`` with its visit and family as they were (``None``: not replayable); ``memory``:
    what the replay read of the family already."""
    record = memory.record(setl_id)
    if record is None or record.visit_id is None or any(p.wallet_transfer_id for p in record.payers):
        return None
    billed = memory.bill(record.visit_id)
    patient = memory.person(record.person_id)
    if billed is None or patient is None:
        return None
    visit, read = billed
    family = _family_then(uow, memory, patient, relations_moment(visit, record.settled_at))
    ids = sorted({row.state.id for row in family.by_code.values()})
    balances = memory.balances_before(ids, record.journal_id)
    lines = [line for line in read.lines if line.settlement_id == record.id]
    # The visit's other settlements in force hold lines of their own: read them only if there are any.
    others = {line.settlement_id for line in read.lines if line.settlement_id not in (None, record.id)}
    earlier = []
    if others:
        earlier = [r for r in uow.settlements.for_visit(visit.id) if r.id < record.id and r.id in others]
    return Situation(record, visit, _as_of(family, balances, {}), read, lines, earlier)


def outcome(
    ctx: Context, uow: UnitOfWork, book: RuleBook, seen: Situation, deltas: Mapping[str, int], memory: FamilyMemory
) -> Outcome:
    """The settlement of ``seen`` under ``book``, its family's balances moved by ``deltas`` (``memory``: what the
    replay read of the family already)."""
    record, visit = seen.record, seen.visit
    family = _as_of(seen.family, {}, deltas) if deltas else seen.family
    read, lines, earlier = seen.bill, seen.lines, seen.earlier
    assert read.institution is not None
    try:
        bill = bill_facts(read.items, visit, read.institution, family.patient, record.acct_used_flag, lines, earlier)
        inputs = SettlementInputs(
            bill=bill,
            family=family,
            moment=relations_moment(visit, record.settled_at),
            this_year=record.settled_at.year,
            year_start=year_starts(replace(ctx, rules=book), uow, family, visit.begin_at.year, memory.year_start_parts),
            wallet=(),
            use_wallet=False,
        )
        core = compute_plan(RuleReader(book, visit.begin_at.date()), inputs)
    except GongjiError as refusal:
        return Outcome(refused=refusal.code.name)
    plan = SettlementPlan(visit, read.institution, family, core, lines, read.lines)
    effects: Counter[str] = Counter()
    for debit, credit, amount in settlement_moves(plan, record.settled_at.year):
        effects[debit.code] -= amount
        effects[credit.code] += amount
    by_relation: Counter[int | None] = Counter()
    for payment in core.payments:
        by_relation[payment.purse.relation_id] += payment.amount_fen
    amounts = core.amounts
    return Outcome(
        acct_pay_fen=amounts.acct_pay_fen,
        mutual_aid_fen=amounts.acct_mulaid_pay_fen,
        cash_fen=amounts.psn_cash_pay_fen,
        fund_fen=amounts.hifp_pay_fen,
        by_relation=dict(by_relation),
        effects=dict(effects),
    )
