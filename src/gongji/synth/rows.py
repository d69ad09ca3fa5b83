"""The rows of one chunk of a synthetic province, as the use cases would have written them: ``register_person``,
``enroll`` (the enrollment, its event, the personal account's two parts and the social-security card),
``credit_account`` (the opening balance of the prior-years part) and the binding steps of
:mod:`gongji.synth.bindings`. The one module of the synthetic province that knows the tables.

Ids are not consecutive: each person owns a fixed range in every table (:class:`Ids`), so chunks never depend on each
other and can be drawn and written in any order and in parallel. The opening-balance journals debit their region's
opening-balance account; the running balances that account's transfers carry are written by the process writing the
chunks, in their order (:class:`gongji.synth.shared.SharedAccounts`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from gongji.domain.codes import EnrollmentStatus, RelationType
from gongji.domain.enrollment import Enrollment, EventKind
from gongji.domain.identity import ResidentId
from gongji.domain.ledger import MONEY, AccountKind, AccountOpening, JournalKind, account_code, ledger_code
from gongji.domain.people import Person
from gongji.domain.wording import encode
from gongji.rules.book import RuleBook
from gongji.service.clock import SHANGHAI
from gongji.service.credentials import CARD_LETTERS
from gongji.service.verification import FaceVerifier
from gongji.store.ledger_repo import opening_values
from gongji.store.relation_repo import note_column, relation_values
from gongji.store.wallet_repo import params_column
from gongji.synth.binding_state import refusal_row
from gongji.synth.bindings import family_year
from gongji.synth.care import CareModel
from gongji.synth.care_steps import FamilyCare
from gongji.synth.figures import Province
from gongji.synth.fraud import Pattern, Request, Truth, fictitious
from gongji.synth.population import Family, chunk, relations_in
from gongji.synth.scratch import CARE_TABLES, Scratch, columns_of
from gongji.synth.sites import Site, by_level

__all__ = ["COLUMNS", "REFERENCE", "CareSetup", "ChunkRows", "Ids", "chunk_rows", "registered_at"]

#: What the opening balances' journals carry as their reference.
REFERENCE = "synth:opening-balance"
_RELATIONS_PER_PERSON = 8
_NEWBORN_REGISTERED = timedelta(days=7)
_EVENTS_PER_RELATION = 4
_NOTICES_PER_RELATION = 4

_OWN_COLUMNS = ("accounts", "journals", "transfers", "notifications")
#: The codes every person's enrollment and its event are written with (an enum's ``.value`` is a Python call).
_NORMAL, _ENROLLED = EnrollmentStatus.NORMAL.value, EventKind.ENROLLED.value

#: The columns each table's rows give, in order. A column the synthetic rows never set (a person's death, an
#: employer, an operator: they are drawn online and alive) is not named: the database leaves it NULL, as the use case
#: writes it. A NULL bound costs the driver an adapter lookup (some 0.3 µs a value, a tenth of a row's write), and a
#: province would bind tens of millions. The tables the year of care also writes name every column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("id", "psn_no", "certno", "name", "registered_at"),
    "enrollments": ("id", "person_id", "insutype", "psn_type", "pooling_region", "status", "began_on", "status_since"),
    "enrollment_events": ("id", "enrollment_id", "kind", "on_date", "recorded_at"),
    "social_security_cards": ("id", "person_id", "card_no", "card_sn", "region", "issued_at"),
    "accounts": (
        "id", "code", "kind", "region", "ledger", "owner_person_id", "must_not_go_negative", "balance_fen",
        "version", "period_year", "opened_at",
    ),
    "journals": ("id", "kind", "booked_at", "reference", "note", "reverses_journal_id", "person_id"),
    "transfers": (
        "id", "journal_id", "seq", "ledger", "debit_account_id", "credit_account_id", "amount_fen",
        "debit_balance_after_fen", "credit_balance_after_fen",
    ),
    "relations": (
        "id", "authoriser_id", "beneficiary_id", "relation_type", "status", "channel", "region", "beneficiary_region",
        "proof_kind", "commitment_text", "requested_at", "expires_at", "confirmed_at", "confirmed_by_id",
        "effective_from", "ended_at", "end_reason", "order_position",
    ),
    "relation_events": ("id", "relation_id", "kind", "at", "actor_person_id", "channel", "note"),
    "notifications": ("id", "person_id", "kind", "params", "created_at", "read_at", "delivered_at"),
    # numbered by the database: refusals are few and have no ids of their own to keep in step
    "refusals": ("at", "operation", "code", "kind", "channel", "region", "person_id"),
    **{name: columns_of(name) for name in CARE_TABLES if name not in _OWN_COLUMNS},
}  # fmt: skip
#: The relation's columns its rows leave NULL (no synthetic binding sets them: online, with a commitment, for good).
_RELATIONS_LEFT_NULL = tuple(name for name in columns_of("relations") if name not in COLUMNS["relations"])


@dataclass(frozen=True)
class Ids:
    """Where each table's ids start; person ``n`` (from 0) owns id ``n + 1`` of people, enrollments, their events
    and cards, ids ``accounts + 2n`` and ``+ 1`` (the two parts), ``journals + n`` and ``transfers + n`` (the
    opening balance), and 8 relations from ``relations + 8n`` for the family he starts; each relation 4 events and
    4 notices."""

    accounts: int
    journals: int
    transfers: int
    relations: int
    relation_events: int
    notifications: int
    #: The opening-balance account of each region.
    opening: dict[str, int]


@dataclass
class ChunkRows:
    """A chunk's rows by table, and what they hold."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {name: [] for name in COLUMNS})
    people: int = 0
    employees: int = 0
    relations: Counter[str] = field(default_factory=Counter)
    refusals: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    settlements: int = 0
    truth: list[Truth] = field(default_factory=list)
    #: The system accounts the chunk's settlements opened, by the chunk's own id (the writer gives each its id).
    shared: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    def add(self, table: str, *values: Any) -> None:
        """One row of ``table``, its values in the order of :data:`COLUMNS`."""
        self.rows[table].append(values)


