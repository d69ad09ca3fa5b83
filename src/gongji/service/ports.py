"""What the service layer needs from storage: repositories and a unit of work, as protocols.

The store implements these with SQLAlchemy (``gongji.store``); the service layer sees only this file (and
:mod:`gongji.service.access_ports`, its part for short-lived access state), so that use cases read as the domain and
never as SQL. A unit of work is one database transaction: it rolls back unless :meth:`UnitOfWork.commit` is called.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from gongji.domain.catalogue import CatalogueItem, Institution, InstitutionKind
from gongji.domain.codes import Insutype, PsnType
from gongji.domain.enrollment import Enrollment, EnrollmentEvent
from gongji.domain.ledger import AccountKind, AccountOpening, AccountState, Journal, JournalKind, PostedTransfer
from gongji.domain.people import ContactChange, NewPerson, Person
from gongji.domain.reconciliation import PeriodTotals, SettlementSummary, StatementScope
from gongji.domain.relations import ProxyLink, Relation, RelationEvent
from gongji.domain.settlement import SettlementRecord
from gongji.domain.suspension import Suspension
from gongji.domain.visits import Diagnosis, FeeLine, Visit
from gongji.service.access_ports import AccessStateRepository
from gongji.service.query_ports import QueryRepository
from gongji.service.wallet_ports import WalletRepository

__all__ = [
    "AccountRow",
    "ApiTokenRepository",
    "CatalogueRepository",
    "CredentialsRepository",
    "EnrollmentRepository",
    "FilingRepository",
    "FsiFileRepository",
    "IdempotencyRepository",
    "InstitutionRepository",
    "JournalHeader",
    "LedgerRepository",
    "OperatorActionRepository",
    "PeopleRepository",
    "PersonCredentialRepository",
    "RelationRepository",
    "RelationTotals",
    "ReportRepository",
    "SettlementRepository",
    "SettlementTotals",
    "SignInRepository",
    "StatementLine",
    "StoredApiToken",
    "StoredCard",
    "StoredCatalogueRow",
    "StoredClearing",
    "StoredCredentials",
    "StoredFile",
    "StoredFiling",
    "StoredOperatorAction",
    "StoredOutcome",
    "StoredSettlementList",
    "StoredSignIn",
    "StoredVoucher",
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
class UpsertCounts:
    """What an upsert of catalogue items did: new codes, changed items, and items already as given."""

    inserted: int
    updated: int
    unchanged: int


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
    ) -> int: ...
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

    def add(self, record: SettlementRecord) -> SettlementRecord: ...
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


class InstitutionRepository(Protocol):
    """Designated institutions (定点医药机构), by their national code (``fixmedins_code``)."""

    def add(
        self,
        *,
        fixmedins_code: str,
        name: str,
        kind: InstitutionKind,
        level: str | None,
        region: str,
        created_at: datetime,
    ) -> Institution: ...
    def get(self, institution_id: int) -> Institution | None: ...
    def find_by_code(self, fixmedins_code: str) -> Institution | None: ...
    def list(self, *, region: str | None = None) -> list[Institution]: ...


class CatalogueRepository(Protocol):
    """The medical catalogue (医保目录): items by code, written in batches."""

    def upsert_many(self, items: Sequence[CatalogueItem], at: datetime) -> UpsertCounts: ...
    def find(self, code: str) -> CatalogueItem | None: ...
    def find_many(self, codes: Iterable[str]) -> dict[str, CatalogueItem]: ...
    def list(
        self, *, limit: int, offset: int, name: str | None = None, code: str | None = None
    ) -> list[CatalogueItem]: ...
    def count(self, *, name: str | None = None, code: str | None = None) -> int: ...


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

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes units of work; knows which of its backend's errors are transient."""

    def __call__(self, *, readonly: bool = False) -> UnitOfWork: ...
    def is_transient(self, exc: BaseException) -> bool: ...
    def iter_backoff_s(self) -> Iterator[float]: ...


# --- access to the national interface (FSI) ------------------------------------------------------------------


@dataclass(frozen=True)
class StoredCredentials:
    """An institution's gateway credentials as stored, with the institution's code and name."""

    institution_id: int
    fixmedins_code: str
    name: str
    paasid: str
    token: str
    created_at: datetime
    rotated_at: datetime | None


@dataclass(frozen=True)
class StoredSignIn:
    """A sign-in (签到) as stored, with the code of the institution it belongs to."""

    id: int
    sign_no: str
    institution_id: int
    fixmedins_code: str
    opter_no: str
    mac: str | None
    ip: str | None
    signed_in_at: datetime
    #: 签退 (9002): when the number was signed out, if it was.
    signed_out_at: datetime | None = None


