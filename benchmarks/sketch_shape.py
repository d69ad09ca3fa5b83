"""What a sketch settlement (``sketch.py``) writes, copied from a mutual-aid settlement gongji has written.

``Template.read`` takes the last mutual-aid settlement in the database with every row it wrote (journal, transfers
and their accounts, settlement, payer, notification, idempotency record), as the driver returns them. ``prepare``
works out, off the clock, the ids of another visit's settlement of the same shape: the same system and institution
accounts, the patient's relative at the template's place in the child's order, that relative's accounts. ``Rows``
gives the values of each row the sketch writes: the template's, with this settlement's ids and balances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from gongji.domain.ledger import AccountKind, AccountOpening, quota_used_code, shard_of
from gongji.store.ledger_repo import SqlLedger

__all__ = ["Job", "Rows", "Template", "prepare"]

#: Accounts of the template's payer: the sketch pays from the same kinds of the patient's relative.
_PAYER_KINDS = {AccountKind.PERSONAL_PRIOR.value, AccountKind.PERSONAL_CURRENT.value}


def _row(conn: Connection, sql: str, **params: Any) -> dict[str, Any]:
    row = conn.execute(text(sql), params).mappings().first()
    assert row is not None, f"no row for {sql} {params}"
    return dict(row)


@dataclass(frozen=True)
class Template:
    """A mutual-aid settlement gongji wrote: its rows as the driver returns them, and its transfers' accounts."""

    journal: dict[str, Any]
    transfers: list[dict[str, Any]]  # seq, ledger, amount, and each side's account id, kind and code
    settlement: dict[str, Any]
    payer: dict[str, Any]
    notification: dict[str, Any]
    idempotency: dict[str, Any]
    order_position: int

    @classmethod
    def read(cls, engine: Engine) -> Template:
        """The last mutual-aid settlement in the database, with everything it wrote (SQL text: raw values)."""
        with engine.connect() as conn:
            settlement = _row(
                conn,
                "SELECT * FROM settlements WHERE id = (SELECT max(id) FROM settlements WHERE acct_mulaid_pay_fen > 0)",
            )
            journal = _row(conn, "SELECT * FROM journals WHERE id = :id", id=settlement["journal_id"])
            transfers = conn.execute(
                text(
                    "SELECT t.seq, t.ledger, t.amount_fen, d.id AS debit_id, d.kind AS debit_kind, "
                    "d.code AS debit_code, c.id AS credit_id, c.kind AS credit_kind, c.code AS credit_code "
                    "FROM transfers t JOIN accounts d ON d.id = t.debit_account_id "
                    "JOIN accounts c ON c.id = t.credit_account_id WHERE t.journal_id = :id ORDER BY t.seq"
                ),
                {"id": journal["id"]},
            ).mappings()
            payers = conn.execute(
                text("SELECT * FROM settlement_payers WHERE settlement_id = :id"), {"id": settlement["id"]}
            ).mappings()
            payer = [dict(p) for p in payers]
            assert len(payer) == 1, "the sketch copies one relative's payment"
            assert payer[0]["relation_id"], "the sketch copies a relative's payment"
            position = _row(conn, "SELECT order_position FROM relations WHERE id = :id", id=payer[0]["relation_id"])
            notification = _row(
                conn, "SELECT * FROM notifications WHERE person_id = :p ORDER BY id DESC", p=payer[0]["payer_person_id"]
            )
            idempotency = _row(conn, "SELECT * FROM idempotency_keys WHERE key = :k", k=settlement["request_key"])
            return cls(
                journal,
                [dict(t) for t in transfers],
                settlement,
                payer[0],
                notification,
                idempotency,
                position["order_position"],
            )

    def describe(self) -> str:
        """The template's transfers by account kind, for the benchmark's output."""
        moves = [f"{t['debit_kind']} → {t['credit_kind']} {t['amount_fen']} fen" for t in self.transfers]
        accounts = {t["debit_id"] for t in self.transfers} | {t["credit_id"] for t in self.transfers}
        return f"{len(self.transfers)} transfers over {len(accounts)} accounts ({'; '.join(moves)})"


