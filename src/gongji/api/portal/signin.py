"""An insured person signs in with his ID number and a one-time code, and signs out.

Flow::

    GET  /sign-in         the ID number form
    POST /sign-in         a code is sent (if the number is registered: the page never says) → GET /sign-in/code
    GET  /sign-in/code    the code form (the session holds the pending challenge, not the ID number)
    POST /sign-in/code    right code: a new signed-in session (new id, new CSRF secret) → the page asked for
    POST /sign-out        the session id is recorded as signed out (in the database) and the cookie deleted

Failures count per ID number and per client (:class:`~gongji.api.portal.throttle.FailureThrottle`): past the free
ones, each try must wait twice as long as the one before, and a try within the wait is not even checked.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gongji.api.portal.deps import CheckedForm, PortalDep
from gongji.api.portal.middleware import base_of, clear_session, current_session, ensure_session, set_session
from gongji.api.portal.otp import CodeRecipient
from gongji.api.portal.render import redirect, render
from gongji.api.portal.session import Session, SubjectKind
from gongji.domain.errors import InvalidInput
from gongji.domain.identity import ResidentId
from gongji.service.household_identity import identity_of, sign_in_identity

__all__ = ["router", "safe_next"]

router = APIRouter()

_NOTICES = frozenset({"signed_out", "please"})


def safe_next(request: Request, value: str | None) -> str:
    """Where to go after signing in: a page of the portal (never another site), else My family."""
    base = base_of(request)
    if value and value.startswith(base + "/") and "//" not in value and "\\" not in value and ":" not in value:
        return value
    return base + "/family"


def _client_key(request: Request) -> str:
    return f"client:{request.client.host if request.client else 'unknown'}"


def _signed_in(request: Request) -> bool:
    session = current_session(request)
    return session is not None and session.subject_kind is SubjectKind.PERSON


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "", notice: str = "") -> Response:
    """The ID number form (a signed-in person goes straight on)."""
    if _signed_in(request):
        return Response(status_code=303, headers={"Location": safe_next(request, next)})
    return render(
        request,
        "sign_in.html",
        nav="sign-in",
        next=safe_next(request, next),
        notice=f"signin.{notice}" if notice in _NOTICES else None,
        error=None,
    )


@router.post("/sign-in")
def request_code(request: Request, portal: PortalDep, form: CheckedForm) -> Response:
    """Send a code to the phone on file of the person holding the number (if anyone does)."""
    next_page = safe_next(request, form.get("next"))
    certno = form.get("certno").replace(" ", "").upper()

    def again(error: str, status: int, **params: int) -> Response:
        return render(
            request,
            "sign_in.html",
            status=status,
            nav="sign-in",
            next=next_page,
            notice=None,
            error=(error, params),
        )

    try:
        ResidentId.parse(certno)
    except InvalidInput:
        return again("signin.bad_certno", 400)
    wait = portal.throttle.retry_after_s([_client_key(request), portal.codes.number_key(certno)])
    if wait:
        return again("signin.throttled", 429, seconds=wait)
    identity = sign_in_identity(portal.ctx, certno)
    recipient = CodeRecipient(identity.name, identity.masked_certno, identity.phone) if identity else None
    issued = portal.codes.issue(certno, identity.person_id if identity else None, recipient)
    if issued.challenge is None:
        return again("signin.resend_wait", 429, seconds=issued.wait_s)
    set_session(request, ensure_session(request).with_challenge(issued.challenge))
    return redirect(request, "/sign-in/code", next=next_page)


@router.get("/sign-in/code")
def code_page(request: Request, portal: PortalDep, next: str = "") -> Response:
    """The code form, while a challenge is pending."""
    session = current_session(request)
    if session is None or session.challenge is None:
        return redirect(request, "/sign-in")
    return render(
        request,
        "sign_in_code.html",
        nav="sign-in",
        next=safe_next(request, next),
        minutes=portal.config.code_ttl_s // 60,
        error=None,
    )


@router.post("/sign-in/code")
def enter_code(request: Request, portal: PortalDep, form: CheckedForm) -> Response:
    """Check the code; a right one signs the person in with a new session."""
    next_page = safe_next(request, form.get("next"))
    session = current_session(request)
    challenge = session.challenge if session else None
    if session is None or challenge is None:
        return redirect(request, "/sign-in")
    number = portal.codes.certno_key(challenge)
    keys = [_client_key(request), *([number] if number else [])]

    def again(error: str, status: int, **params: int) -> Response:
        return render(
            request,
            "sign_in_code.html",
            status=status,
            nav="sign-in",
            next=next_page,
            minutes=portal.config.code_ttl_s // 60,
            error=(error, params),
        )

    wait = portal.throttle.retry_after_s(keys)
    if wait:
        return again("signin.throttled", 429, seconds=wait)
    result = portal.codes.check(challenge, form.get("code"))
    if result.person_id is None:
        portal.throttle.failed(keys)
        if result.problem == "expired":
            set_session(request, session.with_challenge(None))
            return render(
                request,
                "sign_in.html",
                status=400,
                nav="sign-in",
                next=next_page,
                notice=None,
                error=("signin.expired", {}),
            )
        return again("signin.bad_code", 400)
    identity = identity_of(portal.ctx, result.person_id)
    if identity is None:
        return again("signin.bad_code", 400)
    if number:
        portal.throttle.succeeded(number)
    set_session(
        request,
        Session.signed_in_as(
            SubjectKind.PERSON,
            identity.person_id,
            identity.psn_no,
            identity.name,
            identity.masked_certno,
            portal.codec.now_s(),
        ),
    )
    return Response(status_code=303, headers={"Location": next_page})


@router.post("/sign-out")
def sign_out(request: Request, portal: PortalDep, form: CheckedForm) -> Response:
    """End the session: its id is refused from now on and the cookie is deleted."""
    session = current_session(request)
    if session is not None:
        portal.sessions.sign_out(session)
    clear_session(request)
    # Counter staff go back to the counter's own sign-in, insured people to theirs.
    again = "/counter/sign-in" if session is not None and session.is_operator else "/sign-in"
    return redirect(request, again, notice="signed_out")
