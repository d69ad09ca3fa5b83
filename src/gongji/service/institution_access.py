"""Use cases of institutions' access to the national interface (FSI): gateway credentials and sign-in (签到).

Credentials
-----------

Every designated institution has a gateway ``paasid`` (sent as ``x-tif-paasid``) and a secret ``token``. A request
is signed with SHA-256 of ``timestamp + token + nonce + timestamp``, so the server must know the token itself: it is
kept as issued, not hashed, and the database holding it must be protected like any store of secrets.

Credentials are issued when an institution is added (:func:`ensure_credentials`, called by
:func:`gongji.service.institutions.add_institution` in the same transaction), so the demo institutions and every new
one have them at once; institutions registered before the credentials existed were given theirs by the migration
that created them. The ``paasid`` is derived from the institution's code (:func:`paasid_of`) and so is unique and
never changes; :func:`rotate_credentials` replaces only the token, and the old token stops authenticating when the
rotation commits. :func:`token_of_paasid` is the authentication path's one indexed query.

Outcomes of rotations are stored under their idempotency keys like every write's, so a rotation's outcome carries the
token's fingerprint, never the token: replaying an old rotation must not hand out a token, and the idempotency table
should hold no secret. Read the token with :func:`institution_credentials`.

Sign-in
-------

:func:`sign_in` (9001) records the operator, the machine's MAC and IP address and the time, and answers a unique
numeric ``sign_no`` (26 digits: the time and a sequence) that later envelopes carry; :func:`check_sign_no` accepts a
``sign_no`` only from the institution that signed in with it. Sign-ins do not expire in this version: the national
platform expects a sign-in per working day, but nothing in gongji depends on its age, and refusing an HIS that stayed
signed in overnight would only stop settlements.

Sign-out
--------

:func:`sign_out` (9002) records when a sign-in number was signed out, with the sign-in itself in the database, so that
:func:`check_sign_no` refuses the number afterwards (``FSI_SIGNED_OUT``) in every worker and after restarts. Signing
out a number already signed out answers its first sign-out time again: the operator's intent holds either way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import NamedTuple

from gongji.domain.catalogue import Institution
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said, Term
from gongji.service.context import Context
from gongji.service.fsi_ports import StoredCredentials
from gongji.service.ports import UnitOfWork

__all__ = [
    "MAX_PAASID_LENGTH",
    "PAASID_PREFIX",
    "TOKEN_BYTES",
    "CredentialsRotated",
    "CredentialsView",
    "PaasidToken",
    "SignIn",
    "SignInRecord",
    "SignInView",
    "SignOut",
    "SignOutView",
    "check_sign_no",
    "ensure_credentials",
    "institution_credentials",
    "new_token",
    "paasid_of",
    "rotate_credentials",
    "sign_in",
    "sign_out",
    "token_fingerprint",
    "token_of_paasid",
]

#: The ``paasid`` of an institution is this prefix and its code (``gongji-H13010200001``).
PAASID_PREFIX = "gongji-"
#: The longest ``paasid`` stored (the prefix and a code of at most 30 characters fit).
MAX_PAASID_LENGTH = 40
#: Random bytes in a token; the token is their hex, 48 characters.
TOKEN_BYTES = 24

_MAX_OPTER_NO = 30
_MAX_MACHINE_FIELD = 64
_MAX_SIGN_NO = 40


def paasid_of(fixmedins_code: str) -> str:
    """The gateway ``paasid`` of the institution with this (normalised) code."""
    return f"{PAASID_PREFIX}{fixmedins_code}"


def new_token() -> str:
    """A fresh secret token: :data:`TOKEN_BYTES` random bytes from the operating system, as hex."""
    return secrets.token_hex(TOKEN_BYTES)


def token_fingerprint(token: str) -> str:
    """The first 12 hex digits of the token's SHA-256: enough to tell tokens apart, useless to sign with."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _normal_code(fixmedins_code: str) -> str:
    """Codes are stored trimmed and upper-cased (as :func:`gongji.service.institutions.add_institution` stores them)."""
    return fixmedins_code.strip().upper()


# --- views and commands ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialsView:
    """An institution's gateway credentials, the secret token included: show it to the institution's staff only."""

    fixmedins_code: str
    name: str
    paasid: str
    token: str
    token_fingerprint: str
    created_at: datetime
    rotated_at: datetime | None


@dataclass(frozen=True)
class CredentialsRotated:
    """What a rotation did: which institution, when, and the new token's fingerprint (never the token)."""

    fixmedins_code: str
    paasid: str
    rotated_at: datetime
    token_fingerprint: str


class PaasidToken(NamedTuple):
    """Who a ``paasid`` is and the token its requests are signed with."""

    fixmedins_code: str
    token: str