@dataclass(frozen=True)
class Job:
    """One sketch settlement, its ids worked out beforehand."""

    visit_id: int
    mdtrt_id: str
    patient_id: int
    payer_id: int
    relation_id: int
    line_ids: tuple[int, ...]
    moves: tuple[tuple[int, int, int], ...]  # debit account, credit account, amount (fen), in the template's order
    payer_accounts: tuple[int, ...]  # the relative's personal accounts it pays from
    key: str

    @property
    def account_ids(self) -> list[int]:
        """Every account the settlement touches, in id order (the locking order)."""
        return sorted({m[0] for m in self.moves} | {m[1] for m in self.moves})


def _place(
    ledger: SqlLedger, relation: dict[str, Any], patient: int, side: tuple[str, str, int, str], now: datetime
) -> tuple[int, bool]:
    """The account of this visit's settlement on the template's side (kind, code, id, ledger), and whether it is
    the relative's own money."""
    kind, code, same, ledger_code = side
    region, person = relation["region"], relation["authoriser_id"]
    if kind in _PAYER_KINDS:
        found = ledger.find_account(AccountKind(kind), region, person)
        assert found is not None, f"no {kind} account of person {person}"
        return found.state.id, True
    if kind == AccountKind.QUOTA_USED.value:
        year, asset = int(code.rsplit(":", 1)[1]), ledger_code.split(":", 1)[1]
        opening = AccountOpening(quota_used_code(relation["id"], year), AccountKind.QUOTA_USED, region, asset, person)
        return ledger.open_accounts([opening], now)[opening.code].id, False
    assert not AccountKind(kind).person_owned, f"the sketch cannot place a {kind} account"
    base, sharded, _ = code.rpartition("#")
    if not sharded:
        return same, False  # a system or institution account every settlement of the region shares
    # A hot system account spread over shards: the one of this patient's shard, as gongji picks it.
    opening = AccountOpening(base, AccountKind(kind), region, ledger_code.split(":", 1)[1]).in_shard(shard_of(patient))
    return ledger.open_accounts([opening], now)[opening.code].id, False


def prepare(engine: Engine, template: Template, mdtrt_ids: Sequence[str], now: datetime, tag: str) -> list[Job]:
    """Each visit's settlement shaped as the template: the same system and institution accounts (in the patient's
    shard, where gongji spreads them), the patient's
    relative at the template's place in the child's order, and that relative's accounts (a quota-used account a
    first use would open is opened here)."""
    jobs = []
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        for mdtrt_id in mdtrt_ids:
            visit = _row(conn, "SELECT id, person_id FROM visits WHERE mdtrt_id = :m", m=mdtrt_id)
            lines = conn.execute(
                text("SELECT id FROM fee_lines WHERE visit_id = :v AND settlement_id IS NULL"), {"v": visit["id"]}
            ).scalars()
            relation = _row(
                conn,
                "SELECT id, authoriser_id, region FROM relations WHERE beneficiary_id = :b AND order_position = :o "
                "AND status = 'active'",
                b=visit["person_id"],
                o=template.order_position,
            )
            moves, own = [], set()
            for t in template.transfers:
                debit, debit_own = _place(
                    ledger,
                    relation,
                    visit["person_id"],
                    (t["debit_kind"], t["debit_code"], t["debit_id"], t["ledger"]),
                    now,
                )
                credit, credit_own = _place(
                    ledger,
                    relation,
                    visit["person_id"],
                    (t["credit_kind"], t["credit_code"], t["credit_id"], t["ledger"]),
                    now,
                )
                moves.append((debit, credit, t["amount_fen"]))
                own |= {a for a, mine in ((debit, debit_own), (credit, credit_own)) if mine}
            jobs.append(
                Job(
                    visit_id=visit["id"],
                    mdtrt_id=mdtrt_id,
                    patient_id=visit["person_id"],
                    payer_id=relation["authoriser_id"],
                    relation_id=relation["id"],
                    line_ids=tuple(lines),
                    moves=tuple(moves),
                    payer_accounts=tuple(sorted(own)),
                    key=f"sketch:{tag}:{mdtrt_id}",
                )
            )
    return jobs


