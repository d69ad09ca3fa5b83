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
from gongji.domain.settlement import SettlementRecord
from gongji.domain.visits import FeeLine, Visit
from gongji.rules.book import RuleBook
from gongji.service.checks import RuleReader
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.settlement.core import BillFacts, SettlementInputs, compute_plan
from gongji.service.settlement.family import Family
from gongji.service.settlement.moves import settlement_moves
from gongji.service.settlement.split import SettlementPlan, bill_facts, relations_moment, year_starts
from gongji.service.settlement_ports import BillRows
from gongji.service.whatif.memory import FamilyMemory
from gongji.service.whatif.then import family_then

__all__ = ["Outcome", "Situation", "outcome", "situation"]


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
    (the visit's rows, the lines it settled, the visit's earlier settlements, and what the core reads of them)."""

    record: SettlementRecord
    visit: Visit
    family: Family
    bill: BillRows
    lines: list[FeeLine]
    earlier: list[SettlementRecord]
    #: When its relations are judged.
    moment: datetime
    #: The bill as the core reads it — the same under every book —, or the code it was refused with.
    facts: BillFacts | str


def _as_of(family: Family, balances: Mapping[int, int], deltas: Mapping[str, int]) -> Family:
    """The family with each account's balance as it was (``balances`` by account id), moved by ``deltas`` (by code;
    an account the family does not hold is not its concern)."""
    rows = family.by_code
    moved: dict[str, AccountRow] = {}
    if balances:
        for code, row in rows.items():
            balance = balances.get(row.state.id, row.state.balance_fen) + deltas.get(code, 0)
            if balance != row.state.balance_fen:
                moved[code] = row.with_balance(balance)
    else:
        for code, fen in deltas.items():
            held = rows.get(code)
            if fen and held is not None:
                moved[code] = held.with_balance(held.state.balance_fen + fen)
    if not moved:
        return family
    accounts = {person: [moved.get(row.code, row) for row in owned] for person, owned in family.accounts.items()}
    return replace(family, accounts=accounts, by_code={**rows, **moved})


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
    moment = relations_moment(visit, record.settled_at)
    family = family_then(uow, memory, patient, moment)
    ids = sorted({row.state.id for row in family.by_code.values()})
    balances = memory.balances_before(ids, record.journal_id)
    lines = [line for line in read.lines if line.settlement_id == record.id]
    # The visit's other settlements in force hold lines of their own: read them only if there are any.
    others = {line.settlement_id for line in read.lines if line.settlement_id not in (None, record.id)}
    earlier = []
    if others:
        earlier = [r for r in uow.settlements.for_visit(visit.id) if r.id < record.id and r.id in others]
    assert read.institution is not None
    try:
        facts: BillFacts | str = bill_facts(
            read.items, visit, read.institution, patient, record.acct_used_flag, lines, earlier
        )
    except GongjiError as refusal:
        facts = refusal.code.name
    return Situation(record, visit, _as_of(family, balances, {}), read, lines, earlier, moment, facts)


def outcome(
    uow: UnitOfWork, book: RuleBook, seen: Situation, deltas: Mapping[str, int], memory: FamilyMemory
) -> Outcome:
    """The settlement of ``seen`` under ``book``, its family's balances moved by ``deltas`` (``memory``: what the
    replay read of the family already)."""
    record, visit, bill = seen.record, seen.visit, seen.facts
    if isinstance(bill, str):
        return Outcome(refused=bill)
    family = _as_of(seen.family, {}, deltas) if deltas else seen.family
    assert seen.bill.institution is not None
    try:
        inputs = SettlementInputs(
            bill=bill,
            family=family,
            moment=seen.moment,
            this_year=record.settled_at.year,
            year_start=year_starts(book, uow, family, visit.begin_at.year, memory.year_start_parts),
            wallet=(),
            use_wallet=False,
        )
        core = compute_plan(RuleReader(book, visit.begin_at.date()), inputs)
    except GongjiError as refusal:
        return Outcome(refused=refusal.code.name)
    plan = SettlementPlan(visit, seen.bill.institution, family, core, seen.lines, seen.bill.lines)
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
