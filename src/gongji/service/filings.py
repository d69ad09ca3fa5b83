"""People's filings (备案) through the national interface: referrals, chronic diseases, designated institutions.

Three kinds, each filed and cancelled by an institution for one person, valid from a start date (and until an end
date, inclusive, when given):

- ``referral`` — 转院备案 (2501, cancelled by 2502): the institution the person is referred to (``reflin_medins_no``),
  which may lie outside gongji (another province), so it is recorded as given;
- ``chronic`` — 人员慢特病备案 (2503 / 2504): a chronic or special outpatient disease (``opsp_dise_code``), read back by
  5301 and by the entitlement check (2001) for 门诊慢特病 visits;
- ``designated`` — 人员定点备案 (2505 / 2506): an institution the person chose (``fixmedins_code``), which must be a
  designated institution gongji knows; read back by 5302 and by 2001.

A filing's number is the national 待遇申报明细流水号 (``trt_dcla_detl_sn``): the kind's digit (1 referral, 3 chronic,
5 designated, as in 2501/2503/2505), the filing day ``yyyyMMdd`` and the row id in 12 digits — unique because the
row id is. A cancellation names that number and the person; only the institution that filed may cancel, once.

Refusals: an unknown person (``PERSON_NOT_FOUND``); no active enrollment in the insurance type named
(``ENROLLMENT_NOT_FOUND``); an end before the start (``FIELD_INVALID``); a live filing of the same kind and subject
whose period overlaps (``FILING_OVERLAPS``); a designated institution gongji does not know (``INSTITUTION_NOT_FOUND``);
a cancellation of an unknown number or of another person's filing (``FILING_NOT_FOUND``), of another institution's
(``FILING_OF_OTHER_INSTITUTION``) or of a cancelled one (``FILING_ALREADY_CANCELLED``). Every write is idempotent by
its key (the message) and refusals are replayed as refusals.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum

from gongji.domain.codes import Insutype
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said
from gongji.service.context import Context
from gongji.service.fsi_ports import StoredFiling
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork

__all__ = [
    "CancelFiling",
    "FileFiling",
    "FilingKind",
    "FilingView",
    "cancel_filing",
    "file_filing",
    "filing_number",
    "filings_in_force",
    "filings_of",
]

#: The longest memo (cancellation reason) recorded.
MAX_MEMO_CHARS = 200
#: Most detail fields a filing keeps besides its subject (tel, addr, diag_code …): a limit on everything.
MAX_DETAIL_FIELDS = 30


class FilingKind(StrEnum):
    """The kind of a filing, with the digit its numbers begin with and its name in both languages."""

    REFERRAL = "referral"
    CHRONIC = "chronic"
    DESIGNATED = "designated"

    @property
    def digit(self) -> str:
        """The first digit of the kind's filing numbers (as in 2501 / 2503 / 2505)."""
        return {"referral": "1", "chronic": "3", "designated": "5"}[self.value]

    @property
    def phrase(self) -> Phrase:
        """The kind's name, as a phrase of the catalogue."""
        return {
            FilingKind.REFERRAL: Phrase.FILING_REFERRAL,
            FilingKind.CHRONIC: Phrase.FILING_CHRONIC,
            FilingKind.DESIGNATED: Phrase.FILING_DESIGNATED,
        }[self]

    @property
    def zh(self) -> str:
        """The kind's Chinese name."""
        return self.phrase.zh

    @property
    def en(self) -> str:
        """The kind's English name."""
        return self.phrase.en


@dataclass(frozen=True)
class FileFiling:
    """File ``kind`` for ``person`` (psn_no or ID number), by ``institution``, for ``subject_code``.

    ``insutype`` is the insurance type the filing is for; without it, the person's basic enrollment's is recorded.
    ``detail`` carries the filing's other national fields as given (pairs, so that the command hashes stably).
    """

    kind: FilingKind
    person: str
    institution: str
    subject_code: str
    begin_on: date
    end_on: date | None = None
    subject_name: str | None = None
    insutype: Insutype | None = None
    detail: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class CancelFiling:
    """Cancel the filing numbered ``trt_dcla_detl_sn`` of ``person``, by ``institution``, with the reason given."""

    kind: FilingKind
    person: str
    trt_dcla_detl_sn: str
    institution: str
    memo: str | None = None


