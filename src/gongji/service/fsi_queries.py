"""Reads behind the national interface's queries: 5201 就诊信息, 5202 诊断信息, 5203/5261 结算信息, 5204 费用明细,
5205 人员慢特病用药记录, 5206 人员累计信息.

Who sees what: an institution reads only its own visits and settlements; another institution's is ``NotFound``, as
if it did not exist (so a query cannot tell whether it does). 5201 answers an empty list for a person the
institution has no visit with. 5205 and 5206 are about the person rather than one visit: the national platform
answers them across institutions (5205's rows name the institution that dispensed), so gongji does too, but only to an
institution that has a visit with the person (``FSI_PERSON_NOT_VISITED`` otherwise).

Every read is one read-only unit of work and bounded (:data:`MAX_QUERY_ROWS`); nothing is written, so the queries
need no idempotency and a replayed message reads again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongji.domain.catalogue import Institution
from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.settlement import SettlementRecord
from gongji.rules.book import RuleBook
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.query_ports import AccumulatorRow, QueryFeeRow, QueryVisitRow
from gongji.service.refusal_log import concerning
from gongji.service.settlement import DiagnosisView, SettlementView, read_explanation, settlement_view

__all__ = [
    "MAX_QUERY_ROWS",
    "Accumulators",
    "SettlementFound",
    "accumulators",
    "chronic_drug_lines",
    "fee_lines",
    "settlement_found",
    "settlements_between",
    "visit_diagnoses",
    "visits_of",
]

#: The most rows one query answers (the national platform pages at 100 too).
MAX_QUERY_ROWS = 100
#: The most fee lines 5204 answers for one visit or settlement.
MAX_FEE_ROWS = 2_000
#: 门诊慢特病: the national medical type and the provincial codes that extend it (140104 …).
_CHRONIC_PREFIX = MedType.CHRONIC_SPECIAL_OUTPATIENT.value


@dataclass(frozen=True)
class SettlementFound:
    """A settlement as 5203/5261 answer it: the settlement, its visit, and the message that made it."""

    settlement: SettlementView
    visit: QueryVisitRow | None
    msgid: str | None
    reversed: bool


@dataclass(frozen=True)
class Accumulators:
    """A person's yearly accumulators (5206) with the insurance type of the region each belongs to."""

    psn_no: str
    rows: list[AccumulatorRow]
    insutype_by_region: dict[str, str]


def _institution(uow: UnitOfWork, code: str) -> Institution:
    found = uow.institutions.find_by_code(code.strip().upper())
    if found is None:
        raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=code)
    return found


def _person(uow: UnitOfWork, psn_no: str) -> Person:
    found = uow.people.find_by_psn_no(psn_no.strip())
    if found is None:
        raise NotFound(ErrorCode.PERSON_NOT_FOUND, ref=psn_no)
    concerning(found.id)
    return found


def _require_visited(uow: UnitOfWork, person: Person, institution: Institution, what: Phrase) -> None:
    if not uow.queries.has_visit(person.id, institution.id):
        raise Refused(
            ErrorCode.FSI_PERSON_NOT_VISITED,
            fixmedins_code=institution.fixmedins_code,
            psn_no=person.psn_no,
            what=what,
        )


def _own_visit(uow: UnitOfWork, institution: Institution, mdtrt_id: str, psn_no: str | None) -> QueryVisitRow:
    """The institution's visit ``mdtrt_id`` (of ``psn_no`` when given); ``VISIT_NOT_FOUND`` otherwise."""
    visit = uow.visits.find(mdtrt_id.strip())
    if visit is not None and visit.institution_id == institution.id:
        rows = uow.queries.visits(
            visit.person_id,
            institution_id=institution.id,
            begin=None,
            end=None,
            med_type=None,
            mdtrt_id=visit.mdtrt_id,
            limit=1,
        )
        if rows and (psn_no is None or rows[0].psn_no == psn_no.strip()):
            return rows[0]
    raise NotFound(ErrorCode.VISIT_NOT_FOUND, mdtrt_id=mdtrt_id)


def visits_of(
    ctx: Context,
    fixmedins_code: str,
    psn_no: str,
    *,
    begin: datetime | None = None,
    end: datetime | None = None,
    med_type: str | None = None,
    mdtrt_id: str | None = None,
) -> list[QueryVisitRow]:
    """5201: the person's visits at the institution that began within the period, oldest first (at most
    :data:`MAX_QUERY_ROWS`); none for a person unknown or never seen there."""

    def handler(uow: UnitOfWork) -> list[QueryVisitRow]:
        institution = _institution(uow, fixmedins_code)
        person = uow.people.find_by_psn_no(psn_no.strip())
        if person is None:
            return []
        return uow.queries.visits(
            person.id,
            institution_id=institution.id,
            begin=begin,
            end=end,
            med_type=med_type,
            mdtrt_id=mdtrt_id,
            limit=MAX_QUERY_ROWS,
        )

    return ctx.read(handler)


def visit_diagnoses(
    ctx: Context, fixmedins_code: str, mdtrt_id: str, psn_no: str | None
) -> tuple[QueryVisitRow, list[DiagnosisView]]:
    """5202: a visit of the institution and its diagnoses (admission, then discharge)."""

    def handler(uow: UnitOfWork) -> tuple[QueryVisitRow, list[DiagnosisView]]:
        visit = _own_visit(uow, _institution(uow, fixmedins_code), mdtrt_id, psn_no)
        found = [
            DiagnosisView(stage, d.seq, d.diag_type, d.diag_code, d.diag_name, d.main)
            for stage, d in uow.visits.diagnoses(visit.id)
        ]
        return visit, found

    return ctx.read(handler)


