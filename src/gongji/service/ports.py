"""What the service layer needs from storage: repositories and a unit of work, as protocols.

The store implements these with SQLAlchemy (``gongji.store``); the service layer sees only this file and its parts
kept apart for size (:mod:`gongji.service.access_ports` for short-lived access state, :mod:`~gongji.service.api_ports`
for gongji's own API and the portal, :mod:`~gongji.service.fsi_ports` and :mod:`~gongji.service.query_ports` for the
national interface, :mod:`~gongji.service.credential_ports` for people's cards and vouchers,
:mod:`~gongji.service.wallet_ports` for the wallet), so that use cases read as the domain and never as SQL. A unit of
work is one database transaction: it rolls back unless :meth:`UnitOfWork.commit` is called.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from gongji.domain.catalogue import CatalogueItem, Institution
from gongji.domain.codes import Insutype, PsnType
from gongji.domain.enrollment import Enrollment, EnrollmentEvent
from gongji.domain.ledger import (
    AccountKind,
    AccountOpening,
    AccountState,
    Journal,
    JournalEntry,
    JournalKind,
    PostedJournal,
    PostedTransfer,
)
from gongji.domain.people import ContactChange, NewPerson, Person
from gongji.domain.reconciliation import PeriodTotals, SettlementSummary, StatementScope
from gongji.domain.relations import ProxyLink, Relation, RelationEvent
from gongji.domain.settlement import SettlementRecord
from gongji.domain.suspension import Suspension
from gongji.domain.visits import Diagnosis, FeeLine, Visit
from gongji.domain.wallet import WalletTransfer
from gongji.service.access_ports import AccessStateRepository
from gongji.service.api_ports import ApiTokenRepository, OperatorActionRepository, ReportRepository
from gongji.service.catalogue_ports import CatalogueRepository, InstitutionRepository, UpsertCounts
from gongji.service.credential_ports import PersonCredentialRepository
from gongji.service.federation_ports import InboxRepository, OutboxRepository
from gongji.service.fsi_ports import CredentialsRepository, FilingRepository, FsiFileRepository, SignInRepository
from gongji.service.query_ports import QueryRepository
from gongji.service.refusal_ports import RefusalEntry, RefusalRepository
from gongji.service.signal_ports import SignalRepository
from gongji.service.wallet_ports import WalletRepository
from gongji.service.whatif.ports import ReplayReader

__all__ = [
    "AccountRow",
    "CatalogueRepository",
    "EnrollmentRepository",
    "IdempotencyRepository",
    "InstitutionRepository",
    "JournalHeader",
    "LedgerRepository",
    "PeopleRepository",
    "RefusalEntry",
    "RefusalRepository",
    "RelationRepository",
    "SettlementRepository",
    "SignalRepository",
    "StatementLine",
    "StoredOutcome",
    "TransferRow",
    "TransientStoreError",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UpsertCounts",
    "VisitRepository",
]


class TransientStoreError(Exception):
    """A passing database condition (busy, deadlock, serialization, a racing insert): try the transaction again."""


@dataclass(frozen=True)
class AccountRow:
    """An account with the facts a person or operator reads about it."""

    state: AccountState
    region: str
    period_year: int | None
    opened_at: datetime
    code: str


@dataclass(frozen=True)
class StatementLine:
    """One movement on an account, with the balance after it."""

    journal_id: int
    transfer_id: int
    booked_at: datetime
    journal_kind: JournalKind
    reference: str | None
    account_id: int
    account_kind: AccountKind
    amount_fen: int
    balance_after_fen: int
    counter_account_kind: AccountKind
    reverses_journal_id: int | None
    journal_person_id: int | None = None


@dataclass(frozen=True)
class StoredOutcome:
    """What an idempotency key recorded: the request's hash and its outcome (a result or an error)."""

    operation: str
    request_hash: str
    is_error: bool
    outcome: str


@dataclass(frozen=True)
class TransferRow:
    """A stored transfer with the journal it belongs to (for the auditor and statements)."""

    id: int
    journal_id: int
    transfer: PostedTransfer


