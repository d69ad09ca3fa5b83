"""Use cases of the wallet (医保钱包): open and close, transfer, accept, decline, take back, return what is due.

A transfer reserves money in the sender's personal account: the shareable part moves into his ``wallet_reserved``
account in his own region (so he cannot spend or send it twice), and the transfer row says how much of it is still
reserved. Accepting credits the receiver's wallet (quota, in her region); spending it (a settlement or a contribution)
moves the reserved money out of the sender's region then; declining, the 06:00 return, taking back and closing put
the reserved money back into the part it came from. Every step is one journal and one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from gongji.domain.codes import Insutype, RelationType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.ledger import WALLET_QUOTA, AccountKind, JournalKind
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.notices import NoticeKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.regions import NATIONAL  # the list of 近亲属 a transfer may reach is the nation's
from gongji.domain.wallet import (
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
from gongji.service.ledger_door import Move, memo_source, post_moves
from gongji.service.notices import notify
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.wallet_checks import (
    open_wallet_of,
    require_enabled,
    reserve_parts,
    transfer_limits,
    verify_sender,
    wallet_region,
)
from gongji.service.wallet_moves import (
    give_back,
    part_account,
    record_event,
    reference_of,
    reserved_account,
    wallet_account,
)
from gongji.service.wallet_query import transfer_view, wallet_view
from gongji.service.wallet_views import ReturnDueResult, WalletTransferView, WalletView

__all__ = [
    "NATIONAL",
    "CloseWallet",
    "DecideTransfer",
    "OpenWallet",
    "SendToWallet",
    "accept_transfer",
    "close_wallet",
    "decline_transfer",
    "open_wallet",
    "return_due",
    "send_to_wallet",
    "take_back",
]

RETURN_BATCH = 100


@dataclass(frozen=True)
class OpenWallet:
    """开通医保钱包 in the pooling region of the person's basic insurance."""

    person: str


@dataclass(frozen=True)
class CloseWallet:
    """注销医保钱包: what is left unspent goes back to its senders."""

    person: str


@dataclass(frozen=True)
class SendToWallet:
    """转账: from the sender's personal account to a close relative's wallet, verified by face or 医保码 password."""

    sender: str
    receiver: str
    amount_fen: int
    relation_type: RelationType
    face_token: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class DecideTransfer:
    """Accept, decline or take back a transfer: ``person`` is who acts (the receiver, or the sender to take back)."""

    transfer_id: int
    person: str


def open_wallet(ctx: Context, cmd: OpenWallet, *, key: str) -> WalletView:
    """Open a person's wallet where the region has switched it on; opening an open wallet changes nothing."""

    def handler(uow: UnitOfWork) -> WalletView:
        person = resolve_person(uow, cmd.person)
        now = ctx.clock.now()
        region = wallet_region(uow, person)
        require_enabled(RuleReader(ctx.rules, now.date()), region)
        uow.ledger.open_account(AccountKind.WALLET, region, person.id, now)
        uow.wallets.open(person.id, region, now)
        return wallet_view(uow, person)

    request = {"person": cmd.person.strip().upper()}
    return ctx.write(key=key, operation="wallet.open", request=request, result_type=WalletView, handler=handler)


