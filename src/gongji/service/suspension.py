"""暂停 / 恢复联网结算: an operator suspends a person's networked settlement (seed 001: a lent card) and lifts it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.suspension import Suspension
from gongji.domain.wording import Said
from gongji.service.checks import Finding
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork

__all__ = [
    "LiftSuspension",
    "SuspendPerson",
    "SuspensionView",
    "finding_among",
    "lift_suspension",
    "refuse_if_suspended",
    "suspend_person",
    "suspension_finding",
    "suspensions",
]


@dataclass(frozen=True)
class SuspendPerson:
    """Suspend a person's networked settlement from ``since`` (and until ``until`` if given), with the reason."""

    person: str
    reason: str
    operator: str
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class LiftSuspension:
    """Lift the suspension in force."""

    person: str
    operator: str


@dataclass(frozen=True)
class SuspensionView:
    """A suspension as the counter sees it."""

    id: int
    name: str
    reason: str
    since: date
    until: date | None
    operator: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None


#: The longest reason or operator a suspension records.
_MAX_TEXT_CHARS = 200


def _view(person: Person, s: Suspension) -> SuspensionView:
    return SuspensionView(
        s.id, person.name, s.reason, s.since, s.until, s.operator, s.created_at, s.lifted_at, s.lifted_by
    )


def _text(value: str, field: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > _MAX_TEXT_CHARS:
        reason = Said(Phrase.ONE_TO_MAX_CHARS, {"max": _MAX_TEXT_CHARS})
        raise InvalidInput(ErrorCode.FIELD_INVALID, field=field, reason=reason)
    return cleaned


def suspension_finding(uow: UnitOfWork, person: Person, day: date, moment: datetime) -> Finding | None:
    """The suspension that refuses a networked settlement of ``day`` when asked at ``moment``, as a finding."""
    return finding_among(uow.people.suspensions(person.id), person, day, moment)


def finding_among(suspensions: Iterable[Suspension], person: Person, day: date, moment: datetime) -> Finding | None:
    """Of the person's ``suspensions`` (read already), the one that refuses a networked settlement of ``day`` when
    asked at ``moment``, as a finding."""
    for suspension in suspensions:
        if suspension.applies_on(day, moment):
            shown = {"name": person.name, "since": suspension.since.isoformat(), "reason": suspension.reason}
            return Finding(ErrorCode.SETTLEMENT_SUSPENDED, shown)
    return None


def refuse_if_suspended(uow: UnitOfWork, person: Person, day: date, moment: datetime) -> None:
    """Raise ``SETTLEMENT_SUSPENDED`` when a suspension applies to a settlement of ``day``."""
    finding = suspension_finding(uow, person, day, moment)
    if finding is not None:
        raise finding.refusal()


def suspend_person(ctx: Context, cmd: SuspendPerson, *, key: str) -> list[SuspensionView]:
    """暂停联网结算: refused while another suspension is in force."""
    reason, operator = _text(cmd.reason, "reason"), _text(cmd.operator, "operator")
    if cmd.until is not None and cmd.since is not None and cmd.until < cmd.since:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="until", reason=Phrase.PERIOD_ENDS_BEFORE_START)

    def handler(uow: UnitOfWork) -> list[SuspensionView]:
        person = resolve_person(uow, cmd.person)
        uow.people.lock([person.id])
        now = ctx.clock.now()
        since = cmd.since or now.date()
        for existing in uow.people.suspensions(person.id):
            if existing.lifted_at is None and (existing.until is None or existing.until >= since):
                raise Refused(ErrorCode.ALREADY_SUSPENDED, name=person.name, since=existing.since.isoformat())
        uow.people.add_suspension(Suspension(0, person.id, reason, since, cmd.until, operator, now))
        return [_view(person, s) for s in uow.people.suspensions(person.id)]

    request = asdict(cmd) | {"person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="person.suspend", request=request, result_type=list[SuspensionView], handler=handler
    )


def lift_suspension(ctx: Context, cmd: LiftSuspension, *, key: str) -> list[SuspensionView]:
    """恢复联网结算: lift the suspension in force (``SUSPENSION_NOT_FOUND`` when none is)."""
    operator = _text(cmd.operator, "operator")

    def handler(uow: UnitOfWork) -> list[SuspensionView]:
        person = resolve_person(uow, cmd.person)
        uow.people.lock([person.id])
        now = ctx.clock.now()
        live = [
            s
            for s in uow.people.suspensions(person.id)
            if s.lifted_at is None and (s.until is None or s.until >= now.date())
        ]
        if not live:
            raise NotFound(ErrorCode.SUSPENSION_NOT_FOUND, name=person.name)
        for suspension in live:
            uow.people.lift_suspension(suspension.id, now, operator)
        return [_view(person, s) for s in uow.people.suspensions(person.id)]

    request = asdict(cmd) | {"person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation="person.resume", request=request, result_type=list[SuspensionView], handler=handler
    )


def suspensions(ctx: Context, person_ref: str) -> list[SuspensionView]:
    """Every suspension of a person, lifted or not."""

    def handler(uow: UnitOfWork) -> list[SuspensionView]:
        person = resolve_person(uow, person_ref)
        return [_view(person, s) for s in uow.people.suspensions(person.id)]

    return ctx.read(handler)
