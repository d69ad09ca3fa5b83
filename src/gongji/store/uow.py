"""The SQL unit of work: one connection, one transaction, all repositories; rolled back unless committed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from gongji.service.ports import TransientStoreError
from gongji.store.access_repo import SqlAccessState
from gongji.store.api_token_repo import SqlApiTokens
from gongji.store.bill_reads import SqlBillReads
from gongji.store.catalogue_repo import SqlCatalogue, SqlInstitutions
from gongji.store.credential_repo import SqlPersonCredentials
from gongji.store.driver import release_savepoint, rollback_to_savepoint, savepoint
from gongji.store.engine import READONLY_OPTION, is_transient_error
from gongji.store.enrollment_repo import SqlEnrollments
from gongji.store.family_reads import SqlFamilyReads
from gongji.store.federation_repo import SqlInbox, SqlOutbox
from gongji.store.file_repo import SqlFsiFiles
from gongji.store.filing_repo import SqlFilings
from gongji.store.fsi_repo import SqlCredentials, SqlSignIns
from gongji.store.idempotency_repo import SqlIdempotency
from gongji.store.ledger_repo import SqlLedger
from gongji.store.operator_audit_repo import SqlOperatorActions
from gongji.store.people_repo import SqlPeople
from gongji.store.query_repo import SqlQueries
from gongji.store.refusal_repo import SqlRefusals
from gongji.store.relation_repo import SqlRelations
from gongji.store.replay_reads import SqlReplays
from gongji.store.report_repo import SqlReports
from gongji.store.settlement_repo import SqlSettlements
from gongji.store.signal_repo import SqlSignals
from gongji.store.visit_repo import SqlVisits
from gongji.store.wallet_repo import SqlWallets

__all__ = ["MAX_ATTEMPTS", "SqlUnitOfWork", "SqlUnitOfWorkFactory"]

#: How many times a transaction is tried when the database reports a passing condition.
MAX_ATTEMPTS = 8
#: The name of the one savepoint a unit of work marks at a time.
_SAVEPOINT = "gongji_job"


class SqlUnitOfWork:
    """A transaction on ``engine`` exposing the SQL repositories."""

    people: SqlPeople
    enrollments: SqlEnrollments
    ledger: SqlLedger
    relations: SqlRelations
    idempotency: SqlIdempotency
    institutions: SqlInstitutions
    catalogue: SqlCatalogue
    visits: SqlVisits
    settlements: SqlSettlements
    credentials: SqlCredentials
    sign_ins: SqlSignIns
    api_tokens: SqlApiTokens
    reports: SqlReports
    operator_actions: SqlOperatorActions
    access: SqlAccessState
    wallets: SqlWallets
    person_credentials: SqlPersonCredentials
    filings: SqlFilings
    fsi_files: SqlFsiFiles
    queries: SqlQueries
    families: SqlFamilyReads
    bills: SqlBillReads
    signals: SqlSignals
    refusals: SqlRefusals
    replays: SqlReplays
    outbox: SqlOutbox
    inbox: SqlInbox

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self._engine = engine
        self._readonly = readonly
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> Self:
        conn = self._engine.connect()
        if self._readonly:
            conn = conn.execution_options(**{READONLY_OPTION: True})
        self._conn = conn
        self._tx = conn.begin()
        self.people = SqlPeople(conn)
        self.enrollments = SqlEnrollments(conn)
        self.ledger = SqlLedger(conn)
        self.relations = SqlRelations(conn)
        self.idempotency = SqlIdempotency(conn)
        self.institutions = SqlInstitutions(conn)
        self.catalogue = SqlCatalogue(conn)
        self.visits = SqlVisits(conn)
        self.settlements = SqlSettlements(conn)
        self.credentials = SqlCredentials(conn)
        self.sign_ins = SqlSignIns(conn)
        self.api_tokens = SqlApiTokens(conn)
        self.reports = SqlReports(conn)
        self.operator_actions = SqlOperatorActions(conn)
        self.access = SqlAccessState(conn)
        self.wallets = SqlWallets(conn)
        self.person_credentials = SqlPersonCredentials(conn)
        self.queries = SqlQueries(conn)
        self.filings = SqlFilings(conn)
        self.fsi_files = SqlFsiFiles(conn)
        self.families = SqlFamilyReads(conn)
        self.bills = SqlBillReads(conn)
        self.signals = SqlSignals(conn)
        self.refusals = SqlRefusals(conn)
        self.replays = SqlReplays(conn)
        self.outbox = SqlOutbox(conn)
        self.inbox = SqlInbox(conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._conn is not None
        assert self._tx is not None
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self._conn.close()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A block whose writes are undone alone if it raises, the transaction going on (the group committer runs
        each job of a batch in one); the savepoint costs no round trip of its own on PostgreSQL."""
        assert self._conn is not None
        savepoint(self._conn, _SAVEPOINT)
        try:
            yield
        except BaseException:
            rollback_to_savepoint(self._conn, _SAVEPOINT)
            raise
        release_savepoint(self._conn, _SAVEPOINT)

    def commit(self) -> None:
        """Commit the transaction; a transient failure at commit is reported as such."""
        assert self._tx is not None
        try:
            self._tx.commit()
        except Exception as exc:
            if is_transient_error(exc):
                raise TransientStoreError(str(exc)) from exc
            raise


class SqlUnitOfWorkFactory:
    """Makes SQL units of work on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, readonly=readonly)

    def is_transient(self, exc: BaseException) -> bool:
        """Busy, deadlock, serialization failures and racing inserts are worth another try."""
        return isinstance(exc, TransientStoreError) or is_transient_error(exc)

    def iter_backoff_s(self) -> Iterator[float]:
        """Sleeps between attempts: jittered and growing, ``MAX_ATTEMPTS - 1`` of them."""
        for attempt in range(MAX_ATTEMPTS - 1):
            yield random.uniform(0, 0.002 * (2**attempt))
