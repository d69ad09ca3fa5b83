"""People's credentials (就诊凭证): the social-security card (社会保障卡) and the electronic voucher (医保电子凭证)
— issued, replaced, refreshed — and (re-exported from :mod:`gongji.service.credential_checks`) which person a
credential a terminal presents names: ``mdtrt_cert_type`` 01 the voucher's token, 02 the ID number, 03 the card number.

**Card.** Nine characters, a letter and eight digits, as the number printed on a card; its identification code is
32 characters beginning with the issuing region (six digits) and the nationality code ``D156``, the rest random
hex. A person has one live card; replacing it (补换) keeps the old one so that its number is refused as replaced.

**Voucher.** The token is the region of issue (six digits), ``ec`` and 32 base-32 characters from :mod:`secrets`
(160 bits): 40 characters, as long as a real ``ecToken``. Only its SHA-256 is stored; it is answered once, when
issued (a replay under the same idempotency key answers the voucher without it, as API tokens are). Issuing a
voucher revokes the person's earlier live ones: the code on the person's screen is the one that works, and
refreshing it is how a person withdraws a code someone else may have seen. It lives :data:`VOUCHER_TTL` (twelve
hours): long enough for one day of outpatient care, from registration through the last charge batch's settlement,
and short enough that a photograph of the code is useless the next day.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.people import Person
from gongji.service.api_tokens import token_fingerprint, token_sha256
from gongji.service.context import Context
from gongji.service.credential_checks import (
    CertType,
    CredentialHolder,
    check_credential,
    check_visit_credential,
    mask_card_no,
    resolve_credential,
    resolve_voucher,
)
from gongji.service.credential_ports import StoredCard
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork

__all__ = [
    "CARD_LETTERS",
    "CARD_NO_LEN",
    "VOUCHER_TTL",
    "CardView",
    "CertType",
    "CredentialHolder",
    "IssueCard",
    "IssueVoucher",
    "IssuedVoucher",
    "ProxiedRelative",
    "ReplaceCard",
    "VoucherView",
    "check_credential",
    "check_visit_credential",
    "ensure_card",
    "issue_card",
    "issue_voucher",
    "mask_card_no",
    "proxied_relatives",
    "replace_card",
    "resolve_credential",
    "resolve_voucher",
    "revoke_vouchers",
    "show_card",
]

#: How long a voucher works after it is issued (see the module's note for why twelve hours).
VOUCHER_TTL = timedelta(hours=12)
#: Characters of a card number: a letter and eight digits.
CARD_NO_LEN = 9
#: The letter a card number starts with: no I or O, which read as 1 and 0.
CARD_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_TOKEN_RANDOM_BYTES = 20  # 160 bits: 32 base-32 characters
_NEW_NUMBER_TRIES = 20


@dataclass(frozen=True)
class IssueCard:
    """Issue ``person`` a social-security card, unless he has a live one (then that one is answered)."""

    person: str


@dataclass(frozen=True)
class ReplaceCard:
    """补换: the person's live card is replaced by a new one with a new number and identification code."""

    person: str


@dataclass(frozen=True)
class IssueVoucher:
    """Issue ``person`` a fresh electronic voucher; ``shown_by``, when given, is the 亲情账户 holder showing it."""

    person: str
    shown_by: str | None = None


@dataclass(frozen=True)
class CardView:
    """A person's social-security card."""

    psn_no: str
    name: str
    card_no: str
    card_sn: str
    region: str
    issued_at: datetime
    replaced_at: datetime | None


@dataclass(frozen=True)
class VoucherView:
    """An electronic voucher as stored: whose, when it lapses, and its fingerprint (never the token)."""

    id: int
    psn_no: str
    name: str
    fingerprint: str
    issued_at: datetime
    expires_at: datetime
    shown_by: str | None


@dataclass(frozen=True)
class IssuedVoucher:
    """What issuing answers: the token (``None`` on a replay: a token is shown once) and the voucher."""

    token: str | None
    view: VoucherView


@dataclass(frozen=True)
class ProxiedRelative:
    """A relative whose 医保码 a 亲情账户 holder may show."""

    person_id: int
    psn_no: str
    name: str


# --- cards -----------------------------------------------------------------------------------------------------


def _region(uow: UnitOfWork, person: Person) -> str:
    """Where the person's credentials are issued: the pooling region of his current enrollment."""
    current = [e for e in uow.enrollments.for_person(person.id) if e.is_active]
    if not current:
        raise Refused(ErrorCode.CREDENTIAL_NEEDS_ENROLLMENT, name=person.name)
    return current[0].pooling_region


def _card_view(person: Person, card: StoredCard) -> CardView:
    return CardView(
        person.psn_no, person.name, card.card_no, card.card_sn, card.region, card.issued_at, card.replaced_at
    )


def _new_card(uow: UnitOfWork, person: Person, now: datetime) -> StoredCard:
    region = _region(uow, person)
    for _ in range(_NEW_NUMBER_TRIES):
        card_no = secrets.choice(CARD_LETTERS) + f"{secrets.randbelow(10**8):08d}"
        card_sn = f"{region}D156{secrets.token_hex(11).upper()}"
        if uow.person_credentials.card_by_no(card_no) is None and not uow.person_credentials.card_sn_taken(card_sn):
            return uow.person_credentials.add_card(person.id, card_no, card_sn, region, now)
    raise AssertionError("no free card number after repeated draws")  # 24 × 10⁸ numbers: not reached


