"""The signed-in person's inbox (消息): the notifications gongji sent him — a transfer waiting to be accepted, its
acceptance, decline or return, a binding request waiting for his confirmation, a payment from his account — newest
first, the unread ones marked, in the page's language.

::

    GET   /inbox          my notifications, newest first
    POST  /inbox/read     mark some read (``notice`` fields, each a notification's id) or all of them (``all``)

Marking read touches only the signed-in person's own notifications (:func:`gongji.service.notices.mark_read` never
changes another person's, whatever ids a form sends). The navigation shows the unread count on every person page
(:func:`gongji.api.portal.render.unread_count`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gongji.api.portal.deps import CheckedForm, CurrentPerson, PortalDep
from gongji.api.portal.errors import BadRequest
from gongji.api.portal.render import redirect, render
from gongji.service.notices import inbox, mark_read

__all__ = ["INBOX_LIMIT", "router"]

router = APIRouter()

#: How many notifications the page lists (newest first).
INBOX_LIMIT = 100
#: The most ids one form may name.
_MAX_IDS = 100


@router.get("/inbox")
def inbox_page(request: Request, portal: PortalDep, person: CurrentPerson, notice: str = "") -> Response:
    """消息: my notifications, newest first, the unread ones marked."""
    notices = inbox(portal.ctx, person.person_id, limit=INBOX_LIMIT)
    return render(
        request,
        "inbox.html",
        nav="inbox",
        notices=notices,
        unread=[n.id for n in notices if not n.read],
        notice="inbox.marked" if notice == "inbox.marked" else None,
    )


@router.post("/inbox/read")
def read(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """Mark notifications read: those the form names, or every unread one with ``all``."""
    if form.has("all"):
        ids = [n.id for n in inbox(portal.ctx, person.person_id, limit=INBOX_LIMIT) if not n.read]
    else:
        try:
            ids = [int(value) for value in form.getlist("notice")]
        except ValueError as exc:
            raise BadRequest("notice ids are numbers") from exc
        if not ids or len(ids) > _MAX_IDS or any(not 0 < i <= 2**62 for i in ids):
            raise BadRequest("no notice named")
    if ids:
        mark_read(portal.ctx, person.person_id, ids)
    return redirect(request, "/inbox", notice="inbox.marked")
