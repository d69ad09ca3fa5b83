"""How the portal answers what goes wrong, as pages in the person's language.

Class hierarchy::

    PortalError            raised by routes and dependencies, answered by :func:`install_error_pages`
    ├── NotSignedIn        no (valid) session: 303 to the sign-in page (the counter's own for its pages)
    ├── Forbidden          outside the person's own family (or absent: the two look the same): 403 page
    └── BadRequest         a malformed form or parameter: 400 page

    CsrfRefused (csrf.py)  a state-changing request without its token: 403 page

Refusals of the service (:class:`gongji.domain.errors.GongjiError`) are shown by the routes on the page the person was
on; one that escapes a route is shown on an error page with its message (422), and a ``NotFound`` as a 403 (a person's
pages never tell whether another family's thing exists).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from gongji.api.portal.csrf import CsrfRefused
from gongji.api.portal.middleware import base_of
from gongji.api.portal.render import render_error
from gongji.domain.errors import GongjiError, NotFound

__all__ = ["BadRequest", "Forbidden", "NotSignedIn", "PortalError", "install_error_pages"]


class PortalError(Exception):
    """Something the portal answers with a page of its own."""


class NotSignedIn(PortalError):
    """The page needs a signed-in person."""


class Forbidden(PortalError):
    """The page names something outside the person's family (or nothing at all)."""


class BadRequest(PortalError):
    """The request is malformed."""


def sign_in_redirect(request: Request) -> Response:
    """To the sign-in page, coming back to this page (a GET) afterwards; htmx requests are told to navigate. The
    counter's pages send to the counter's own sign-in (an operator token), which goes on to the counter."""
    base = base_of(request)
    if _is_counter_page(request.url.path, base):
        location = f"{base}/counter/sign-in"
    else:
        target = request.url.path if request.method == "GET" else base + "/family"
        location = f"{base}/sign-in?next={quote(target, safe='/')}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def _is_counter_page(path: str, base: str) -> bool:
    """Whether ``path`` is one of the counter staff's pages (``/portal/counter`` and below)."""
    counter = base + "/counter"
    return path == counter or path.startswith(counter + "/")


def install_error_pages(app: FastAPI) -> None:
    """Answer the portal's errors with pages."""

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        return sign_in_redirect(request)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render_error(request, 403, "error.403")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return render_error(request, 400, "error.400")

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return render_error(request, 403, "error.csrf")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return render_error(request, 400, "error.400")

    @app.exception_handler(GongjiError)
    async def refused(request: Request, exc: GongjiError) -> Response:
        if isinstance(exc, NotFound):
            return render_error(request, 403, "error.403")
        return render_error(request, 422, "common.error_title", refusal=exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return render_error(request, 404, "error.404")
        if exc.status_code == 405:
            return render_error(request, 405, "error.400")
        return render_error(request, exc.status_code, "error.400")
