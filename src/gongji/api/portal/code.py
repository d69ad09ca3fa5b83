"""The signed-in person's 医保码: his electronic voucher (医保电子凭证) shown as a QR code with its text, his
social-security card number, and the codes of the relatives whose 亲情账户 he holds.

::

    GET   /code                           the card, a button to show my code, my 亲情账户 relatives
    POST  /code                           出示医保码: a fresh voucher (the earlier one stops working) as a QR code
    POST  /code/relatives/{person_id}     出示亲属的医保码 through a 亲情账户 I hold

A voucher's token is shown once, in the answer to the POST that issued it (gongji keeps only its hash); the page is
never cached (``Cache-Control: no-store``, as every portal page). A resubmitted form replays its first outcome without
the token and says so; "refresh" is a new form, hence a new voucher. The QR code is drawn on the server as SVG
(``segno``) and embedded as a ``data:`` image, which the portal's Content-Security-Policy allows. A relative who is not
the signed-in person's through a live 亲情账户 gets the same 403 page whether he exists or not.
"""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from gongji.api.portal.deps import CheckedForm, CurrentPerson, PortalDep, SignedInPerson, new_idem, write_key
from gongji.api.portal.errors import Forbidden
from gongji.api.portal.middleware import base_of
from gongji.api.portal.render import render, translator
from gongji.api.portal.state import Portal
from gongji.domain.errors import GongjiError, NotFound
from gongji.service.credentials import IssuedVoucher, IssueVoucher, issue_voucher, proxied_relatives, show_card

__all__ = ["QR_SCALE", "qr_data_uri", "router"]

router = APIRouter()

#: Pixels per QR module: a 40-character token makes a 33-module code (with its quiet zone, 41), about 250 px.
QR_SCALE = 6
_QR_BORDER = 4

#: A relative's internal id in a path.
RelativeId = Annotated[int, Path(ge=1, le=2**62)]


def qr_data_uri(text: str) -> tuple[str, int]:
    """``text`` as a QR code (error correction M), an SVG ``data:`` URI, and its width in pixels."""
    code = segno.make(text, error="m", micro=False)
    width, _ = code.symbol_size(scale=QR_SCALE, border=_QR_BORDER)
    return code.svg_data_uri(scale=QR_SCALE, border=_QR_BORDER), int(width)


def _page(
    request: Request,
    portal: Portal,
    person: SignedInPerson,
    *,
    issued: IssuedVoucher | None = None,
    refresh_action: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        card = show_card(portal.ctx, person.ref)
    except NotFound:
        card = None
    qr, size = qr_data_uri(issued.token) if issued and issued.token else (None, 0)
    return render(
        request,
        "code.html",
        status=status,
        nav="code",
        switch_path=f"{base_of(request)}/code",
        card=card,
        voucher=issued.view if issued else None,
        token=issued.token if issued else None,
        qr=qr,
        qr_size=size,
        refresh_action=refresh_action,
        relatives=proxied_relatives(portal.ctx, person.ref),
        idem=new_idem(),
        error=error,
    )


def _show(request: Request, portal: Portal, person: SignedInPerson, command: IssueVoucher, key: str) -> Response:
    """Issue the voucher and show it; a refusal (no current enrollment …) on the page in the person's language."""
    action = request.url.path
    try:
        issued = issue_voucher(portal.ctx, command, key=key)
    except GongjiError as exc:
        return _page(request, portal, person, error=translator(request).error(exc), status=422)
    return _page(request, portal, person, issued=issued, refresh_action=action)


@router.get("/code")
def code_page(request: Request, portal: PortalDep, person: CurrentPerson) -> Response:
    """医保码: my card, the button that shows my code, and the relatives whose code I may show."""
    return _page(request, portal, person)


@router.post("/code")
def show_code(request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm) -> Response:
    """出示医保码: a fresh voucher for me, as a QR code and its text."""
    key = write_key(person, form, "voucher.issue")
    return _show(request, portal, person, IssueVoucher(person.ref), key)


@router.post("/code/relatives/{relative_id}")
def show_relative_code(
    request: Request, portal: PortalDep, person: CurrentPerson, form: CheckedForm, relative_id: RelativeId
) -> Response:
    """出示亲属的医保码: a fresh voucher for a relative whose 亲情账户 I hold (403 for anyone else)."""
    relative = next((r for r in proxied_relatives(portal.ctx, person.ref) if r.person_id == relative_id), None)
    if relative is None:
        raise Forbidden()
    key = write_key(person, form, f"voucher.issue.{relative.person_id}")
    return _show(request, portal, person, IssueVoucher(relative.psn_no, shown_by=person.ref), key)
