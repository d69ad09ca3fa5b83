"""Use cases about enrollment (参保): enroll, pause, resume, terminate, move to another pooling region.

Enrolling in employee insurance (310) opens the personal account's two parts in the pooling region. Moving
to another pooling region ends the enrollment here, starts one there and carries the personal account's
balances across in one journal (through each region's transfer clearing account, so that every region's
ledger still sums to zero).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from gongji.domain import enrollment as rules
from gongji.domain.codes import BASIC_INSUTYPES, EndReason, Insutype, PsnType
from gongji.domain.enrollment import Enrollment, EnrollmentEvent, EventKind
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.ledger import AccountKind, JournalEntry, JournalKind, TransferSpec
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.regions import NATIONAL, Region, parse_region
from gongji.domain.relations import EndReason as RelationEndReason
from gongji.domain.wording import Said
from gongji.service.context import Context
from gongji.service.credentials import ensure_card
from gongji.service.ending import end_relations_of
from gongji.service.people import person_view, resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.views import PersonView

__all__ = [
    "Enroll",
    "MoveRegion",
    "PauseEnrollment",
    "ResumeEnrollment",
    "TerminateEnrollment",
    "active_enrollment",
    "enroll",
    "move_region",
    "pause_enrollment",
    "resume_enrollment",
    "terminate_enrollment",
]

PERSONAL_PARTS = (AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT)


@dataclass(frozen=True)
class Enroll:
    """Enroll a person in an insurance type in a pooling region from a date."""

    person: str
    insutype: Insutype
    psn_type: PsnType
    pooling_region: str
    since: date
    employer: str | None = None


@dataclass(frozen=True)
class PauseEnrollment:
    """暂停参保 of one insurance type."""

    person: str
    insutype: Insutype
    on: date
    reason: EndReason = EndReason.CONTRIBUTIONS_STOPPED


@dataclass(frozen=True)
class ResumeEnrollment:
    """恢复参保 of one insurance type."""

    person: str
    insutype: Insutype
    on: date


@dataclass(frozen=True)
class TerminateEnrollment:
    """终止参保. Death and emigration end every enrollment of the person; ``insutype`` then may be omitted."""

    person: str
    on: date
    reason: EndReason
    insutype: Insutype | None = None
    note: str | None = None


@dataclass(frozen=True)
class MoveRegion:
    """转移接续: move an enrollment (and the personal account) to another pooling region."""

    person: str
    insutype: Insutype
    to_region: str
    on: date
    employer: str | None = None


def active_enrollment(uow: UnitOfWork, person: Person, insutype: Insutype) -> Enrollment:
    """The person's normal or paused enrollment of ``insutype``; raise ``ENROLLMENT_NOT_FOUND`` if none."""
    for candidate in uow.enrollments.for_person(person.id):
        if candidate.insutype is insutype and candidate.is_active:
            return candidate
    raise NotFound(ErrorCode.ENROLLMENT_NOT_FOUND, ref=person.name, insutype=insutype.value)


def _pooling_region(code: str, field: str, on: date) -> Region:
    """A region one can be insured in from ``on``: a code in force that day, and not the national level (a move
    there is refused too)."""
    region = parse_region(code, on)
    if region.code == NATIONAL:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field=field, reason=Phrase.NATIONAL_IS_NOT_A_POOLING_REGION)
    return region


def _refuse_if_deceased(person: Person) -> None:
    if person.died_on is not None:
        raise Refused(ErrorCode.PERSON_DECEASED, ref=person.name, on=person.died_on.isoformat())


def _refuse_duplicate(uow: UnitOfWork, person: Person, insutype: Insutype) -> None:
    for current in uow.enrollments.for_person(person.id):
        if not current.is_active:
            continue
        clash = current.insutype is insutype or (insutype in BASIC_INSUTYPES and current.insutype in BASIC_INSUTYPES)
        if clash:
            raise Refused(
                ErrorCode.ALREADY_ENROLLED, ref=person.name, insutype=current.insutype, region=current.pooling_region
            )


