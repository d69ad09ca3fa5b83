"""SQLAlchemy implementations of the repositories in ``gongji.service.ports``.

Rows are turned into domain objects here and nowhere else. The ledger's write path is shaped for few round
trips: one statement locks and reads the accounts, one inserts the journal, one (multi-row) inserts the
transfers and one updates every touched account's balance and version with a version check.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from gongji.domain.codes import EndReason, EnrollmentStatus, Insutype, PsnType, RelationType
from gongji.domain.enrollment import Enrollment, EnrollmentEvent, EventKind
from gongji.domain.identity import ResidentId
from gongji.domain.ledger import (
    AccountKind,
    AccountOpening,
    AccountState,
    Journal,
    JournalEntry,
    JournalKind,
    PostedJournal,
    PostedTransfer,
    account_code,
    asset_of,
    ledger_code,
    post_transfers,
)
from gongji.domain.people import ContactChange, NewPerson, Person
from gongji.domain.relations import Channel, ProxyLink, Relation, RelationEvent, RelationStatus
from gongji.domain.relations import EndReason as RelationEndReason
from gongji.domain.suspension import Suspension
from gongji.domain.wording import Term, Text, decode, encode
from gongji.service.ports import (
    AccountRow,
    JournalHeader,
    StatementLine,
    StoredOutcome,
    TransferRow,
    TransientStoreError,
)
from gongji.store import tables as t

#: How a note column tells a stored term (the JSON of :func:`gongji.domain.wording.encode`) from text.
_TERM_PREFIX = '{"term"'


def _note_column(note: str | Term | None) -> str | None:
    """A note as its column stores it: a term as JSON; text as written (text that would read as a term's JSON is
    stored as a :class:`Text` of itself, so that it comes back as it was written)."""
    if isinstance(note, str) and not isinstance(note, Enum):
        if not note.startswith(_TERM_PREFIX):
            return note
        note = Text(note, note)
    return None if note is None else json.dumps(encode(note), ensure_ascii=False)


def _note_of_column(stored: str | None) -> str | Term | None:
    """A note as :func:`_note_column` stored it, and text stored before notes were terms as it is."""
    if stored is None or not stored.startswith(_TERM_PREFIX):
        return stored
    term: Term = decode(json.loads(stored))
    return term


# Statements of the settlement's hot path, built once: building a statement costs more than running it on SQLite.
_PERSON_BY_ID = select(t.people).where(t.people.c.id == bindparam("person_id"))
_PEOPLE_BY_IDS = select(t.people).where(t.people.c.id.in_(bindparam("person_ids", expanding=True)))
_SUSPENSIONS_OF = (
    select(t.suspensions).where(t.suspensions.c.person_id == bindparam("person_id")).order_by(t.suspensions.c.id)
)
_ENROLLMENTS_OF = (
    select(t.enrollments)
    .where(t.enrollments.c.person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(t.enrollments.c.id)
)
_ACCOUNTS_OF = (
    select(t.accounts)
    .where(t.accounts.c.owner_person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(t.accounts.c.id)
)
_LOCK_ACCOUNTS_OF = (
    select(t.accounts.c.id)
    .where(t.accounts.c.owner_person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(t.accounts.c.id)
    .with_for_update()
)
_ACCOUNTS_BY_CODE = select(t.accounts).where(t.accounts.c.code.in_(bindparam("codes", expanding=True)))
_ACCOUNTS_LOCKED = (
    select(t.accounts)
    .where(t.accounts.c.id.in_(bindparam("account_ids", expanding=True)))
    .order_by(t.accounts.c.id)
    .with_for_update()
)
_INSERT_JOURNAL = insert(t.journals).returning(t.journals.c.id)
_INSERT_TRANSFERS = insert(t.transfers)
_SET_BALANCE = (
    update(t.accounts)
    .where(t.accounts.c.id == bindparam("account_id"), t.accounts.c.version == bindparam("read_version"))
    .values(balance_fen=bindparam("new_balance_fen"), version=t.accounts.c.version + 1)
)
_RELATIONS_OF = (
    select(t.relations)
    .where(
        or_(
            t.relations.c.authoriser_id.in_(bindparam("authoriser_ids", expanding=True)),
            t.relations.c.beneficiary_id.in_(bindparam("beneficiary_ids", expanding=True)),
        )
    )
    .order_by(t.relations.c.id)
)
_SHARED_QUOTAS = select(t.shared_quotas.c.authoriser_id, t.shared_quotas.c.quota_fen).where(
    t.shared_quotas.c.authoriser_id.in_(bindparam("authoriser_ids", expanding=True))
)
_IDEMPOTENCY_GET = select(t.idempotency_keys).where(t.idempotency_keys.c.key == bindparam("idempotency_key"))
_IDEMPOTENCY_PUT = insert(t.idempotency_keys)

__all__ = ["SqlEnrollments", "SqlIdempotency", "SqlLedger", "SqlPeople", "SqlRelations", "account_code"]


class SqlPeople:
    """People and contact history in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, new: NewPerson, registered_at: datetime) -> Person:
        certno = new.resident_id.number
        try:
            person_id = self._conn.execute(
                insert(t.people)
                .values(
                    psn_no=f"pending:{certno}", certno=certno, name=new.name, registered_at=registered_at, naty=new.naty
                )
                .returning(t.people.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            # Registered by a concurrent transaction; the retry sees the person and refuses with the reason.
            raise TransientStoreError(f"person {certno[-4:]} registered concurrently") from exc
        # 人员编号: the issuing area code and the row id, 20 digits like the national numbers.
        psn_no = f"{certno[:6]}{person_id:014d}"
        self._conn.execute(update(t.people).where(t.people.c.id == person_id).values(psn_no=psn_no))
        if new.phone or new.address:
            self.add_contact(
                person_id,
                ContactChange(
                    effective_on=registered_at.date(),
                    recorded_at=registered_at,
                    phone=new.phone,
                    address=new.address,
                ),
            )
        person = self.get(person_id, with_contacts=True)
        assert person is not None
        return person

    def get(self, person_id: int, *, with_contacts: bool = False) -> Person | None:
        row = self._conn.execute(_PERSON_BY_ID, {"person_id": person_id}).mappings().first()
        if row is None:
            return None
        contacts = self._contacts([row["id"]]).get(row["id"], ()) if with_contacts else ()
        return self._person(row, contacts)

    def find_by_certno(self, certno: str, *, with_contacts: bool = False) -> Person | None:
        return self._one(t.people.c.certno == certno, with_contacts)

    def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]:
        """People by id in one statement (without their contact history)."""
        ids = sorted(set(person_ids))
        rows = self._conn.execute(_PEOPLE_BY_IDS, {"person_ids": ids}).mappings()
        return {row["id"]: self._person(row, ()) for row in rows}

    def find_by_psn_no(self, psn_no: str, *, with_contacts: bool = False) -> Person | None:
        return self._one(t.people.c.psn_no == psn_no, with_contacts)

    def list(self, *, limit: int, offset: int, name: str | None = None) -> list[Person]:
        query = select(t.people).order_by(t.people.c.id).limit(limit).offset(offset)
        if name:
            query = query.where(t.people.c.name.contains(name, autoescape=True))
        rows = self._conn.execute(query).mappings().all()
        contacts = self._contacts([row["id"] for row in rows])
        return [self._person(row, contacts.get(row["id"], ())) for row in rows]

    def add_contact(self, person_id: int, change: ContactChange) -> None:
        self._conn.execute(
            insert(t.person_contacts).values(
                person_id=person_id,
                effective_on=change.effective_on,
                recorded_at=change.recorded_at,
                phone=change.phone,
                address=change.address,
            )
        )

    def mark_deceased(self, person_id: int, on: date) -> None:
        self._conn.execute(update(t.people).where(t.people.c.id == person_id).values(died_on=on))

    def add_suspension(self, suspension: Suspension) -> Suspension:
        suspension_id = self._conn.execute(
            insert(t.suspensions)
            .values(
                person_id=suspension.person_id,
                reason=suspension.reason,
                since=suspension.since,
                until=suspension.until,
                operator=suspension.operator,
                created_at=suspension.created_at,
            )
            .returning(t.suspensions.c.id)
        ).scalar_one()
        return replace(suspension, id=int(suspension_id))

    def suspensions(self, person_id: int) -> builtins.list[Suspension]:
        rows = self._conn.execute(_SUSPENSIONS_OF, {"person_id": person_id}).mappings()
        return [
            Suspension(
                id=row["id"],
                person_id=row["person_id"],
                reason=row["reason"],
                since=row["since"],
                until=row["until"],
                operator=row["operator"],
                created_at=row["created_at"],
                lifted_at=row["lifted_at"],
                lifted_by=row["lifted_by"],
            )
            for row in rows
        ]

    def lift_suspension(self, suspension_id: int, at: datetime, by: str) -> None:
        self._conn.execute(
            update(t.suspensions).where(t.suspensions.c.id == suspension_id).values(lifted_at=at, lifted_by=by)
        )

    def lock(self, person_ids: Iterable[int]) -> None:
        """Lock people's rows in ascending id order (PostgreSQL), so that checks on their relations hold."""
        ids = sorted(set(person_ids))
        self._conn.execute(
            select(t.people.c.id).where(t.people.c.id.in_(ids)).order_by(t.people.c.id).with_for_update()
        )

    def _one(self, condition: Any, with_contacts: bool) -> Person | None:
        row = self._conn.execute(select(t.people).where(condition)).mappings().first()
        if row is None:
            return None
        contacts = self._contacts([row["id"]]).get(row["id"], ()) if with_contacts else ()
        return self._person(row, contacts)

    def _contacts(self, person_ids: Sequence[int]) -> dict[int, tuple[ContactChange, ...]]:
        if not person_ids:
            return {}
        rows = self._conn.execute(
            select(t.person_contacts)
            .where(t.person_contacts.c.person_id.in_(person_ids))
            .order_by(t.person_contacts.c.id)
        ).mappings()
        found: dict[int, list[ContactChange]] = {}
        for row in rows:
            found.setdefault(row["person_id"], []).append(
                ContactChange(
                    effective_on=row["effective_on"],
                    recorded_at=row["recorded_at"],
                    phone=row["phone"],
                    address=row["address"],
                )
            )
        return {person_id: tuple(changes) for person_id, changes in found.items()}

    @staticmethod
    def _person(row: Any, contacts: tuple[ContactChange, ...]) -> Person:
        return Person(
            id=row["id"],
            psn_no=row["psn_no"],
            name=row["name"],
            resident_id=ResidentId(row["certno"]),
            registered_at=row["registered_at"],
            died_on=row["died_on"],
            naty=row["naty"],
            contacts=contacts,
        )


class SqlEnrollments:
    """Enrollments and their events in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        person_id: int,
        insutype: Insutype,
        psn_type: PsnType,
        pooling_region: str,
        employer: str | None,
        began_on: date,
    ) -> Enrollment:
        statement = (
            insert(t.enrollments)
            .values(
                person_id=person_id,
                insutype=insutype.value,
                psn_type=psn_type.value,
                pooling_region=pooling_region,
                employer=employer,
                status=EnrollmentStatus.NORMAL.value,
                began_on=began_on,
                status_since=began_on,
            )
            .returning(t.enrollments.c.id)
        )
        try:
            enrollment_id = self._conn.execute(statement).scalar_one()
        except IntegrityError as exc:
            # A concurrent enrollment of the same person landed first; the retry refuses it as a duplicate.
            raise TransientStoreError("enrollment written concurrently") from exc
        return Enrollment(
            id=enrollment_id,
            person_id=person_id,
            insutype=insutype,
            psn_type=psn_type,
            pooling_region=pooling_region,
            employer=employer,
            status=EnrollmentStatus.NORMAL,
            began_on=began_on,
            status_since=began_on,
        )

    def save(self, enrollment: Enrollment) -> None:
        self._conn.execute(
            update(t.enrollments)
            .where(t.enrollments.c.id == enrollment.id)
            .values(
                status=enrollment.status.value,
                status_since=enrollment.status_since,
                reason=enrollment.reason.value if enrollment.reason else None,
                psn_type=enrollment.psn_type.value,
                employer=enrollment.employer,
            )
        )

    def add_event(self, enrollment_id: int, event: EnrollmentEvent, recorded_at: datetime) -> None:
        self._conn.execute(
            insert(t.enrollment_events).values(
                enrollment_id=enrollment_id,
                kind=event.kind.value,
                on_date=event.on,
                reason=event.reason.value if event.reason else None,
                note=event.note,
                recorded_at=recorded_at,
            )
        )

    def for_person(self, person_id: int) -> list[Enrollment]:
        return self.for_people([person_id]).get(person_id, [])

    def for_people(self, person_ids: Iterable[int]) -> dict[int, list[Enrollment]]:
        """Each person's enrollments (in id order), for several people in one statement."""
        ids = sorted(set(person_ids))
        rows = self._conn.execute(_ENROLLMENTS_OF, {"person_ids": ids}).mappings()
        found: dict[int, list[Enrollment]] = {}
        for enrollment in self._enrollments(rows):
            found.setdefault(enrollment.person_id, []).append(enrollment)
        return found

    @staticmethod
    def _enrollments(rows: Iterable[Any]) -> list[Enrollment]:
        return [
            Enrollment(
                id=row["id"],
                person_id=row["person_id"],
                insutype=Insutype(row["insutype"]),
                psn_type=PsnType(row["psn_type"]),
                pooling_region=row["pooling_region"],
                employer=row["employer"],
                status=EnrollmentStatus(row["status"]),
                began_on=row["began_on"],
                status_since=row["status_since"],
                reason=EndReason(row["reason"]) if row["reason"] else None,
            )
            for row in rows
        ]

    def events(self, enrollment_id: int) -> list[EnrollmentEvent]:
        rows = self._conn.execute(
            select(t.enrollment_events)
            .where(t.enrollment_events.c.enrollment_id == enrollment_id)
            .order_by(t.enrollment_events.c.id)
        ).mappings()
        return [
            EnrollmentEvent(
                kind=EventKind(row["kind"]),
                on=row["on_date"],
                reason=EndReason(row["reason"]) if row["reason"] else None,
                note=row["note"],
            )
            for row in rows
        ]


def _account_state(row: Any) -> AccountState:
    return AccountState(
        id=row["id"],
        kind=AccountKind(row["kind"]),
        ledger=row["ledger"],
        owner_person_id=row["owner_person_id"],
        balance_fen=row["balance_fen"],
        version=row["version"],
    )


def _account_row(row: Any) -> AccountRow:
    return AccountRow(
        state=_account_state(row),
        region=row["region"],
        period_year=row["period_year"],
        opened_at=row["opened_at"],
        code=row["code"],
    )


class SqlLedger:
    """Accounts, journals and transfers in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def open_account(
        self, kind: AccountKind, region: str, owner_person_id: int | None, opened_at: datetime
    ) -> AccountState:
        period_year = opened_at.year if kind is AccountKind.PERSONAL_CURRENT else None
        return self._open(
            account_code(kind, region, owner_person_id),
            kind,
            region,
            asset_of(kind),
            owner_person_id,
            opened_at,
            period_year,
        )

    def open_named_account(
        self, code: str, kind: AccountKind, region: str, asset: str, owner_person_id: int | None, opened_at: datetime
    ) -> AccountState:
        return self._open(code, kind, region, asset, owner_person_id, opened_at, None)

    def _open(
        self,
        code: str,
        kind: AccountKind,
        region: str,
        asset: str,
        owner_person_id: int | None,
        opened_at: datetime,
        period_year: int | None,
    ) -> AccountState:
        found = self._conn.execute(select(t.accounts).where(t.accounts.c.code == code)).mappings().first()
        if found is not None:  # the common case: one statement
            return _account_state(found)
        values = {
            "code": code,
            "kind": kind.value,
            "region": region,
            "ledger": ledger_code(region, asset),
            "owner_person_id": owner_person_id,
            "must_not_go_negative": kind.person_owned,
            "balance_fen": 0,
            "version": 0,
            "period_year": period_year,
            "opened_at": opened_at,
        }
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        self._conn.execute(dialect_insert(t.accounts).values(**values).on_conflict_do_nothing(index_elements=["code"]))
        row = self._conn.execute(select(t.accounts).where(t.accounts.c.code == code)).mappings().one()
        return _account_state(row)

    def open_accounts(self, openings: Iterable[AccountOpening], opened_at: datetime) -> dict[str, AccountState]:
        """The accounts of these natural keys by code: one statement when they all exist (the common case), and
        one more per account that has to be opened."""
        wanted = {opening.code: opening for opening in openings}
        found = {code: row.state for code, row in self.find_accounts_by_code(wanted).items()}
        for code, opening in wanted.items():
            if code not in found:
                found[code] = self._open(
                    code,
                    opening.kind,
                    opening.region,
                    opening.asset,
                    opening.owner_person_id,
                    opened_at,
                    opening.period_year,
                )
        return found

    def find_account(self, kind: AccountKind, region: str, owner_person_id: int | None) -> AccountRow | None:
        row = (
            self._conn.execute(
                select(t.accounts).where(t.accounts.c.code == account_code(kind, region, owner_person_id))
            )
            .mappings()
            .first()
        )
        return _account_row(row) if row else None

    def find_account_by_code(self, code: str) -> AccountRow | None:
        row = self._conn.execute(select(t.accounts).where(t.accounts.c.code == code)).mappings().first()
        return _account_row(row) if row else None

    def accounts_of_person(self, person_id: int) -> list[AccountRow]:
        rows = self._conn.execute(
            select(t.accounts).where(t.accounts.c.owner_person_id == person_id).order_by(t.accounts.c.id)
        ).mappings()
        return [_account_row(row) for row in rows]

    def accounts_of_people(self, person_ids: Iterable[int], *, lock: bool = False) -> list[AccountRow]:
        """Every account owned by these people, in id order; ``lock`` locks them first (PostgreSQL: FOR UPDATE in
        ascending id order, the order every other lock here follows)."""
        ids = sorted(set(person_ids))
        if lock and self._dialect == "postgresql":
            # Lock first, then read in a new statement: a statement that waited for a lock sees the rows it locked
            # as committed since, but not rows committed meanwhile by the transaction it waited for (a memo account
            # opened by a concurrent settlement). SQLite's BEGIN IMMEDIATE already serialises writers.
            self._conn.execute(_LOCK_ACCOUNTS_OF, {"person_ids": ids})
        rows = self._conn.execute(_ACCOUNTS_OF, {"person_ids": ids}).mappings()
        return [_account_row(row) for row in rows]

    def find_accounts_by_code(self, codes: Iterable[str]) -> dict[str, AccountRow]:
        """The accounts that exist of these codes, in one statement."""
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = self._conn.execute(_ACCOUNTS_BY_CODE, {"codes": wanted}).mappings()
        return {row["code"]: _account_row(row) for row in rows}

    def accounts_by_id(self, account_ids: Iterable[int]) -> list[AccountRow]:
        ids = sorted(set(account_ids))
        rows = self._conn.execute(
            select(t.accounts).where(t.accounts.c.id.in_(ids)).order_by(t.accounts.c.id)
        ).mappings()
        return [_account_row(row) for row in rows]

    def lock(self, account_ids: Iterable[int]) -> dict[int, AccountState]:
        ids = sorted(set(account_ids))
        # FOR UPDATE in ascending id order: two transactions never wait on each other in a cycle.
        # (SQLite has no row locks; BEGIN IMMEDIATE already holds the database's write lock.)
        rows = self._conn.execute(_ACCOUNTS_LOCKED, {"account_ids": ids}).mappings()
        locked = {row["id"]: _account_state(row) for row in rows}
        assert len(locked) == len(ids), f"accounts missing: {set(ids) - set(locked)}"
        return locked

    def post(self, entry: JournalEntry) -> PostedJournal:
        """The one door money moves through: lock the journal's accounts in ascending id order and read them, check
        and post its transfers (a person's account never below zero: ``INSUFFICIENT_BALANCE``), and write the
        journal, its transfers and every new balance — each balance only if its version is still the one read."""
        locked = self.lock(entry.account_ids)
        posted, balances = post_transfers(locked, entry.transfers)
        journal_id = self._write_journal(
            kind=entry.kind,
            booked_at=entry.booked_at,
            reference=entry.reference,
            note=entry.note,
            person_id=entry.person_id,
            reverses_journal_id=entry.reverses_journal_id,
            transfers=posted,
            locked=locked,
            new_balances=balances,
        )
        return PostedJournal(journal_id, posted, locked, balances)

    def _write_journal(
        self,
        *,
        kind: JournalKind,
        booked_at: datetime,
        reference: str | None,
        note: str | None,
        person_id: int | None,
        reverses_journal_id: int | None,
        transfers: Sequence[PostedTransfer],
        locked: dict[int, AccountState],
        new_balances: dict[int, int],
    ) -> int:
        try:
            journal_id = self._conn.execute(
                _INSERT_JOURNAL,
                {
                    "kind": kind.value,
                    "booked_at": booked_at,
                    "reference": reference,
                    "note": note,
                    "person_id": person_id,
                    "reverses_journal_id": reverses_journal_id,
                },
            ).scalar_one()
        except IntegrityError as exc:
            if reverses_journal_id is not None:
                # Another transaction reversed the same journal first; the retry will see it and refuse.
                raise TransientStoreError("journal reversed concurrently") from exc
            raise
        self._conn.execute(
            _INSERT_TRANSFERS,
            [
                {
                    "journal_id": journal_id,
                    "seq": posted.seq,
                    "ledger": posted.ledger,
                    "debit_account_id": posted.debit_account_id,
                    "credit_account_id": posted.credit_account_id,
                    "amount_fen": posted.amount_fen,
                    "debit_balance_after_fen": posted.debit_balance_after_fen,
                    "credit_balance_after_fen": posted.credit_balance_after_fen,
                }
                for posted in transfers
            ],
        )
        ids = sorted(new_balances)
        # One parameter set per account (executemany: psycopg pipelines it, SQLite loops in C); each row is
        # written only if its version is still the one read under the lock.
        result = self._conn.execute(
            _SET_BALANCE,
            [
                {
                    "account_id": account_id,
                    "read_version": locked[account_id].version,
                    "new_balance_fen": new_balances[account_id],
                }
                for account_id in ids
            ],
        )
        if result.rowcount != len(ids):
            # Someone changed an account we had locked and read: never write over it.
            raise TransientStoreError(f"account versions moved under journal {journal_id}")
        return int(journal_id)

    def get_journal(self, journal_id: int) -> Journal | None:
        header = self._conn.execute(select(t.journals).where(t.journals.c.id == journal_id)).mappings().first()
        if header is None:
            return None
        rows = self._conn.execute(
            select(t.transfers).where(t.transfers.c.journal_id == journal_id).order_by(t.transfers.c.seq)
        ).mappings()
        return Journal(
            id=header["id"],
            kind=JournalKind(header["kind"]),
            booked_at=header["booked_at"],
            reference=header["reference"],
            reverses_journal_id=header["reverses_journal_id"],
            transfers=tuple(_posted(row) for row in rows),
        )

    def reversal_of(self, journal_id: int) -> int | None:
        return self._conn.execute(
            select(t.journals.c.id).where(t.journals.c.reverses_journal_id == journal_id)
        ).scalar_one_or_none()

    def set_period_year(self, account_id: int, year: int) -> None:
        self._conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(period_year=year))

    def current_parts_before(self, year: int, *, after_id: int, limit: int) -> list[AccountRow]:
        rows = self._conn.execute(
            select(t.accounts)
            .where(
                t.accounts.c.kind == AccountKind.PERSONAL_CURRENT.value,
                t.accounts.c.period_year < year,
                t.accounts.c.id > after_id,
            )
            .order_by(t.accounts.c.id)
            .limit(limit)
        ).mappings()
        return [_account_row(row) for row in rows]

    def balance_as_of(self, account_id: int, moment: datetime) -> int:
        row = self._conn.execute(
            select(
                t.transfers.c.debit_account_id,
                t.transfers.c.debit_balance_after_fen,
                t.transfers.c.credit_balance_after_fen,
            )
            .join(t.journals, t.journals.c.id == t.transfers.c.journal_id)
            .where(
                or_(
                    t.transfers.c.debit_account_id == account_id,
                    t.transfers.c.credit_account_id == account_id,
                ),
                t.journals.c.booked_at <= moment,
            )
            .order_by(t.transfers.c.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return 0
        return int(row[1] if row[0] == account_id else row[2])

    def statement(self, account_ids: Sequence[int], start: datetime, end: datetime) -> list[StatementLine]:
        wanted = set(account_ids)
        debit_acct = t.accounts.alias("debit_acct")
        credit_acct = t.accounts.alias("credit_acct")
        rows = self._conn.execute(
            select(
                t.transfers,
                t.journals.c.kind.label("journal_kind"),
                t.journals.c.booked_at,
                t.journals.c.reference,
                t.journals.c.reverses_journal_id,
                t.journals.c.person_id.label("journal_person_id"),
                debit_acct.c.kind.label("debit_kind"),
                credit_acct.c.kind.label("credit_kind"),
            )
            .join(t.journals, t.journals.c.id == t.transfers.c.journal_id)
            .join(debit_acct, debit_acct.c.id == t.transfers.c.debit_account_id)
            .join(credit_acct, credit_acct.c.id == t.transfers.c.credit_account_id)
            .where(
                or_(t.transfers.c.debit_account_id.in_(wanted), t.transfers.c.credit_account_id.in_(wanted)),
                t.journals.c.booked_at >= start,
                t.journals.c.booked_at < end,
            )
            .order_by(t.transfers.c.id)
        ).mappings()
        lines: list[StatementLine] = []
        for row in rows:
            common = {
                "journal_id": row["journal_id"],
                "transfer_id": row["id"],
                "booked_at": row["booked_at"],
                "journal_kind": JournalKind(row["journal_kind"]),
                "reference": row["reference"],
                "reverses_journal_id": row["reverses_journal_id"],
                "journal_person_id": row["journal_person_id"],
            }
            if row["debit_account_id"] in wanted:
                lines.append(
                    StatementLine(
                        **common,
                        account_id=row["debit_account_id"],
                        account_kind=AccountKind(row["debit_kind"]),
                        amount_fen=-row["amount_fen"],
                        balance_after_fen=row["debit_balance_after_fen"],
                        counter_account_kind=AccountKind(row["credit_kind"]),
                    )
                )
            if row["credit_account_id"] in wanted:
                lines.append(
                    StatementLine(
                        **common,
                        account_id=row["credit_account_id"],
                        account_kind=AccountKind(row["credit_kind"]),
                        amount_fen=row["amount_fen"],
                        balance_after_fen=row["credit_balance_after_fen"],
                        counter_account_kind=AccountKind(row["debit_kind"]),
                    )
                )
        return lines

    def all_accounts(self) -> list[AccountRow]:
        rows = self._conn.execute(select(t.accounts).order_by(t.accounts.c.id)).mappings()
        return [_account_row(row) for row in rows]

    def iter_transfers(self) -> Iterator[TransferRow]:
        result = self._conn.execution_options(yield_per=5000).execute(select(t.transfers).order_by(t.transfers.c.id))
        for row in result.mappings():
            yield TransferRow(id=row["id"], journal_id=row["journal_id"], transfer=_posted(row))

    def all_journals(self) -> list[JournalHeader]:
        rows = self._conn.execute(select(t.journals).order_by(t.journals.c.id)).mappings()
        return [
            JournalHeader(
                id=row["id"],
                kind=JournalKind(row["kind"]),
                booked_at=row["booked_at"],
                reference=row["reference"],
                reverses_journal_id=row["reverses_journal_id"],
                person_id=row["person_id"],
            )
            for row in rows
        ]

    def count_journals(self) -> int:
        """How many journals exist (for reports and benchmarks)."""
        return int(self._conn.execute(select(func.count()).select_from(t.journals)).scalar_one())


def _posted(row: Any) -> PostedTransfer:
    return PostedTransfer(
        seq=row["seq"],
        debit_account_id=row["debit_account_id"],
        credit_account_id=row["credit_account_id"],
        amount_fen=row["amount_fen"],
        ledger=row["ledger"],
        debit_balance_after_fen=row["debit_balance_after_fen"],
        credit_balance_after_fen=row["credit_balance_after_fen"],
    )


class SqlIdempotency:
    """Idempotency keys in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> StoredOutcome | None:
        row = self._conn.execute(_IDEMPOTENCY_GET, {"idempotency_key": key}).mappings().first()
        if row is None:
            return None
        return StoredOutcome(
            operation=row["operation"],
            request_hash=row["request_hash"],
            is_error=row["is_error"],
            outcome=row["outcome"],
        )

    def put(self, key: str, stored: StoredOutcome, created_at: datetime) -> None:
        try:
            self._conn.execute(
                _IDEMPOTENCY_PUT,
                {
                    "key": key,
                    "operation": stored.operation,
                    "request_hash": stored.request_hash,
                    "is_error": stored.is_error,
                    "outcome": stored.outcome,
                    "created_at": created_at,
                },
            )
        except IntegrityError as exc:
            # Two transactions raced on the same key; the retry replays the winner's outcome.
            raise TransientStoreError(f"idempotency key {key!r} written concurrently") from exc


_RELATION_COLUMNS = (
    "authoriser_id",
    "beneficiary_id",
    "channel",
    "operator",
    "region",
    "beneficiary_region",
    "proof_kind",
    "proof_reference",
    "commitment_text",
    "requested_at",
    "expires_at",
    "confirmed_at",
    "confirmed_by_id",
    "effective_from",
    "valid_until",
    "ended_at",
    "end_requested_by_id",
    "order_position",
    "quota_fen",
)


def _relation_values(relation: Relation) -> dict[str, Any]:
    values = {name: getattr(relation, name) for name in _RELATION_COLUMNS}
    values["relation_type"] = relation.relation_type.value
    values["status"] = relation.status.value
    values["channel"] = relation.channel.value
    values["end_reason"] = relation.end_reason.value if relation.end_reason else None
    return values


def _relation(row: Any) -> Relation:
    return Relation(
        id=row["id"],
        relation_type=RelationType(row["relation_type"]),
        status=RelationStatus(row["status"]),
        channel=Channel(row["channel"]),
        end_reason=RelationEndReason(row["end_reason"]) if row["end_reason"] else None,
        **{name: row[name] for name in _RELATION_COLUMNS if name != "channel"},
    )


def _proxy(row: Any) -> ProxyLink:
    return ProxyLink(
        id=row["id"],
        owner_id=row["owner_id"],
        relative_id=row["relative_id"],
        created_at=row["created_at"],
        channel=Channel(row["channel"]),
        operator=row["operator"],
        ended_at=row["ended_at"],
    )


class SqlRelations:
    """Relations, their events, proxy links and shared quotas in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def add(self, relation: Relation) -> Relation:
        try:
            relation_id = self._conn.execute(
                insert(t.relations).values(**_relation_values(relation)).returning(t.relations.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            # The same pair was requested by a concurrent transaction; the retry refuses it as a duplicate.
            raise TransientStoreError("relation requested concurrently") from exc
        return replace(relation, id=int(relation_id))

    def get(self, relation_id: int) -> Relation | None:
        row = self._conn.execute(select(t.relations).where(t.relations.c.id == relation_id)).mappings().first()
        return _relation(row) if row else None

    def save(self, relation: Relation) -> None:
        self._conn.execute(
            update(t.relations).where(t.relations.c.id == relation.id).values(**_relation_values(relation))
        )

    def add_event(self, relation_id: int, event: RelationEvent) -> None:
        self._conn.execute(
            insert(t.relation_events).values(
                relation_id=relation_id,
                kind=event.kind,
                at=event.at,
                actor_person_id=event.actor_person_id,
                operator=event.operator,
                channel=event.channel.value,
                note=_note_column(event.note),
            )
        )

    def events(self, relation_id: int) -> list[RelationEvent]:
        rows = self._conn.execute(
            select(t.relation_events)
            .where(t.relation_events.c.relation_id == relation_id)
            .order_by(t.relation_events.c.id)
        ).mappings()
        return [
            RelationEvent(
                kind=row["kind"],
                at=row["at"],
                actor_person_id=row["actor_person_id"],
                operator=row["operator"],
                channel=Channel(row["channel"]),
                note=_note_of_column(row["note"]),
            )
            for row in rows
        ]

    def of_person(self, person_id: int) -> list[Relation]:
        return self.of_people([person_id])

    def add_proxy(self, link: ProxyLink) -> ProxyLink:
        try:
            link_id = self._conn.execute(
                insert(t.proxy_links)
                .values(
                    owner_id=link.owner_id,
                    relative_id=link.relative_id,
                    created_at=link.created_at,
                    channel=link.channel.value,
                    operator=link.operator,
                )
                .returning(t.proxy_links.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            raise TransientStoreError("proxy link added concurrently") from exc
        return replace(link, id=int(link_id))

    def end_proxy(self, link_id: int, ended_at: datetime) -> None:
        self._conn.execute(update(t.proxy_links).where(t.proxy_links.c.id == link_id).values(ended_at=ended_at))

    def proxies_of(self, person_id: int) -> list[ProxyLink]:
        rows = self._conn.execute(
            select(t.proxy_links)
            .where(or_(t.proxy_links.c.owner_id == person_id, t.proxy_links.c.relative_id == person_id))
            .order_by(t.proxy_links.c.id)
        ).mappings()
        return [_proxy(row) for row in rows]

    def of_people(self, person_ids: Iterable[int]) -> list[Relation]:
        """Every relation in which any of these people is the authoriser or the beneficiary, in id order."""
        ids = sorted(set(person_ids))
        rows = self._conn.execute(_RELATIONS_OF, {"authoriser_ids": ids, "beneficiary_ids": ids}).mappings()
        return [_relation(row) for row in rows]

    def shared_quotas(self, authoriser_ids: Iterable[int]) -> dict[int, tuple[bool, int | None]]:
        """``shared_quota`` of several authorisers in one statement (every one asked for is in the answer)."""
        ids = sorted(set(authoriser_ids))
        found: dict[int, tuple[bool, int | None]] = dict.fromkeys(ids, (False, None))
        rows = self._conn.execute(_SHARED_QUOTAS, {"authoriser_ids": ids})
        for authoriser_id, quota_fen in rows:
            found[authoriser_id] = (True, quota_fen)
        return found

    def shared_quota(self, authoriser_id: int) -> tuple[bool, int | None]:
        row = self._conn.execute(
            select(t.shared_quotas.c.quota_fen).where(t.shared_quotas.c.authoriser_id == authoriser_id)
        ).first()
        return (False, None) if row is None else (True, row[0])

    def set_shared_quota(self, authoriser_id: int, quota_fen: int | None, at: datetime) -> None:
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        statement = dialect_insert(t.shared_quotas).values(
            authoriser_id=authoriser_id, quota_fen=quota_fen, updated_at=at
        )
        self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["authoriser_id"], set_={"quota_fen": quota_fen, "updated_at": at}
            )
        )
