"""Who pays for a relative, in which order, and how much: the payer order (扣款顺序) the beneficiary or his guardian
sets, and the quota (共济额度) an authoriser sets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.money import format_yuan
from gongji.domain.people import Person, names_term
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Channel, Kinship, Relation, RelationStatus
from gongji.domain.wording import Said
from gongji.rules import parameters as params
from gongji.rules.schema import QuotaModel
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.relations.common import (
    ADULT_AGE,
    event,
    family_people,
    get_relation,
    party,
    refuse_state,
    relation_view,
    require_per_relation_quota,
)
from gongji.service.relations.queries import family_view
from gongji.service.views import FamilyView, RelationView

__all__ = ["SetOrder", "SetQuota", "set_order", "set_quota"]


@dataclass(frozen=True)
class SetOrder:
    """The beneficiary (or his guardian, for a minor) orders the authorisers who pay after his own account.
    ``by`` is who acts (the beneficiary himself when ``None``)."""

    beneficiary: str
    authorisers: tuple[str, ...]
    by: str | None = None


@dataclass(frozen=True)
class SetQuota:
    """The authoriser sets a yearly quota for one relation (``None``: the whole shareable balance), or his one
    shared quota where the region's model is shared (``relation_id`` None)."""

    authoriser: str
    quota_fen: int | None
    relation_id: int | None = None


def _check_may_order(
    beneficiary: Person, by: Person, paying: list[Relation], family: list[Relation], now: datetime
) -> None:
    """Only the patient orders his payers, or — while he is a minor — an adult guardian of his: a parent the family's
    live relations name, or an authoriser paying for him as his own child (and that authoriser's spouse), as for
    confirming (:meth:`Kinship.guardians_of`). A relative who merely pays for him (an aunt, a grandfather) is not."""
    if by.id == beneficiary.id:
        return
    today = now.date()
    if beneficiary.age_on(today) >= ADULT_AGE or by.age_on(today) < ADULT_AGE:
        raise Refused(ErrorCode.NOT_PATIENT_OR_GUARDIAN, name=by.name, patient=beneficiary.name)
    kinship = Kinship.of(family, now)
    guardians = set(kinship.parents.get(beneficiary.id, set()))
    for r in paying:
        guardians |= kinship.guardians_of(r)
    if by.id not in guardians:
        raise Refused(ErrorCode.NOT_PATIENT_OR_GUARDIAN, name=by.name, patient=beneficiary.name)


def set_order(ctx: Context, cmd: SetOrder, *, key: str) -> list[RelationView]:
    """调整扣款顺序: the beneficiary's own account stays first; the authorisers follow in the order given, which must
    name every active authoriser exactly once. Only the beneficiary or his guardian may; each move is an event that
    names who made it."""

    def handler(uow: UnitOfWork) -> list[RelationView]:
        beneficiary = resolve_person(uow, cmd.beneficiary)
        by = resolve_person(uow, cmd.by) if cmd.by else beneficiary
        uow.people.lock([beneficiary.id])
        now = ctx.clock.now()
        mine = uow.relations.of_person(beneficiary.id)
        active = [r for r in mine if r.beneficiary_id == beneficiary.id and r.status is RelationStatus.ACTIVE]
        if by.id != beneficiary.id:
            family = uow.relations.of_people({beneficiary.id} | {r.authoriser_id for r in mine})
            _check_may_order(beneficiary, by, active, family, now)
        wanted = [resolve_person(uow, ref).id for ref in cmd.authorisers]
        by_authoriser = {r.authoriser_id: r for r in active}
        if sorted(wanted) != sorted(by_authoriser) or len(set(wanted)) != len(wanted):
            names = family_people(uow, party(uow, beneficiary))
            payers = [names[i].name for i in by_authoriser if i in names]
            expected = names_term(payers) if payers else Phrase.NOBODY
            raise InvalidInput(ErrorCode.ORDER_INVALID, name=beneficiary.name, expected=expected)
        for position, authoriser_id in enumerate(wanted, start=1):
            relation = by_authoriser[authoriser_id]
            if relation.order_position != position:
                uow.relations.save(replace(relation, order_position=position))
                note = Said(Phrase.NOTE_PAYER_POSITION, {"position": position + 1})
                uow.relations.add_event(relation.id, event("reordered", now, by, Channel.ONLINE, None, note))
        names = family_people(uow, party(uow, beneficiary)) | {by.id: by}
        refreshed = [get_relation(uow, by_authoriser[i].id) for i in wanted]
        return [relation_view(uow, r, now, names) for r in refreshed]

    request = {
        "beneficiary": cmd.beneficiary.strip().upper(),
        "authorisers": [a.strip().upper() for a in cmd.authorisers],
        "by": cmd.by.strip().upper() if cmd.by else None,
    }
    return ctx.write(
        key=key, operation="relation.order", request=request, result_type=list[RelationView], handler=handler
    )


def set_quota(ctx: Context, cmd: SetQuota, *, key: str) -> FamilyView:
    """设定共济额度: per relation where the region's model is per relation; one shared quota where it is shared."""
    if cmd.quota_fen is not None and cmd.quota_fen < 0:
        raise InvalidInput(ErrorCode.AMOUNT_INVALID, value=str(cmd.quota_fen), reason=Phrase.MUST_NOT_BE_NEGATIVE)

    def handler(uow: UnitOfWork) -> FamilyView:
        authoriser = resolve_person(uow, cmd.authoriser)
        uow.people.lock([authoriser.id])
        now = ctx.clock.now()
        region = party(uow, authoriser).region
        if region is None:
            raise Refused(ErrorCode.NOT_AN_EMPLOYEE, ref=authoriser.name)
        model = ctx.rules.resolve(params.QUOTA_MODEL, region, now.date()).value
        if cmd.relation_id is None:
            if model is not QuotaModel.SHARED:
                raise InvalidInput(ErrorCode.FIELD_INVALID, field="relation_id", reason=Phrase.NAME_THE_RELATION)
            uow.relations.set_shared_quota(authoriser.id, cmd.quota_fen, now)
        else:
            relation = get_relation(uow, cmd.relation_id)
            if relation.authoriser_id != authoriser.id:
                raise Refused(
                    ErrorCode.NOT_A_PARTY, name=authoriser.name, relation_id=relation.id, role=Phrase.PARTY_AUTHORISER
                )
            if not relation.is_open:
                raise refuse_state(relation, relation.state_at(now), Phrase.ACT_SET_QUOTA)
            require_per_relation_quota(ctx, region, now.date())
            uow.relations.save(replace(relation, quota_fen=cmd.quota_fen))
            quota = (
                Phrase.WHOLE_BALANCE
                if cmd.quota_fen is None
                else Said(Phrase.YUAN_A_YEAR, {"amount": format_yuan(cmd.quota_fen)})
            )
            note = Said(Phrase.NOTE_QUOTA, {"quota": quota})
            uow.relations.add_event(relation.id, event("quota_set", now, authoriser, Channel.ONLINE, None, note))
        return family_view(ctx, uow, authoriser, now)

    request = asdict(cmd) | {"authoriser": cmd.authoriser.strip().upper()}
    return ctx.write(key=key, operation="relation.quota", request=request, result_type=FamilyView, handler=handler)
