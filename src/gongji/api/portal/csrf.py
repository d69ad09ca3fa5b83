"""CSRF protection: every state-changing request carries the session's token, or it is refused with a 403 page.

The token is session-bound: a random secret kept in the signed session cookie (:attr:`Session.csrf`), renewed at
sign-in. Forms send it as the hidden field :data:`CSRF_FIELD`; htmx requests send it in the :data:`CSRF_HEADER`
header (the base layout sets ``hx-headers`` on ``<body>``). A cross-site page can make the browser send the cookie
(not on POST, thanks to ``SameSite=Lax``, but older browsers differ) yet cannot read the token, so it cannot forge the
field. As a second line, a POST whose ``Origin`` header names another site is refused too.

Every POST of the portal goes through :func:`gongji.api.portal.deps.checked_form`, which calls :func:`verify`; a
route cannot forget it because the form it reads comes only from there.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from gongji.api.portal.session import Session

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "CsrfRefused", "same_origin", "verify"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class CsrfRefused(Exception):
    """A state-changing request without the session's token (or from another site): answered with a 403 page."""


def verify(session: Session | None, submitted: str | None) -> None:
    """Raise :class:`CsrfRefused` unless ``submitted`` is the session's token."""
    if session is None or not submitted:
        raise CsrfRefused("no session or no token")
    if not hmac.compare_digest(submitted.encode(), session.csrf.encode()):
        raise CsrfRefused("token mismatch")


def same_origin(origin: str | None, scheme: str, host: str | None) -> bool:
    """Whether a request's ``Origin`` header (absent: not a cross-site browser request) is this site."""
    if origin is None:
        return True
    if origin == "null" or host is None:
        return False
    parts = urlsplit(origin)
    return parts.scheme == scheme and parts.netloc.lower() == host.lower()