def close_wallet(ctx: Context, cmd: CloseWallet, *, key: str) -> WalletView:
    """Close a wallet. Refused while a transfer to or from it waits to be accepted; what the person accepted and did
    not spend goes back to each sender's account first."""

    def handler(uow: UnitOfWork) -> WalletView:
        person = resolve_person(uow, cmd.person)
        open_wallet_of(uow, person)
        now = ctx.clock.now()
        mine = uow.wallets.of_person(person.id, limit=10_000)
        pending = [t for t in mine if t.status is TransferStatus.PENDING]
        if pending:
            raise Refused(ErrorCode.WALLET_NOT_EMPTY, name=person.name, pending=len(pending))
        for transfer in uow.wallets.spendable(person.id):
            give_back(uow, transfer, TransferStatus.CLOSED, WalletEventKind.CLOSED, now)
        uow.wallets.close(person.id, now)
        return wallet_view(uow, person)

    request = {"person": cmd.person.strip().upper()}
    return ctx.write(key=key, operation="wallet.close", request=request, result_type=WalletView, handler=handler)


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
        sender, receiver = resolve_person(uow, cmd.sender), resolve_person(uow, cmd.receiver)
        if sender.id == receiver.id:
            raise Refused(ErrorCode.WALLET_SELF_TRANSFER)
        allowed = reader.get(params.ALLOWED_RELATIONS, NATIONAL)
        if cmd.relation_type not in allowed or not cmd.relation_type.bindable:
            raise Refused(
                ErrorCode.WALLET_RELATION_NOT_CLOSE,
                relation=cmd.relation_type,
                on=now.date().isoformat(),
                allowed=list(allowed),
            )
        try:
            sender_region = active_enrollment(uow, sender, Insutype.EMPLOYEE_BASIC).pooling_region
        except NotFound:
            raise Refused(ErrorCode.NOT_AN_EMPLOYEE, ref=sender.name) from None
        open_wallet_of(uow, sender)
        receiver_region = open_wallet_of(uow, receiver)
        for region in (sender_region, receiver_region):
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
            pending_to_receiver=uow.wallets.pending_between(sender.id, receiver.id),
            receiver_name=receiver.name,
        )
        from_prior, from_current, current_year = reserve_parts(uow, reader, sender, sender_region, cmd.amount_fen, now)
        due = auto_return_at(now, reader.get(params.WALLET_AUTO_RETURN_AT, sender_region))
        draft = WalletTransfer(
            id=0,
            sender_id=sender.id,
            receiver_id=receiver.id,
            sender_region=sender_region,
            receiver_region=receiver_region,
            relation_type=cmd.relation_type.value,
            amount_fen=cmd.amount_fen,
            from_prior_fen=from_prior,
            from_current_fen=from_current,
            current_year=current_year,
            remaining_fen=cmd.amount_fen,
            status=TransferStatus.PENDING,
            requested_at=now,
            return_due_at=due,
            verification=verification,
        )
        transfer = uow.wallets.add_transfer(draft)
        if transfer is None:  # a concurrent transfer to the same person took the pending slot first
            pending = uow.wallets.pending_between(sender.id, receiver.id)
            assert pending is not None
            raise pending_refusal(pending, receiver.name)
        reserved = reserved_account(sender.id, sender_region, now.year)
        moves: list[Move] = [
            (part_account(AccountKind.PERSONAL_PRIOR, sender.id, sender_region, now.year), reserved, from_prior),
            (part_account(AccountKind.PERSONAL_CURRENT, sender.id, sender_region, now.year), reserved, from_current),
        ]
        posted = post_moves(
            uow, moves, kind=JournalKind.WALLET_TRANSFER, at=now, reference=reference_of(transfer), person_id=sender.id
        )
        record_event(uow, transfer, WalletEventKind.SENT, transfer.amount_fen, now, posted.journal_id)
        notify(
            uow,
            receiver.id,
            NoticeKind.WALLET_TRANSFER_WAITING,
            {"sender": sender.name, "amount_fen": transfer.amount_fen, "due": f"{due:%Y-%m-%d %H:%M}"},
            now,
        )
        return transfer_view(uow, transfer)

    request = {
        "sender": cmd.sender.strip().upper(),
        "receiver": cmd.receiver.strip().upper(),
        "amount_fen": cmd.amount_fen,
        "relation_type": cmd.relation_type.value,
    }
    return ctx.write(
        key=key, operation="wallet.transfer", request=request, result_type=WalletTransferView, handler=handler
    )


def _locked_transfer(uow: UnitOfWork, transfer_id: int) -> WalletTransfer:
    transfer = uow.wallets.transfer(transfer_id, lock=True)
    if transfer is None:
        raise NotFound(ErrorCode.WALLET_TRANSFER_NOT_FOUND, transfer_id=transfer_id)
    return transfer


def _require(transfer: WalletTransfer, status: TransferStatus, action: Phrase) -> None:
    if transfer.status is not status:
        raise Refused(
            ErrorCode.WALLET_TRANSFER_STATE_WRONG, transfer_id=transfer.id, status=transfer.status, action=action
        )


def _names(uow: UnitOfWork, transfer: WalletTransfer) -> tuple[str, str]:
    people = uow.people.get_many([transfer.sender_id, transfer.receiver_id])
    return people[transfer.sender_id].name, people[transfer.receiver_id].name


def _as_party(uow: UnitOfWork, transfer: WalletTransfer, who: str, role: Phrase, action: Phrase) -> Person:
    person = resolve_person(uow, who)
    party = transfer.receiver_id if role is Phrase.WALLET_RECEIVER else transfer.sender_id
    if person.id != party:
        raise Refused(ErrorCode.WALLET_NOT_YOURS, transfer_id=transfer.id, role=role, action=action)
    return person


def accept_transfer(ctx: Context, cmd: DecideTransfer, *, key: str) -> WalletTransferView:
    """The receiver accepts: the amount becomes her wallet balance (still reserved in the sender's account)."""

    def handler(uow: UnitOfWork) -> WalletTransferView:
        now = ctx.clock.now()
        transfer = _locked_transfer(uow, cmd.transfer_id)
        receiver = _as_party(uow, transfer, cmd.person, Phrase.WALLET_RECEIVER, Phrase.ACT_ACCEPT_TRANSFER)
        _require(transfer, TransferStatus.PENDING, Phrase.ACT_ACCEPT_TRANSFER)
        if now >= transfer.return_due_at:
            raise Refused(
                ErrorCode.WALLET_TRANSFER_EXPIRED,
                transfer_id=transfer.id,
                due=f"{transfer.return_due_at:%Y-%m-%d %H:%M}",
            )
        open_wallet_of(uow, receiver)
        source = memo_source(transfer.receiver_region, WALLET_QUOTA)
        posted = post_moves(
            uow,
            [(source, wallet_account(transfer, now.year), transfer.amount_fen)],
            kind=JournalKind.WALLET_ACCEPT,
            at=now,
            reference=reference_of(transfer),
            person_id=receiver.id,
        )
        uow.wallets.update_transfer(
            transfer.id, status=TransferStatus.ACCEPTED, remaining_fen=transfer.amount_fen, decided_at=now
        )
        record_event(uow, transfer, WalletEventKind.ACCEPTED, transfer.amount_fen, now, posted.journal_id)
        params_ = {"receiver": receiver.name, "amount_fen": transfer.amount_fen}
        notify(uow, transfer.sender_id, NoticeKind.WALLET_TRANSFER_ACCEPTED, params_, now)
        return transfer_view(uow, _locked_transfer(uow, transfer.id))

    request = {"transfer_id": cmd.transfer_id, "person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="wallet.accept", request=request, result_type=WalletTransferView, handler=handler
    )


