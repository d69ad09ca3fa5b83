"""A settlement's family read in one go (:class:`gongji.service.ports.FamilyReader`).

Once the patient's relations are known, what a settlement reads of her family — the other people, everyone's
enrollments, the authorisers' own relations, every account they own (locked, when the settlement will write) and the
authorisers' shared quotas — depends on nothing but their ids. On PostgreSQL these six statements go in one pipeline:
one round trip instead of six. On SQLite they run one after the other, as cheaply as ever. The statements and the
row conversions are the repositories' own.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from gongji.service.settlement_ports import FamilyRows
from gongji.store.driver import Prepared, together
from gongji.store.enrollment_repo import ENROLLMENTS_OF, enrollments_by_person
from gongji.store.ledger_reads import account_row_of
from gongji.store.ledger_repo import ACCOUNTS_OF, LOCK_ACCOUNTS_OF
from gongji.store.people_repo import PEOPLE_BY_IDS, person_of
from gongji.store.relation_repo import RELATIONS_OF, SHARED_QUOTAS, relation_of, shared_quotas_of

__all__ = ["SqlFamilyReads"]


class SqlFamilyReads:
    """The family reads of a settlement, batched."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def read(self, person_ids: Sequence[int], others: Sequence[int], *, lock: bool) -> FamilyRows:
        """People ``others``, the enrollments and accounts of ``person_ids``, the relations and shared quotas of
        ``others``; ``lock`` locks the accounts first (PostgreSQL: ``FOR UPDATE`` in ascending id order, then read
        again in a statement of its own, which sees what the transactions it waited for committed)."""
        ids = sorted(set(person_ids))
        payers = sorted(set(others))
        calls: list[tuple[Prepared, dict[str, object]]] = [
            (PEOPLE_BY_IDS, {"person_ids": payers}),
            (ENROLLMENTS_OF, {"person_ids": ids}),
            (RELATIONS_OF, {"authoriser_ids": payers, "beneficiary_ids": payers}),
            (SHARED_QUOTAS, {"authoriser_ids": payers}),
        ]
        if lock and self._conn.dialect.name == "postgresql":
            calls.append((LOCK_ACCOUNTS_OF, {"person_ids": ids}))
        calls.append((ACCOUNTS_OF, {"person_ids": ids}))
        results = together(self._conn, calls)
        people, enrollments, relations, quotas = results[:4]
        return FamilyRows(
            people={row["id"]: person_of(row, ()) for row in people},
            enrollments=enrollments_by_person(enrollments),
            relations=[relation_of(row) for row in relations],
            accounts=[account_row_of(row) for row in results[-1]],
            shared_quotas=shared_quotas_of(payers, quotas),
        )
