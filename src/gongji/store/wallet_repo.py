"""SQL implementation of the wallet's port (:class:`gongji.service.wallet_ports.WalletRepository`).

The pending-pair rule is kept by a partial unique index: :meth:`SqlWallets.add_transfer` inserts under a savepoint and
answers ``None`` when the index refuses (another transfer to the same person is still pending), so two racing requests
never both succeed, whichever worker each reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from gongji.domain.wallet import Peer, TransferStatus, WalletEvent, WalletEventKind, WalletStatus, WalletTransfer
from gongji.service.wallet_ports import StoredNotice, WalletRow
from gongji.store import wallet_tables as w
from gongji.store.driver import Prepared

__all__ = ["SqlWallets", "params_column"]

_T = w.wallet_transfers
# A settlement reads the patient's spendable transfers: built once (building costs more than running it).
_SPENDABLE_QUERY = (
    select(_T)
    .where(
        _T.c.receiver_person_id == bindparam("receiver_id"),
        _T.c.status == TransferStatus.ACCEPTED.value,
        _T.c.remaining_fen > 0,
    )
    .order_by(_T.c.decided_at, _T.c.id)
)
SPENDABLE = Prepared(_SPENDABLE_QUERY)
SPENDABLE_LOCKED = Prepared(_SPENDABLE_QUERY.with_for_update())
_NOTIFY = Prepared(insert(w.notifications))
#: A notification's parameters as their column keeps them: JSON, keys in order, Chinese as it is.
_PARAMS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def params_column(params: dict[str, object]) -> str:
    """A notification's parameters (their terms encoded) as the ``params`` column keeps them."""
    return _PARAMS_JSON.encode(params)


_RESERVING = (TransferStatus.PENDING.value, TransferStatus.ACCEPTED.value)


def _id_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def wallet_transfer_of(row: Any) -> WalletTransfer:
    """A ``wallet_transfers`` row as the domain's wallet transfer."""
    peer = None
    if row["peer_node"] is not None:
        peer = Peer(row["peer_node"], row["peer_certno"], row["peer_name"] or "", _id_or_none(row["peer_transfer_id"]))
    return WalletTransfer(
        id=int(row["id"]),
        sender_id=_id_or_none(row["sender_person_id"]),
        receiver_id=_id_or_none(row["receiver_person_id"]),
        sender_region=row["sender_region"],
        receiver_region=row["receiver_region"],
        relation_type=row["relation_type"],
        amount_fen=int(row["amount_fen"]),
        from_prior_fen=int(row["from_prior_fen"]),
        from_current_fen=int(row["from_current_fen"]),
        current_year=int(row["current_year"]),
        remaining_fen=int(row["remaining_fen"]),
        status=TransferStatus(row["status"]),
        requested_at=row["requested_at"],
        return_due_at=row["return_due_at"],
        decided_at=row["decided_at"],
        verification=row["verification"],
        peer=peer,
    )


def _notice(row: Any) -> StoredNotice:
    return StoredNotice(
        id=int(row["id"]),
        person_id=int(row["person_id"]),
        kind=row["kind"],
        params=json.loads(row["params"]),
        created_at=row["created_at"],
        read_at=row["read_at"],
        delivered_at=row["delivered_at"],
    )