def registered_at(province: Province) -> datetime:
    """When the province's people were registered and enrolled: the day before bindings opened (a child born since,
    a week after birth)."""
    return datetime.combine(province.bindings.since - timedelta(days=1), time(9), SHANGHAI)


def _card(person_id: int, region: str) -> tuple[str, str]:
    """The card number and serial of a person's card: issued in the order people were registered (a card office
    numbers its batches in turn), so distinct for distinct people; and so that the load appends to the two
    indexes on them rather than writing all over them (numbers in random order made every chunk rewrite pages
    across the whole index: the later chunks of a large province then wrote slower and slower)."""
    n = person_id - 1
    card_no = CARD_LETTERS[(n // 10**8) % len(CARD_LETTERS)] + f"{n % 10**8:08d}"
    return card_no, f"{region}D156{n:022X}"


def _opening_fen(rng: random.Random, retired: bool) -> int:
    """The prior-years balance a person brings: log-normal around 3,000 yuan (in service) or 6,000 (retired)."""
    median_yuan = 6_000 if retired else 3_000
    return max(100, round(rng.lognormvariate(0, 0.9) * median_yuan * 100))


_ACCOUNT_ID, _ACCOUNT_CODE, _ACCOUNT_OWNER, _ACCOUNT_BALANCE, _ACCOUNT_VERSION = (
    COLUMNS["accounts"].index(name) for name in ("id", "code", "owner_person_id", "balance_fen", "version")
)
_OPENING_BALANCE = JournalKind.OPENING_BALANCE.value


@cache
def _account_template(kind: AccountKind, region: str, at: datetime) -> tuple[Any, ...]:
    """A personal account's row as the repository opens it (:func:`opening_values`) for anyone of ``region``
    registered at ``at``: all but its id, code and owner (set per person) are the same for them."""
    values = opening_values(AccountOpening.of(kind, region, 0, at.year), at)
    return tuple(values.get(name) for name in COLUMNS["accounts"])


def _person_rows(out: ChunkRows, ids: Ids, person: Any, at: datetime, rng: random.Random) -> tuple[str, datetime]:
    """register_person, enroll (and its accounts and card), and the opening balance's credit; the person's psn_no
    and when he was registered."""
    pid = person.number + 1
    psn_no = f"{person.certno[:6]}{pid:014d}"
    if person.born + _NEWBORN_REGISTERED > at.date():
        # Born after the province's people were registered: registered a week after birth (a newborn's enrollment).
        at = datetime.combine(person.born + _NEWBORN_REGISTERED, time(9), SHANGHAI)
    out.add("people", pid, psn_no, person.certno, person.name, at)
    on = at.date()
    out.add(
        "enrollments", pid, pid, person.insutype.value, person.psn_type.value, person.region, _NORMAL, on, on,
    )  # fmt: skip
    out.add("enrollment_events", pid, pid, _ENROLLED, on, at)
    out.people += 1
    card_no, card_sn = _card(pid, person.region)
    if person.is_employee:
        out.employees += 1
        amount = _opening_fen(rng, person.psn_type.is_retired)
        prior = ids.accounts + 2 * person.number
        for offset, kind in enumerate((AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT)):
            row = list(_account_template(kind, person.region, at))
            row[_ACCOUNT_ID], row[_ACCOUNT_CODE], row[_ACCOUNT_OWNER] = (
                prior + offset,
                account_code(kind, person.region, pid),
                pid,
            )
            if kind is AccountKind.PERSONAL_PRIOR:
                row[_ACCOUNT_BALANCE], row[_ACCOUNT_VERSION] = amount, 1
            out.add("accounts", *row)
    out.add("social_security_cards", pid, pid, card_no, card_sn, person.region, at)
    if person.is_employee:
        journal = ids.journals + person.number
        out.add("journals", journal, _OPENING_BALANCE, at, REFERENCE, None, None, pid)
        ledger = ledger_code(person.region, MONEY)
        # The opening account's balance after this transfer is the writer's to set (module docstring).
        out.add(
            "transfers", ids.transfers + person.number, journal, 1, ledger, ids.opening[person.region], prior,
            amount, 0, amount,
        )  # fmt: skip
    return psn_no, at


def _family_rows(out: ChunkRows, ids: Ids, family: Family, at: datetime, context: _Context) -> None:
    """Every row of one family: its people, then its binding steps and its year of care."""
    first_row = {table: len(out.rows[table]) for table in _FAMILY_TABLES}
    registered = [_person_rows(out, ids, person, at, context.rng) for person in family.people]
    if not any(p.is_employee for p in family.people):
        return
    people: dict[int, Person] = {}
    enrollments: dict[int, Enrollment] = {}
    for person, (psn_no, when) in zip(family.people, registered, strict=True):
        pid, on = person.number + 1, when.date()
        people[pid] = Person(pid, psn_no, person.name, ResidentId(person.certno), when)
        status = EnrollmentStatus.NORMAL
        enrollments[pid] = Enrollment(pid, pid, person.insutype, person.psn_type, person.region, None, status, on, on)
    care = context.care(out, family, ids, first_row)
    if care is not None:
        care.registered = {pid: person.registered_at for pid, person in people.items()}
    year = family_year(
        family, people, enrollments, book=context.book, face=context.face, model=context.province.bindings,
        year=context.year, rng=context.rng, first_id=1, care=care.steps if care else lambda beneficiaries: (),
        fictitious=context.fictitious(family),
    )  # fmt: skip
    if care is not None:
        out.settlements += care.settled
    first = ids.relations + _RELATIONS_PER_PERSON * family.people[0].number
    assert len(year.relations) <= _RELATIONS_PER_PERSON * len(family.people)
    for relation in year.relations:
        values = relation_values(relation)
        values["id"] = first + relation.id - 1
        assert all(values[name] is None for name in _RELATIONS_LEFT_NULL), "a relation column COLUMNS leaves out"
        out.add("relations", *(values[name] for name in COLUMNS["relations"]))
        out.relations[relation.status.value] += 1
    written: Counter[int] = Counter()
    for local, event in year.events:
        relation_id = first + local - 1
        slot = (relation_id - ids.relations) * _EVENTS_PER_RELATION + written[local]
        written[local] += 1
        assert written[local] <= _EVENTS_PER_RELATION
        assert event.operator is None, "synthetic steps are taken online"
        out.add(
            "relation_events", ids.relation_events + slot, relation_id, event.kind, event.at, event.actor_person_id,
            event.channel.value, note_column(event.note),
        )  # fmt: skip
    told: Counter[int] = Counter()
    for local, person_id, kind, shown, when in year.notices:
        slot = (first + local - 1 - ids.relations) * _NOTICES_PER_RELATION + told[local]
        told[local] += 1
        assert told[local] <= _NOTICES_PER_RELATION
        params = params_column({name: encode(value) for name, value in shown.items()})
        out.add("notifications", ids.notifications + slot, person_id, kind.name, params, when, None, None)
    for _local, beneficiary, at in year.fictitious:
        out.truth.append(Truth(beneficiary, Pattern.FICTITIOUS, at, 0))
    for refusal in year.refusals:
        out.refusals[(refusal.region, refusal.action, refusal.code.name)] += 1
        operation = _BINDING_OPERATIONS[refusal.action]
        out.add("refusals", *refusal_row(refusal.at, operation, refusal.code, refusal.region, refusal.authoriser_id))


#: The use case's operation of each binding step synth takes (as the refusals log names them).
_BINDING_OPERATIONS = {"request": "relation.request", "confirm": "relation.confirm", "end": "relation.end"}


@dataclass(frozen=True)
class CareSetup:
    """What a chunk needs to run its families' care: the province's institutions, the rows its scratch database
    starts with (institutions, catalogue, the regions' accounts), the care model, and where chunk 0's care rows
    start in each table with the room each chunk has."""

    sites: tuple[Site, ...]
    shared: dict[str, list[tuple[Any, ...]]]
    model: CareModel
    bases: dict[str, int]
    room: dict[str, int]
    #: The share of relatives whose card a fraud pattern is injected for (:mod:`gongji.synth.fraud`).
    fraud_rate: float = 0.0

    def bases_of(self, chunk_no: int) -> dict[str, int]:
        """Where chunk ``chunk_no``'s care rows start."""
        return {name: base + chunk_no * self.room[name] for name, base in self.bases.items()}


@dataclass
class _Context:
    province: Province
    year: int
    seed: int
    book: RuleBook
    face: FaceVerifier
    rng: random.Random
    scratch: Scratch | None = None
    sites: dict[tuple[str, str], list[Site]] = field(default_factory=dict)
    model: CareModel | None = None
    fraud_rate: float = 0.0

    def fictitious(self, family: Family) -> Callable[[list[Request]], list[Request]]:
        """The fictitious relatives to inject into ``family``'s bindings, drawn on a stream of the family's own (so
        that the honest year draws the same numbers with or without them)."""
        if self.fraud_rate <= 0:
            return lambda asked: []
        rng = random.Random(f"{self.seed}:{self.year}:fictitious:{family.people[0].number}")
        members = [(p.number + 1, p.is_employee) for p in family.people]

        between = relations_in(family)

        def kind(a: int, b: int) -> RelationType | None:
            return between(a - 1, b - 1)

        return lambda asked: fictitious(rng, self.fraud_rate, members, asked, kind, self.year)

    def care(self, out: ChunkRows, family: Family, ids: Ids, first_row: dict[str, int]) -> FamilyCare | None:
        """The family's care, run in the chunk's scratch database (``None`` without one); ``first_row``: where the
        family's own rows start in each table of ``out``."""
        if self.scratch is None or self.model is None:
            return None
        scratch = self.scratch

        def load() -> None:
            for table in _FAMILY_TABLES:
                scratch.add(table, COLUMNS[table], out.rows[table][first_row[table] :])

        first = ids.relations + _RELATIONS_PER_PERSON * family.people[0].number
        people = {p.number + 1: p for p in family.people}
        return FamilyCare(
            scratch=scratch, sites=self.sites, model=self.model, year=self.year, seed=f"{self.seed}:{self.year}",
            people=people, registered={}, relation_ids=list(range(first, first + _RELATIONS_PER_PERSON * len(people))),
            load=load, refusals=out.refusals, refusal_rows=out.rows["refusals"], fraud_rate=self.fraud_rate,
            regions=tuple(region for region, _ in self.province.regions), truth=out.truth,
        )  # fmt: skip


#: A family's own rows the use cases read when they settle its visits.
_FAMILY_TABLES = ("people", "enrollments", "accounts", "journals", "transfers")


def chunk_rows(
    province: Province,
    year: int,
    seed: int,
    people: int,
    chunk_no: int,
    ids: Ids,
    book: RuleBook,
    face: FaceVerifier,
    care: CareSetup | None = None,
) -> ChunkRows:
    """The rows of chunk ``chunk_no`` of the province of ``people`` drawn with ``seed`` (see the module docstring);
    with ``care``, the year's visits and settlements of the relatives employees ask to bind too."""
    out = ChunkRows()
    at = registered_at(province)
    context = _Context(province, year, seed, book, face, random.Random(f"{seed}:{year}:{chunk_no}:rows"))
    families = chunk(province, year, seed, people, chunk_no)
    if care is None:
        for family in families:
            _family_rows(out, ids, family, at, context)
        return out
    with TemporaryDirectory(prefix="gongji-synth-") as directory:
        scratch = Scratch(Path(directory), care.bases_of(chunk_no), care.shared, book)
        context.scratch, context.sites, context.model = scratch, by_level(list(care.sites)), care.model
        context.fraud_rate = care.fraud_rate
        try:
            for family in families:
                _family_rows(out, ids, family, at, context)
            _take_care_rows(out, scratch.written(COLUMNS), care.bases_of(chunk_no)["accounts"])
        finally:
            scratch.close()
    return out


def _take_care_rows(out: ChunkRows, written: dict[str, list[tuple[Any, ...]]], first_account: int) -> None:
    """The rows the care wrote, beside the chunk's own: the families' accounts as they now are in place of their
    opening rows, the system accounts the settlements opened kept apart (the writer numbers them)."""
    accounts = written.pop("accounts")
    now = {row[0]: row for row in accounts if row[_ACCOUNT_OWNER] is not None}
    out.shared = {row[0]: row for row in accounts if row[_ACCOUNT_OWNER] is None and row[0] >= first_account}
    out.rows["accounts"] = [now.pop(row[0], row) for row in out.rows["accounts"]] + sorted(now.values())
    for table, rows in written.items():
        out.rows[table].extend(rows)
