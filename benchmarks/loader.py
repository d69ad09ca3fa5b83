"""Bulk loading of benchmark families: N people written straight into the tables, for the settlement benchmark at
100 k and 1 M people (the use cases register about 300 people a second, which is hours at that size).

A family is an employee in service (310/1101) and a retired employee (310/1201), each with an opening balance
in the prior-years part (历年) of the personal account, and a pupil (390/1403) whom both support through an
active relation (the employee first in the child's order, the retired grandparent second). The bulk loader writes
the rows the use cases would have written for the same families — register_person, enroll, credit_account
(opening balance), request_binding and confirm_binding — with the same ids, in multi-row statements of about
5,000 rows, one transaction per batch of families. It skips what only the use-case machinery writes: the
idempotency keys (each holds a JSON outcome; millions of them would say nothing about the ledger).

The ledger stays sound after every batch: each opening-balance journal's transfer carries both balances after
it, the region's opening-balance account (``SYS:<region>:opening_balance``) is debited in transfer order as a
running balance, and its stored balance and version are brought up to date in the same transaction as the batch.
The loader assumes it is the only writer while it runs (it hands out ids itself).

``python benchmarks/loader.py --families 200`` loads the same families through the use cases and through the
bulk loader into two SQLite files, compares every row of every table (idempotency keys and random gateway tokens
aside), and audits both.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select, text, update

from gongji.bootstrap import build_context
from gongji.domain.codes import EnrollmentStatus, Insutype, PsnType, RelationType
from gongji.domain.enrollment import EventKind
from gongji.domain.identity import ResidentId, check_character, mask_id_number
from gongji.domain.ledger import MONEY, AccountKind, JournalKind, account_code, ledger_code
from gongji.domain.relations import Channel, RelationStatus
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.store import tables as t
from gongji.store.engine import make_engine
from gongji.store.migrate import upgrade

__all__ = [
    "BATCH_FAMILIES",
    "BENCH_NOW",
    "REGION",
    "Family",
    "LoadReport",
    "bulk_load",
    "family",
    "family_capacity",
    "load_by_use_cases",
]

#: The pooling region every benchmark person is insured in, and the area code their ID numbers were issued in.
REGION = "130100"
AREA = "130102"
#: The benchmark's fixed "now": every row the loaders write is stamped with it.
BENCH_NOW = datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)
OPENING_FEN = 1_000_000
REFERENCE = "bench"
FACE_TOKEN = "bench-face"
ENROLLED_ON = date(2000, 1, 1)
NAMES = "甲乙丙丁戊己庚辛壬癸"
#: Families per transaction: 5,000 accounts, 5,000 relation events and 3,750 people per statement.
BATCH_FAMILIES = 1_250
ADULT_AGE = 18
#: With ``progress``, a line every this many batches.
PROGRESS_BATCHES = 40
#: An ID number's sequence part has three digits: at most this many people share an area code and a birth date.
SEQUENCES_PER_DAY = 1_000

# Each role is born in its own range of days, so no two roles can share an ID number; within a role, family n is
# born on day n mod (days in the range) with sequence n div (days in the range), so numbers never repeat as long
# as that sequence stays below 1,000. The narrowest range (the children's 1,826 days) bounds the families.
_PARENTS_BORN = (date(1970, 1, 1), date(1989, 12, 31))
_GRANDPARENTS_BORN = (date(1945, 1, 1), date(1954, 12, 31))
_CHILDREN_BORN = (date(2010, 1, 1), date(2014, 12, 31))


def _days(born: tuple[date, date]) -> int:
    return (born[1] - born[0]).days + 1


def family_capacity() -> int:
    """How many families the numbering scheme can give distinct ID numbers."""
    return min(_days(born) for born in (_PARENTS_BORN, _GRANDPARENTS_BORN, _CHILDREN_BORN)) * SEQUENCES_PER_DAY


def _certno(born: tuple[date, date], n: int) -> str:
    days = _days(born)
    sequence = n // days
    assert 0 <= sequence < SEQUENCES_PER_DAY, f"family {n} is beyond the numbering scheme ({family_capacity()})"
    first17 = f"{AREA}{born[0] + timedelta(days=n % days):%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class Family:
    """The n-th benchmark family: three valid, distinct ID numbers and names."""

    n: int
    parent: str
    grandparent: str
    child: str
    parent_name: str
    grandparent_name: str
    child_name: str


def family(n: int) -> Family:
    """The n-th family (0-based); the same n always gives the same people, in both loaders."""
    suffix = NAMES[n % len(NAMES)]
    return Family(
        n=n,
        parent=_certno(_PARENTS_BORN, n),
        grandparent=_certno(_GRANDPARENTS_BORN, n),
        child=_certno(_CHILDREN_BORN, n),
        parent_name="父" + suffix,
        grandparent_name="祖" + suffix,
        child_name="子" + suffix,
    )


# --- through the use cases (slow, the reference) ------------------------------------------------------------------


def load_by_use_cases(ctx: Context, count: int, *, start: int = 0) -> None:
    """Load families ``start`` … ``start + count - 1`` through the use cases, one transaction per step."""
    for n in range(start, start + count):
        f = family(n)
        people = (
            (f.parent, f.parent_name, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE, "p"),
            (f.grandparent, f.grandparent_name, Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_RETIRED, "g"),
            (f.child, f.child_name, Insutype.RESIDENT_BASIC, PsnType.PUPIL, "c"),
        )
        for certno, name, insutype, psn_type, tag in people:
            register_person(ctx, RegisterPerson(certno, name), key=f"b{n}{tag}:r")
            enroll(ctx, Enroll(certno, insutype, psn_type, REGION, ENROLLED_ON), key=f"b{n}{tag}:e")
        for certno, tag in ((f.parent, "p"), (f.grandparent, "g")):
            credit_account(
                ctx,
                CreditAccount(certno, OPENING_FEN, REFERENCE, Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE),
                key=f"b{n}{tag}:o",
            )
        for certno, kind, tag in (
            (f.parent, RelationType.CHILD, "p"),
            (f.grandparent, RelationType.PATERNAL_GRANDCHILD, "g"),
        ):
            asked = request_binding(ctx, RequestBinding(certno, f.child, kind, commitment=True), key=f"b{n}{tag}:b")
            confirm_binding(ctx, ConfirmBinding(asked.id, f.parent, FACE_TOKEN), key=f"b{n}{tag}:c")


# --- straight into the tables ------------------------------------------------------------------------------------

#: The tables the bulk loader writes, in foreign-key order, each with ids it hands out itself.
_TABLES: tuple[Table, ...] = (
    t.people,
    t.enrollments,
    t.enrollment_events,
    t.accounts,
    t.journals,
    t.transfers,
    t.relations,
    t.relation_events,
)


@dataclass(frozen=True)
class LoadReport:
    """What a bulk load wrote and how long it took."""

    families: int
    people: int
    rows: int
    seconds: float
    opening_account_id: int
    opening_balance_fen: int


@dataclass(frozen=True)
class _Rules:
    """The rule values that shape the rows confirm_binding writes, read once for the load's day."""

    request_valid_days: int
    waiting_days: int
    face_min_age: int