def enroll(ctx: Context, cmd: Enroll, *, key: str) -> PersonView:
    """Enroll; employee insurance (310) also opens the personal account's prior-years and current-year parts."""
    region = _pooling_region(cmd.pooling_region, "pooling_region", cmd.since)
    employer = rules.check_new_enrollment(cmd.insutype, cmd.psn_type, cmd.employer)

    def handler(uow: UnitOfWork) -> PersonView:
        person = resolve_person(uow, cmd.person)
        _refuse_if_deceased(person)
        _refuse_duplicate(uow, person, cmd.insutype)
        created = uow.enrollments.add(person.id, cmd.insutype, cmd.psn_type, region.code, employer, cmd.since)
        uow.enrollments.add_event(created.id, EnrollmentEvent(EventKind.ENROLLED, cmd.since), ctx.clock.now())
        if cmd.insutype is Insutype.EMPLOYEE_BASIC:
            for kind in PERSONAL_PARTS:
                uow.ledger.open_account(kind, region.code, person.id, ctx.clock.now())
        # The insured person's social-security card (社会保障卡), issued with his first enrollment.
        uow.people.lock([person.id])
        ensure_card(uow, person, ctx.clock.now())
        return person_view(uow, person, ctx.clock.today())

    return ctx.write(
        key=key, operation="enrollment.enroll", request=asdict(cmd), result_type=PersonView, handler=handler
    )


def pause_enrollment(ctx: Context, cmd: PauseEnrollment, *, key: str) -> PersonView:
    """暂停参保: a normal enrollment becomes paused from ``on``."""

    def handler(uow: UnitOfWork) -> PersonView:
        person = resolve_person(uow, cmd.person)
        changed, event = rules.pause(active_enrollment(uow, person, cmd.insutype), cmd.on, cmd.reason, person.name)
        uow.enrollments.save(changed)
        uow.enrollments.add_event(changed.id, event, ctx.clock.now())
        return person_view(uow, person, ctx.clock.today())

    return ctx.write(
        key=key, operation="enrollment.pause", request=asdict(cmd), result_type=PersonView, handler=handler
    )


def resume_enrollment(ctx: Context, cmd: ResumeEnrollment, *, key: str) -> PersonView:
    """恢复参保: a paused enrollment becomes normal again from ``on``."""

    def handler(uow: UnitOfWork) -> PersonView:
        person = resolve_person(uow, cmd.person)
        _refuse_if_deceased(person)
        changed, event = rules.resume(active_enrollment(uow, person, cmd.insutype), cmd.on, person.name)
        uow.enrollments.save(changed)
        uow.enrollments.add_event(changed.id, event, ctx.clock.now())
        return person_view(uow, person, ctx.clock.today())

    return ctx.write(
        key=key, operation="enrollment.resume", request=asdict(cmd), result_type=PersonView, handler=handler
    )


def terminate_enrollment(ctx: Context, cmd: TerminateEnrollment, *, key: str) -> PersonView:
    """终止参保 with a reason. Death and emigration end all the person's enrollments; death is also recorded
    on the person, so nothing new can be done for them."""
    whole_person = cmd.reason in {EndReason.DEATH, EndReason.EMIGRATION}
    if cmd.reason is EndReason.TRANSFERRED:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="reason", reason=Phrase.USE_MOVE_FOR_TRANSFER)
    if not whole_person and cmd.insutype is None:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="insutype", reason=Phrase.SAY_WHICH_INSUTYPE_ENDS)

    def handler(uow: UnitOfWork) -> PersonView:
        person = resolve_person(uow, cmd.person)
        if whole_person and cmd.insutype is None:
            targets = [e for e in uow.enrollments.for_person(person.id) if e.is_active]
            if not targets:
                raise NotFound(ErrorCode.ENROLLMENT_NOT_FOUND, ref=person.name, insutype="*")
        else:
            assert cmd.insutype is not None
            targets = [active_enrollment(uow, person, cmd.insutype)]
            if whole_person:
                targets += [e for e in uow.enrollments.for_person(person.id) if e.is_active and e.id != targets[0].id]
        for target in targets:
            changed, event = rules.terminate(target, cmd.on, cmd.reason, person.name, cmd.note)
            uow.enrollments.save(changed)
            uow.enrollments.add_event(changed.id, event, ctx.clock.now())
            if target.insutype in BASIC_INSUTYPES:
                end_relations_of(uow, person, RelationEndReason.ENROLLMENT_TERMINATED, ctx.clock.now(), cmd.reason)
        if cmd.reason is EndReason.DEATH:
            uow.people.mark_deceased(person.id, cmd.on)
        refreshed = uow.people.get(person.id)
        assert refreshed is not None
        return person_view(uow, refreshed, ctx.clock.today())

    return ctx.write(
        key=key,
        operation="enrollment.terminate",
        request=asdict(cmd),
        result_type=PersonView,
        handler=handler,
    )


