"""Who an ID number (or id) belongs to, for signing a person in to a front end that acts for him (the portal): the
person, his masked ID number, and the phone a one-time code goes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongji.domain.identity import mask_id_number
from gongji.domain.people import Person
from gongji.service.context import Context

__all__ = ["SignInIdentity", "identity_of", "sign_in_identity"]


@dataclass(frozen=True)
class SignInIdentity:
    """Who an ID number belongs to, for signing in: the person, his masked number, and the phone on file."""

    person_id: int
    psn_no: str
    name: str
    masked_certno: str
    phone: str | None


def _identity(person: Person | None, today: date) -> SignInIdentity | None:
    """A living person's sign-in identity with the phone on file ``today``; ``None`` for no one or the dead."""
    if person is None or person.died_on is not None:
        return None
    phone, _ = person.contact_on(today)
    return SignInIdentity(person.id, person.psn_no, person.name, mask_id_number(person.certno), phone)


def sign_in_identity(ctx: Context, certno: str) -> SignInIdentity | None:
    """The living person registered under ``certno`` with the phone on file today, or ``None``."""
    number = certno.strip().upper()
    return ctx.read(lambda uow: _identity(uow.people.find_by_certno(number, with_contacts=True), ctx.clock.today()))


def identity_of(ctx: Context, person_id: int) -> SignInIdentity | None:
    """The same as :func:`sign_in_identity`, by internal id (after a code was checked)."""
    return ctx.read(lambda uow: _identity(uow.people.get(person_id, with_contacts=True), ctx.clock.today()))
