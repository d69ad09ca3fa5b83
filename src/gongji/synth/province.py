"""Loading a synthetic province into a database that holds no people yet (``gongji synth``).

The province is drawn in chunks (:func:`gongji.synth.population.chunk_size` people each, at most 500 chunks), each
chunk's rows built by :func:`gongji.synth.rows.chunk_rows`, their values converted for the database's driver, and
written by the bulk writer in chunk order, ten chunks a transaction. ``workers`` > 1 builds chunks in that many
processes while this one writes. With the year of care, the province's institutions are registered and the sample
catalogue loaded first (through their use cases), and each chunk's visits are settled in a scratch database of its own
(:mod:`gongji.synth.scratch`). When every chunk is written the system accounts get their balances
(:meth:`gongji.synth.shared.SharedAccounts.settle`); then the planner's statistics.

A province goes only into a database without people: synthetic people mixed with real ones would be a disaster, and
the rows' ids (:class:`gongji.synth.rows.Ids`) take the people's ids from 1.
"""

from __future__ import annotations

import gc
import marshal
import time
from collections import Counter
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Dialect

from gongji.bootstrap import build_context
from gongji.domain.ledger import AccountKind, AccountOpening
from gongji.rules.book import RuleBook
from gongji.service.catalogue import load_demo_catalogue
from gongji.service.clock import FixedClock
from gongji.service.institutions import ensure_institution
from gongji.service.verification import FakeFaceVerifier
from gongji.store import tables as t
from gongji.store.bulk import BulkWriter, RowShapes
from gongji.store.credential_tables import social_security_cards
from gongji.store.ledger_repo import opening_values
from gongji.store.refusal_tables import refusals
from gongji.store.wallet_tables import notifications
from gongji.synth.care import CARE_MODELS
from gongji.synth.figures import Province
from gongji.synth.fraud import Truth
from gongji.synth.population import chunk_size
from gongji.synth.rows import COLUMNS, CareSetup, ChunkRows, Ids, chunk_rows, registered_at
from gongji.synth.scratch import CARE_TABLES, PER_PERSON, SHARED_TABLES, columns_of
from gongji.synth.shared import SharedAccounts
from gongji.synth.sites import sites

__all__ = ["NotEmpty", "SynthReport", "check_empty", "load"]

_TABLES = {
    table.name: table
    for table in (
        t.people,
        t.enrollments,
        t.enrollment_events,
        social_security_cards,
        t.accounts,
        t.journals,
        t.transfers,
        t.relations,
        t.relation_events,
        notifications,
        t.visits,
        t.visit_diagnoses,
        t.settlements,
        t.settlement_payers,
        t.fee_lines,
        refusals,
    )
}
#: Tables that must be empty before a load (the accounts may hold system accounts: they are kept).
_MUST_BE_EMPTY = tuple(name for name in _TABLES if name != "accounts")


class NotEmpty(Exception):
    """The database already holds rows a synthetic province would mix with."""

    def __init__(self, table: str, rows: int) -> None:
        super().__init__(f"{table} holds {rows} rows")
        self.table, self.rows = table, rows


@dataclass
class SynthReport:
    """What a load wrote and how long it took."""

    people: int = 0
    employees: int = 0
    chunks: int = 0
    relations: Counter[str] = field(default_factory=Counter)
    refusals: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    settlements: int = 0
    #: The fraud injected (``--fraud``): the ground truth, kept out of the database.
    truth: list[Truth] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (for JSON)."""
        return {
            "people": self.people,
            "employees": self.employees,
            "chunks": self.chunks,
            "relations": dict(self.relations),
            "settlements": self.settlements,
            "fraud_injected": len(self.truth),
            "refusals": [
                {"region": region, "step": step, "code": code, "times": times}
                for (region, step, code), times in self.refusals.most_common()
            ],
            "seconds": round(self.seconds, 3),
        }

    def add(self, rows: ChunkRows) -> None:
        """Count a chunk in."""
        self.people += rows.people
        self.employees += rows.employees
        self.chunks += 1
        self.relations.update(rows.relations)
        self.refusals.update(rows.refusals)
        self.settlements += rows.settlements
        self.truth += rows.truth


def check_empty(engine: Engine) -> None:
    """Refuse (:class:`NotEmpty`) a database that holds people or anything a province would write beside them."""
    with engine.connect() as conn:
        for name in _MUST_BE_EMPTY:
            rows = int(conn.execute(select(func.count()).select_from(_TABLES[name])).scalar_one())
            if rows:
                raise NotEmpty(name, rows)


def _open_regions(writer: BulkWriter, province: Province) -> dict[str, int]:
    """The regions' opening-balance accounts, opened now with the ids after the largest."""
    opened: dict[str, int] = {}
    at = registered_at(province)
    first = writer.next_id(t.accounts)
    rows = []
    for offset, (region, _) in enumerate(province.regions):
        values = opening_values(AccountOpening.of(AccountKind.OPENING_BALANCE, region, None, at.year), at)
        values["id"] = opened[region] = first + offset
        rows.append(tuple(values[name] for name in COLUMNS["accounts"]))
    with writer.transaction() as conn:
        writer.write(conn, t.accounts, COLUMNS["accounts"], rows)
    return opened