@dataclass(frozen=True)
class SignIn:
    """签到 (9001): an operator of an institution signs in from a machine (its MAC and IP address, may be blank)."""

    fixmedins_code: str
    opter_no: str
    mac: str | None = None
    ip: str | None = None


@dataclass(frozen=True)
class SignInView:
    """The answer to a sign-in (``signinoutb``): the sign-in number and its time."""

    sign_no: str
    sign_time: datetime


@dataclass(frozen=True)
class SignInRecord:
    """A valid sign-in: its number, the institution and operator that signed in, and when."""

    sign_no: str
    fixmedins_code: str
    opter_no: str
    signed_in_at: datetime


@dataclass(frozen=True)
class SignOut:
    """签退 (9002): an institution ends a sign-in by its number (the operator is recorded by the message only)."""

    fixmedins_code: str
    sign_no: str
    opter_no: str | None = None


@dataclass(frozen=True)
class SignOutView:
    """The answer to a sign-out (``signoutoutb``): when the number was signed out."""

    sign_no: str
    sign_time: datetime


def _view(stored: StoredCredentials) -> CredentialsView:
    return CredentialsView(
        fixmedins_code=stored.fixmedins_code,
        name=stored.name,
        paasid=stored.paasid,
        token=stored.token,
        token_fingerprint=token_fingerprint(stored.token),
        created_at=stored.created_at,
        rotated_at=stored.rotated_at,
    )


def _resolve(uow: UnitOfWork, fixmedins_code: str) -> Institution:
    institution = uow.institutions.find_by_code(fixmedins_code)
    if institution is None:
        raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=fixmedins_code)
    return institution


# --- credentials -----------------------------------------------------------------------------------------------


def ensure_credentials(uow: UnitOfWork, institution: Institution, at: datetime) -> StoredCredentials:
    """The institution's credentials, issued now (a new token) if it has none; runs in the caller's transaction."""
    stored = uow.credentials.of_institution(institution.id)
    if stored is not None:
        return stored
    return uow.credentials.add(institution.id, paasid_of(institution.fixmedins_code), new_token(), at)


def institution_credentials(ctx: Context, fixmedins_code: str) -> CredentialsView:
    """An institution's ``paasid`` and token; raise ``INSTITUTION_NOT_FOUND`` or ``FSI_CREDENTIALS_NOT_FOUND``."""
    code = _normal_code(fixmedins_code)

    def handler(uow: UnitOfWork) -> CredentialsView:
        institution = _resolve(uow, code)
        stored = uow.credentials.of_institution(institution.id)
        if stored is None:
            raise NotFound(ErrorCode.FSI_CREDENTIALS_NOT_FOUND, fixmedins_code=code)
        return _view(stored)

    return ctx.read(handler)


def rotate_credentials(ctx: Context, fixmedins_code: str, *, key: str) -> CredentialsRotated:
    """Replace an institution's token with a fresh one (issue credentials if it has none); idempotent by ``key``.

    The old token stops authenticating at once. The ``paasid`` stays, so the institution changes only its token.
    """
    code = _normal_code(fixmedins_code)

    def handler(uow: UnitOfWork) -> CredentialsRotated:
        institution = _resolve(uow, code)
        now = ctx.clock.now()
        token = new_token()
        stored = uow.credentials.of_institution(institution.id)
        if stored is None:
            stored = uow.credentials.add(institution.id, paasid_of(institution.fixmedins_code), token, now)
        else:
            uow.credentials.replace_token(institution.id, token, now)
        return CredentialsRotated(code, stored.paasid, now, token_fingerprint(token))

    return ctx.write(
        key=key,
        operation="institution.credentials.rotate",
        request={"fixmedins_code": code},
        result_type=CredentialsRotated,
        handler=handler,
    )


def token_of_paasid(ctx: Context, paasid: str) -> PaasidToken | None:
    """The institution a gateway ``paasid`` belongs to and its current token, or ``None`` for an unknown one.

    Called on every request of the national interface: one indexed query in a read-only transaction. Comparing the
    signature (in constant time) is the caller's business.
    """
    if not 1 <= len(paasid) <= MAX_PAASID_LENGTH:
        return None

    def handler(uow: UnitOfWork) -> PaasidToken | None:
        stored = uow.credentials.by_paasid(paasid)
        return None if stored is None else PaasidToken(stored.fixmedins_code, stored.token)

    return ctx.read(handler)


# --- sign-in ---------------------------------------------------------------------------------------------------


def _field_invalid(name: str, reason: Term) -> InvalidInput:
    return InvalidInput(ErrorCode.FIELD_INVALID, field=name, reason=reason)


