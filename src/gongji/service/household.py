"""What one insured person may see of his own family, for front ends that act for that person (the portal).

A person's **circle** is himself, everyone he has or had a mutual-aid relation with (either side, any state), and
everyone linked to him by a 亲情账户 (proxy link). Every question here is answered only within that circle: a
relation, settlement or person outside it reads as "not found", so a front end can neither show nor reveal it.

The module adds no rule of its own; it gathers what the other use cases already decide:

* :func:`circle` — the people of the circle, with masked ID numbers;
* :func:`find_relative` — a person named by ID number *and* name (a binding form asks for both);
* :func:`awaiting` / :func:`pending_for` — binding requests that wait for this person's confirmation, as the relative
  himself or as the guardian of a minor relative, and whether face verification is needed;
* :func:`relation_of` — one relation of his;
* :func:`region_rules` — the rule values a person should know before acting (changes per year, face-verification age,
  quota model, proof, …), each with its source;
* :func:`records` / :func:`settlement_for` — the settlements his records touch, the year's spending from his account
  by family member, and one settlement he is part of.

What they answer is :mod:`gongji.service.household_views`; who an ID number belongs to, for signing in, is
:mod:`gongji.service.household_identity`.

Guardians (监护人) are those :meth:`gongji.domain.relations.Kinship.guardians_of` names — the minor's parents as the
family's live relations state them, and the authoriser and his spouse when he binds his own child — the same rule
:func:`gongji.service.relations.lifecycle.confirm_binding` enforces (a relative of 16 or over answers himself).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from gongji.domain.codes import BASIC_INSUTYPES, RelationType
from gongji.domain.errors import ErrorCode, NotFound
from gongji.domain.identity import mask_id_number
from gongji.domain.ledger import AccountKind, JournalKind
from gongji.domain.people import Person
from gongji.domain.relations import Kinship, Relation, RelationState
from gongji.domain.settlement import SettlementRecord
from gongji.rules import parameters as params
from gongji.rules.book import Resolved
from gongji.rules.schema import Parameter
from gongji.service.checks import rule_trace_views
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.household_views import (
    CircleView,
    ConfirmRole,
    MemberView,
    PendingView,
    RecordsView,
    RegionRulesView,
    SettlementLinkView,
    SettlementRole,
    SpendingView,
)
from gongji.service.people import resolve_person
from gongji.service.ports import StatementLine, UnitOfWork
from gongji.service.relations.common import ADULT_AGE
from gongji.service.relations.queries import relation
from gongji.service.settlement import SettlementView, show_settlement
from gongji.service.views import RelationView, RuleTraceView

__all__ = [
    "awaiting",
    "circle",
    "find_relative",
    "pending_for",
    "records",
    "region_rules",
    "relation_of",
    "settlement_for",
]

#: The most settlements one year's records list (a person rarely has more than a few dozen).
MAX_SETTLEMENTS_PER_YEAR = 1_000

# --- who ---------------------------------------------------------------------------------------------------------


def find_relative(ctx: Context, certno: str, name: str) -> str | None:
    """The person number of the person registered under ``certno`` whose name is ``name`` (both must match, so that a
    binding form cannot be used to learn who holds a number), or ``None``."""
    number, wanted = certno.strip().upper(), name.strip()

    def handler(uow: UnitOfWork) -> str | None:
        person = uow.people.find_by_certno(number)
        return person.psn_no if person is not None and person.name == wanted else None

    return ctx.read(handler)


def _member(
    uow: UnitOfWork, person: Person, owner_id: int, relations: Sequence[Relation], proxy: bool, today: date
) -> MemberView:
    enrollments = uow.enrollments.for_person(person.id)
    basic = next((e for e in enrollments if e.is_active and e.insutype in BASIC_INSUTYPES), None)
    return MemberView(
        person_id=person.id,
        psn_no=person.psn_no,
        name=person.name,
        masked_certno=mask_id_number(person.certno),
        sex=person.sex.value,
        age=person.age_on(today),
        insutype=basic.insutype.value if basic else None,
        region=basic.pooling_region if basic else None,
        is_me=person.id == owner_id,
        i_pay_for=sorted(
            {r.relation_type.value for r in relations if r.authoriser_id == owner_id and r.beneficiary_id == person.id}
        ),
        pays_for_me=sorted(
            {r.relation_type.value for r in relations if r.beneficiary_id == owner_id and r.authoriser_id == person.id}
        ),
        proxy_link=proxy,
    )


def _circle(uow: UnitOfWork, me: Person, today: date) -> CircleView:
    relations = uow.relations.of_person(me.id)
    proxies = [p for p in uow.relations.proxies_of(me.id) if p.is_active]
    ids = {r.authoriser_id for r in relations} | {r.beneficiary_id for r in relations}
    proxy_ids = {p.owner_id for p in proxies} | {p.relative_id for p in proxies}
    ids |= proxy_ids
    ids.discard(me.id)
    people = uow.people.get_many(ids)
    members = [
        _member(uow, people[i], me.id, relations, i in proxy_ids, today)
        for i in sorted(people, key=lambda i: people[i].name)
    ]
    return CircleView(me=_member(uow, me, me.id, relations, False, today), members=members)


def circle(ctx: Context, person_ref: str) -> CircleView:
    """The person and everyone in his circle (relations of any state, proxy links still active)."""
    return ctx.read(lambda uow: _circle(uow, resolve_person(uow, person_ref), ctx.clock.now().date()))


# --- requests waiting for me ---------------------------------------------------------------------------------------


def _pending(ctx: Context, uow: UnitOfWork, me: Person, candidates: Sequence[Relation]) -> list[PendingView]:
    now = ctx.clock.now()
    found: list[PendingView] = []
    for r in candidates:
        if r.state_at(now) is not RelationState.REQUESTED:
            continue
        beneficiary = uow.people.get(r.beneficiary_id)
        assert beneficiary is not None
        age = beneficiary.age_on(now.date())
        threshold: Resolved[int] = ctx.rules.resolve(
            params.FACE_VERIFICATION_MIN_AGE_YEARS, r.beneficiary_region, now.date()
        )
        role: ConfirmRole
        if r.beneficiary_id == me.id:
            if age < threshold.value:  # too young to confirm: a guardian does (GUARDIAN_REQUIRED otherwise)
                continue
            role = "self"
        elif age < threshold.value and me.age_on(now.date()) >= ADULT_AGE:  # from that age he answers himself
            family = uow.relations.of_people([r.authoriser_id, r.beneficiary_id])
            kinship = Kinship.of(family, now)
            if me.id not in kinship.guardians_of(r):
                continue
            role = "guardian"
        else:
            continue
        found.append(
            PendingView(
                relation=relation(ctx, r.id),
                role=role,
                beneficiary_age=age,
                face_required=me.age_on(now.date()) >= threshold.value,
                face_min_age=threshold.value,
                face_rule=rule_trace_views([threshold.trace])[0],
            )
        )
    return found


def _requests_near(uow: UnitOfWork, me: Person) -> list[Relation]:
    """Requests of my own and of the minors my relations name (my children, my spouse's children)."""
    mine = uow.relations.of_person(me.id)
    near = {r.authoriser_id for r in mine} | {r.beneficiary_id for r in mine}
    spouses = {r.beneficiary_id for r in mine if r.relation_type is RelationType.SPOUSE and r.authoriser_id == me.id}
    spouses |= {r.authoriser_id for r in mine if r.relation_type is RelationType.SPOUSE and r.beneficiary_id == me.id}
    by_id = {r.id: r for r in uow.relations.of_people(near | spouses | {me.id})}
    return [by_id[i] for i in sorted(by_id)]


def awaiting(ctx: Context, person_ref: str) -> list[PendingView]:
    """Binding requests that wait for this person's confirmation (his own, or a minor's he is guardian of)."""

    def handler(uow: UnitOfWork) -> list[PendingView]:
        me = resolve_person(uow, person_ref)
        return _pending(ctx, uow, me, _requests_near(uow, me))

    return ctx.read(handler)


def pending_for(ctx: Context, person_ref: str, relation_id: int) -> PendingView:
    """One request waiting for this person; ``RELATION_NOT_FOUND`` when it does not wait for him."""
    found = [p for p in awaiting(ctx, person_ref) if p.relation.id == relation_id]
    if not found:
        raise NotFound(ErrorCode.RELATION_NOT_FOUND, relation_id=relation_id)
    return found[0]


def relation_of(ctx: Context, person_ref: str, relation_id: int) -> RelationView:
    """One relation this person is a side of, with its history; ``RELATION_NOT_FOUND`` otherwise."""

    def handler(uow: UnitOfWork) -> int:
        me = resolve_person(uow, person_ref)
        found = uow.relations.get(relation_id)
        if found is None or not found.involves(me.id):
            raise NotFound(ErrorCode.RELATION_NOT_FOUND, relation_id=relation_id)
        return found.id

    return relation(ctx, ctx.read(handler))


# --- rules a person should see before acting -------------------------------------------------------------------------


def region_rules(ctx: Context, region: str, on: date | None = None) -> RegionRulesView:
    """The values of ``region`` on ``on`` (default today) that the portal shows before a person binds, confirms,
    sets a quota or ends a relation — each with its source."""
    day = on or ctx.clock.now().date()
    traces: dict[str, RuleTraceView] = {}

    def get(param: Parameter[Any]) -> Any:
        found = ctx.rules.resolve(param, region, day)
        traces[param.name] = rule_trace_views([found.trace])[0]
        return found.value

    def maybe(param: Parameter[Any]) -> Any:
        found = ctx.rules.find(param, region, day)
        if found is None:
            return None
        traces[param.name] = rule_trace_views([found.trace])[0]
        return found.value

    enabled = maybe(params.MUTUAL_AID_ENABLED)
    model = get(params.QUOTA_MODEL)
    share = maybe(params.QUOTA_ANNUAL_SHARE_BP) if model.value == "annual_share" else None
    return RegionRulesView(
        region=region,
        on=day,
        mutual_aid_enabled=bool(enabled),
        allowed_relations=[r.value for r in get(params.ALLOWED_RELATIONS)],
        max_beneficiaries=get(params.MAX_BENEFICIARIES_AT_ONCE_COUNT),
        changes_per_year=get(params.CHANGES_PER_YEAR_COUNT),
        face_min_age=get(params.FACE_VERIFICATION_MIN_AGE_YEARS),
        quota_model=model.value,
        quota_share_bp=share,
        binding_proof=get(params.BINDING_PROOF).value,
        unbinding_needs_both_sides=bool(get(params.UNBINDING_NEEDS_BOTH_SIDES)),
        own_account_first=bool(get(params.OWN_ACCOUNT_PAYS_FIRST)),
        waiting_period_days=get(params.WAITING_PERIOD_DAYS),
        shareable_part=get(params.SHAREABLE_PART).value,
        binding_after_admission_pays_stay=maybe(params.BINDING_AFTER_ADMISSION_PAYS_STAY),
        traces=traces,
    )


# --- records -------------------------------------------------------------------------------------------------------

_MONEY_KINDS = frozenset({AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT, AccountKind.WALLET})
_SETTLEMENT_KINDS = frozenset({JournalKind.SETTLEMENT, JournalKind.REVERSAL})


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=SHANGHAI)
    return start, datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=SHANGHAI)


