"""Use cases of the tokens of gongji's own API (/api/v1): issue, list, revoke, authenticate.

A token is a random secret shown once, when it is issued; gongji keeps only its SHA-256, so a leaked database does
not hand out working tokens, and an idempotent replay of the issue never shows the token again (its outcome, stored
under the idempotency key like every write's, carries the token's fingerprint only). Each token has a role:

* ``operator`` (经办机构) — acts within the pooling regions granted to it (at least one);
* ``institution`` (定点医药机构) — acts only on the visits and settlements of its own institution;
* ``analyst`` (分析人员) — reads aggregates and rules, no personal data.

A revoked token stops authenticating as soon as the revocation commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound
from gongji.domain.phrases import Phrase
from gongji.domain.regions import NATIONAL, parse_region
from gongji.domain.wording import Said, Term
from gongji.service.api_ports import StoredApiToken
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork

__all__ = [
    "MAX_LABEL_CHARS",
    "MAX_REGIONS",
    "TOKEN_PREFIX",
    "IssueToken",
    "IssuedToken",
    "Role",
    "TokenView",
    "authenticate",
    "issue_token",
    "list_tokens",
    "revoke_token",
    "token_fingerprint",
    "token_sha256",
]

#: Every token starts with this, so that a leaked one is recognisable (by secret scanners, in logs).
TOKEN_PREFIX = "gjt_"
#: Random bytes in a token.
_TOKEN_BYTES = 32
#: The longest text accepted as a token before hashing it (anything longer cannot be one of ours).
_MAX_TOKEN_CHARS = 200
#: The most pooling regions one operator token may be granted.
MAX_REGIONS = 50
MAX_LABEL_CHARS = 100
_MAX_CODE_CHARS = 30


class Role(StrEnum):
    """What a token may do."""

    OPERATOR = "operator"
    INSTITUTION = "institution"
    ANALYST = "analyst"

    @property
    def zh(self) -> str:
        """The role's Chinese name (经办机构, 定点医药机构, 分析人员)."""
        return _ROLE_NAMES[self].zh

    @property
    def en(self) -> str:
        """The role's English name."""
        return _ROLE_NAMES[self].en


_ROLE_NAMES = {
    Role.OPERATOR: Phrase.ROLE_OPERATOR,
    Role.INSTITUTION: Phrase.ROLE_INSTITUTION,
    Role.ANALYST: Phrase.ROLE_ANALYST,
}


@dataclass(frozen=True)
class IssueToken:
    """Issue a token: an operator names its pooling regions, an institution its code, an analyst neither."""

    role: Role
    regions: tuple[str, ...] = ()
    fixmedins_code: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class TokenView:
    """A token as listed: who it is for and what it may touch, never the token itself."""

    id: int
    role: str
    role_zh: str
    regions: list[str]
    fixmedins_code: str | None
    label: str | None
    fingerprint: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """What issuing answers: the token (``None`` when an earlier issue under the same key is replayed: a token is
    shown once) and its view."""

    token: str | None
    view: TokenView


def token_sha256(token: str) -> str:
    """The SHA-256 of a token, as stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_fingerprint(token_hash: str) -> str:
    """The first 12 hex digits of a token's SHA-256: enough to tell tokens apart, useless to authenticate with."""
    return token_hash[:12]


def _view(stored: StoredApiToken) -> TokenView:
    role = Role(stored.role)
    return TokenView(
        id=stored.id,
        role=role.value,
        role_zh=role.zh,
        regions=list(stored.regions),
        fixmedins_code=stored.fixmedins_code,
        label=stored.label,
        fingerprint=token_fingerprint(stored.token_sha256),
        created_at=stored.created_at,
        revoked_at=stored.revoked_at,
    )


def _invalid(field: str, reason: Term) -> InvalidInput:
    return InvalidInput(ErrorCode.FIELD_INVALID, field=field, reason=reason)