@dataclass
class _Opening:
    """The region's opening-balance account: its id, and its balance and version as the load goes on."""

    id: int | None
    balance_fen: int
    version: int
    stored_version: int


class _Ids:
    """Hands out the next id of each table, starting after the largest id already there."""

    def __init__(self, conn: Connection) -> None:
        self._next = {table.name: (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1 for table in _TABLES}

    def take(self, table: Table) -> int:
        taken = self._next[table.name]
        self._next[table.name] = taken + 1
        return taken

    def last(self, table: Table) -> int:
        return self._next[table.name] - 1


def _commitment_text(
    authoriser: str, authoriser_name: str, beneficiary: str, beneficiary_name: str, kind: RelationType, at: datetime
) -> str:
    # The commitment (承诺) request_binding stores when no documents were checked; the cross-check compares it.
    return (
        f"本人{authoriser_name}（证件号码{mask_id_number(authoriser)}）承诺：{beneficiary_name}"
        f"（证件号码{mask_id_number(beneficiary)}）是本人的{kind.zh}，所填信息真实有效，"
        f"如有虚假愿承担相应法律责任。签署时间：{at:%Y-%m-%d %H:%M:%S}"
    )


class _Batch:
    """The rows of one batch of families, table by table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {table.name: [] for table in _TABLES}

    def add(self, table: Table, **values: Any) -> None:
        self.rows[table.name].append(values)

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _add_person(
    batch: _Batch, ids: _Ids, now: datetime, certno: str, name: str, insutype: Insutype, psn_type: PsnType
) -> tuple[int, str]:
    """register_person and enroll: the person, the enrollment and its event; returns the id and psn_no."""
    person_id = ids.take(t.people)
    psn_no = f"{certno[:6]}{person_id:014d}"  # as SqlPeople.add numbers people: area code and row id
    batch.add(t.people, id=person_id, psn_no=psn_no, certno=certno, name=name, registered_at=now, died_on=None)
    enrollment_id = ids.take(t.enrollments)
    batch.add(
        t.enrollments,
        id=enrollment_id,
        person_id=person_id,
        insutype=insutype.value,
        psn_type=psn_type.value,
        pooling_region=REGION,
        employer=None,
        status=EnrollmentStatus.NORMAL.value,
        began_on=ENROLLED_ON,
        status_since=ENROLLED_ON,
        reason=None,
    )
    batch.add(
        t.enrollment_events,
        id=ids.take(t.enrollment_events),
        enrollment_id=enrollment_id,
        kind=EventKind.ENROLLED.value,
        on_date=ENROLLED_ON,
        reason=None,
        note=None,
        recorded_at=now,
    )
    return person_id, psn_no


def _add_account(
    batch: _Batch, ids: _Ids, now: datetime, kind: AccountKind, owner: int | None, *, balance_fen: int = 0
) -> int:
    """An account as the ledger opens it; ``balance_fen`` is what one journal (its version 1) has credited since."""
    account_id = ids.take(t.accounts)
    batch.add(
        t.accounts,
        id=account_id,
        code=account_code(kind, REGION, owner),
        kind=kind.value,
        region=REGION,
        ledger=ledger_code(REGION, MONEY),
        owner_person_id=owner,
        must_not_go_negative=kind.person_owned,
        balance_fen=balance_fen,
        version=1 if balance_fen else 0,
        period_year=now.year if kind is AccountKind.PERSONAL_CURRENT else None,
        opened_at=now,
    )
    return account_id


def _add_family(batch: _Batch, ids: _Ids, now: datetime, rules: _Rules, opening: _Opening, f: Family) -> None:
    """Every row the use cases write for one family, in the order they write them (so the ids agree)."""
    employees = (
        (f.parent, f.parent_name, PsnType.EMPLOYEE_IN_SERVICE),
        (f.grandparent, f.grandparent_name, PsnType.EMPLOYEE_RETIRED),
    )
    owners: list[tuple[int, str, str, str, int]] = []  # person id, psn_no, certno, name, prior-years account
    for certno, name, psn_type in employees:
        person_id, psn_no = _add_person(batch, ids, now, certno, name, Insutype.EMPLOYEE_BASIC, psn_type)
        # Opened by enroll, credited once by credit_account below: it ends with the opening balance at version 1.
        prior = _add_account(batch, ids, now, AccountKind.PERSONAL_PRIOR, person_id, balance_fen=OPENING_FEN)
        _add_account(batch, ids, now, AccountKind.PERSONAL_CURRENT, person_id)
        owners.append((person_id, psn_no, certno, name, prior))
    child_id, _ = _add_person(batch, ids, now, f.child, f.child_name, Insutype.RESIDENT_BASIC, PsnType.PUPIL)

    # credit_account: the first opening balance in the region opens its opening-balance account.
    if opening.id is None:
        opening.id = _add_account(batch, ids, now, AccountKind.OPENING_BALANCE, None)
    ledger = ledger_code(REGION, MONEY)
    for person_id, _psn_no, _certno, _name, prior in owners:
        opening.balance_fen -= OPENING_FEN
        opening.version += 1
        journal_id = ids.take(t.journals)
        batch.add(
            t.journals,
            id=journal_id,
            kind=JournalKind.OPENING_BALANCE.value,
            booked_at=now,
            reference=REFERENCE,
            note=None,
            reverses_journal_id=None,
            person_id=person_id,
        )
        batch.add(
            t.transfers,
            id=ids.take(t.transfers),
            journal_id=journal_id,
            seq=1,
            ledger=ledger,
            debit_account_id=opening.id,
            credit_account_id=prior,
            amount_fen=OPENING_FEN,
            debit_balance_after_fen=opening.balance_fen,
            credit_balance_after_fen=OPENING_FEN,
        )

    # request_binding (online, with a commitment) and confirm_binding by the parent as the child's guardian.
    guardian_id, guardian_psn_no = owners[0][0], owners[0][1]
    guardian_age = ResidentId(f.parent).age_on(now.date())
    face = f"人脸识别 fake:{guardian_psn_no}:{FACE_TOKEN}" if guardian_age >= rules.face_min_age else "未满人脸识别年龄"
    confirmed_note = f"监护人确认；{face}" + (f"；等待期 {rules.waiting_days} 天" if rules.waiting_days else "")
    kinds = (RelationType.CHILD, RelationType.PATERNAL_GRANDCHILD)
    for position, ((person_id, _psn_no, certno, name, _prior), kind) in enumerate(zip(owners, kinds, strict=True), 1):
        commitment = _commitment_text(certno, name, f.child, f.child_name, kind, now)
        relation_id = ids.take(t.relations)
        batch.add(
            t.relations,
            id=relation_id,
            authoriser_id=person_id,
            beneficiary_id=child_id,
            relation_type=kind.value,
            status=RelationStatus.ACTIVE.value,
            channel=Channel.ONLINE.value,
            operator=None,
            region=REGION,
            beneficiary_region=REGION,
            proof_kind="commitment",
            proof_reference=None,
            commitment_text=commitment,
            requested_at=now,
            expires_at=now + timedelta(days=rules.request_valid_days),
            confirmed_at=now,
            confirmed_by_id=guardian_id,
            effective_from=now + timedelta(days=rules.waiting_days),
            valid_until=None,
            ended_at=None,
            end_reason=None,
            end_requested_by_id=None,
            order_position=position,
            quota_fen=None,
        )
        for event_kind, actor, note in (
            ("requested", person_id, commitment),
            ("confirmed", guardian_id, confirmed_note),
        ):
            batch.add(
                t.relation_events,
                id=ids.take(t.relation_events),
                relation_id=relation_id,
                kind=event_kind,
                at=now,
                actor_person_id=actor,
                operator=None,
                channel=Channel.ONLINE.value,
                note=note,
            )


def _read_rules(rules: RuleBook, on: date) -> _Rules:
    return _Rules(
        request_valid_days=rules.resolve(params.BINDING_REQUEST_VALID_DAYS, REGION, on).value,
        waiting_days=rules.resolve(params.WAITING_PERIOD_DAYS, REGION, on).value,
        face_min_age=rules.resolve(params.FACE_VERIFICATION_MIN_AGE_YEARS, REGION, on).value,
    )


def _batches(start: int, count: int, size: int) -> Iterator[range]:
    for first in range(start, start + count, size):
        yield range(first, min(first + size, start + count))


def _bump_sequences(conn: Connection, ids: _Ids) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move: move them past what was written."""
    for table in _TABLES:
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
            {"table": table.name, "last": ids.last(table)},
        )