def _record_of_line(uow: UnitOfWork, line: StatementLine) -> SettlementRecord | None:
    """The settlement a settlement or reversal journal belongs to: a settlement journal is referenced by its visit
    (``mdtrt_id``), a reversal by the settlement's ``setl_id``."""
    if line.reference is None:
        return None
    if line.journal_kind is JournalKind.REVERSAL:
        return uow.settlements.find(line.reference)
    visit = uow.visits.find(line.reference)
    if visit is None:
        return None
    return next((r for r in uow.settlements.for_visit(visit.id) if r.journal_id == line.journal_id), None)


def _involves(record: SettlementRecord, person_id: int) -> SettlementRole | None:
    patient = record.person_id == person_id
    payer = any(p.payer_person_id == person_id for p in record.payers)
    if patient and payer:
        return "both"
    if patient:
        return "patient"
    return "payer" if payer else None


def records(ctx: Context, person_ref: str, year: int) -> RecordsView:
    """The settlements of ``year`` that a person's records touch — his own bills however they were paid (fund, cash,
    his account or his relatives'), and his relatives' bills his account paid — with what his own account paid for
    each family member.
    """
    start, end = _year_bounds(year)

    def handler(uow: UnitOfWork) -> RecordsView:
        me = resolve_person(uow, person_ref)
        own = [row.state.id for row in uow.ledger.accounts_of_person(me.id)]
        payers = {r.authoriser_id for r in uow.relations.of_person(me.id) if r.beneficiary_id == me.id}
        theirs = [
            row.state.id
            for row in (uow.ledger.accounts_of_people(payers) if payers else [])
            if row.state.kind in (AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT)
        ]
        own_set = set(own)
        lines = [
            line
            for line in uow.ledger.statement(sorted(own_set | set(theirs)), start, end)
            if line.journal_kind in _SETTLEMENT_KINDS
            and (line.account_id in own_set or line.journal_person_id == me.id)
        ]
        by_setl: dict[str, tuple[SettlementRecord, SettlementRole]] = {}
        setl_by_journal: dict[int, str] = {}
        spent: dict[int, int] = {}
        by_journal: dict[int, SettlementRecord | None] = {}
        for line in lines:
            if line.journal_id not in by_journal:
                by_journal[line.journal_id] = _record_of_line(uow, line)
            record = by_journal[line.journal_id]
            if record is None:
                continue
            role = _involves(record, me.id)
            if role is None:
                continue
            setl_by_journal[line.journal_id] = record.setl_id
            if len(by_setl) < MAX_SETTLEMENTS_PER_YEAR:
                by_setl[record.setl_id] = (record, role)
            if line.account_id in own_set and line.account_kind in _MONEY_KINDS:
                spent[record.person_id] = spent.get(record.person_id, 0) - line.amount_fen
        # His own bills that moved no account of the family (paid by the fund and in cash) are found by patient.
        for record in uow.settlements.of_patient(me.id, start, end, limit=MAX_SETTLEMENTS_PER_YEAR):
            if record.setl_id not in by_setl and len(by_setl) < MAX_SETTLEMENTS_PER_YEAR:
                by_setl[record.setl_id] = (record, _involves(record, me.id) or "patient")
        names = uow.people.get_many({r.person_id for r, _ in by_setl.values()} | set(spent))
        settlements = [
            SettlementLinkView(
                setl_id=record.setl_id,
                settled_at=record.settled_at,
                patient_id=record.person_id,
                patient=names[record.person_id].name,
                med_type=record.med_type,
                status=record.status,
                reversed_at=record.reversed_at,
                medfee_sumamt_fen=record.amounts.medfee_sumamt_fen,
                fund_pay_sumamt_fen=record.amounts.fund_pay_sumamt_fen,
                acct_pay_fen=record.amounts.acct_pay_fen,
                acct_mulaid_pay_fen=record.amounts.acct_mulaid_pay_fen,
                psn_cash_pay_fen=record.amounts.psn_cash_pay_fen,
                paid_by_me_fen=sum(
                    p.prior_years_fen + p.current_year_fen for p in record.payers if p.payer_person_id == me.id
                ),
                role=role,
            )
            for record, role in sorted(by_setl.values(), key=lambda item: (item[0].settled_at, item[0].setl_id))
        ]
        spending = [
            SpendingView(person_id, names[person_id].name, amount)
            for person_id, amount in sorted(spent.items(), key=lambda item: (item[0] != me.id, -item[1]))
            if amount != 0
        ]
        return RecordsView(year=year, settlements=settlements, spending=spending, setl_by_journal=setl_by_journal)

    return ctx.read(handler)


def settlement_for(ctx: Context, person_ref: str, setl_id: str) -> SettlementView:
    """A settlement this person is the patient of or paid in; ``SETTLEMENT_NOT_FOUND`` otherwise."""

    def handler(uow: UnitOfWork) -> str:
        me = resolve_person(uow, person_ref)
        record = uow.settlements.find(setl_id.strip())
        if record is None or _involves(record, me.id) is None:
            raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=setl_id)
        return record.setl_id

    return show_settlement(ctx, ctx.read(handler))
