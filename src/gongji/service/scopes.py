"""Where things belong: the pooling region of a person, a relation, a journal, a visit or a settlement, and the
institution of a visit or settlement — the facts an edge needs to decide whether a caller may touch them.

A person belongs to the pooling region of their active (normal or paused) basic enrollment; a person with none
belongs to the region of their latest enrollment, and a person never enrolled to no region yet (``None``). A relation
belongs to both parties' regions, a journal to the regions of the personal accounts it moved, a visit and a
settlement to the region that settles them.

Each reader raises the use cases' ``NotFound`` for an unknown reference, so an edge answers "not found" the same way
whether it checks access first or not.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongji.domain.enrollment import home_region
from gongji.domain.errors import ErrorCode, NotFound
from gongji.domain.people import Person
from gongji.service.context import Context
from gongji.service.people import MAX_PAGE_SIZE, person_view, resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.views import PersonView

__all__ = [
    "Scope",
    "insured_people",
    "journal_regions",
    "person_region",
    "relation_regions",
    "settlement_scope",
    "visit_scope",
]


@dataclass(frozen=True)
class Scope:
    """The pooling region and the institution (``fixmedins_code``) a visit or settlement belongs to."""

    region: str
    fixmedins_code: str | None


def _region_of(uow: UnitOfWork, person: Person) -> str | None:
    return home_region(uow.enrollments.for_person(person.id))


def person_region(ctx: Context, ref: str) -> str | None:
    """The pooling region a person belongs to (see the module's docstring); ``PERSON_NOT_FOUND`` if none."""
    return ctx.read(lambda uow: _region_of(uow, resolve_person(uow, ref)))


def relation_regions(ctx: Context, relation_id: int) -> tuple[str, ...]:
    """The regions of a relation: the authoriser's and the beneficiary's (one if they are the same)."""

    def handler(uow: UnitOfWork) -> tuple[str, ...]:
        relation = uow.relations.get(relation_id)
        if relation is None:
            raise NotFound(ErrorCode.RELATION_NOT_FOUND, relation_id=relation_id)
        return tuple(dict.fromkeys((relation.region, relation.beneficiary_region)))

    return ctx.read(handler)


def journal_regions(ctx: Context, journal_id: int) -> tuple[str, ...]:
    """The regions of the personal accounts a journal moved (of every account it moved, if none is personal)."""

    def handler(uow: UnitOfWork) -> tuple[str, ...]:
        journal = uow.ledger.get_journal(journal_id)
        if journal is None:
            raise NotFound(ErrorCode.JOURNAL_NOT_FOUND, journal_id=journal_id)
        ids = {t.debit_account_id for t in journal.transfers} | {t.credit_account_id for t in journal.transfers}
        rows = uow.ledger.accounts_by_id(ids)
        personal = [row.region for row in rows if row.state.owner_person_id is not None]
        return tuple(sorted(set(personal or [row.region for row in rows])))

    return ctx.read(handler)


def visit_scope(ctx: Context, mdtrt_id: str) -> Scope:
    """The region and institution of a visit; ``VISIT_NOT_FOUND`` if there is none."""

    def handler(uow: UnitOfWork) -> Scope:
        visit = uow.visits.find(mdtrt_id.strip())
        if visit is None:
            raise NotFound(ErrorCode.VISIT_NOT_FOUND, mdtrt_id=mdtrt_id)
        institution = uow.institutions.get(visit.institution_id)
        return Scope(visit.region, institution.fixmedins_code if institution else None)

    return ctx.read(handler)


def settlement_scope(ctx: Context, setl_id: str) -> Scope:
    """The region and institution of a settlement; ``SETTLEMENT_NOT_FOUND`` if there is none."""

    def handler(uow: UnitOfWork) -> Scope:
        record = uow.settlements.find(setl_id.strip())
        if record is None:
            raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=setl_id)
        institution = uow.institutions.get(record.institution_id) if record.institution_id else None
        return Scope(record.region, institution.fixmedins_code if institution else None)

    return ctx.read(handler)


def insured_people(
    ctx: Context, regions: frozenset[str], *, limit: int = 100, offset: int = 0, name: str | None = None
) -> list[PersonView]:
    """The people insured (active basic enrollment) in one of ``regions``, in registration order."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    today = ctx.clock.today()

    def handler(uow: UnitOfWork) -> list[PersonView]:
        found = uow.reports.insured_people(regions, limit=limit, offset=max(offset, 0), name=name)
        return [person_view(uow, person, today) for person in found]

    return ctx.read(handler)
