"""SQLAlchemy implementations of the repositories in ``gongji.service.ports``.

Rows are turned into domain objects here and nowhere else. The ledger's write path is shaped for few round
trips: one statement locks and reads the accounts, one inserts the journal, one (multi-row) inserts the
transfers and one updates every touched account's balance and version with a version check.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from gongji.domain.codes import EndReason, EnrollmentStatus, Insutype, PsnType, RelationType
from gongji.domain.enrollment import Enrollment, EnrollmentEvent, EventKind
from gongji.domain.identity import ResidentId
from gongji.domain.ledger import (
    MONEY,
    AccountKind,
    AccountState,
    Journal,
    JournalKind,
    PostedTransfer,
    ledger_code,
)
from gongji.domain.people import ContactChange, NewPerson, Person
from gongji.domain.relations import Channel, ProxyLink, Relation, RelationEvent, RelationStatus
from gongji.domain.relations import EndReason as RelationEndReason
from gongji.domain.suspension import Suspension
from gongji.service.ports import (
    AccountRow,
    JournalHeader,
    StatementLine,
    StoredOutcome,
    TransferRow,
    TransientStoreError,
)
from gongji.store import tables as t

__all__ = ["SqlEnrollments", "SqlIdempotency", "SqlLedger", "SqlPeople", "SqlRelations", "account_code"]


def account_code(kind: AccountKind, region: str, owner_person_id: int | None) -> str:
    """The natural key of an account: one account per kind, region and owner."""
    if owner_person_id is None:
        return f"SYS:{region}:{kind.value}"
    return f"PSN:{owner_person_id}:{kind.value}:{region}"


class SqlPeople:
    """People and contact history in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, new: NewPerson, registered_at: datetime) -> Person:
        certno = new.resident_id.number
        try:
            person_id = self._conn.execute(
                insert(t.people)
                .values(psn_no=f"pending:{certno}", certno=certno, name=new.name, registered_at=registered_at)
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
        return self._one(t.people.c.id == person_id, with_contacts)

    def find_by_certno(self, certno: str, *, with_contacts: bool = False) -> Person | None:
        return self._one(t.people.c.certno == certno, with_contacts)

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
        rows = self._conn.execute(
            select(t.suspensions).where(t.suspensions.c.person_id == person_id).order_by(t.suspensions.c.id)
        ).mappings()
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
        rows = self._conn.execute(
            select(t.enrollments).where(t.enrollments.c.person_id == person_id).order_by(t.enrollments.c.id)
        ).mappings()
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
            account_code(kind, region, owner_person_id), kind, region, MONEY, owner_person_id, opened_at, period_year
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
        rows = self._conn.execute(
            select(t.accounts).where(t.accounts.c.id.in_(ids)).order_by(t.accounts.c.id).with_for_update()
        ).mappings()
        locked = {row["id"]: _account_state(row) for row in rows}
        assert len(locked) == len(ids), f"accounts missing: {set(ids) - set(locked)}"
        return locked

    def write_journal(
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
                insert(t.journals)
                .values(
                    kind=kind.value,
                    booked_at=booked_at,
                    reference=reference,
                    note=note,
                    person_id=person_id,
                    reverses_journal_id=reverses_journal_id,
                )
                .returning(t.journals.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            if reverses_journal_id is not None:
                # Another transaction reversed the same journal first; the retry will see it and refuse.
                raise TransientStoreError("journal reversed concurrently") from exc
            raise
        self._conn.execute(
            insert(t.transfers),
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
        version_matches = or_(
            *(
                and_(t.accounts.c.id == account_id, t.accounts.c.version == locked[account_id].version)
                for account_id in ids
            )
        )
        result = self._conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id.in_(ids), version_matches)
            .values(
                balance_fen=case({account_id: new_balances[account_id] for account_id in ids}, value=t.accounts.c.id),
                version=t.accounts.c.version + 1,
            )
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
        row = self._conn.execute(select(t.idempotency_keys).where(t.idempotency_keys.c.key == key)).mappings().first()
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
                insert(t.idempotency_keys).values(
                    key=key,
                    operation=stored.operation,
                    request_hash=stored.request_hash,
                    is_error=stored.is_error,
                    outcome=stored.outcome,
                    created_at=created_at,
                )
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
                note=event.note,
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
                note=row["note"],
            )
            for row in rows
        ]

    def of_person(self, person_id: int) -> list[Relation]:
        rows = self._conn.execute(
            select(t.relations)
            .where(or_(t.relations.c.authoriser_id == person_id, t.relations.c.beneficiary_id == person_id))
            .order_by(t.relations.c.id)
        ).mappings()
        return [_relation(row) for row in rows]

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