class Rows:
    """The values of every row a sketch settlement writes: the template's, with this settlement's ids."""

    def __init__(self, template: Template, *, with_ids: bool) -> None:
        self.template = template
        self.with_ids = with_ids  # PostgreSQL draws ids with the lock; SQLite takes the row id each insert gives
        skip = set() if with_ids else {"id"}
        self.journal_columns = [c for c in template.journal if c not in skip]
        self.settlement_columns = [c for c in template.settlement if c not in skip]
        self.payer_columns = [c for c in template.payer if c != "id"]
        self.notification_columns = [c for c in template.notification if c != "id"]
        self.idempotency_columns = list(template.idempotency)
        self.ledgers = [t["ledger"] for t in template.transfers]

    def journal(self, job: Job, journal_id: int | None) -> list[Any]:
        """The journal: the template's, for this visit and patient."""
        row = {**self.template.journal, "id": journal_id, "reference": job.mdtrt_id, "person_id": job.patient_id}
        return [row[c] for c in self.journal_columns]

    def post(
        self, job: Job, read: Sequence[tuple[Any, ...]], journal_id: int
    ) -> tuple[list[tuple[Any, ...]], list[tuple[int, int, int]], int]:
        """The transfers with both balances after each, the accounts' new balances (balance, id, version read),
        and the relative's balance after; the relative's accounts may not go negative."""
        balances = {row[0]: row[1] for row in read}
        versions = {row[0]: row[2] for row in read}
        assert sorted(balances) == job.account_ids, "an account of the settlement is missing"
        transfers = []
        for seq, ((debit, credit, amount), ledger) in enumerate(zip(job.moves, self.ledgers, strict=True), 1):
            balances[debit] -= amount
            balances[credit] += amount
            transfers.append((journal_id, seq, ledger, debit, credit, amount, balances[debit], balances[credit]))
        payer_after = sum(balances[i] for i in job.payer_accounts)
        if any(balances[i] < 0 for i in job.payer_accounts):
            raise RuntimeError(f"the relative of {job.mdtrt_id} cannot pay (the sketch has no second payer)")
        return transfers, [(balances[i], i, versions[i]) for i in job.account_ids], payer_after

    def settlement(self, job: Job, settlement_id: int | None, journal_id: int) -> list[Any]:
        """The settlement: the template's amounts and explanation, for this visit, journal and key."""
        region = self.template.settlement["region"]
        row = {
            **self.template.settlement,
            "id": settlement_id,
            "setl_id": f"{region}{journal_id:012d}",  # as gongji derives it from the journal's id
            "visit_id": job.visit_id,
            "person_id": job.patient_id,
            "journal_id": journal_id,
            "request_key": job.key,
            "status": "settled",
            "reversal_journal_id": None,
            "reversed_at": None,
        }
        return [row[c] for c in self.settlement_columns]

    def payer(self, job: Job, settlement_id: int, balance_after: int) -> list[Any]:
        """The payer: this visit's relative, what the template's paid, the relative's balance after."""
        row = {
            **self.template.payer,
            "settlement_id": settlement_id,
            "payer_person_id": job.payer_id,
            "relation_id": job.relation_id,
            "balance_after_fen": balance_after,
        }
        return [row[c] for c in self.payer_columns]

    def notification(self, job: Job) -> list[Any]:
        """The relative's notification (the template's text: the same size)."""
        row = {**self.template.notification, "person_id": job.payer_id, "read_at": None, "delivered_at": None}
        return [row[c] for c in self.notification_columns]

    def idempotency(self, job: Job) -> list[Any]:
        """The idempotency record under this settlement's key (the template's stored answer: the same size)."""
        row = {**self.template.idempotency, "key": job.key}
        return [row[c] for c in self.idempotency_columns]