def _msgid(record: SettlementRecord, fixmedins_code: str) -> str | None:
    """The ``msgid`` of the message that made the settlement, from its key ``fsi:<institution>:<msgid>``."""
    prefix = f"fsi:{fixmedins_code}:"
    key = record.request_key or ""
    return key[len(prefix) :] if key.startswith(prefix) else None


def _found(uow: UnitOfWork, book: RuleBook, institution: Institution, record: SettlementRecord) -> SettlementFound:
    view = settlement_view(uow, record, read_explanation(record.explanation, book))
    visit = None
    if view.mdtrt_id is not None:
        visit = _own_visit(uow, institution, view.mdtrt_id, None)
    return SettlementFound(view, visit, _msgid(record, institution.fixmedins_code), record.reversed_at is not None)


def settlement_found(
    ctx: Context, fixmedins_code: str, setl_id: str, *, mdtrt_id: str | None = None, psn_no: str | None = None
) -> SettlementFound:
    """5203: the institution's settlement ``setl_id`` (of that visit and person, when they are given)."""

    def handler(uow: UnitOfWork) -> SettlementFound:
        institution = _institution(uow, fixmedins_code)
        record = uow.settlements.find(setl_id.strip())
        if record is None or record.institution_id != institution.id:
            raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=setl_id)
        found = _found(uow, ctx.rules, institution, record)
        if (mdtrt_id is not None and found.settlement.mdtrt_id != mdtrt_id.strip()) or (
            psn_no is not None and found.settlement.psn_no != psn_no.strip()
        ):
            raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=setl_id)
        return found

    return ctx.read(handler)


def settlements_between(
    ctx: Context, fixmedins_code: str, psn_no: str, *, begin: datetime | None, end: datetime | None
) -> list[SettlementFound]:
    """5261 without a ``setl_id``: the person's settlements at the institution within the period, oldest first."""

    def handler(uow: UnitOfWork) -> list[SettlementFound]:
        institution = _institution(uow, fixmedins_code)
        person = uow.people.find_by_psn_no(psn_no.strip())
        if person is None:
            return []
        ids = uow.queries.settlement_ids(
            person.id, institution_id=institution.id, begin=begin, end=end, limit=MAX_QUERY_ROWS
        )
        records = [uow.settlements.find(setl_id) for setl_id in ids]
        return [_found(uow, ctx.rules, institution, record) for record in records if record is not None]

    return ctx.read(handler)


def fee_lines(
    ctx: Context, fixmedins_code: str, mdtrt_id: str, *, setl_id: str | None = None, psn_no: str | None = None
) -> list[QueryFeeRow]:
    """5204: the fee lines of the institution's visit, or of one of its settlements.

    A settlement made before charge batches linked lines to settlements covers its whole visit: its lines are the
    visit's."""

    def handler(uow: UnitOfWork) -> list[QueryFeeRow]:
        institution = _institution(uow, fixmedins_code)
        visit = _own_visit(uow, institution, mdtrt_id, psn_no)
        if setl_id is None:
            return uow.queries.fee_rows(visit.id, settlement_id=None, limit=MAX_FEE_ROWS)
        record = uow.settlements.find(setl_id.strip())
        if record is None or record.visit_id != visit.id:
            raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=setl_id)
        linked = uow.queries.fee_rows(visit.id, settlement_id=record.id, limit=MAX_FEE_ROWS)
        if linked:
            return linked
        return uow.queries.fee_rows(visit.id, settlement_id=None, limit=MAX_FEE_ROWS)

    return ctx.read(handler)


def chronic_drug_lines(
    ctx: Context, fixmedins_code: str, psn_no: str, *, begin: datetime, end: datetime
) -> list[QueryFeeRow]:
    """5205: the drugs of the person's chronic and special-disease outpatient visits (门诊慢特病, med_type 14 and its
    provincial extensions) at any institution within the period, for an institution that has a visit with them."""

    def handler(uow: UnitOfWork) -> list[QueryFeeRow]:
        institution = _institution(uow, fixmedins_code)
        person = _person(uow, psn_no)
        _require_visited(uow, person, institution, Phrase.QUERY_CHRONIC_DRUGS)
        return uow.queries.fee_rows_of_person(
            person.id, med_type_prefix=_CHRONIC_PREFIX, begin=begin, end=end, limit=MAX_QUERY_ROWS
        )

    return ctx.read(handler)


def accumulators(ctx: Context, fixmedins_code: str, psn_no: str, year: int) -> Accumulators:
    """5206: the person's accumulators of ``year`` as gongji keeps them (deductible paid and pooling fund paid, per
    group of medical types and region), for an institution that has a visit with them."""

    def handler(uow: UnitOfWork) -> Accumulators:
        institution = _institution(uow, fixmedins_code)
        person = _person(uow, psn_no)
        _require_visited(uow, person, institution, Phrase.QUERY_ACCUMULATORS)
        insutypes: dict[str, str] = {}
        for enrollment in uow.enrollments.for_person(person.id):
            # The basic insurance of a region carries its pooling fund: prefer it to a supplementary one.
            if enrollment.insutype.value in ("310", "390", "391") or enrollment.pooling_region not in insutypes:
                insutypes[enrollment.pooling_region] = enrollment.insutype.value
        return Accumulators(person.psn_no, uow.queries.accumulators(person.id, year), insutypes)

    return ctx.read(handler)