def _system_accounts(engine: Engine) -> list[int]:
    """The system accounts already open (the regions' opening balances, any the agency opened): their transfers of
    the load carry running balances the chunks cannot know (the database holds no transfers yet)."""
    with engine.connect() as conn:
        return list(conn.execute(select(t.accounts.c.id).where(t.accounts.c.owner_person_id.is_(None))).scalars())


def _ids(writer: BulkWriter, people: int, opening: dict[str, int]) -> Ids:
    accounts = writer.next_id(t.accounts)
    relations = writer.next_id(t.relations)
    return Ids(
        accounts=accounts,
        journals=writer.next_id(t.journals),
        transfers=writer.next_id(t.transfers),
        relations=relations,
        relation_events=writer.next_id(t.relation_events),
        notifications=writer.next_id(notifications),
        opening=opening,
    )


def _care(
    engine: Engine, writer: BulkWriter, province: Province, book: RuleBook, ids: Ids, people: int, fraud_rate: float
) -> CareSetup:
    """What the chunks' care needs: the province's institutions registered and the sample catalogue loaded (through
    their use cases, once), the rows a scratch database starts with, and where each chunk's care rows go (beyond
    every range :class:`Ids` gives a person)."""
    at = registered_at(province)
    ctx = build_context(engine=engine, clock=FixedClock(at))
    found = sites(tuple(region for region, _ in province.regions), book, at.date())
    for site in found:
        ensure_institution(ctx, site.command(), key=f"synth:institution:{site.code}")
    load_demo_catalogue(ctx)
    shared: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in SHARED_TABLES:
            table = t.metadata.tables[name]
            query = select(*(table.c[c] for c in columns_of(name)))
            if name == "accounts":
                query = query.where(table.c.owner_person_id.is_(None))
            shared[name] = [tuple(row) for row in conn.execute(query)]
    own = {"accounts": ids.accounts, "journals": ids.journals, "transfers": ids.transfers}
    own["notifications"] = ids.notifications
    bases = {}
    for name in CARE_TABLES:
        start = writer.next_id(t.metadata.tables[name])
        bases[name] = max(start, own[name] + _ROOM_PER_PERSON * people + 1) if name in own else start
    room = {name: chunk_size(people) * PER_PERSON[name] for name in CARE_TABLES}
    return CareSetup(tuple(found), shared, CARE_MODELS[province.code], bases, room, fraud_rate)


#: Chunks written in one transaction: each commit writes out every page the chunks touched, and pages of the
#: indexes on values in random order (ID numbers) are touched by nearly every chunk, so fewer commits write far less.
_CHUNKS_PER_COMMIT = 10

#: More than the ids :class:`Ids` gives any one person in a table (2 accounts, 32 notices…).
_ROOM_PER_PERSON = 40


def _chunks(build: Callable[[int], ChunkRows], count: int, workers: int) -> Generator[ChunkRows, None, None]:
    """The chunks' rows in order: built here, or by ``workers`` processes a few chunks ahead of the writer."""
    if workers <= 1:
        yield from map(build, range(count))
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_drawing_process) as pool:
        yield from map(_unpacked, pool.map(partial(_collected, build), range(count)))


