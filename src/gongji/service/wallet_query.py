"""Reading the wallet: a transfer with both parties named, a person's wallet with balances and history."""

from __future__ import annotations

from collections.abc import Iterable

from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode, NotFound
from gongji.domain.ledger import AccountKind
from gongji.domain.people import Person
from gongji.domain.wallet import TransferStatus, WalletTransfer
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.wallet_views import WalletEventView, WalletTransferView, WalletView

__all__ = ["HISTORY_LIMIT", "show_transfer", "show_wallet", "transfer_view", "transfer_views", "wallet_view"]

#: Transfers shown with a wallet (newest first).
HISTORY_LIMIT = 200


def transfer_views(uow: UnitOfWork, transfers: Iterable[WalletTransfer]) -> list[WalletTransferView]:
    """Transfers with both parties named (their people read in one statement; a party on another node by the name
    that node gave, with no person number here)."""
    rows = list(transfers)
    ids = {i for t in rows for i in (t.sender_id, t.receiver_id) if i is not None}
    people = uow.people.get_many(ids)

    def party(person_id: int | None, t: WalletTransfer) -> tuple[str, str]:
        if person_id is None:
            assert t.peer is not None
            return t.peer.name, ""
        return people[person_id].name, people[person_id].psn_no

    return [
        WalletTransferView(
            id=t.id,
            sender=party(t.sender_id, t)[0],
            sender_psn_no=party(t.sender_id, t)[1],
            receiver=party(t.receiver_id, t)[0],
            receiver_psn_no=party(t.receiver_id, t)[1],
            peer_node=t.peer.node if t.peer else None,
            sender_region=t.sender_region,
            receiver_region=t.receiver_region,
            relation_type=t.relation_type,
            relation_zh=RelationType(t.relation_type).zh,
            amount_fen=t.amount_fen,
            remaining_fen=t.remaining_fen,
            spent_fen=t.spent_fen,
            status=t.status.value,
            status_zh=t.status.zh,
            requested_at=t.requested_at,
            return_due_at=t.return_due_at,
            decided_at=t.decided_at,
        )
        for t in rows
    ]


def transfer_view(uow: UnitOfWork, transfer: WalletTransfer) -> WalletTransferView:
    """One transfer with both parties named."""
    return transfer_views(uow, [transfer])[0]


def wallet_view(uow: UnitOfWork, person: Person) -> WalletView:
    """The person's wallet: status, what he may spend, what waits, what he reserved for others, and the history."""
    wallet = uow.wallets.wallet(person.id)
    transfers = uow.wallets.of_person(person.id, limit=HISTORY_LIMIT)
    views = {v.id: v for v in transfer_views(uow, transfers)}
    incoming = [t for t in transfers if t.receiver_id == person.id]
    outgoing = [t for t in transfers if t.sender_id == person.id]
    history = []
    by_id = {t.id: t for t in transfers}
    for event in uow.wallets.events(by_id):
        transfer = by_id[event.transfer_id]
        inbound = transfer.receiver_id == person.id
        view = views[transfer.id]
        history.append(
            WalletEventView(
                transfer_id=transfer.id,
                kind=event.kind.value,
                kind_zh=event.kind.zh,
                amount_fen=event.amount_fen,
                at=event.at,
                direction="in" if inbound else "out",
                counterparty=view.sender if inbound else view.receiver,
                reference=event.reference,
            )
        )
    history.reverse()  # newest first (events come oldest first, by time and id)
    held = {AccountKind.WALLET: 0, AccountKind.WALLET_RESERVED: 0}
    for row in uow.ledger.accounts_of_person(person.id):
        if row.state.kind in held:
            held[row.state.kind] += row.state.balance_fen
    return WalletView(
        person_id=person.id,
        psn_no=person.psn_no,
        name=person.name,
        status=wallet.status.value if wallet else "not_opened",
        region=wallet.region if wallet else None,
        opened_at=wallet.opened_at if wallet else None,
        balance_fen=held[AccountKind.WALLET],
        pending_in_fen=sum(t.amount_fen for t in incoming if t.status is TransferStatus.PENDING),
        reserved_out_fen=held[AccountKind.WALLET_RESERVED],
        incoming=[views[t.id] for t in incoming],
        outgoing=[views[t.id] for t in outgoing],
        history=history,
    )


def show_wallet(ctx: Context, person_ref: str) -> WalletView:
    """A person's wallet (a person who never opened one has status ``not_opened``)."""
    return ctx.read(lambda uow: wallet_view(uow, resolve_person(uow, person_ref)))


def show_transfer(ctx: Context, transfer_id: int) -> WalletTransferView:
    """One transfer."""

    def handler(uow: UnitOfWork) -> WalletTransferView:
        transfer = uow.wallets.transfer(transfer_id)
        if transfer is None:
            raise NotFound(ErrorCode.WALLET_TRANSFER_NOT_FOUND, transfer_id=transfer_id)
        return transfer_view(uow, transfer)

    return ctx.read(handler)