class CredentialsRepository(Protocol):
    """Institutions' gateway credentials for the national interface: ``paasid`` and the secret ``token``."""

    def add(self, institution_id: int, paasid: str, token: str, created_at: datetime) -> StoredCredentials: ...
    def of_institution(self, institution_id: int) -> StoredCredentials | None: ...
    def by_paasid(self, paasid: str) -> StoredCredentials | None: ...
    def replace_token(self, institution_id: int, token: str, rotated_at: datetime) -> None: ...


class SignInRepository(Protocol):
    """Sign-ins (签到, 9001) of institutions' operators; each has a unique ``sign_no``."""

    def add(
        self, institution_id: int, opter_no: str, mac: str | None, ip: str | None, signed_in_at: datetime
    ) -> str: ...
    def find(self, sign_no: str) -> StoredSignIn | None: ...
    def sign_out(self, sign_in_id: int, signed_out_at: datetime) -> None: ...


# --- gongji's own API (REST): its tokens, and the reads behind reports and scoped lists ------------------------


@dataclass(frozen=True)
class StoredApiToken:
    """An API token as stored: never the token itself, only its SHA-256 (which cannot authenticate)."""

    id: int
    token_sha256: str
    role: str
    regions: tuple[str, ...]
    fixmedins_code: str | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class ApiTokenRepository(Protocol):
    """Tokens of gongji's own API, found by the SHA-256 of the token a client presents."""

    def add(
        self,
        *,
        token_sha256: str,
        role: str,
        regions: Sequence[str],
        fixmedins_code: str | None,
        label: str | None,
        created_at: datetime,
    ) -> StoredApiToken: ...
    def get(self, token_id: int) -> StoredApiToken | None: ...
    def by_hash(self, token_sha256: str) -> StoredApiToken | None: ...
    def list(self) -> builtins.list[StoredApiToken]: ...
    def revoke(self, token_id: int, at: datetime) -> None: ...


@dataclass(frozen=True)
class SettlementTotals:
    """Settlements of one region, kind and status in a period: how many, and the sums of their main amounts."""

    region: str
    kind: str
    status: str
    count: int
    mutual_aid_count: int
    medfee_sumamt_fen: int
    hifp_pay_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int


@dataclass(frozen=True)
class RelationTotals:
    """How many mutual-aid relations of one region are in one status (as of the moment asked)."""

    region: str
    status: str
    count: int


class ReportRepository(Protocol):
    """Reads across many rows: totals for analysts (no personal data) and the insured of some regions."""

    def settlement_totals(
        self, start: datetime, end: datetime, regions: Collection[str] | None
    ) -> builtins.list[SettlementTotals]: ...
    def relation_totals(self, regions: Collection[str] | None, now: datetime) -> builtins.list[RelationTotals]: ...
    def insured_people(
        self, regions: Collection[str], *, limit: int, offset: int, name: str | None = None
    ) -> builtins.list[Person]: ...


# --- the counter operators' audit trail (portal) ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoredOperatorAction:
    """One audited operator action: who (the operator's label), when, in which region, what, on whom (masked)."""

    id: int
    at: datetime
    operator: str
    region: str | None
    action: str
    subject: str | None
    detail: str | None
    refused_code: str | None = None


class OperatorActionRepository(Protocol):
    """The operators' audit trail: rows are added, never changed."""

    def add(
        self,
        *,
        at: datetime,
        operator: str,
        region: str | None,
        action: str,
        subject: str | None,
        detail: str | None,
        refused_code: str | None = None,
    ) -> StoredOperatorAction: ...
    def latest(
        self, regions: Collection[str] | None, *, limit: int, operator: str | None = None
    ) -> builtins.list[StoredOperatorAction]: ...


# --- the national interface's filings (备案, 2501–2506) ------------------------------------------------------------


@dataclass(frozen=True)
class StoredFiling:
    """A filing (备案) as stored: who filed what for whom, for which period, and whether it was cancelled.

    ``kind`` is ``referral`` (转院备案), ``chronic`` (人员慢特病备案) or ``designated`` (人员定点备案); ``subject_code``
    and ``subject_name`` are the disease or the institution filed; ``detail`` the filing's other national fields.
    """

    id: int
    kind: str
    person_id: int
    insutype: str | None
    fixmedins_code: str
    subject_code: str
    subject_name: str | None
    begin_on: date
    end_on: date | None
    detail: dict[str, str]
    filed_at: datetime
    cancelled_at: datetime | None = None
    cancel_memo: str | None = None