def _drawing_process() -> None:
    """A worker process: what it imported and set up stays out of the cyclic garbage collector's way, and the
    collector runs only between chunks (:func:`_collected`). A chunk allocates some million short-lived objects and
    holds few cycles: Python's default threshold had the collector walk them again and again (about 6 % of a chunk),
    and even a lazier one (every 100,000 allocations) cost 3-4 % of a chunk's drawing."""
    gc.freeze()
    gc.disable()


def _collected(build: Callable[[int], ChunkRows], chunk_no: int) -> tuple[ChunkRows, bytes | None]:
    """Chunk ``chunk_no``, built once the cycles the chunks before it left are collected, packed to cross to the
    writing process (:func:`_packed`)."""
    gc.collect()
    return _packed(build(chunk_no))


def _packed(rows: ChunkRows) -> tuple[ChunkRows, bytes | None]:
    """The chunk with its rows marshalled apart, where they are plain values (integers, text and NULLs, as SQLite's
    driver takes them): ``marshal`` writes and reads them in about half the time ``pickle`` does, and the writing
    process reads every chunk. Rows holding other values (PostgreSQL's driver takes times as they are) stay in the
    chunk, pickled with it (``None``)."""
    try:
        tables = marshal.dumps(rows.rows)
    except ValueError:
        return rows, None
    rows.rows = {}
    return rows, tables


def _unpacked(packed: tuple[ChunkRows, bytes | None]) -> ChunkRows:
    """The chunk :func:`_packed` packed, with its rows."""
    rows, tables = packed
    if tables is not None:
        rows.rows = marshal.loads(tables)
    return rows


def load(
    engine: Engine,
    province: Province,
    *,
    people: int,
    year: int,
    seed: int,
    book: RuleBook,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    care: bool = True,
    fraud_rate: float = 0.0,
) -> SynthReport:
    """Draw the province's ``people`` for ``year`` with ``seed`` and write them (see the module docstring);
    ``progress`` is told how many people each written chunk held; ``care``: with the year's visits and settlements
    of the relatives employees ask to bind."""
    assert people > 0
    started = time.perf_counter()
    writer = BulkWriter(engine)
    check_empty(engine)
    opening = _open_regions(writer, province)
    ids = _ids(writer, people, opening)
    count = -(-people // chunk_size(people))
    setup = _care(engine, writer, province, book, ids, people, fraud_rate) if care else None
    build = partial(_build, province, year, seed, people, ids, book, setup, type(engine.dialect))
    accounts = setup.bases["accounts"] + count * setup.room["accounts"] if setup else writer.next_id(t.accounts)
    shared = SharedAccounts(accounts, _system_accounts(engine))
    report = SynthReport()
    with closing(_chunks(build, count, workers)) as chunks:
        while report.chunks < count:
            with writer.transaction() as conn:
                for rows in islice(chunks, _CHUNKS_PER_COMMIT):
                    shared.take(writer, conn, rows)
                    for name, table in _TABLES.items():
                        writer.write(conn, table, COLUMNS[name], rows.rows[name], prepared=True)
                    report.add(rows)
                    if progress is not None:
                        progress(rows.people)
    shared.settle(writer)
    writer.finish(list(_TABLES.values()))
    report.seconds = time.perf_counter() - started
    return report


def _build(
    province: Province,
    year: int,
    seed: int,
    people: int,
    ids: Ids,
    book: RuleBook,
    care: CareSetup | None,
    dialect: type[Dialect],
    chunk_no: int,
) -> ChunkRows:
    """One chunk's rows, their values as the database's driver stores them (a module-level function, so that worker
    processes can run it; converting here spreads that work over them, away from the one process writing)."""
    rows = chunk_rows(province, year, seed, people, chunk_no, ids, book, FakeFaceVerifier(), care)
    shapes = _SHAPES.get(dialect)
    if shapes is None:
        shapes = _SHAPES[dialect] = RowShapes(dialect())
    for name, table in _TABLES.items():
        rows.rows[name] = shapes.prepare(table, COLUMNS[name], rows.rows[name])
    return rows


#: Each process's row shapes, by dialect (their converters remember values across chunks).
_SHAPES: dict[type[Dialect], RowShapes] = {}
