"""Use cases about people: register, change contact details, show and list."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from gongji.domain.codes import Sex
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.identity import ResidentId
from gongji.domain.people import ContactChange, Person, validate_address, validate_new_person, validate_phone
from gongji.domain.phrases import Phrase
from gongji.domain.regions import region_name
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.refusal_log import concerning
from gongji.service.views import EnrollmentEventView, EnrollmentView, PersonView

__all__ = [
    "MAX_PAGE_SIZE",
    "RegisterPerson",
    "UpdateContact",
    "is_person_number",
    "list_people",
    "person_view",
    "register_person",
    "resolve_person",
    "show_person",
    "update_contact",
]

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class RegisterPerson:
    """Register a person by resident ID number; sex and birth date, if stated, are cross-checked."""

    certno: str
    name: str
    phone: str | None = None
    address: str | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    #: 民族 (national code, ``01`` 汉族), when stated.
    naty: str | None = None


@dataclass(frozen=True)
class UpdateContact:
    """Change a person's phone and/or address from a date on."""

    person: str
    phone: str | None = None
    address: str | None = None
    effective_on: date | None = None


def is_person_number(ref: str) -> bool:
    """Whether ``ref`` has the shape of a person number (人员编号) this registry issues: the six-digit area code of
    the ID number and a 14-digit sequence, all digits and longer than an ID number."""
    text = ref.strip()
    return len(text) > 18 and text.isascii() and text.isdigit()


def resolve_person(uow: UnitOfWork, ref: str) -> Person:
    """Find a person by person number (人员编号) or by ID number, which is validated first: a malformed number is
    ``ID_NUMBER_INVALID`` (never "not found"); a well-formed one nobody holds is ``PERSON_NOT_FOUND``."""
    text = ref.strip().upper()
    if is_person_number(text):
        person = uow.people.find_by_psn_no(text)
        if person is None:
            raise NotFound(ErrorCode.PERSON_NOT_FOUND, ref=text)
        concerning(person.id)
        return person
    number = ResidentId.parse(text)
    person = uow.people.find_by_certno(number.number)
    if person is None:
        raise NotFound(ErrorCode.PERSON_NOT_FOUND, ref=number.masked)
    concerning(person.id)
    return person


def person_view(uow: UnitOfWork, person: Person, today: date) -> PersonView:
    """A person with current contact details and every enrollment with its history."""
    if not person.contacts:
        person = uow.people.get(person.id, with_contacts=True) or person
    phone, address = person.contact_on(today)
    enrollments = [
        EnrollmentView(
            id=e.id,
            insutype=e.insutype.value,
            insutype_zh=e.insutype.zh,
            psn_type=e.psn_type.value,
            psn_type_zh=e.psn_type.zh,
            pooling_region=e.pooling_region,
            pooling_region_zh=region_name(e.pooling_region),
            employer=e.employer,
            status=e.status.name.lower(),
            status_zh=e.status.zh,
            began_on=e.began_on,
            status_since=e.status_since,
            reason=e.reason.value if e.reason else None,
            reason_zh=e.reason.zh if e.reason else None,
            events=[
                EnrollmentEventView(
                    kind=ev.kind.value,
                    on=ev.on,
                    reason=ev.reason.value if ev.reason else None,
                    reason_zh=ev.reason.zh if ev.reason else None,
                    note=ev.note,
                )
                for ev in uow.enrollments.events(e.id)
            ],
        )
        for e in uow.enrollments.for_person(person.id)
    ]
    return PersonView(
        id=person.id,
        psn_no=person.psn_no,
        certno=person.certno,
        name=person.name,
        sex=person.sex.value,
        sex_zh=person.sex.zh,
        birth_date=person.birth_date,
        age=person.age_on(today),
        phone=phone,
        address=address,
        died_on=person.died_on,
        registered_at=person.registered_at,
        enrollments=enrollments,
        naty=person.naty,
    )


def register_person(ctx: Context, cmd: RegisterPerson, *, key: str) -> PersonView:
    """Register a person. The ID number is validated (GB 11643) and must not be registered already."""
    today = ctx.clock.today()
    new = validate_new_person(
        cmd.certno,
        cmd.name,
        today=today,
        phone=cmd.phone,
        address=cmd.address,
        stated_sex=cmd.sex,
        stated_birth_date=cmd.birth_date,
        naty=cmd.naty,
    )

    def handler(uow: UnitOfWork) -> PersonView:
        existing = uow.people.find_by_certno(new.resident_id.number)
        if existing is not None:
            raise Refused(ErrorCode.PERSON_ALREADY_REGISTERED, certno=new.resident_id.masked, psn_no=existing.psn_no)
        person = uow.people.add(new, ctx.clock.now())
        return person_view(uow, person, today)

    request = asdict(cmd) | {"certno": new.resident_id.number, "naty": new.naty}
    if new.naty is None:
        del request["naty"]  # so that keys stored before ethnicity was recorded replay as they were
    return ctx.write(key=key, operation="person.register", request=request, result_type=PersonView, handler=handler)


def update_contact(ctx: Context, cmd: UpdateContact, *, key: str) -> PersonView:
    """Record a change of phone and/or address, effective from ``effective_on`` (default today)."""
    phone = validate_phone(cmd.phone) if cmd.phone else None
    address = validate_address(cmd.address) if cmd.address else None
    if phone is None and address is None:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="phone/address", reason=Phrase.PHONE_OR_ADDRESS)
    today = ctx.clock.today()
    effective_on = cmd.effective_on or today

    def handler(uow: UnitOfWork) -> PersonView:
        person = resolve_person(uow, cmd.person)
        change = ContactChange(effective_on=effective_on, recorded_at=ctx.clock.now(), phone=phone, address=address)
        uow.people.add_contact(person.id, change)
        refreshed = uow.people.get(person.id)
        assert refreshed is not None
        return person_view(uow, refreshed, today)

    return ctx.write(key=key, operation="person.contact", request=asdict(cmd), result_type=PersonView, handler=handler)


def show_person(ctx: Context, ref: str) -> PersonView:
    """One person, by ID number or person number."""
    return ctx.read(lambda uow: person_view(uow, resolve_person(uow, ref), ctx.clock.today()))


def list_people(ctx: Context, *, limit: int = 100, offset: int = 0, name: str | None = None) -> list[PersonView]:
    """People in registration order, optionally those whose name contains ``name``."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    today = ctx.clock.today()

    def handler(uow: UnitOfWork) -> list[PersonView]:
        return [person_view(uow, p, today) for p in uow.people.list(limit=limit, offset=max(offset, 0), name=name)]

    return ctx.read(handler)
