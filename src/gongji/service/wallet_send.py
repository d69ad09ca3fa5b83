"""转账 to a close relative's wallet (医保钱包): the amount reserved in the sender's account, to a receiver on this node
or — on a node of a federation, when she is insured in a province another node serves — on hers, as the first phase
of a two-phase transfer (:mod:`gongji.service.wallet_remote`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from gongji.domain.codes import Insutype, RelationType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.identity import ResidentId
from gongji.domain.ledger import AccountKind, JournalKind
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.notices import NoticeKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.regions import NATIONAL, parse_region  # the list of 近亲属 a transfer may reach is the nation's
from gongji.domain.wallet import (
    Peer,
    TransferStatus,
    WalletEventKind,
    WalletTransfer,
    auto_return_at,
    check_new_transfer,
    pending_refusal,
)
from gongji.rules import parameters as params
from gongji.service.checks import RuleReader
from gongji.service.context import Context
from gongji.service.enrollment import active_enrollment
from gongji.service.ledger_door import Move, post_moves
from gongji.service.node_messages import MessageKind, post_message, require_nodes
from gongji.service.notices import notify
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.wallet_checks import (
    open_wallet_of,
    require_enabled,
    reserve_parts,
    transfer_limits,
    verify_sender,
)
from gongji.service.wallet_moves import part_account, record_event, reference_of, reserved_account
from gongji.service.wallet_query import transfer_view
from gongji.service.wallet_remote import offer_fields
from gongji.service.wallet_views import WalletTransferView

__all__ = ["SendToWallet", "send_to_wallet"]


@dataclass(frozen=True)
class SendToWallet:
    """转账: from the sender's personal account to a close relative's wallet, verified by face or 医保码 password.

    ``receiver_region`` (her 参保地) and ``receiver_name`` name a relative insured in a province another node of the
    federation serves: she is not on this node, and her node checks the name against its records."""

    sender: str
    receiver: str
    amount_fen: int
    relation_type: RelationType
    face_token: str | None = None
    password: str | None = None
    receiver_region: str | None = None
    receiver_name: str | None = None


@dataclass(frozen=True)
class _Receiver:
    """Whom a transfer goes to: a person of this node, or one of another (``peer``), and her region."""

    region: str
    person: Person | None = None
    peer: Peer | None = None

    @property
    def name(self) -> str:
        return self.person.name if self.person else self.peer.name if self.peer else ""


def _receiver(ctx: Context, uow: UnitOfWork, cmd: SendToWallet) -> _Receiver:
    """The receiver: on this node unless the command names a region another node serves (then she is that node's to
    find; her ID number is checked here, her name there)."""
    nodes = ctx.nodes
    if cmd.receiver_region is not None:
        region = parse_region(cmd.receiver_region).code
        node = require_nodes(nodes).node_of(region)
        if node is None:
            raise Refused(ErrorCode.INSURED_PROVINCE_NOT_SERVED, region=region, node=require_nodes(nodes).node)
        if node != require_nodes(nodes).node:
            if not cmd.receiver_name or not cmd.receiver_name.strip():
                raise InvalidInput(ErrorCode.FIELD_INVALID, field="receiver_name", reason=Phrase.RECEIVER_NAME_REQUIRED)
            certno = ResidentId.parse(cmd.receiver).number
            return _Receiver(region, peer=Peer(node, certno, cmd.receiver_name.strip()))
    person = resolve_person(uow, cmd.receiver)
    return _Receiver("", person=person)  # her wallet's region once the sender's side is checked (refusal order)


def _check_relation(reader: RuleReader, relation: RelationType, now: datetime) -> None:
    allowed = reader.get(params.ALLOWED_RELATIONS, NATIONAL)
    if relation not in allowed or not relation.bindable:
        raise Refused(
            ErrorCode.WALLET_RELATION_NOT_CLOSE, relation=relation, on=now.date().isoformat(), allowed=list(allowed)
        )


def send_to_wallet(ctx: Context, cmd: SendToWallet, *, key: str) -> WalletTransferView:
    """Transfer to a close relative's wallet within the national limits; the amount is reserved in the sender's
    account until the relative accepts (or it returns at 06:00 the next day). Idempotent by ``key``."""
    if not 0 < cmd.amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            ErrorCode.AMOUNT_INVALID, value=format_yuan(cmd.amount_fen), reason=Phrase.AMOUNT_WITHIN_LIMIT
        )

    def handler(uow: UnitOfWork) -> WalletTransferView:
        now = ctx.clock.now()
        reader = RuleReader(ctx.rules, now.date())
        sender = resolve_person(uow, cmd.sender)
        receiver = _receiver(ctx, uow, cmd)
        if receiver.person is not None and sender.id == receiver.person.id:
            raise Refused(ErrorCode.WALLET_SELF_TRANSFER)
        _check_relation(reader, cmd.relation_type, now)
        try:
            sender_region = active_enrollment(uow, sender, Insutype.EMPLOYEE_BASIC).pooling_region
        except NotFound:
            raise Refused(ErrorCode.NOT_AN_EMPLOYEE, ref=sender.name) from None
        open_wallet_of(uow, sender)
        if receiver.person is not None:
            receiver = _Receiver(open_wallet_of(uow, receiver.person), person=receiver.person)
        # The receiver's region is hers to switch on: on another node, hers checks it.
        for region in (sender_region, receiver.region) if receiver.person else (sender_region,):
            require_enabled(reader, region)
        verification = verify_sender(ctx, sender, cmd.face_token, cmd.password)
        day = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
        # The sender's accounts are locked first: two transfers of his race one at a time from here on. The national
        # limits are judged before his balance, so each refusal names the limit that was hit.
        uow.ledger.accounts_of_people([sender.id], lock=True)
        check_new_transfer(
            transfer_limits(reader, sender_region),
            amount_fen=cmd.amount_fen,
            at=now,
            sent_today=uow.wallets.sent_between(sender.id, day, day + timedelta(days=1)),
            pending_to_receiver=_pending(uow, sender, receiver),
            receiver_name=receiver.name,
        )
        from_prior, from_current, current_year = reserve_parts(uow, reader, sender, sender_region, cmd.amount_fen, now)
        draft = WalletTransfer(
            id=0,
            sender_id=sender.id,
            receiver_id=receiver.person.id if receiver.person else None,
            sender_region=sender_region,
            receiver_region=receiver.region,
            relation_type=cmd.relation_type.value,
            amount_fen=cmd.amount_fen,
            from_prior_fen=from_prior,
            from_current_fen=from_current,
            current_year=current_year,
            remaining_fen=cmd.amount_fen,
            status=TransferStatus.PENDING,
            requested_at=now,
            return_due_at=auto_return_at(now, reader.get(params.WALLET_AUTO_RETURN_AT, sender_region)),
            verification=verification,
            peer=receiver.peer,
        )
        transfer = _reserve(uow, draft, sender, receiver, now)
        if receiver.person is not None:
            due = f"{transfer.return_due_at:%Y-%m-%d %H:%M}"
            shown = {"sender": sender.name, "amount_fen": transfer.amount_fen, "due": due}
            notify(uow, receiver.person.id, NoticeKind.WALLET_TRANSFER_WAITING, shown, now)
        elif receiver.peer is not None:
            fields = offer_fields(transfer, sender.resident_id.number, sender.name)
            post_message(uow, require_nodes(ctx.nodes), receiver.peer.node, MessageKind.WALLET_OFFER, fields, now)
        return transfer_view(uow, transfer)

    request = {
        "sender": cmd.sender.strip().upper(),
        "receiver": cmd.receiver.strip().upper(),
        "amount_fen": cmd.amount_fen,
        "relation_type": cmd.relation_type.value,
    }
    if cmd.receiver_region is not None:  # a transfer to another node's person (absent: the same hash as before)
        request |= {"receiver_region": cmd.receiver_region, "receiver_name": cmd.receiver_name}
    return ctx.write(
        key=key, operation="wallet.transfer", request=request, result_type=WalletTransferView, handler=handler
    )


def _pending(uow: UnitOfWork, sender: Person, receiver: _Receiver) -> WalletTransfer | None:
    """The sender's transfer to this receiver still waiting to be accepted, if any."""
    if receiver.person is not None:
        return uow.wallets.pending_between(sender.id, receiver.person.id)
    assert receiver.peer is not None
    return uow.wallets.pending_to_peer(sender.id, receiver.peer.certno)


def _reserve(
    uow: UnitOfWork, draft: WalletTransfer, sender: Person, receiver: _Receiver, now: datetime
) -> WalletTransfer:
    """Store the pending transfer and move its amount into the sender's reservation, in one journal."""
    transfer = uow.wallets.add_transfer(draft)
    if transfer is None:  # a concurrent transfer to the same person took the pending slot first
        pending = _pending(uow, sender, receiver)
        assert pending is not None
        raise pending_refusal(pending, receiver.name)
    reserved = reserved_account(sender.id, draft.sender_region, now.year)
    region = draft.sender_region
    moves: list[Move] = [
        (part_account(AccountKind.PERSONAL_PRIOR, sender.id, region, now.year), reserved, draft.from_prior_fen),
        (part_account(AccountKind.PERSONAL_CURRENT, sender.id, region, now.year), reserved, draft.from_current_fen),
    ]
    posted = post_moves(
        uow, moves, kind=JournalKind.WALLET_TRANSFER, at=now, reference=reference_of(transfer), person_id=sender.id
    )
    record_event(uow, transfer, WalletEventKind.SENT, transfer.amount_fen, now, posted.journal_id)
    return transfer