@dataclass(frozen=True)
class FilingView:
    """A filing as the national interface answers it."""

    trt_dcla_detl_sn: str
    kind: FilingKind
    psn_no: str
    insutype: str | None
    fixmedins_code: str
    subject_code: str
    subject_name: str | None
    begin_on: date
    end_on: date | None
    detail: dict[str, str]
    filed_at: datetime
    cancelled_at: datetime | None
    cancel_memo: str | None

    def in_force_on(self, day: date) -> bool:
        """Whether the filing holds on ``day``: not cancelled, and ``day`` within its period."""
        return self.cancelled_at is None and self.begin_on <= day and (self.end_on is None or day <= self.end_on)


_NUMBER = re.compile(r"^([135])(\d{8})(\d{12})$")


def filing_number(filing: StoredFiling) -> str:
    """The 待遇申报明细流水号 of a stored filing (see the module's note)."""
    return f"{FilingKind(filing.kind).digit}{filing.filed_at:%Y%m%d}{filing.id:012d}"


def _view(person: Person, filing: StoredFiling) -> FilingView:
    return FilingView(
        trt_dcla_detl_sn=filing_number(filing),
        kind=FilingKind(filing.kind),
        psn_no=person.psn_no,
        insutype=filing.insutype,
        fixmedins_code=filing.fixmedins_code,
        subject_code=filing.subject_code,
        subject_name=filing.subject_name,
        begin_on=filing.begin_on,
        end_on=filing.end_on,
        detail=dict(filing.detail),
        filed_at=filing.filed_at,
        cancelled_at=filing.cancelled_at,
        cancel_memo=filing.cancel_memo,
    )


def _kind_params(kind: FilingKind) -> dict[str, FilingKind]:
    """The kind as a refusal's parameter: a term, rendered by the edges."""
    return {"kind": kind}


def _overlaps(a_begin: date, a_end: date | None, b_begin: date, b_end: date | None) -> bool:
    return (a_end is None or b_begin <= a_end) and (b_end is None or a_begin <= b_end)


def _check_command(cmd: FileFiling) -> None:
    if cmd.end_on is not None and cmd.end_on < cmd.begin_on:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="enddate", reason=Phrase.PERIOD_ENDS_BEFORE_START)
    if len(cmd.detail) > MAX_DETAIL_FIELDS:
        reason = Said(Phrase.FILING_TOO_MANY_FIELDS, {"max": MAX_DETAIL_FIELDS})
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="data", reason=reason)


def _insutype(uow: UnitOfWork, person: Person, wanted: Insutype | None) -> str | None:
    """The insurance type recorded: the one named, which the person must hold actively, else his basic one's."""
    active = [e for e in uow.enrollments.for_person(person.id) if e.is_active]
    if wanted is None:
        return active[0].insutype.value if active else None
    if not any(e.insutype is wanted for e in active):
        raise NotFound(ErrorCode.ENROLLMENT_NOT_FOUND, ref=person.name, insutype=wanted.value)
    return wanted.value


def _refuse_overlap(uow: UnitOfWork, person: Person, cmd: FileFiling) -> None:
    for other in uow.filings.of_person(person.id, cmd.kind.value):
        live = other.cancelled_at is None and other.subject_code == cmd.subject_code
        if live and _overlaps(other.begin_on, other.end_on, cmd.begin_on, cmd.end_on):
            raise Refused(
                ErrorCode.FILING_OVERLAPS,
                name=person.name,
                subject=other.subject_name or other.subject_code,
                trt_dcla_detl_sn=filing_number(other),
                begin=other.begin_on.isoformat(),
                end=other.end_on.isoformat() if other.end_on else "—",
                **_kind_params(cmd.kind),
            )