def decline_transfer(ctx: Context, cmd: DecideTransfer, *, key: str) -> WalletTransferView:
    """The receiver declines: the reserved amount goes back to the sender's account at once."""

    def handler(uow: UnitOfWork) -> WalletTransferView:
        now = ctx.clock.now()
        transfer = _locked_transfer(uow, cmd.transfer_id)
        receiver = _as_party(uow, transfer, cmd.person, Phrase.WALLET_RECEIVER, Phrase.ACT_DECLINE_TRANSFER)
        _require(transfer, TransferStatus.PENDING, Phrase.ACT_DECLINE_TRANSFER)
        give_back(uow, transfer, TransferStatus.DECLINED, WalletEventKind.DECLINED, now)
        params_ = {"receiver": receiver.name, "amount_fen": transfer.amount_fen}
        notify(uow, transfer.sender_id, NoticeKind.WALLET_TRANSFER_DECLINED, params_, now)
        return transfer_view(uow, _locked_transfer(uow, transfer.id))

    request = {"transfer_id": cmd.transfer_id, "person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="wallet.decline", request=request, result_type=WalletTransferView, handler=handler
    )


def take_back(ctx: Context, cmd: DecideTransfer, *, key: str) -> WalletTransferView:
    """The sender takes back what the receiver accepted and has not spent — only where the rules allow it."""

    def handler(uow: UnitOfWork) -> WalletTransferView:
        now = ctx.clock.now()
        transfer = _locked_transfer(uow, cmd.transfer_id)
        _as_party(uow, transfer, cmd.person, Phrase.WALLET_SENDER, Phrase.ACT_TAKE_BACK_TRANSFER)
        reader = RuleReader(ctx.rules, now.date())
        if not reader.get(params.WALLET_TAKE_BACK_ALLOWED, transfer.sender_region):
            raise Refused(
                ErrorCode.WALLET_TAKE_BACK_NOT_ALLOWED, region=transfer.sender_region, on=now.date().isoformat()
            )
        _require(transfer, TransferStatus.ACCEPTED, Phrase.ACT_TAKE_BACK_TRANSFER)
        amount = give_back(uow, transfer, TransferStatus.TAKEN_BACK, WalletEventKind.TAKEN_BACK, now)
        sender, _ = _names(uow, transfer)
        params_ = {"transfer_id": transfer.id, "amount_fen": amount, "sender": sender, "reason": Phrase.TAKEN_BACK}
        notify(uow, transfer.receiver_id, NoticeKind.WALLET_BALANCE_RETURNED, params_, now)
        return transfer_view(uow, _locked_transfer(uow, transfer.id))

    request = {"transfer_id": cmd.transfer_id, "person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="wallet.take_back", request=request, result_type=WalletTransferView, handler=handler
    )


def _return_one(ctx: Context, transfer_id: int) -> int:
    """Return one due transfer in its own transaction; 0 when another run (or an acceptance) got there first."""

    def handler(uow: UnitOfWork) -> int:
        now = ctx.clock.now()
        transfer = uow.wallets.transfer(transfer_id, lock=True)
        if transfer is None or transfer.status is not TransferStatus.PENDING or transfer.return_due_at > now:
            return 0
        amount = give_back(uow, transfer, TransferStatus.RETURNED, WalletEventKind.RETURNED, now)
        sender, receiver = _names(uow, transfer)
        shown = {"amount_fen": amount, "due": f"{transfer.return_due_at:%Y-%m-%d %H:%M}"}
        notify(uow, transfer.sender_id, NoticeKind.WALLET_TRANSFER_RETURNED, {**shown, "receiver": receiver}, now)
        notify(uow, transfer.receiver_id, NoticeKind.WALLET_TRANSFER_EXPIRED, {**shown, "sender": sender}, now)
        uow.commit()
        return amount

    return ctx.transaction(handler)


def return_due(ctx: Context) -> ReturnDueResult:
    """Return every transfer nobody accepted by its return time (06:00 the next day). Safe to run from several
    workers and cron at once: each transfer is returned under its lock, once."""
    returned = amount = 0
    while True:
        due = ctx.read(lambda uow: uow.wallets.due(ctx.clock.now(), limit=RETURN_BATCH))
        for transfer_id in due:
            moved = _return_one(ctx, transfer_id)
            returned += moved > 0
            amount += moved
        if len(due) < RETURN_BATCH:
            return ReturnDueResult(returned=returned, amount_fen=amount)
