"""gongji's own JSON API under ``/api/v1``: pydantic models, Bearer tokens with roles, an ``Idempotency-Key`` on every
write, and errors as RFC 9457 problem details.

Modules::

    models      request and response models (the API's own shape of data; the wallet's are in wallet_models)
    problems    errors as application/problem+json, and which status each code answers
    auth        tokens → Principal (operator / institution / analyst), role and scope checks, idempotency keys
    params      shared path and query parameters
    people      /people: the registry and enrollments
    accounts    /people/{ref}/balances|statement|credits, /journals
    relations   /relations, /people/{ref}/family|payer-order|quota|why|proxy-links
    credentials /people/{ref}/card (read, issue), /people/{ref}/vouchers (issue an electronic voucher)
    wallet      /people/{ref}/wallet, …/wallet/transfers (accept, decline, take-back), …/notices
    visits      /visits: open, fees, cancel
    settlements /settlements: preview, commit, show, reverse, explanation
    rules       /rules: values in effect with their references
    aggregates  /aggregates: counts and sums by region and month (no personal data)
    me          /me: who the token is
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from gongji.api.rest import (
    accounts,
    aggregates,
    credentials,
    me,
    people,
    relations,
    reports,
    rules,
    settlements,
    signals,
    visits,
    wallet,
)
from gongji.api.rest.problems import install_problem_handlers

__all__ = ["API_PREFIX", "mount", "router"]

API_PREFIX = "/api/v1"

router = APIRouter()
for _module in (
    me,
    people,
    accounts,
    credentials,
    wallet,
    relations,
    visits,
    settlements,
    rules,
    aggregates,
    signals,
    reports,
):
    router.include_router(_module.router)


def mount(app: FastAPI) -> None:
    """Serve the API under :data:`API_PREFIX` on ``app`` (its ``state.ctx`` is the gongji context) and answer its
    errors as problem details."""
    app.include_router(router, prefix=API_PREFIX)
    install_problem_handlers(app, API_PREFIX)