def _machine_field(name: str, value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > _MAX_MACHINE_FIELD or not text.isprintable():
        raise _field_invalid(name, Said(Phrase.AT_MOST_PRINTABLE_CHARS, {"max": _MAX_MACHINE_FIELD}))
    return text or None


def _validate_sign_in(cmd: SignIn) -> SignIn:
    """The command trimmed and checked; raises ``FIELD_INVALID``."""
    opter_no = cmd.opter_no.strip()
    if not 1 <= len(opter_no) <= _MAX_OPTER_NO or not opter_no.isprintable():
        raise _field_invalid("opter_no", Said(Phrase.OPERATOR_NUMBER_LENGTH, {"max": _MAX_OPTER_NO}))
    return SignIn(
        _normal_code(cmd.fixmedins_code), opter_no, _machine_field("mac", cmd.mac), _machine_field("ip", cmd.ip)
    )


def sign_in(ctx: Context, cmd: SignIn, *, key: str) -> SignInView:
    """签到 (9001): record the sign-in and answer a new ``sign_no``; idempotent by ``key`` (the envelope's ``msgid``).

    Every sign-in gets its own number, even the same operator's twice in a second; an unknown institution is
    ``INSTITUTION_NOT_FOUND``.
    """
    valid = _validate_sign_in(cmd)

    def handler(uow: UnitOfWork) -> SignInView:
        institution = _resolve(uow, valid.fixmedins_code)
        now = ctx.clock.now()
        sign_no = uow.sign_ins.add(institution.id, valid.opter_no, valid.mac, valid.ip, now)
        return SignInView(sign_no=sign_no, sign_time=now)

    return ctx.write(key=key, operation="fsi.sign_in", request=asdict(valid), result_type=SignInView, handler=handler)


def check_sign_no(ctx: Context, fixmedins_code: str, sign_no: str) -> SignInRecord:
    """The sign-in that ``sign_no`` names, if the institution signed in with it.

    Raise ``FSI_SIGNED_OUT`` for a number signed out (9002), ``FSI_NOT_SIGNED_IN`` for an unknown (or blank) number,
    ``FSI_SIGN_NO_OF_OTHER_INSTITUTION`` for another institution's (without saying whose), ``INSTITUTION_NOT_FOUND``
    for an unknown institution. The accepted path is one indexed query.
    """
    code = _normal_code(fixmedins_code)
    number = sign_no.strip()

    def handler(uow: UnitOfWork) -> SignInRecord:
        found = uow.sign_ins.find(number) if 1 <= len(number) <= _MAX_SIGN_NO else None
        if found is not None and found.fixmedins_code == code:
            if found.signed_out_at is not None:
                raise Refused(ErrorCode.FSI_SIGNED_OUT, sign_no=number, signed_out_at=_shown_time(found.signed_out_at))
            return SignInRecord(found.sign_no, found.fixmedins_code, found.opter_no, found.signed_in_at)
        _resolve(uow, code)
        if found is None:
            raise Refused(ErrorCode.FSI_NOT_SIGNED_IN, fixmedins_code=code, sign_no=number)
        raise Refused(ErrorCode.FSI_SIGN_NO_OF_OTHER_INSTITUTION, fixmedins_code=code, sign_no=number)

    return ctx.read(handler)


def _shown_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def sign_out(ctx: Context, cmd: SignOut, *, key: str) -> SignOutView:
    """签退 (9002): record that the institution's sign-in ``sign_no`` ends now; idempotent by ``key``.

    The number must be one the institution signed in with (``FSI_NOT_SIGNED_IN``,
    ``FSI_SIGN_NO_OF_OTHER_INSTITUTION`` otherwise, as :func:`check_sign_no` says); one already signed out answers
    its first sign-out time. Every later message carrying the number is refused with ``FSI_SIGNED_OUT``.
    """
    code = _normal_code(cmd.fixmedins_code)
    number = cmd.sign_no.strip()
    operator = (cmd.opter_no or "").strip()
    if len(operator) > _MAX_OPTER_NO or not operator.isprintable():
        raise _field_invalid("opter_no", Said(Phrase.OPERATOR_NUMBER_LENGTH, {"max": _MAX_OPTER_NO}))

    def handler(uow: UnitOfWork) -> SignOutView:
        found = uow.sign_ins.find(number) if 1 <= len(number) <= _MAX_SIGN_NO else None
        if found is None or found.fixmedins_code != code:
            _resolve(uow, code)
            failure = ErrorCode.FSI_NOT_SIGNED_IN if found is None else ErrorCode.FSI_SIGN_NO_OF_OTHER_INSTITUTION
            raise Refused(failure, fixmedins_code=code, sign_no=number)
        if found.signed_out_at is not None:
            return SignOutView(found.sign_no, found.signed_out_at)
        now = ctx.clock.now()
        uow.sign_ins.sign_out(found.id, now)
        return SignOutView(found.sign_no, now)

    request = {"fixmedins_code": code, "sign_no": number, "opter_no": operator or None}
    return ctx.write(key=key, operation="fsi.sign_out", request=request, result_type=SignOutView, handler=handler)
