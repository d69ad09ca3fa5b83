"""``/me``: who the token is — its role and what it may touch."""

from __future__ import annotations

from fastapi import APIRouter

from gongji.api.rest.auth import AnyPrincipal
from gongji.api.rest.models import PrincipalOut
from gongji.api.rest.problems import PROBLEM_RESPONSES

__all__ = ["router"]

router = APIRouter(tags=["token 令牌"], responses=PROBLEM_RESPONSES)


@router.get("/me", summary="当前令牌 Who the token is")
def me(principal: AnyPrincipal) -> PrincipalOut:
    """The token's id, role, granted regions (operator) or institution (institution)."""
    return PrincipalOut(
        token_id=principal.token_id,
        role=principal.role.value,
        role_zh=principal.role.zh,
        regions=sorted(principal.regions),
        fixmedins_code=principal.fixmedins_code,
        label=principal.label,
    )