@dataclass(frozen=True)
class JournalHeader:
    """A stored journal without its transfers."""

    id: int
    kind: JournalKind
    booked_at: datetime
    reference: str | None
    reverses_journal_id: int | None
    person_id: int | None


@dataclass(frozen=True)
class FamilyRows:
    """What a settlement reads of a family once the patient's relations are known (see :class:`FamilyReader`)."""

    people: dict[int, Person]
    enrollments: dict[int, list[Enrollment]]
    relations: list[Relation]
    accounts: list[AccountRow]
    shared_quotas: dict[int, tuple[bool, int | None]]


class FamilyReader(Protocol):
    """The family reads of a settlement in one go (one round trip where the backend has them)."""

    def read(self, person_ids: Sequence[int], others: Sequence[int], *, lock: bool) -> FamilyRows:
        """``others``' people, relations (either side) and shared quotas; every account and enrollment of
        ``person_ids`` (accounts in id order, locked first when ``lock``)."""
        ...


@dataclass(frozen=True)
class VisitOpening:
    """What a settlement reads first, knowing only the visit's 就诊ID (see :meth:`BillReader.opening`)."""

    visit: Visit
    patient: Person
    #: The patient's relations, either side, in id order.
    relations: list[Relation]
    institution: Institution | None
    #: The settlement's id, drawn ahead where the backend has sequences (so that its rows need no answer).
    settlement_id: int | None


@dataclass(frozen=True)
class BillRows:
    """What a settlement reads of a visit's bill besides the family (see :class:`BillReader`)."""

    institution: Institution | None
    lines: list[FeeLine]
    #: The catalogue items of the visit's lines, by code (a code the catalogue lacks is absent).
    items: dict[str, CatalogueItem]
    suspensions: list[Suspension]
    #: The patient's accepted wallet transfers with money left, oldest acceptance first (empty when not asked).
    spendable: list[WalletTransfer]


class BillReader(Protocol):
    """The reads of a settlement that depend only on the visit and the patient, in one go (one round trip where the
    backend has them)."""

    def opening(self, mdtrt_id: str, *, lock: bool, reserve_id: bool) -> VisitOpening | None:
        """The visit (locked when ``lock``), its patient, her relations and the visit's institution; ``reserve_id``
        draws the settlement's id. None when no visit has this 就诊ID."""
        ...

    def read(self, visit_id: int, institution_id: int | None, patient_id: int, *, wallet: bool, lock: bool) -> BillRows:
        """The visit's institution (unless None is asked), fee lines and their catalogue items, the patient's
        suspensions and (``wallet``) spendable transfers, those locked when ``lock``."""
        ...


class PeopleRepository(Protocol):
    """People and their contact history."""

    def add(self, new: NewPerson, registered_at: datetime) -> Person: ...
    def get(self, person_id: int, *, with_contacts: bool = False) -> Person | None: ...
    def find_by_certno(self, certno: str, *, with_contacts: bool = False) -> Person | None: ...
    def find_by_psn_no(self, psn_no: str, *, with_contacts: bool = False) -> Person | None: ...
    def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]: ...
    def list(self, *, limit: int, offset: int, name: str | None = None) -> list[Person]: ...
    def add_contact(self, person_id: int, change: ContactChange) -> None: ...
    def mark_deceased(self, person_id: int, on: date) -> None: ...
    def lock(self, person_ids: Iterable[int]) -> None: ...
    def add_suspension(self, suspension: Suspension) -> Suspension: ...
    def suspensions(self, person_id: int) -> builtins.list[Suspension]: ...
    def lift_suspension(self, suspension_id: int, at: datetime, by: str) -> None: ...