def ensure_card(uow: UnitOfWork, person: Person, now: datetime) -> StoredCard:
    """The person's live card, issued now if he has none (for use inside another use case, such as enrollment,
    which holds the person's lock: one live card per person is also a unique index)."""
    return uow.person_credentials.live_card_of(person.id) or _new_card(uow, person, now)


def issue_card(ctx: Context, cmd: IssueCard, *, key: str) -> CardView:
    """Issue a card to a person who has none; a person who has one keeps it (and it is answered)."""

    def handler(uow: UnitOfWork) -> CardView:
        person = resolve_person(uow, cmd.person)
        uow.people.lock([person.id])  # two first issues for one person: the second finds the first's card
        return _card_view(person, ensure_card(uow, person, ctx.clock.now()))

    request = {"person": cmd.person.strip().upper()}
    return ctx.write(key=key, operation="card.issue", request=request, result_type=CardView, handler=handler)


def replace_card(ctx: Context, cmd: ReplaceCard, *, key: str) -> CardView:
    """补换: a new card; the old number is refused from now on (``CARD_REPLACED``). A person without a card gets
    his first."""

    def handler(uow: UnitOfWork) -> CardView:
        person = resolve_person(uow, cmd.person)
        uow.people.lock([person.id])
        now = ctx.clock.now()
        old = uow.person_credentials.live_card_of(person.id)
        if old is not None:
            uow.person_credentials.mark_card_replaced(old.id, now)
        return _card_view(person, _new_card(uow, person, now))

    request = {"person": cmd.person.strip().upper()}
    return ctx.write(key=key, operation="card.replace", request=request, result_type=CardView, handler=handler)


def show_card(ctx: Context, person_ref: str) -> CardView:
    """The person's live card (``CARD_NOT_ISSUED`` if he has none)."""

    def read(uow: UnitOfWork) -> CardView:
        person = resolve_person(uow, person_ref)
        card = uow.person_credentials.live_card_of(person.id)
        if card is None:
            raise NotFound(ErrorCode.CARD_NOT_ISSUED, name=person.name)
        return _card_view(person, card)

    return ctx.read(read)


# --- vouchers --------------------------------------------------------------------------------------------------


def _proxy_holder(uow: UnitOfWork, holder: Person, person: Person) -> None:
    """Refuse unless ``holder`` has a live 亲情账户 for ``person``."""
    if not any(
        p.is_active and p.owner_id == holder.id and p.relative_id == person.id
        for p in uow.relations.proxies_of(holder.id)
    ):
        raise NotFound(ErrorCode.PROXY_LINK_NOT_FOUND, owner=holder.name, relative=person.name)


def _new_token(region: str) -> str:
    random_part = base64.b32encode(secrets.token_bytes(_TOKEN_RANDOM_BYTES)).decode().lower()
    return f"{region}ec{random_part}"


def issue_voucher(ctx: Context, cmd: IssueVoucher, *, key: str) -> IssuedVoucher:
    """A fresh voucher for the person (his earlier live ones are revoked); a 亲情账户 holder may have one issued
    for his relative (``PROXY_LINK_NOT_FOUND`` otherwise). The token is answered here once."""
    issued: dict[str, str] = {}

    def handler(uow: UnitOfWork) -> VoucherView:
        person = resolve_person(uow, cmd.person)
        holder = resolve_person(uow, cmd.shown_by) if cmd.shown_by else None
        if holder is not None and holder.id != person.id:
            _proxy_holder(uow, holder, person)
        region = _region(uow, person)
        uow.people.lock([person.id])
        now = ctx.clock.now()
        uow.person_credentials.revoke_live_vouchers(person.id, now)
        token = _new_token(region)
        digest = token_sha256(token)
        shown_by = holder if holder is not None and holder.id != person.id else None
        stored = uow.person_credentials.add_voucher(
            person.id, digest, shown_by.id if shown_by else None, now, now + VOUCHER_TTL
        )
        # A retried attempt draws another token: only the one committed is handed out.
        issued[token_fingerprint(digest)] = token
        return VoucherView(
            stored.id,
            person.psn_no,
            person.name,
            token_fingerprint(digest),
            stored.issued_at,
            stored.expires_at,
            shown_by.name if shown_by else None,
        )

    request = {"person": cmd.person.strip().upper(), "shown_by": (cmd.shown_by or "").strip().upper() or None}
    view = ctx.write(key=key, operation="voucher.issue", request=request, result_type=VoucherView, handler=handler)
    return IssuedVoucher(issued.get(view.fingerprint), view)


def revoke_vouchers(ctx: Context, person_ref: str, *, key: str) -> int:
    """Revoke every live voucher of the person (注销医保码); answers how many were live."""

    def handler(uow: UnitOfWork) -> int:
        person = resolve_person(uow, person_ref)
        return uow.person_credentials.revoke_live_vouchers(person.id, ctx.clock.now())

    request = {"person": person_ref.strip().upper()}
    return ctx.write(key=key, operation="voucher.revoke", request=request, result_type=int, handler=handler)


def proxied_relatives(ctx: Context, holder_ref: str) -> list[ProxiedRelative]:
    """The relatives whose 医保码 the person may show through a live 亲情账户 he holds."""

    def read(uow: UnitOfWork) -> list[ProxiedRelative]:
        holder = resolve_person(uow, holder_ref)
        found = []
        for link in uow.relations.proxies_of(holder.id):
            relative = uow.people.get(link.relative_id) if link.is_active and link.owner_id == holder.id else None
            if relative is not None:
                found.append(ProxiedRelative(relative.id, relative.psn_no, relative.name))
        return found

    return ctx.read(read)