class FilingRepository(Protocol):
    """Filings of people (备案), added and cancelled, never deleted."""

    def add(self, filing: StoredFiling) -> StoredFiling: ...
    def get(self, filing_id: int, *, lock: bool = False) -> StoredFiling | None: ...
    def of_person(self, person_id: int, kind: str | None = None) -> builtins.list[StoredFiling]: ...
    def cancel(self, filing_id: int, at: datetime, memo: str | None) -> None: ...


# --- people's credentials: social-security cards and electronic vouchers -----------------------------------------


@dataclass(frozen=True)
class StoredCard:
    """A social-security card (社会保障卡) as stored: live while ``replaced_at`` is ``None``."""

    id: int
    person_id: int
    card_no: str
    card_sn: str
    region: str
    issued_at: datetime
    replaced_at: datetime | None


@dataclass(frozen=True)
class StoredVoucher:
    """An electronic voucher (医保电子凭证) as stored: never its token, only the token's SHA-256."""

    id: int
    person_id: int
    token_sha256: str
    shown_by_person_id: int | None
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class PersonCredentialRepository(Protocol):
    """People's cards and vouchers, found by card number or by the SHA-256 of a voucher's token."""

    def add_card(self, person_id: int, card_no: str, card_sn: str, region: str, issued_at: datetime) -> StoredCard: ...
    def live_card_of(self, person_id: int) -> StoredCard | None: ...
    def card_by_no(self, card_no: str) -> StoredCard | None: ...
    def card_sn_taken(self, card_sn: str) -> bool: ...
    def mark_card_replaced(self, card_id: int, at: datetime) -> None: ...
    def add_voucher(
        self,
        person_id: int,
        token_sha256: str,
        shown_by_person_id: int | None,
        issued_at: datetime,
        expires_at: datetime,
    ) -> StoredVoucher: ...
    def voucher_by_hash(self, token_sha256: str) -> StoredVoucher | None: ...
    def revoke_live_vouchers(self, person_id: int, at: datetime) -> int: ...


# --- what institutions hand in and fetch: files, settlement lists, clearing applications (9101/9102, 4101, 3203) ---


@dataclass(frozen=True)
class StoredFile:
    """A file as stored: handed in by an institution (``origin`` "upload") or made for it (a catalogue's infno)."""

    id: int
    file_qury_no: str
    institution_id: int
    filename: str
    origin: str
    size_bytes: int
    sha256: str
    rows: int | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StoredCatalogueRow:
    """A catalogue item as a download lists it: the item and when it last changed (its version)."""

    item: CatalogueItem
    updated_at: datetime


@dataclass(frozen=True)
class StoredSettlementList:
    """A settlement list (结算清单) as stored: which settlement, its id, how often it was uploaded, its nodes."""

    id: int
    setl_list_id: str
    settlement_id: int
    institution_id: int
    infno: str
    content: str
    uploads: int
    uploaded_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredClearing:
    """A clearing application (清算申请) as stored; amounts in fen. ``live_key`` is set while it stands."""

    id: int
    clr_appy_evt_id: str
    institution_id: int
    live_key: str | None
    clr_type: str
    clr_way: str | None
    clr_optins: str | None
    setlym: str
    begndate: str
    enddate: str
    psntime: int
    medfee_sumamt_fen: int
    med_sumfee_fen: int
    fund_appy_sum_fen: int
    cash_payamt_fen: int
    acct_pay_fen: int
    status: str
    applied_at: datetime
    cancelled_at: datetime | None = None


class FsiFileRepository(Protocol):
    """Files, settlement lists and clearing applications of the national interface."""

    def add_file(self, file: StoredFile, content: bytes) -> StoredFile: ...
    def file(self, file_qury_no: str) -> StoredFile | None: ...
    def file_content(self, file_id: int) -> bytes: ...
    def catalogue_rows(
        self, kinds: Sequence[str], changed_after: datetime | None
    ) -> builtins.list[StoredCatalogueRow]: ...
    def settlement_list(self, settlement_id: int) -> StoredSettlementList | None: ...
    def add_settlement_list(self, row: StoredSettlementList) -> StoredSettlementList: ...
    def replace_settlement_list(self, list_id: int, infno: str, content: str, at: datetime) -> None: ...
    def add_clearing(self, row: StoredClearing) -> StoredClearing: ...
    def clearing(self, clr_appy_evt_id: str, *, lock: bool = False) -> StoredClearing | None: ...
    def live_clearing(self, live_key: str) -> StoredClearing | None: ...
    def cancel_clearing(self, clearing_id: int, at: datetime) -> None: ...