class EnrollmentRepository(Protocol):
    """Enrollments and their events."""

    def add(
        self,
        person_id: int,
        insutype: Insutype,
        psn_type: PsnType,
        pooling_region: str,
        employer: str | None,
        began_on: date,
    ) -> Enrollment: ...
    def save(self, enrollment: Enrollment) -> None: ...
    def add_event(self, enrollment_id: int, event: EnrollmentEvent, recorded_at: datetime) -> None: ...
    def for_person(self, person_id: int) -> list[Enrollment]: ...
    def for_people(self, person_ids: Iterable[int]) -> dict[int, list[Enrollment]]: ...
    def events(self, enrollment_id: int) -> list[EnrollmentEvent]: ...


class LedgerRepository(Protocol):
    """Accounts, journals and transfers."""

    def open_account(
        self, kind: AccountKind, region: str, owner_person_id: int | None, opened_at: datetime
    ) -> AccountState: ...
    def find_account(self, kind: AccountKind, region: str, owner_person_id: int | None) -> AccountRow | None: ...
    def find_account_by_code(self, code: str) -> AccountRow | None: ...
    def open_named_account(
        self, code: str, kind: AccountKind, region: str, asset: str, owner_person_id: int | None, opened_at: datetime
    ) -> AccountState: ...
    def accounts_of_person(self, person_id: int) -> list[AccountRow]: ...
    def accounts_of_people(self, person_ids: Iterable[int], *, lock: bool = False) -> list[AccountRow]: ...
    def find_accounts_by_code(self, codes: Iterable[str]) -> dict[str, AccountRow]: ...
    def open_accounts(self, openings: Iterable[AccountOpening], opened_at: datetime) -> dict[str, AccountState]: ...
    def accounts_by_id(self, account_ids: Iterable[int]) -> list[AccountRow]: ...
    def lock(self, account_ids: Iterable[int]) -> dict[int, AccountState]: ...
    def post(self, entry: JournalEntry) -> PostedJournal: ...
    def get_journal(self, journal_id: int) -> Journal | None: ...
    def reversal_of(self, journal_id: int) -> int | None: ...
    def set_period_year(self, account_id: int, year: int) -> None: ...
    def current_parts_before(self, year: int, *, after_id: int, limit: int) -> list[AccountRow]: ...
    def balance_as_of(self, account_id: int, moment: datetime) -> int: ...
    def statement(self, account_ids: Sequence[int], start: datetime, end: datetime) -> list[StatementLine]: ...
    def all_accounts(self) -> list[AccountRow]: ...
    def iter_transfers(self) -> Iterator[TransferRow]: ...
    def all_journals(self) -> list[JournalHeader]: ...


class RelationRepository(Protocol):
    """Mutual-aid relations with their events, proxy links and shared quotas."""

    def add(self, relation: Relation) -> Relation: ...
    def get(self, relation_id: int) -> Relation | None: ...
    def save(self, relation: Relation) -> None: ...
    def add_event(self, relation_id: int, event: RelationEvent) -> None: ...
    def events(self, relation_id: int) -> list[RelationEvent]: ...
    def of_person(self, person_id: int) -> list[Relation]: ...
    def of_people(self, person_ids: Iterable[int]) -> list[Relation]: ...
    def shared_quotas(self, authoriser_ids: Iterable[int]) -> dict[int, tuple[bool, int | None]]: ...
    def add_proxy(self, link: ProxyLink) -> ProxyLink: ...
    def end_proxy(self, link_id: int, ended_at: datetime) -> None: ...
    def proxies_of(self, person_id: int) -> list[ProxyLink]: ...
    def shared_quota(self, authoriser_id: int) -> tuple[bool, int | None]: ...
    def set_shared_quota(self, authoriser_id: int, quota_fen: int | None, at: datetime) -> None: ...


