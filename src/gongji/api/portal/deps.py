"""Dependencies of the portal's routes (``Annotated`` aliases, as the REST API has them).

* :data:`PortalDep` — the portal (context, codes, throttle, templates);
* :data:`CurrentPerson` — the signed-in insured person, or a redirect to the sign-in page;
* :data:`CurrentOperator` — the signed-in counter operator as his token is now (the middleware asked the database on
  this very request), or a redirect to the counter's sign-in page;
* :data:`CheckedForm` — a POST's form fields, **after** its CSRF token was checked (a route that reads a form can
  only get it from here, so no form escapes the check);
* :func:`write_key` — the idempotency key of a write, from the form's ``idem`` field, namespaced by the person.

Forms are ``application/x-www-form-urlencoded`` (the portal has no file uploads), read with the standard library.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Path, Request

from gongji.api.portal.csrf import CSRF_FIELD, CSRF_HEADER, CsrfRefused, same_origin, verify
from gongji.api.portal.errors import BadRequest, NotSignedIn
from gongji.api.portal.middleware import current_session
from gongji.api.portal.session import SubjectKind
from gongji.api.portal.state import Portal, portal_of

__all__ = [
    "IDEM_FIELD",
    "CheckedForm",
    "CurrentOperator",
    "CurrentPerson",
    "CurrentStaff",
    "Form",
    "Operator",
    "PortalDep",
    "RelationId",
    "SetlId",
    "SignedInPerson",
    "Staff",
    "checked_form",
    "new_idem",
    "signed_in_operator",
    "signed_in_person",
    "signed_in_staff",
    "write_key",
]

#: The largest form body read (the portal's forms are a few short fields).
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 100
#: The hidden field carrying a form's idempotency key (a fresh one per rendered form).
IDEM_FIELD = "idem"
_IDEM = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

PortalDep = Annotated[Portal, Depends(portal_of)]
#: A relation's id and a settlement's number in a path (the person's pages and the counter's alike).
RelationId = Annotated[int, Path(ge=1, le=2**62)]
SetlId = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,30}$")]


@dataclass(frozen=True)
class SignedInPerson:
    """The insured person of the session: internal id, person number (how use cases name him), name, masked ID."""

    person_id: int
    ref: str
    name: str
    masked: str


def signed_in_person(request: Request) -> SignedInPerson:
    """The signed-in person; :class:`NotSignedIn` otherwise."""
    session = current_session(request)
    if (
        session is None
        or session.subject_kind is not SubjectKind.PERSON
        or session.subject_id is None
        or session.subject_ref is None
    ):
        raise NotSignedIn()
    return SignedInPerson(session.subject_id, session.subject_ref, session.name or "", session.masked or "")


CurrentPerson = Annotated[SignedInPerson, Depends(signed_in_person)]


@dataclass(frozen=True)
class Operator:
    """The signed-in counter operator: his token's id, his label (as the audit names him) and his regions."""

    token_id: int
    label: str
    regions: tuple[str, ...]

    def may(self, region: str | None) -> bool:
        """Whether this operator acts in ``region``."""
        return region is not None and region in self.regions


def signed_in_operator(request: Request) -> Operator:
    """The signed-in operator, with the label and regions of his token as it is now (never the cookie's: the session
    guard filled them in for this request, and ended the session if the token is revoked); :class:`NotSignedIn` (to
    the counter's sign-in page) otherwise."""
    session = current_session(request)
    if session is None or not session.is_operator or session.subject_id is None or not session.regions:
        raise NotSignedIn()
    return Operator(session.subject_id, session.name or "", session.regions)


CurrentOperator = Annotated[Operator, Depends(signed_in_operator)]


@dataclass(frozen=True)
class Staff:
    """Counter staff who may read reports: an operator (his regions) or an analyst (``regions`` ``None``: all)."""

    token_id: int
    label: str
    regions: tuple[str, ...] | None

    @property
    def is_analyst(self) -> bool:
        """Whether this is an analyst (who sees every region and no person)."""
        return self.regions is None


def signed_in_staff(request: Request) -> Staff:
    """The signed-in operator or analyst, as his token is now; :class:`NotSignedIn` otherwise."""
    session = current_session(request)
    if session is None or session.subject_id is None:
        raise NotSignedIn()
    if session.is_analyst:
        return Staff(session.subject_id, session.name or "", None)
    operator = signed_in_operator(request)
    return Staff(operator.token_id, operator.label, operator.regions)


CurrentStaff = Annotated[Staff, Depends(signed_in_staff)]


class Form:
    """A POST's fields (each name may repeat)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        """The first value of ``name`` (stripped), or ``default``."""
        return next((v.strip() for k, v in self._pairs if k == name), default)

    def getlist(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        return [v.strip() for k, v in self._pairs if k == name]

    def has(self, name: str) -> bool:
        """Whether ``name`` was sent."""
        return any(k == name for k, _ in self._pairs)


async def checked_form(request: Request) -> Form:
    """The form of a POST whose CSRF token matches the session's and whose ``Origin`` (if sent) is this site;
    :class:`CsrfRefused` (a 403 page) otherwise."""
    if not same_origin(request.headers.get("origin"), request.url.scheme, request.headers.get("host")):
        raise CsrfRefused("cross-site request")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise BadRequest("form too large")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("malformed form") from exc
    form = Form(pairs)
    verify(current_session(request), form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER))
    return form


CheckedForm = Annotated[Form, Depends(checked_form)]


def new_idem() -> str:
    """A fresh idempotency key for a form about to be rendered."""
    return secrets.token_urlsafe(16)


def write_key(person: SignedInPerson, form: Form, operation: str) -> str:
    """The key a write runs under: the form's ``idem`` (a resubmitted form replays the first outcome) namespaced by
    the person and the operation, or a fresh one when the form sent none."""
    idem = form.get(IDEM_FIELD)
    if not _IDEM.match(idem):
        idem = new_idem()
    return f"portal:{person.person_id}:{operation}:{idem}"
