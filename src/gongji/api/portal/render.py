"""Pages from templates: the Jinja2 environment, the filters templates format with, and the helpers routes answer with.

Every page gets, besides its own values: ``_`` (the :class:`~gongji.api.portal.i18n.Translator` of its language),
``lang``, ``base`` (where the portal is mounted), ``csrf_token``, ``signed_in`` (the name and masked ID number shown
in the header, or ``None``), ``switch`` (the same page in each language), ``nav`` (the current section), ``name``
(a person's name as markup that is never translated), ``code_on_console`` (the demo's code sender is in use),
``is_cjk`` (whether a data text is Chinese, to mark it ``lang="zh-CN"``) and ``unread_count`` (called by the person's
navigation: how many of his newest notifications are unread).

Filters: ``yuan`` (fen → "1,234.50"), ``day`` (a date or moment → 2026-11-22), ``moment`` (→ 2026-11-22 14:05),
``percent`` (basis points → "60").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from gongji.api.portal.i18n import CJK, LANG_PARAM, LANGUAGE_NAMES, Lang, Translator
from gongji.api.portal.middleware import base_of, current_session, ensure_session, request_lang
from gongji.api.portal.otp import ConsoleCodeSender
from gongji.api.portal.session import Session, SubjectKind
from gongji.api.portal.state import Portal, portal_of
from gongji.domain.errors import GongjiError
from gongji.domain.money import format_yuan
from gongji.service.clock import SHANGHAI
from gongji.service.notices import unread

__all__ = [
    "TEMPLATES_DIR",
    "csv_response",
    "make_templates",
    "name_markup",
    "percent",
    "redirect",
    "render",
    "render_error",
    "translator",
    "unread_count",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(fen)


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).date()
    return value.isoformat()


def _moment(value: datetime | None) -> str:
    return "—" if value is None else value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def percent(bp: int | None) -> str:
    """Basis points as a percentage without trailing zeros (6000 → "60")."""
    if bp is None:
        return "—"
    whole, rest = divmod(bp, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def name_markup(name: str | None) -> Markup:
    """A person's name as a page shows it: never translated (``translate="no"``), whatever the page's language."""
    return Markup('<span class="name" translate="no">{}</span>').format(name or "—")


def make_templates() -> Environment:
    """The templates of the portal, autoescaped, failing loudly on a name a template does not get."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(yuan=_yuan, day=_day, moment=_moment, percent=percent)
    return env


def unread_count(portal: Portal, session: Session | None) -> int:
    """How many of the signed-in person's notifications are unread (0 for anyone else)."""
    if session is None or session.subject_kind is not SubjectKind.PERSON or session.subject_id is None:
        return 0
    return unread(portal.ctx, session.subject_id)


def translator(request: Request) -> Translator:
    """The translator of this request's language."""
    return Translator(request_lang(request))


def _switch(request: Request, path: str | None) -> dict[str, str]:
    """The same page in each language: the path with ``?lang=`` set and the other query parameters kept."""
    target = path or request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != LANG_PARAM]
    return {lang.value: f"{target}?{urlencode([*kept, (LANG_PARAM, lang.value)])}" for lang in Lang}


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    nav: str | None = None,
    switch_path: str | None = None,
    **values: Any,
) -> HTMLResponse:
    """The page ``template`` with ``values`` and everything every page gets (see the module docstring)."""
    portal = portal_of(request)
    session = ensure_session(request)
    lang = request_lang(request)
    page = {
        "_": Translator(lang, html=True),
        "lang": lang,
        "language_names": LANGUAGE_NAMES,
        "name": name_markup,
        "is_cjk": lambda text: bool(CJK.search(text or "")),
        "base": base_of(request),
        "csrf_token": session.csrf,
        "signed_in": (
            {"name": session.name, "masked": session.masked, "regions": session.regions} if session.signed_in else None
        ),
        "switch": _switch(request, switch_path),
        "nav": nav,
        "code_on_console": isinstance(portal.codes.sender, ConsoleCodeSender),
        "unread_count": lambda: unread_count(portal, session),
        **values,
    }
    html = portal.templates.get_template(template).render(page)
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, status: int, key: str, *, refusal: GongjiError | None = None) -> HTMLResponse:
    """An error page: ``key.title`` and ``key.body`` from the catalogue, or a refusal's message."""
    signed_in = current_session(request)
    return render(
        request,
        "error.html",
        status=status,
        switch_path=request.url.path if request.method == "GET" else f"{base_of(request)}/",
        key=key,
        refusal=refusal,
        home_signed_in=bool(signed_in and signed_in.signed_in),
    )


def redirect(request: Request, path: str, **query: str) -> Response:
    """303 to a portal page (``path`` below the mount point), for the browser's next GET."""
    base = base_of(request)
    location = base + path + (f"?{urlencode(query)}" if query else "")
    return RedirectResponse(location, status_code=303)


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    ascii_name = name.encode("ascii", "ignore").decode() or "gongji"
    disposition = f"attachment; filename=\"{ascii_name}.csv\"; filename*=UTF-8''{quote(name)}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
