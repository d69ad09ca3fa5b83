"""Per request: the page's language, the session from its cookie, and the headers every portal answer carries.

:func:`portal_middleware` reads the language (``?lang=`` then the cookie then Chinese) and the session cookie (dropped
when forged or expired; a signed-in one is also asked of the database, and dropped with its cookie when it was signed
out or, for a counter operator, when his token is no longer live) before the route runs; routes change the session
only through :func:`set_session` / :func:`clear_session` / :func:`ensure_session`, and the middleware writes the
cookie after the route. Every answer gets a strict Content-Security-Policy (scripts and styles only from the portal's
own static files), no framing, no sniffing, no referrer to other sites, and ``Cache-Control: no-store`` (pages carry
personal data); static files keep their cache headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from gongji.api.portal.i18n import DEFAULT_LANG, LANG_COOKIE, LANG_PARAM, Lang, parse_lang
from gongji.api.portal.session import COOKIE_NAME, Session
from gongji.api.portal.state import portal_of

__all__ = [
    "SECURITY_HEADERS",
    "base_of",
    "clear_session",
    "current_session",
    "ensure_session",
    "portal_middleware",
    "request_lang",
    "set_session",
]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600
_CLEAR = "clear"


def base_of(request: Request) -> str:
    """Where the portal is mounted (``/portal``), as the middleware read it before routing."""
    base = getattr(request.state, "base", None)
    return base if isinstance(base, str) else str(request.scope.get("root_path", ""))


def request_lang(request: Request) -> Lang:
    """The language of this request's page."""
    lang = getattr(request.state, "lang", None)
    return lang if isinstance(lang, Lang) else DEFAULT_LANG


def current_session(request: Request) -> Session | None:
    """The session as it stands for this request (after any change a route made)."""
    changed = getattr(request.state, "session_out", None)
    if isinstance(changed, Session):
        return changed
    if changed == _CLEAR:
        return None
    found = getattr(request.state, "session", None)
    return found if isinstance(found, Session) else None


def set_session(request: Request, session: Session) -> None:
    """Write ``session`` into the cookie of this answer."""
    request.state.session_out = session


def clear_session(request: Request) -> None:
    """Delete the session cookie in this answer."""
    request.state.session_out = _CLEAR


def ensure_session(request: Request) -> Session:
    """The session, or a new anonymous one (a page with a form needs its CSRF token)."""
    session = current_session(request)
    if session is None:
        session = Session.fresh(portal_of(request).codec.now_s())
        set_session(request, session)
    return session


async def portal_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Read the language and the session, run the route, then write cookies and security headers."""
    portal = portal_of(request)
    # Read before routing: a mount below the portal (static files) rewrites the scope's root path in place.
    path = request.scope.get("root_path") or "/"
    request.state.base = path.rstrip("/")
    is_static = request.url.path.startswith(f"{path.rstrip('/')}/static/")
    asked = parse_lang(request.query_params.get(LANG_PARAM))
    request.state.lang = asked or parse_lang(request.cookies.get(LANG_COOKIE)) or DEFAULT_LANG
    request.state.session_out = None
    session = portal.codec.decode(request.cookies.get(COOKIE_NAME))
    if session is not None and session.signed_in and not is_static:
        standing = await run_in_threadpool(portal.sessions.standing, session)
        if standing is None:
            request.state.session_out = _CLEAR  # ended: the browser forgets the cookie too
        session = standing
    request.state.session = session

    response = await call_next(request)

    secure = request.url.scheme == "https"
    if asked is not None:
        response.set_cookie(
            LANG_COOKIE, asked.value, max_age=_LANG_COOKIE_MAX_AGE_S, path=path, secure=secure, samesite="lax"
        )
    out = request.state.session_out
    if isinstance(out, Session):
        response.set_cookie(
            COOKIE_NAME,
            portal.codec.encode(out),
            max_age=portal.codec.max_age_s,
            path=path,
            secure=secure,
            httponly=True,
            samesite="lax",
        )
    elif out == _CLEAR:
        response.delete_cookie(COOKIE_NAME, path=path, secure=secure, httponly=True, samesite="lax")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not is_static:
        response.headers["Cache-Control"] = "no-store"
    return response
