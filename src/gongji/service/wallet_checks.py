"""What the wallet's use cases check before they act: where a wallet may be opened and whether its region has it
switched on, that a wallet is open, the sender's verification, the day's limits as the rules say them, and the part
of his account that may be reserved for a transfer."""

from __future__ import annotations

from datetime import datetime

from gongji.domain.codes import BASIC_INSUTYPES
from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.ledger import AccountKind
from gongji.domain.money import format_yuan
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.wallet import WalletLimits, WalletStatus
from gongji.rules import parameters as params
from gongji.rules.schema import ShareablePart
from gongji.service.checks import RuleReader
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork

__all__ = [
    "open_wallet_of",
    "require_enabled",
    "reserve_parts",
    "transfer_limits",
    "verify_sender",
    "wallet_region",
]


def verify_sender(ctx: Context, sender: Person, face_token: str | None, password: str | None) -> str:
    """Face verification or the 医保码 password of the sender: the provider's reference for the record."""
    if face_token:
        result = ctx.face.verify(sender, face_token)
    elif password:
        result = ctx.face.verify_password(sender, password)
    else:
        raise Refused(ErrorCode.WALLET_VERIFICATION_REQUIRED, name=sender.name)
    if not result.passed:
        raise Refused(ErrorCode.WALLET_VERIFICATION_FAILED, name=sender.name, reason=result.reason)
    return result.reference


def transfer_limits(reader: RuleReader, region: str) -> WalletLimits:
    """The national platform's limits on a transfer from ``region`` on the reader's day."""
    per_day = reader.get(params.WALLET_TRANSFERS_PER_DAY_COUNT, region)
    quiet = reader.get(params.WALLET_QUIET_HOURS, region)
    return WalletLimits(
        per_day=None if per_day == "unlimited" else int(per_day),
        max_fen=reader.get(params.WALLET_TRANSFER_MAX_FEN, region),
        quiet_start=quiet.start,
        quiet_end=quiet.end,
    )


def reserve_parts(
    uow: UnitOfWork, reader: RuleReader, sender: Person, region: str, amount_fen: int, now: datetime
) -> tuple[int, int, int]:
    """How much of ``amount_fen`` comes from 历年 and from 当年 (and the 当年 part's year), within the part the region
    lets be shared; ``WALLET_SHAREABLE_TOO_LOW`` when it does not reach. A 当年 part still holding an earlier year's
    money counts as 历年."""
    prior = current = 0
    current_year = now.year
    for row in uow.ledger.accounts_of_people([sender.id], lock=True):
        if row.region != region:
            continue
        if row.state.kind is AccountKind.PERSONAL_PRIOR:
            prior += row.state.balance_fen
        elif row.state.kind is AccountKind.PERSONAL_CURRENT:
            current += row.state.balance_fen
            current_year = row.period_year or now.year
    prior_only = reader.get(params.SHAREABLE_PART, region) is ShareablePart.PRIOR_YEARS_ONLY
    old_current = current_year < now.year
    shareable = prior + (current if old_current or not prior_only else 0)
    if shareable < amount_fen:
        part = Phrase.PART_PRIOR_YEARS if prior_only and not old_current else Phrase.PART_WHOLE_ACCOUNT
        raise Refused(
            ErrorCode.WALLET_SHAREABLE_TOO_LOW,
            name=sender.name,
            part=part,
            balance=format_yuan(shareable),
            amount=format_yuan(amount_fen),
        )
    from_prior = min(prior, amount_fen)
    return from_prior, amount_fen - from_prior, current_year


def wallet_region(uow: UnitOfWork, person: Person) -> str:
    """The pooling region of the person's basic insurance in normal status (where a wallet is opened)."""
    basic = [e for e in uow.enrollments.for_person(person.id) if e.is_active and e.insutype in BASIC_INSUTYPES]
    if not basic:
        raise NotFound(ErrorCode.ENROLLMENT_NOT_FOUND, ref=person.name, insutype="310/390")
    if not basic[0].is_normal:
        raise Refused(
            ErrorCode.ENROLLMENT_STATUS_WRONG, ref=person.name, status=basic[0].status, action=Phrase.ACT_OPEN_WALLET
        )
    return basic[0].pooling_region


def require_enabled(reader: RuleReader, region: str) -> None:
    """The region has switched the wallet on on the reader's day, or ``WALLET_NOT_ENABLED``."""
    if not reader.get(params.WALLET_ENABLED, region):
        raise Refused(ErrorCode.WALLET_NOT_ENABLED, region=region, on=reader.on.isoformat())


def open_wallet_of(uow: UnitOfWork, person: Person) -> str:
    """The region of the person's open wallet, or ``WALLET_NOT_OPEN``."""
    found = uow.wallets.wallet(person.id)
    if found is None or found.status is not WalletStatus.OPEN:
        raise Refused(ErrorCode.WALLET_NOT_OPEN, name=person.name)
    return found.region