class VisitRepository(Protocol):
    """Visits and their fee lines."""

    def add(self, visit: Visit, created_at: datetime) -> Visit: ...
    def get(self, visit_id: int) -> Visit | None: ...
    def find(self, mdtrt_id: str) -> Visit | None: ...
    def lock(self, visit_id: int) -> Visit | None: ...
    def find_for_update(self, mdtrt_id: str) -> Visit | None: ...
    def add_diagnoses(self, visit_id: int, stage: str, diagnoses: Sequence[Diagnosis], at: datetime) -> None: ...
    def diagnoses(self, visit_id: int) -> list[tuple[str, Diagnosis]]: ...
    def drop_diagnoses(self, visit_id: int, stage: str) -> None: ...
    def save(self, visit: Visit) -> None: ...
    def add_lines(self, lines: Sequence[FeeLine], created_at: datetime) -> None: ...
    def lines(self, visit_id: int) -> list[FeeLine]: ...
    def cancel_lines(self, line_ids: Sequence[int]) -> None: ...
    def mark_settled(self, line_ids: Sequence[int], settlement_id: int) -> None: ...
    def release(self, settlement_id: int) -> None: ...


class SettlementRepository(Protocol):
    """Settlements and who paid them."""

    def add(self, record: SettlementRecord) -> SettlementRecord:
        """Write the settlement and its payers; its id is ``record.id`` when one was reserved (not 0), else new."""
        ...

    def find(self, setl_id: str) -> SettlementRecord | None: ...
    def for_visit(self, visit_id: int) -> list[SettlementRecord]: ...
    def of_patient(self, person_id: int, start: datetime, end: datetime, *, limit: int) -> list[SettlementRecord]: ...
    def mark_reversed(self, settlement_id: int, reversal_journal_id: int, at: datetime) -> None: ...
    def add_claim(
        self,
        person_id: int,
        visit_id: int,
        operator: str,
        reason: str,
        receipts: Sequence[tuple[str, str, int]],
        at: datetime,
    ) -> int: ...
    def receipt_claim(self, issuer: str, receipt_no: str) -> int | None: ...
    def claim_of_visit(self, visit_id: int) -> tuple[int, str, str, list[tuple[str, str, int]]] | None: ...
    def statement_totals(self, scope: StatementScope) -> PeriodTotals: ...
    def statement_settlements(self, scope: StatementScope, *, limit: int) -> list[SettlementSummary]: ...


class IdempotencyRepository(Protocol):
    """Idempotency keys with the request hash and the outcome, stored in the same transaction as the write."""

    def get(self, key: str) -> StoredOutcome | None: ...
    def put(self, key: str, stored: StoredOutcome, created_at: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction over all repositories; rolled back on exit unless committed."""

    @property
    def people(self) -> PeopleRepository: ...
    @property
    def enrollments(self) -> EnrollmentRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def relations(self) -> RelationRepository: ...
    @property
    def visits(self) -> VisitRepository: ...
    @property
    def settlements(self) -> SettlementRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def institutions(self) -> InstitutionRepository: ...
    @property
    def catalogue(self) -> CatalogueRepository: ...
    @property
    def credentials(self) -> CredentialsRepository: ...
    @property
    def sign_ins(self) -> SignInRepository: ...
    @property
    def api_tokens(self) -> ApiTokenRepository: ...
    @property
    def reports(self) -> ReportRepository: ...
    @property
    def operator_actions(self) -> OperatorActionRepository: ...
    @property
    def access(self) -> AccessStateRepository: ...
    @property
    def wallets(self) -> WalletRepository: ...
    @property
    def queries(self) -> QueryRepository: ...
    @property
    def person_credentials(self) -> PersonCredentialRepository: ...
    @property
    def filings(self) -> FilingRepository: ...
    @property
    def fsi_files(self) -> FsiFileRepository: ...
    @property
    def families(self) -> FamilyReader: ...
    @property
    def bills(self) -> BillReader: ...
    @property
    def signals(self) -> SignalRepository: ...
    @property
    def refusals(self) -> RefusalRepository: ...
    @property
    def replays(self) -> ReplayReader: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def inbox(self) -> InboxRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def savepoint(self) -> AbstractContextManager[None]:
        """A block whose writes are undone alone when it raises (the transaction goes on); one at a time."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes units of work; knows which of its backend's errors are transient."""

    def __call__(self, *, readonly: bool = False) -> UnitOfWork: ...
    def is_transient(self, exc: BaseException) -> bool: ...
    def iter_backoff_s(self) -> Iterator[float]: ...
