"""Which person a credential (就诊凭证) names, and the refusal when it names nobody or someone other than the patient.

A message of the national interface names the person it is about by ``mdtrt_cert_type`` and ``mdtrt_cert_no``:

* ``01`` 医保电子凭证 — the voucher's token (``ecToken``), read by scanning the person's 医保码;
* ``02`` 居民身份证 — the resident ID number;
* ``03`` 社会保障卡 — the card number (``card_sn``, the card's identification code, beside it).

Terminals write credentials in several ways, all read here: a ``01`` number may be the token, the token followed by
``|`` and other fields, or the decoded ID number (some provinces' terminals decode the code themselves and send the
ID number under ``01``); a ``03`` number may be the whole ``|``-separated record the national card-reading library
returns (issuing region, social-security number, card number, identification code, name, …). Cards and vouchers
themselves are issued by :mod:`gongji.service.credentials`, which re-exports these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.identity import ResidentId
from gongji.domain.people import Person
from gongji.service.api_tokens import token_sha256
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork

__all__ = [
    "CertType",
    "CredentialHolder",
    "check_credential",
    "check_visit_credential",
    "mask_card_no",
    "resolve_credential",
    "resolve_voucher",
]

_TOKEN = re.compile(r"^[0-9]{6}ec[a-z2-7]{32}$")
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9Xx]$")
#: Fields of a card read by the national card-reading library, in its order (see :func:`_card_parts`).
_READ_CARD_NO, _READ_CARD_SN = 2, 3


class CertType:
    """``mdtrt_cert_type`` values (就诊凭证类型)."""

    VOUCHER = "01"
    ID_CARD = "02"
    SOCIAL_SECURITY_CARD = "03"
    ALL = (VOUCHER, ID_CARD, SOCIAL_SECURITY_CARD)


@dataclass(frozen=True)
class CredentialHolder:
    """The person a credential names, and the card it was (``card_no``/``card_sn`` for a ``03`` credential)."""

    psn_no: str
    certno: str
    name: str
    cert_type: str
    card_no: str | None = None
    card_sn: str | None = None


def mask_card_no(card_no: str) -> str:
    """A card number as refusals and logs show it: the first character and the last four."""
    text = card_no.strip()
    return "*" * len(text) if len(text) <= 5 else f"{text[0]}****{text[-4:]}"


def _cert_type(value: str | None) -> str:
    """``mdtrt_cert_type`` as a two-digit code (``3`` sent as a number reads as ``03``); none means ``02``."""
    text = (value or CertType.ID_CARD).strip()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    if text not in CertType.ALL:
        raise InvalidInput(ErrorCode.CREDENTIAL_TYPE_UNKNOWN, value=text[:20])
    return text


def _by_id_number(uow: UnitOfWork, text: str) -> Person:
    number = ResidentId.parse(text)
    person = uow.people.find_by_certno(number.number)
    if person is None:
        raise NotFound(ErrorCode.PERSON_NOT_FOUND, ref=number.masked)
    return person


def _by_voucher(uow: UnitOfWork, token: str, now: datetime) -> Person:
    voucher = uow.person_credentials.voucher_by_hash(token_sha256(token))
    if voucher is None:
        raise NotFound(ErrorCode.VOUCHER_NOT_FOUND)
    if voucher.revoked_at is not None:
        raise Refused(ErrorCode.VOUCHER_REVOKED, at=f"{voucher.revoked_at:%Y-%m-%d %H:%M}")
    if now >= voucher.expires_at:
        raise Refused(ErrorCode.VOUCHER_EXPIRED, at=f"{voucher.expires_at:%Y-%m-%d %H:%M}")
    person = uow.people.get(voucher.person_id)
    assert person is not None  # a foreign key
    return person


def _voucher_holder(uow: UnitOfWork, cert_no: str, now: datetime) -> CredentialHolder:
    """``01``: the token (alone or first of ``|``-separated fields), else a decoded ID number."""
    parts = [part.strip() for part in cert_no.split("|") if part.strip()] or [cert_no.strip()]
    token = next((p.lower() for p in parts if _TOKEN.match(p.lower())), None)
    id_number = next((p for p in parts if _ID_SHAPE.match(p)), None)
    if token is not None:
        person = _by_voucher(uow, token, now)
    elif id_number is not None:
        person = _by_id_number(uow, id_number)
    else:
        person = _by_voucher(uow, parts[0], now)  # not one of ours: refused as an unknown voucher
    return CredentialHolder(person.psn_no, person.certno, person.name, CertType.VOUCHER)


def _card_parts(cert_no: str, card_sn: str | None) -> tuple[str, str | None]:
    """The card number and identification code of a ``03`` credential: the number itself, or the record the
    national card-reading library returns (issuing region | social-security number | card number | identification
    code | name | …; field order as in newtouch-cloud/openhis@b4fe7065ca75723f38d5f09ca6e2a55681c6e87a
    WinServiceAPI/NeiMengGuYiBaoApp/Models/Output/HeaSecReadInfo/ReadCardBas.cs, and sent whole as ``mdtrt_cert_no``
    by fengzaiqishi11/hsa-his@1fcd557940391a10c84c139f1e65846eef69a664
    hsa-web/src/main/java/cn/hsa/module/insure/InsureIndividualBasicController.java for Hainan)."""
    parts = cert_no.split("|")
    if len(parts) > _READ_CARD_SN:
        return parts[_READ_CARD_NO].strip().upper(), (card_sn or parts[_READ_CARD_SN]).strip().upper() or None
    return cert_no.strip().upper(), (card_sn or "").strip().upper() or None


def _card_holder(uow: UnitOfWork, cert_no: str, card_sn: str | None) -> CredentialHolder:
    card_no, sn = _card_parts(cert_no, card_sn)
    card = uow.person_credentials.card_by_no(card_no)
    if card is None:
        raise NotFound(ErrorCode.CARD_NOT_FOUND, card=mask_card_no(card_no))
    if card.replaced_at is not None:
        raise Refused(ErrorCode.CARD_REPLACED, card=mask_card_no(card_no), on=f"{card.replaced_at:%Y-%m-%d}")
    if sn is not None and sn != card.card_sn:
        raise Refused(ErrorCode.CARD_SN_MISMATCH, card=mask_card_no(card_no))
    person = uow.people.get(card.person_id)
    assert person is not None  # a foreign key
    return CredentialHolder(
        person.psn_no, person.certno, person.name, CertType.SOCIAL_SECURITY_CARD, card.card_no, card.card_sn
    )


def _holder(uow: UnitOfWork, cert_type: str, cert_no: str, card_sn: str | None, now: datetime) -> CredentialHolder:
    if cert_type == CertType.VOUCHER:
        return _voucher_holder(uow, cert_no, now)
    if cert_type == CertType.SOCIAL_SECURITY_CARD:
        return _card_holder(uow, cert_no, card_sn)
    person = _by_id_number(uow, cert_no.split("|")[0].strip())
    return CredentialHolder(person.psn_no, person.certno, person.name, CertType.ID_CARD)


def resolve_credential(
    ctx: Context, cert_type: str | None, cert_no: str, card_sn: str | None = None
) -> CredentialHolder:
    """The person a credential names, or the specific refusal: ``CREDENTIAL_TYPE_UNKNOWN``; for ``01``
    ``VOUCHER_NOT_FOUND`` / ``VOUCHER_REVOKED`` / ``VOUCHER_EXPIRED``; for ``02`` ``ID_NUMBER_INVALID`` /
    ``PERSON_NOT_FOUND``; for ``03`` ``CARD_NOT_FOUND`` / ``CARD_REPLACED`` / ``CARD_SN_MISMATCH``."""
    kind = _cert_type(cert_type)
    return ctx.read(lambda uow: _holder(uow, kind, cert_no, card_sn, ctx.clock.now()))


def resolve_voucher(ctx: Context, token: str) -> CredentialHolder:
    """The person a voucher's token names (1162, decoding the 医保码): only a token, never an ID number;
    ``VOUCHER_NOT_FOUND`` / ``VOUCHER_REVOKED`` / ``VOUCHER_EXPIRED`` otherwise."""

    def read(uow: UnitOfWork) -> CredentialHolder:
        person = _by_voucher(uow, token.strip().lower(), ctx.clock.now())
        return CredentialHolder(person.psn_no, person.certno, person.name, CertType.VOUCHER)

    return ctx.read(read)


def _same_person(holder: CredentialHolder, person: Person) -> CredentialHolder:
    if holder.psn_no != person.psn_no:
        raise Refused(ErrorCode.CREDENTIAL_OTHER_PERSON, cert_type=holder.cert_type, name=person.name)
    return holder


def _nothing_to_check(ctx: Context, cert_no: str | None, key: str | None) -> bool:
    """No credential number; or the write ``key`` guards already happened, and its replay answers what it stored
    whatever became of the credential since (a voucher lapsed, a card replaced)."""
    if cert_no is None or not cert_no.strip():
        return True
    return key is not None and ctx.stored_outcome(key) is not None


def check_credential(
    ctx: Context,
    cert_type: str | None,
    cert_no: str | None,
    person_psn_no: str,
    card_sn: str | None = None,
    *,
    key: str | None = None,
) -> CredentialHolder | None:
    """Refuse a credential that does not resolve (as :func:`resolve_credential`) or names another person than
    ``person_psn_no`` (``CREDENTIAL_OTHER_PERSON``). Passes (``None``) when the message carries no credential number,
    or when ``key`` — the idempotency key of the write the check guards (``Call.key``) — was already used."""
    if _nothing_to_check(ctx, cert_no, key):
        return None
    assert cert_no is not None
    number, kind = cert_no, _cert_type(cert_type)

    def read(uow: UnitOfWork) -> CredentialHolder:
        holder = _holder(uow, kind, number, card_sn, ctx.clock.now())
        return _same_person(holder, resolve_person(uow, person_psn_no))

    return ctx.read(read)


def check_visit_credential(
    ctx: Context,
    cert_type: str | None,
    cert_no: str | None,
    mdtrt_id: str,
    card_sn: str | None = None,
    *,
    key: str | None = None,
) -> CredentialHolder | None:
    """:func:`check_credential` against the patient of visit ``mdtrt_id`` (2206/2207, 2303/2304); also ``None`` when
    no visit has that number (the settlement itself refuses an unknown visit)."""
    if _nothing_to_check(ctx, cert_no, key):
        return None
    assert cert_no is not None
    number, kind = cert_no, _cert_type(cert_type)

    def read(uow: UnitOfWork) -> CredentialHolder | None:
        visit = uow.visits.find(mdtrt_id.strip())
        if visit is None:
            return None
        patient = uow.people.get(visit.person_id)
        assert patient is not None  # a foreign key
        return _same_person(_holder(uow, kind, number, card_sn, ctx.clock.now()), patient)

    return ctx.read(read)