def file_filing(ctx: Context, cmd: FileFiling, *, key: str) -> FilingView:
    """2501 / 2503 / 2505: record a filing (see the module's note for its refusals)."""
    _check_command(cmd)

    def handler(uow: UnitOfWork) -> FilingView:
        person = resolve_person(uow, cmd.person)
        uow.people.lock([person.id])  # two racing filings of one person cannot both pass the overlap check
        insutype = _insutype(uow, person, cmd.insutype)
        if cmd.kind is FilingKind.DESIGNATED and uow.institutions.find_by_code(cmd.subject_code) is None:
            raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=cmd.subject_code)
        _refuse_overlap(uow, person, cmd)
        stored = uow.filings.add(
            StoredFiling(
                id=0,
                kind=cmd.kind.value,
                person_id=person.id,
                insutype=insutype,
                fixmedins_code=cmd.institution,
                subject_code=cmd.subject_code,
                subject_name=cmd.subject_name,
                begin_on=cmd.begin_on,
                end_on=cmd.end_on,
                detail=dict(cmd.detail),
                filed_at=ctx.clock.now(),
            )
        )
        return _view(person, stored)

    request = asdict(cmd) | {"person": cmd.person.strip().upper()}
    return ctx.write(
        key=key, operation=f"filing.{cmd.kind.value}", request=request, result_type=FilingView, handler=handler
    )


def _stored(uow: UnitOfWork, person: Person, cmd: CancelFiling) -> StoredFiling:
    """The filing a cancellation names: its number must be of this kind and person, and carry its filing day."""
    missing = NotFound(
        ErrorCode.FILING_NOT_FOUND, trt_dcla_detl_sn=cmd.trt_dcla_detl_sn, ref=person.psn_no, **_kind_params(cmd.kind)
    )
    found = _NUMBER.match(cmd.trt_dcla_detl_sn.strip())
    if found is None or found.group(1) != cmd.kind.digit:
        raise missing
    filing = uow.filings.get(int(found.group(3)), lock=True)
    if filing is None or filing.person_id != person.id or filing_number(filing) != cmd.trt_dcla_detl_sn.strip():
        raise missing
    return filing


def cancel_filing(ctx: Context, cmd: CancelFiling, *, key: str) -> FilingView:
    """2502 / 2504 / 2506: cancel a filing by its number; only the institution that filed it may, and only once."""
    memo = (cmd.memo or "").strip() or None
    if memo is not None and len(memo) > MAX_MEMO_CHARS:
        reason = Said(Phrase.LONGER_THAN_CHARS, {"max": MAX_MEMO_CHARS})
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="memo", reason=reason)

    def handler(uow: UnitOfWork) -> FilingView:
        person = resolve_person(uow, cmd.person)
        uow.people.lock([person.id])
        filing = _stored(uow, person, cmd)
        number, kind = filing_number(filing), _kind_params(cmd.kind)
        if filing.fixmedins_code != cmd.institution:
            raise Refused(
                ErrorCode.FILING_OF_OTHER_INSTITUTION,
                trt_dcla_detl_sn=number,
                owner=filing.fixmedins_code,
                fixmedins_code=cmd.institution,
                **kind,
            )
        if filing.cancelled_at is not None:
            at = filing.cancelled_at.strftime("%Y-%m-%d %H:%M:%S")
            raise Refused(ErrorCode.FILING_ALREADY_CANCELLED, trt_dcla_detl_sn=number, at=at, **kind)
        uow.filings.cancel(filing.id, ctx.clock.now(), memo)
        cancelled = uow.filings.get(filing.id)
        assert cancelled is not None
        return _view(person, cancelled)

    request = asdict(cmd) | {"person": cmd.person.strip().upper(), "memo": memo}
    return ctx.write(
        key=key, operation=f"filing.{cmd.kind.value}.cancel", request=request, result_type=FilingView, handler=handler
    )


def filings_in_force(uow: UnitOfWork, person: Person, kind: FilingKind, day: date) -> list[FilingView]:
    """A person's filings of ``kind`` that hold on ``day`` (for the entitlement check, inside its unit of work)."""
    return [v for v in (_view(person, f) for f in uow.filings.of_person(person.id, kind.value)) if v.in_force_on(day)]


def filings_of(ctx: Context, person_ref: str, kind: FilingKind, *, on: date | None = None) -> list[FilingView]:
    """5301 / 5302: a person's filings of ``kind`` — those in force on ``on`` when given, else every live one."""

    def handler(uow: UnitOfWork) -> list[FilingView]:
        person = resolve_person(uow, person_ref)
        views = [_view(person, f) for f in uow.filings.of_person(person.id, kind.value)]
        if on is not None:
            return [v for v in views if v.in_force_on(on)]
        return [v for v in views if v.cancelled_at is None]

    return ctx.read(handler)