def bulk_load(
    engine: Engine,
    count: int,
    *,
    now: datetime,
    rules: RuleBook,
    start: int = 0,
    batch_families: int = BATCH_FAMILIES,
    progress: bool = False,
) -> LoadReport:
    """Write families ``start`` … ``start + count - 1`` straight into the tables (see the module docstring)."""
    assert count >= 0
    assert 0 < batch_families <= 10_000
    assert start + count <= family_capacity(), f"at most {family_capacity()} families"
    # Family 0's child is the oldest child; a guardian confirms for a minor only.
    assert ResidentId(family(0).child).age_on(now.date()) < ADULT_AGE, "the children are no longer minors on this day"
    started = time.perf_counter()
    values = _read_rules(rules, now.date())
    postgresql = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        ids = _Ids(conn)
        for n in {start, start + count - 1} if count else ():
            taken = [family(n).parent, family(n).grandparent, family(n).child]
            if conn.execute(select(t.people.c.id).where(t.people.c.certno.in_(taken))).first() is not None:
                raise ValueError(f"family {n} is already loaded: load from another start")
        row = conn.execute(
            select(t.accounts.c.id, t.accounts.c.balance_fen, t.accounts.c.version).where(
                t.accounts.c.code == account_code(AccountKind.OPENING_BALANCE, REGION, None)
            )
        ).first()
    opening = _Opening(row.id, row.balance_fen, row.version, row.version) if row else _Opening(None, 0, 0, 0)
    rows = 0
    for index, numbers in enumerate(_batches(start, count, batch_families)):
        batch = _Batch()
        for n in numbers:
            _add_family(batch, ids, now, values, opening, family(n))
        with engine.begin() as conn:
            for table in _TABLES:
                conn.execute(table.insert(), batch.rows[table.name])
            assert opening.id is not None
            result = conn.execute(
                update(t.accounts)
                .where(t.accounts.c.id == opening.id, t.accounts.c.version == opening.stored_version)
                .values(balance_fen=opening.balance_fen, version=opening.version)
            )
            assert result.rowcount == 1, "the opening-balance account changed under the loader"
            if postgresql:
                _bump_sequences(conn, ids)
        opening.stored_version = opening.version
        rows += batch.count()
        if progress and index % PROGRESS_BATCHES == PROGRESS_BATCHES - 1:
            done = numbers.stop - start
            print(f"  … {3 * done:,} people in {time.perf_counter() - started:.0f} s", flush=True)
    if postgresql and count:
        # Fresh planner statistics, as autovacuum would gather a little later: the benchmark starts at once.
        with engine.begin() as conn:
            conn.execute(text(f"ANALYZE {', '.join(table.name for table in _TABLES)}"))
    return LoadReport(
        families=count,
        people=3 * count,
        rows=rows,
        seconds=time.perf_counter() - started,
        opening_account_id=opening.id or 0,
        opening_balance_fen=opening.balance_fen,
    )