def move_region(ctx: Context, cmd: MoveRegion, *, key: str) -> PersonView:
    """转移接续: end the enrollment in its pooling region and start it in ``to_region`` on the same date.

    For employee insurance the personal account follows: both parts' balances move in one journal, the
    current-year part keeping the year it belongs to.
    """
    target_region = _pooling_region(cmd.to_region, "to_region", cmd.on)

    def handler(uow: UnitOfWork) -> PersonView:
        person = resolve_person(uow, cmd.person)
        _refuse_if_deceased(person)
        current = active_enrollment(uow, person, cmd.insutype)
        if current.pooling_region == target_region.code:
            raise Refused(ErrorCode.SAME_POOLING_REGION, ref=person.name, region=current.pooling_region)
        if not current.is_normal:
            raise Refused(
                ErrorCode.ENROLLMENT_STATUS_WRONG, ref=person.name, status=current.status, action=Phrase.ACT_MOVE_REGION
            )
        note = f"{current.pooling_region} -> {target_region.code}"
        ended, event = rules.terminate(current, cmd.on, EndReason.TRANSFERRED, person.name, note)
        uow.enrollments.save(ended)
        uow.enrollments.add_event(ended.id, event, ctx.clock.now())
        employer = cmd.employer if cmd.employer is not None else current.employer
        started = uow.enrollments.add(
            person.id, current.insutype, current.psn_type, target_region.code, employer, cmd.on
        )
        uow.enrollments.add_event(started.id, EnrollmentEvent(EventKind.ENROLLED, cmd.on, None, note), ctx.clock.now())
        if cmd.insutype is Insutype.EMPLOYEE_BASIC:
            _carry_personal_account(ctx, uow, person, current.pooling_region, target_region.code, note)
        if cmd.insutype in BASIC_INSUTYPES:
            moved = Said(
                Phrase.MOVED_BETWEEN_REGIONS, {"from_region": current.pooling_region, "to_region": target_region.code}
            )
            end_relations_of(uow, person, RelationEndReason.MOVED_REGION, ctx.clock.now(), moved)
        return person_view(uow, person, ctx.clock.today())

    return ctx.write(key=key, operation="enrollment.move", request=asdict(cmd), result_type=PersonView, handler=handler)


def _carry_personal_account(
    ctx: Context, uow: UnitOfWork, person: Person, from_region: str, to_region: str, note: str
) -> None:
    now = ctx.clock.now()
    out_clearing = uow.ledger.open_account(AccountKind.REGION_TRANSFER, from_region, None, now)
    in_clearing = uow.ledger.open_account(AccountKind.REGION_TRANSFER, to_region, None, now)
    pairs = []
    # What his wallet transfers still reserve moves too, and the transfers say so: a return or a payment then comes
    # from (and goes back to) the account in the region he is insured in now.
    uow.wallets.move_sender_region(person.id, from_region, to_region)
    reserved = uow.ledger.find_account(AccountKind.WALLET_RESERVED, from_region, person.id)
    for kind in (*PERSONAL_PARTS, *((AccountKind.WALLET_RESERVED,) if reserved else ())):
        old = uow.ledger.open_account(kind, from_region, person.id, now)
        new = uow.ledger.open_account(kind, to_region, person.id, now)
        pairs.append((kind, old.id, new.id))
    locked = uow.ledger.lock([out_clearing.id, in_clearing.id, *(i for _, a, b in pairs for i in (a, b))])
    specs: list[TransferSpec] = []
    for kind, old_id, new_id in pairs:
        amount = locked[old_id].balance_fen
        if kind is AccountKind.PERSONAL_CURRENT:
            old_row = uow.ledger.find_account(kind, from_region, person.id)
            assert old_row is not None
            assert old_row.period_year is not None
            uow.ledger.set_period_year(new_id, old_row.period_year)
        if amount > 0:
            specs.append(TransferSpec(old_id, out_clearing.id, amount))
            specs.append(TransferSpec(in_clearing.id, new_id, amount))
    if specs:
        uow.ledger.post(JournalEntry(JournalKind.REGION_TRANSFER, now, specs, reference=note, person_id=person.id))
