"""Who is calling the REST API, and what the caller may touch.

A request carries ``Authorization: Bearer <token>`` (a token issued with ``gongji token add``). The token is looked up
by its SHA-256 (:func:`gongji.service.api_tokens.authenticate`) and becomes a :class:`Principal`:

* an **operator** (经办机构) acts within the pooling regions granted to the token — people, enrollments, accounts,
  relations, proxy links, visits and settlements of those regions — and reads rules and its regions' aggregates;
* an **institution** (定点医药机构) opens visits for any insured patient at its own institution and acts only on its
  own visits and settlements (the use cases refuse another's with ``VISIT_OF_OTHER_INSTITUTION``); it writes nothing
  in the person registry and reads no person; it reads rules;
* an **analyst** (分析人员) reads aggregates (all regions) and rules, and nothing that names a person.

No token or an unknown/revoked one is 401; a role that may not call a route, or a region or institution not granted,
is 403 (see :mod:`gongji.api.rest.problems`).

Writes carry an ``Idempotency-Key`` header; it is passed to the use case namespaced by the token's id
(:meth:`Principal.scoped_key`), so two clients choosing the same key never meet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gongji.api.rest.problems import IDEMPOTENCY_HEADER
from gongji.domain.errors import ErrorCode, Refused
from gongji.service.api_tokens import Role, authenticate
from gongji.service.context import Context

__all__ = [
    "AnyPrincipal",
    "ContextDep",
    "CurrentPrincipal",
    "IdempotencyKey",
    "Operator",
    "OperatorOrAnalyst",
    "OperatorOrInstitution",
    "Principal",
    "allow",
    "current_principal",
    "get_context",
    "idempotency_key",
]

#: The longest key stored (``idempotency_keys.key``); a scoped key longer than this is hashed.
_MAX_STORED_KEY = 128


@dataclass(frozen=True)
class Principal:
    """The caller: the token's id, its role, and the regions (operator) or institution (institution) it may touch."""

    token_id: int
    role: Role
    regions: frozenset[str]
    fixmedins_code: str | None
    label: str | None = None

    def scoped_key(self, key: str) -> str:
        """The idempotency key as the use case stores it: namespaced by the token, hashed if it would be too long."""
        scoped = f"rest:{self.token_id}:{key}"
        if len(scoped) <= _MAX_STORED_KEY:
            return scoped
        return f"rest:{self.token_id}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"

    def require_region(self, region: str | None, action_zh: str, action_en: str) -> None:
        """An operator acts only within its regions; ``None`` (a person enrolled nowhere yet) belongs to none, so any
        operator may act. Other roles pass (their own rules apply elsewhere)."""
        if self.role is Role.OPERATOR and region is not None and region not in self.regions:
            raise Refused(
                ErrorCode.REGION_NOT_GRANTED,
                region=region,
                granted=", ".join(sorted(self.regions)),
                action_zh=action_zh,
                action_en=action_en,
            )

    def require_any_region(self, regions: Iterable[str], action_zh: str, action_en: str) -> None:
        """An operator holds at least one of ``regions`` (both parties' regions of a relation, for example)."""
        wanted = sorted(set(regions))
        if self.role is Role.OPERATOR and wanted and not self.regions.intersection(wanted):
            self.require_region(wanted[0], action_zh, action_en)

    def require_institution(self, fixmedins_code: str | None, action_zh: str, action_en: str) -> None:
        """An institution acts only for itself. Other roles pass."""
        if self.role is Role.INSTITUTION and fixmedins_code != self.fixmedins_code:
            raise Refused(
                ErrorCode.INSTITUTION_NOT_GRANTED,
                own=self.fixmedins_code,
                other=fixmedins_code or "-",
                action_zh=action_zh,
                action_en=action_en,
            )

    def visible_regions(self) -> frozenset[str] | None:
        """The regions whose aggregates the caller may read (``None``: every region)."""
        return self.regions if self.role is Role.OPERATOR else None


def get_context(request: Request) -> Context:
    """The gongji context the application was built on."""
    return cast(Context, request.app.state.ctx)


ContextDep = Annotated[Context, Depends(get_context)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="gongji token add 签发的令牌 A token issued with `gongji token add` (Authorization: Bearer gjt_…)",
)


def current_principal(
    ctx: ContextDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller of this request; ``API_TOKEN_MISSING`` / ``API_TOKEN_INVALID`` (401) otherwise."""
    if credentials is None:
        raise Refused(ErrorCode.API_TOKEN_MISSING)
    token = authenticate(ctx, credentials.credentials)
    if token is None:
        raise Refused(ErrorCode.API_TOKEN_INVALID)
    return Principal(
        token_id=token.id,
        role=Role(token.role),
        regions=frozenset(token.regions),
        fixmedins_code=token.fixmedins_code,
        label=token.label,
    )


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def allow(*roles: Role) -> Callable[[Request, Principal], Principal]:
    """A dependency that lets only ``roles`` call the route (``ROLE_NOT_ALLOWED``, 403, names the route)."""

    def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            route = request.scope.get("route")
            path = getattr(route, "path", request.url.path)
            raise Refused(
                ErrorCode.ROLE_NOT_ALLOWED,
                role=principal.role,
                action_zh=f"调用 {request.method} {path}",
                action_en=f"call {request.method} {path}",
            )
        return principal

    return dependency


#: Any authenticated caller.
AnyPrincipal = CurrentPrincipal
#: Operators only (the person registry, accounts, relations).
Operator = Annotated[Principal, Depends(allow(Role.OPERATOR))]
#: Operators and institutions (visits and settlements).
OperatorOrInstitution = Annotated[Principal, Depends(allow(Role.OPERATOR, Role.INSTITUTION))]
#: Operators and analysts (aggregates).
OperatorOrAnalyst = Annotated[Principal, Depends(allow(Role.OPERATOR, Role.ANALYST))]


def idempotency_key(
    principal: CurrentPrincipal,
    key: Annotated[
        str,
        Header(
            alias=IDEMPOTENCY_HEADER,
            pattern=r"^[\x21-\x7e]{1,128}$",
            description="幂等键：同一键同一请求重放首次结果，同一键不同请求为 409 "
            "Idempotency key (1 to 128 visible ASCII characters): the same key and request replay the first "
            "outcome; the same key with another request is a 409 conflict.",
        ),
    ],
) -> str:
    """The write's idempotency key, namespaced by the caller's token."""
    return principal.scoped_key(key)


IdempotencyKey = Annotated[str, Depends(idempotency_key)]
