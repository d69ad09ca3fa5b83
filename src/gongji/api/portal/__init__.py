"""The portal: server-rendered pages under ``/portal`` for insured people (and, next, counter staff), Chinese first
with an English switch on every page.

It is a sub-application mounted on the main one (:func:`mount`), with its own error pages, middleware and static
files, on the same gongji context. Pages are Jinja2 templates; htmx (vendored in ``static/``) makes a few
interactions smoother, and every form also works without it.

Modules::

    __init__    mount(app): build the sub-application and serve it under /portal
    state       Portal (what lives as long as the app: context, codec, guard, codes, throttle, templates), PortalConfig
    session     the signed session cookie (HMAC-SHA256), the guard (sign-out and live operator tokens, in the
                database), the secret (GONGJI_SECRET_KEY)
    csrf        the session-bound CSRF token and the same-origin check
    otp         one-time sign-in codes (6 digits, 5 minutes, hashed, in the database) and the CodeSender protocol
    throttle    repeated sign-in failures slowed down, per ID number and per client (counts in the database)
    i18n        a page's language and the Translator templates use (_("key", **params))
    messages    reads and checks messages.yaml, the catalogue of every visible string in zh and en
    middleware  per request: language, session, cookies, security headers
    render      templates, filters, render/redirect/CSV helpers
    deps        route dependencies: PortalDep, CurrentPerson, CheckedForm (CSRF-checked), write keys
    errors      NotSignedIn / Forbidden / BadRequest and the error pages
    chart       the server-drawn SVG bar chart
    signin      person sign-in and sign-out
    person      the insured person's pages that read: his family, a relation, why a payment cannot be shared
    person_actions  the person's forms that act: bind, confirm or decline, order of payers, quota, end
    person_records  the person's records: statement, settlements, their CSV, one settlement's explanation
    wallet      the person's 医保钱包: open, close, transfer to a close relative, accept or decline, history
    inbox       the person's notifications, read and unread
    code        the person's 医保码 (his voucher as a QR code), his card, and a 亲情账户 relative's code
    counter     counter staff (线下办理): operator sign-in, region-scoped actions, the audit page
    counter_wallet  the family's wallets on the counter's person page (read only)

To add pages for another kind of user (counter staff): a ``SubjectKind`` in ``session``, a sign-in flow beside
``signin``, a dependency like ``CurrentPerson`` in ``deps``, a router module like ``person`` included in
:func:`create_portal`, templates extending ``base.html`` (its ``nav`` block), and their strings in ``messages.yaml``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from gongji.api.portal import (
    code,
    counter,
    counter_actions,
    counter_reports,
    counter_signals,
    inbox,
    person,
    person_actions,
    person_records,
    signin,
    wallet,
)
from gongji.api.portal.errors import install_error_pages
from gongji.api.portal.middleware import portal_middleware
from gongji.api.portal.otp import CodeSender, ConsoleCodeSender, OneTimeCodes
from gongji.api.portal.render import make_templates
from gongji.api.portal.session import SessionCodec, SessionGuard, derive_key, secret_from
from gongji.api.portal.state import Portal, PortalConfig
from gongji.api.portal.throttle import FailureThrottle
from gongji.service.context import Context

__all__ = ["PORTAL_PREFIX", "STATIC_DIR", "create_portal", "mount", "portal_state"]

PORTAL_PREFIX = "/portal"
STATIC_DIR = Path(__file__).parent / "static"


def create_portal(
    ctx: Context,
    *,
    secret_key: str | None = None,
    code_sender: CodeSender | None = None,
    config: PortalConfig | None = None,
) -> FastAPI:
    """The portal as an application of its own on ``ctx`` (mount it with :func:`mount`)."""
    config = config or PortalConfig()
    secret = secret_from(secret_key)
    portal = Portal(
        ctx=ctx,
        config=config,
        codec=SessionCodec(derive_key(secret, "session"), max_age_s=config.session_max_age_s),
        sessions=SessionGuard(ctx, config.session_max_age_s),
        codes=OneTimeCodes(
            ctx,
            derive_key(secret, "otp"),
            code_sender or ConsoleCodeSender(),
            ttl_s=config.code_ttl_s,
            max_attempts=config.code_attempts,
            resend_after_s=config.resend_after_s,
        ),
        throttle=FailureThrottle(
            ctx,
            free_failures=config.free_failures,
            base_delay_s=config.base_delay_s,
            max_delay_s=config.max_delay_s,
            window_s=config.failure_window_s,
        ),
        templates=make_templates(),
    )
    app = FastAPI(title="gongji portal 门户", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.middleware("http")(portal_middleware)
    install_error_pages(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(signin.router)
    app.include_router(person.router)
    app.include_router(person_actions.router)
    app.include_router(person_records.router)
    app.include_router(wallet.router)
    app.include_router(inbox.router)
    app.include_router(code.router)
    app.include_router(counter.router)
    app.include_router(counter_actions.router)
    app.include_router(counter_signals.router)
    app.include_router(counter_reports.router)
    return app


def mount(
    app: FastAPI,
    *,
    secret_key: str | None = None,
    code_sender: CodeSender | None = None,
    config: PortalConfig | None = None,
) -> FastAPI:
    """Serve the portal under :data:`PORTAL_PREFIX` on ``app`` (whose ``state.ctx`` is the gongji context); the
    portal's own application is returned (tests reach its state through it)."""
    portal_app = create_portal(app.state.ctx, secret_key=secret_key, code_sender=code_sender, config=config)
    # The reports page reads the analytical export the REST API reads (``GONGJI_ANALYTICS_DIR``).
    portal_app.state.analytics_dir = getattr(app.state, "analytics_dir", Path("analytics"))
    app.mount(PORTAL_PREFIX, portal_app)
    return portal_app


def portal_state(app: FastAPI) -> Portal:
    """The portal mounted on ``app`` (its codes, throttle and configuration, for tests and tools)."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == PORTAL_PREFIX and isinstance(route.app, FastAPI):
            found: Portal = route.app.state.portal
            return found
    raise LookupError(f"no portal is mounted at {PORTAL_PREFIX}")