# --- cross-check -------------------------------------------------------------------------------------------------


def _fresh(folder: Path, name: str) -> tuple[Engine, Context]:
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    ctx = build_context(engine=engine, clock=FixedClock(BENCH_NOW))
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    return engine, ctx


#: Idempotency keys are not written in bulk; gateway tokens of the demo institutions are random on every load.
_NOT_COMPARED = {t.idempotency_keys.name, t.institution_credentials.name}


def _differences(slow: Engine, bulk: Engine) -> list[str]:
    found = []
    with slow.connect() as a, bulk.connect() as b:
        for table in t.metadata.sorted_tables:
            if table.name in _NOT_COMPARED:
                continue
            query = select(table).order_by(*table.primary_key.columns)
            left, right = a.execute(query).all(), b.execute(query).all()
            if len(left) != len(right):
                found.append(f"{table.name}: {len(left)} rows through the use cases, {len(right)} in bulk")
            for x, y in zip(left, right, strict=False):
                if x != y:
                    found.append(f"{table.name}:\n  use cases {tuple(x)}\n  bulk      {tuple(y)}")
                    break
    return found


def main() -> None:
    """Load the same families both ways, compare every row, and audit the bulk-loaded ledger."""
    parser = argparse.ArgumentParser(description="Cross-check the bulk loader against the use cases (SQLite).")
    parser.add_argument("--families", type=int, default=200)
    args = parser.parse_args()
    first = args.families // 3  # two loads, so that the second finds the opening-balance account in place
    with tempfile.TemporaryDirectory() as folder:
        slow, slow_ctx = _fresh(Path(folder), "slow.db")
        bulk, bulk_ctx = _fresh(Path(folder), "bulk.db")
        started = time.perf_counter()
        load_by_use_cases(slow_ctx, first)
        load_by_use_cases(slow_ctx, args.families - first, start=first)
        print(f"use cases: {args.families} families in {time.perf_counter() - started:.1f} s")
        reports = [
            bulk_load(bulk, first, now=BENCH_NOW, rules=bulk_ctx.rules, batch_families=7),
            bulk_load(bulk, args.families - first, now=BENCH_NOW, rules=bulk_ctx.rules, start=first),
        ]
        print(f"bulk: {args.families} families in {sum(r.seconds for r in reports):.2f} s")
        differences = _differences(slow, bulk)
        print(
            "rows identical (idempotency keys and gateway tokens aside)" if not differences else "\n".join(differences)
        )
        for name, ctx in (("use cases", slow_ctx), ("bulk", bulk_ctx)):
            report = audit(ctx)
            print(f"audit ({name}): {'clean' if report.clean else report.findings[:3]}")
        slow.dispose()
        bulk.dispose()


if __name__ == "__main__":
    main()