def _validated(cmd: IssueToken) -> IssueToken:
    """The command with its regions and code normalised; raises ``FIELD_INVALID`` / ``CODE_UNKNOWN``."""
    label = (cmd.label or "").strip() or None
    if label is not None and (len(label) > MAX_LABEL_CHARS or not label.isprintable()):
        raise _invalid("label", Said(Phrase.AT_MOST_PRINTABLE_CHARS, {"max": MAX_LABEL_CHARS}))
    code = (cmd.fixmedins_code or "").strip().upper() or None
    regions: list[str] = []
    for text in cmd.regions:
        region = parse_region(text).code
        if region == NATIONAL:
            raise _invalid("region", Phrase.NATIONAL_IS_NOT_A_POOLING_REGION)
        if region not in regions:
            regions.append(region)
    if cmd.role is Role.OPERATOR:
        if not 1 <= len(regions) <= MAX_REGIONS:
            raise _invalid("region", Said(Phrase.OPERATOR_TOKEN_REGIONS, {"max": MAX_REGIONS}))
        if code is not None:
            raise _invalid("institution", Phrase.OPERATOR_TOKEN_NAMES_NO_INSTITUTION)
    elif cmd.role is Role.INSTITUTION:
        if code is None or len(code) > _MAX_CODE_CHARS:
            raise _invalid("institution", Phrase.INSTITUTION_TOKEN_NAMES_INSTITUTION)
        if regions:
            raise _invalid("region", Phrase.INSTITUTION_TOKEN_NO_REGION)
    elif regions or code is not None:
        raise _invalid("role", Phrase.ANALYST_TOKEN_NO_SCOPE)
    return IssueToken(cmd.role, tuple(sorted(regions)), code, label)


def issue_token(ctx: Context, cmd: IssueToken, *, key: str) -> IssuedToken:
    """Issue a token; an institution token's institution must exist (``INSTITUTION_NOT_FOUND``).

    The token is answered here once; a replay of the same key answers the same view without it.
    """
    valid = _validated(cmd)
    issued: dict[str, str] = {}

    def handler(uow: UnitOfWork) -> TokenView:
        if valid.fixmedins_code is not None and uow.institutions.find_by_code(valid.fixmedins_code) is None:
            raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=valid.fixmedins_code)
        token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
        digest = token_sha256(token)
        stored = uow.api_tokens.add(
            token_sha256=digest,
            role=valid.role.value,
            regions=valid.regions,
            fixmedins_code=valid.fixmedins_code,
            label=valid.label,
            created_at=ctx.clock.now(),
        )
        # A retried attempt issues another token: only the last one handed to the caller is the one committed.
        issued[token_fingerprint(digest)] = token
        return _view(stored)

    request = {
        "role": valid.role.value,
        "regions": list(valid.regions),
        "fixmedins_code": valid.fixmedins_code,
        "label": valid.label,
    }
    view = ctx.write(key=key, operation="api_token.issue", request=request, result_type=TokenView, handler=handler)
    return IssuedToken(issued.get(view.fingerprint), view)


def list_tokens(ctx: Context) -> list[TokenView]:
    """Every token, revoked ones too, in the order they were issued."""
    return ctx.read(lambda uow: [_view(stored) for stored in uow.api_tokens.list()])


def revoke_token(ctx: Context, token_id: int, *, key: str) -> TokenView:
    """Revoke a token (``API_TOKEN_NOT_FOUND`` if there is none); revoking it again changes nothing."""

    def handler(uow: UnitOfWork) -> TokenView:
        stored = uow.api_tokens.get(token_id)
        if stored is None:
            raise NotFound(ErrorCode.API_TOKEN_NOT_FOUND, token_id=token_id)
        uow.api_tokens.revoke(token_id, ctx.clock.now())
        revoked = uow.api_tokens.get(token_id)
        assert revoked is not None
        return _view(revoked)

    return ctx.write(
        key=key, operation="api_token.revoke", request={"token_id": token_id}, result_type=TokenView, handler=handler
    )


def authenticate(ctx: Context, token: str) -> TokenView | None:
    """The token a client presents, if it is one of ours and not revoked; ``None`` otherwise.

    One indexed query on the token's hash; nothing is compared character by character, so the time taken says
    nothing about how much of a guess was right.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        return None
    digest = token_sha256(token)

    def handler(uow: UnitOfWork) -> TokenView | None:
        stored = uow.api_tokens.by_hash(digest)
        if stored is None or stored.revoked_at is not None:
            return None
        return _view(stored)

    return ctx.read(handler)
