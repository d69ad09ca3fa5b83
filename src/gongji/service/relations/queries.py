"""Reading relations: one relation with its history, and "my family" (我的家庭). Nothing here writes; "why can't X
pay for Y?" is :mod:`gongji.service.relations.can_pay`."""

from __future__ import annotations

from datetime import date, datetime, time

from gongji.domain.ledger import AccountKind
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.regions import region_name
from gongji.domain.relations import RelationStatus
from gongji.rules import parameters as params
from gongji.rules.schema import QuotaModel
from gongji.service.binding_checks import changes_this_year
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.relations.common import family_people, get_person, get_relation, party, relation_view
from gongji.service.views import FamilyView, PayerView, ProxyLinkView, RelationView

__all__ = ["family", "family_view", "relation"]


def family_view(ctx: Context, uow: UnitOfWork, person: Person, moment: datetime) -> FamilyView:
    """我的家庭 of one person at ``moment``, inside an open unit of work (the writes that answer with it call this)."""
    me = party(uow, person)
    names = family_people(uow, me)
    proxies = uow.relations.proxies_of(person.id)
    for link in proxies:
        for person_id in (link.owner_id, link.relative_id):
            if person_id not in names:
                names[person_id] = get_person(uow, person_id)
    i_pay_for = [
        relation_view(uow, r, moment, names) for r in me.relations if r.authoriser_id == person.id and r.is_open
    ]
    paying = sorted(
        (r for r in me.relations if r.beneficiary_id == person.id and r.is_open),
        key=lambda r: (r.status is not RelationStatus.ACTIVE, r.order_position or 10_000, r.id),
    )
    region = me.region
    own_first = ctx.rules.resolve(params.OWN_ACCOUNT_PAYS_FIRST, region, moment.date()).value if region else True
    prior = current = 0
    for row in uow.ledger.accounts_of_person(person.id):
        if row.state.kind is AccountKind.PERSONAL_PRIOR:
            prior += row.state.balance_fen
        elif row.state.kind is AccountKind.PERSONAL_CURRENT:
            current += row.state.balance_fen
    changes_allowed = (
        ctx.rules.resolve(params.CHANGES_PER_YEAR_COUNT, region, moment.date()).value if region else "unlimited"
    )
    model = ctx.rules.resolve(params.QUOTA_MODEL, region, moment.date()).value if region else QuotaModel.PER_RELATION
    share = (
        ctx.rules.resolve(params.QUOTA_ANNUAL_SHARE_BP, region, moment.date()).value
        if model is QuotaModel.ANNUAL_SHARE and region
        else None
    )
    return FamilyView(
        person_id=person.id,
        name=person.name,
        psn_no=person.psn_no,
        region=region,
        region_zh=region_name(region) if region else None,
        on=moment,
        prior_years_fen=prior,
        current_year_fen=current,
        own_account_first=own_first,
        i_pay_for=i_pay_for,
        pay_for_me=[
            PayerView(
                position=None if r.order_position is None else r.order_position + (1 if own_first else 0),
                relation=relation_view(uow, r, moment, names),
            )
            for r in paying
        ],
        proxy_links=[
            ProxyLinkView(
                id=p.id,
                owner=names[p.owner_id].name,
                relative=names[p.relative_id].name,
                created_at=p.created_at,
                ended_at=p.ended_at,
                channel=p.channel.value,
            )
            for p in proxies
        ],
        proxy_note=Phrase.PROXY_LINK_SHARES_NO_MONEY,
        changes_used=changes_this_year(me.relations, person.id, moment),
        changes_allowed=changes_allowed,
        quota_model=model.value,
        quota_share_bp=share,
    )


def relation(ctx: Context, relation_id: int) -> RelationView:
    """One relation with its whole history."""

    def handler(uow: UnitOfWork) -> RelationView:
        found = get_relation(uow, relation_id)
        authoriser = get_person(uow, found.authoriser_id)
        return relation_view(uow, found, ctx.clock.now(), family_people(uow, party(uow, authoriser)))

    return ctx.read(handler)


def family(ctx: Context, person_ref: str, *, on: date | None = None) -> FamilyView:
    """我的家庭: whom I pay for, who pays for me and in which order, each relation's state and quota, my balances,
    my proxy links (shown apart: they share no money), and my changes this year."""
    moment = ctx.clock.now() if on is None else datetime.combine(on, time(12), tzinfo=SHANGHAI)
    return ctx.read(lambda uow: family_view(ctx, uow, resolve_person(uow, person_ref), moment))