class SqlWallets:
    """Wallets, transfers, events and notifications in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def wallet(self, person_id: int) -> WalletRow | None:
        """The person's wallet, if one was ever opened."""
        row = self._conn.execute(select(w.wallets).where(w.wallets.c.person_id == person_id)).mappings().first()
        if row is None:
            return None
        return WalletRow(
            row["person_id"], row["region"], WalletStatus(row["status"]), row["opened_at"], row["closed_at"]
        )

    def open(self, person_id: int, region: str, at: datetime) -> WalletRow:
        """Open (or reopen) the person's wallet in ``region``; an open wallet stays as it is."""
        found = self.wallet(person_id)
        if found is None:
            values = {"person_id": person_id, "region": region, "status": "open", "opened_at": at, "closed_at": None}
            self._conn.execute(insert(w.wallets).values(**values))
        elif found.status is WalletStatus.CLOSED:
            self._conn.execute(
                update(w.wallets)
                .where(w.wallets.c.person_id == person_id)
                .values(region=region, status="open", opened_at=at, closed_at=None)
            )
        else:
            return found
        opened = self.wallet(person_id)
        assert opened is not None
        return opened

    def close(self, person_id: int, at: datetime) -> None:
        """Mark the wallet closed."""
        self._conn.execute(
            update(w.wallets).where(w.wallets.c.person_id == person_id).values(status="closed", closed_at=at)
        )

    def add_transfer(self, transfer: WalletTransfer) -> WalletTransfer | None:
        """Store a new pending transfer; ``None`` when one to the same person is already pending."""
        values = {
            "sender_person_id": transfer.sender_id,
            "receiver_person_id": transfer.receiver_id,
            "sender_region": transfer.sender_region,
            "receiver_region": transfer.receiver_region,
            "relation_type": transfer.relation_type,
            "amount_fen": transfer.amount_fen,
            "from_prior_fen": transfer.from_prior_fen,
            "from_current_fen": transfer.from_current_fen,
            "current_year": transfer.current_year,
            "remaining_fen": transfer.remaining_fen,
            "status": transfer.status.value,
            "requested_at": transfer.requested_at,
            "return_due_at": transfer.return_due_at,
            "decided_at": transfer.decided_at,
            "verification": transfer.verification[:200],
            "peer_node": transfer.peer.node if transfer.peer else None,
            "peer_certno": transfer.peer.certno if transfer.peer else None,
            "peer_name": transfer.peer.name if transfer.peer else None,
            "peer_transfer_id": transfer.peer.transfer_id if transfer.peer else None,
        }
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(insert(_T).values(**values).returning(_T.c.id)).scalar_one()
        except IntegrityError:
            return None
        return self.transfer(int(new_id))

    def transfer(self, transfer_id: int, *, lock: bool = False) -> WalletTransfer | None:
        """A transfer by id (``lock``: FOR UPDATE on PostgreSQL)."""
        query = select(_T).where(_T.c.id == transfer_id)
        if lock and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return wallet_transfer_of(row) if row else None

    def update_transfer(
        self, transfer_id: int, *, status: TransferStatus, remaining_fen: int, decided_at: datetime | None
    ) -> None:
        """Set a transfer's status, unspent amount and decision time."""
        values: dict[str, Any] = {"status": status.value, "remaining_fen": remaining_fen}
        if decided_at is not None:
            values["decided_at"] = decided_at
        self._conn.execute(update(_T).where(_T.c.id == transfer_id).values(**values))

    def move_sender_region(self, sender_id: int, from_region: str, to_region: str) -> None:
        """The sender's transfers that still reserve money in ``from_region`` now reserve it in ``to_region``."""
        self._conn.execute(
            update(_T)
            .where(
                _T.c.sender_person_id == sender_id,
                _T.c.sender_region == from_region,
                _T.c.status.in_(_RESERVING),
            )
            .values(sender_region=to_region)
        )

    def sent_between(self, sender_id: int, start: datetime, end: datetime) -> list[WalletTransfer]:
        """The sender's transfers requested from ``start`` (included) to ``end`` (excluded), any status."""
        rows = self._conn.execute(
            select(_T)
            .where(_T.c.sender_person_id == sender_id, _T.c.requested_at >= start, _T.c.requested_at < end)
            .order_by(_T.c.id)
        ).mappings()
        return [wallet_transfer_of(row) for row in rows]

    def set_peer_transfer(self, transfer_id: int, peer_transfer_id: int) -> None:
        """Record the transfer's id on the peer node (known once that node answered)."""
        self._conn.execute(update(_T).where(_T.c.id == transfer_id).values(peer_transfer_id=peer_transfer_id))

    def pending_to_peer(self, sender_id: int, certno: str) -> WalletTransfer | None:
        """The sender's transfer to a person of another node still waiting to be accepted, if any."""
        query = select(_T).where(
            _T.c.sender_person_id == sender_id,
            _T.c.peer_certno == certno,
            _T.c.peer_node.is_not(None),
            _T.c.status == TransferStatus.PENDING.value,
        )
        row = self._conn.execute(query).mappings().first()
        return wallet_transfer_of(row) if row else None

    def pending_between(self, sender_id: int, receiver_id: int) -> WalletTransfer | None:
        """The transfer from sender to receiver still waiting to be accepted, if any."""
        row = (
            self._conn.execute(
                select(_T).where(
                    _T.c.sender_person_id == sender_id,
                    _T.c.receiver_person_id == receiver_id,
                    _T.c.status == TransferStatus.PENDING.value,
                )
            )
            .mappings()
            .first()
        )
        return wallet_transfer_of(row) if row else None

    def spendable(self, receiver_id: int, *, lock: bool = False) -> list[WalletTransfer]:
        """Accepted transfers to the receiver with money left, oldest acceptance first (the order they are spent);
        ``lock``: FOR UPDATE on PostgreSQL (a settlement about to spend them)."""
        locking = lock and self._conn.dialect.name == "postgresql"
        rows = (SPENDABLE_LOCKED if locking else SPENDABLE)(self._conn, {"receiver_id": receiver_id})
        return [wallet_transfer_of(row) for row in rows.mappings()]

    def due(self, at: datetime, *, limit: int) -> list[int]:
        """Ids of pending transfers whose return time has come by ``at`` (a transfer to a person of another node is
        returned by her node, which alone decides it)."""
        rows = self._conn.execute(
            select(_T.c.id)
            .where(
                _T.c.status == TransferStatus.PENDING.value,
                _T.c.return_due_at <= at,
                _T.c.receiver_person_id.is_not(None),
            )
            .order_by(_T.c.return_due_at, _T.c.id)
            .limit(limit)
        )
        return [int(row[0]) for row in rows]

    def of_person(self, person_id: int, *, limit: int) -> list[WalletTransfer]:
        """Transfers the person sent or received, newest first."""
        rows = self._conn.execute(
            select(_T)
            .where(or_(_T.c.sender_person_id == person_id, _T.c.receiver_person_id == person_id))
            .order_by(_T.c.requested_at.desc(), _T.c.id.desc())
            .limit(limit)
        ).mappings()
        return [wallet_transfer_of(row) for row in rows]

    def reserving(self) -> list[WalletTransfer]:
        """Every transfer that still reserves money (for the audit)."""
        rows = self._conn.execute(select(_T).where(_T.c.status.in_(_RESERVING)).order_by(_T.c.id)).mappings()
        return [wallet_transfer_of(row) for row in rows]

    def across_nodes(self) -> list[WalletTransfer]:
        """Every transfer's half whose other party is on another node (for the cross-node audit)."""
        rows = self._conn.execute(select(_T).where(_T.c.peer_node.is_not(None)).order_by(_T.c.id)).mappings()
        return [wallet_transfer_of(row) for row in rows]

    def counts_by_status(self) -> dict[str, int]:
        """How many transfers are in each status (for the metrics)."""
        rows = self._conn.execute(select(_T.c.status, func.count()).group_by(_T.c.status))
        return {str(status): int(count) for status, count in rows}

    def add_event(self, event: WalletEvent) -> None:
        """Add a line to a transfer's history."""
        self._conn.execute(
            insert(w.wallet_events).values(
                transfer_id=event.transfer_id,
                kind=event.kind.value,
                amount_fen=event.amount_fen,
                at=event.at,
                journal_id=event.journal_id,
                reference=event.reference,
            )
        )

    def events(self, transfer_ids: Iterable[int]) -> list[WalletEvent]:
        """The history of these transfers, in order."""
        ids = sorted(set(transfer_ids))
        if not ids:
            return []
        e = w.wallet_events
        rows = self._conn.execute(select(e).where(e.c.transfer_id.in_(ids)).order_by(e.c.at, e.c.id)).mappings()
        return [
            WalletEvent(
                id=int(row["id"]),
                transfer_id=int(row["transfer_id"]),
                kind=WalletEventKind(row["kind"]),
                amount_fen=int(row["amount_fen"]),
                at=row["at"],
                journal_id=row["journal_id"],
                reference=row["reference"],
            )
            for row in rows
        ]

    def notify(self, person_id: int, kind: str, params: dict[str, object], at: datetime) -> None:
        """Put a notification in the person's inbox (and the notifier's outbox)."""
        _NOTIFY.defer(
            self._conn,
            [
                {
                    "person_id": person_id,
                    "kind": kind,
                    "params": params_column(params),
                    "created_at": at,
                }
            ],
        )

    def notices(self, person_id: int, *, limit: int) -> list[StoredNotice]:
        """The person's notifications, newest first."""
        n = w.notifications
        rows = self._conn.execute(
            select(n).where(n.c.person_id == person_id).order_by(n.c.id.desc()).limit(limit)
        ).mappings()
        return [_notice(row) for row in rows]

    def mark_read(self, person_id: int, notice_ids: Sequence[int], at: datetime) -> int:
        """Mark the person's own unread notifications read; how many changed."""
        n = w.notifications
        result = self._conn.execute(
            update(n)
            .where(and_(n.c.person_id == person_id, n.c.id.in_(list(notice_ids)), n.c.read_at.is_(None)))
            .values(read_at=at)
        )
        return int(result.rowcount or 0)

    def undelivered(self, *, limit: int, claim: bool = False) -> list[StoredNotice]:
        """Notifications the notifier has not taken yet, oldest first. ``claim`` locks them for this transaction and
        skips rows another worker holds (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite has one writer at a time)."""
        n = w.notifications
        query = select(n).where(n.c.delivered_at.is_(None)).order_by(n.c.id).limit(limit)
        if claim and self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = self._conn.execute(query).mappings()
        return [_notice(row) for row in rows]

    def unread_count(self, person_id: int) -> int:
        """How many of the person's notifications are unread."""
        n = w.notifications
        query = select(func.count()).where(n.c.person_id == person_id, n.c.read_at.is_(None))
        return int(self._conn.execute(query).scalar_one())

    def mark_delivered(self, notice_ids: Sequence[int], at: datetime) -> None:
        """Record that the notifier took these."""
        if notice_ids:
            n = w.notifications
            self._conn.execute(update(n).where(n.c.id.in_(list(notice_ids))).values(delivered_at=at))
