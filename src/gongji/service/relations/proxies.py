"""亲情账户 (proxy links): one person may show a relative's e-voucher and see his records. A proxy link shares **no
money** — it is kept apart from mutual aid so that a family can see which of the two it has."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.relations import Channel, ProxyLink
from gongji.service.context import Context
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.relations.common import counter_operator
from gongji.service.relations.queries import family_view
from gongji.service.views import FamilyView

__all__ = ["AddProxyLink", "EndProxyLink", "add_proxy_link", "end_proxy_link"]


@dataclass(frozen=True)
class AddProxyLink:
    """亲情账户: ``owner`` may show ``relative``'s e-voucher and see records. Shares no money."""

    owner: str
    relative: str
    channel: Channel = Channel.ONLINE
    operator: str | None = None


@dataclass(frozen=True)
class EndProxyLink:
    """End a 亲情账户."""

    owner: str
    relative: str


def add_proxy_link(ctx: Context, cmd: AddProxyLink, *, key: str) -> FamilyView:
    """添加亲情账户 (no money is shared through it)."""
    operator = counter_operator(cmd.channel, cmd.operator)

    def handler(uow: UnitOfWork) -> FamilyView:
        owner = resolve_person(uow, cmd.owner)
        relative = resolve_person(uow, cmd.relative)
        if owner.id == relative.id:
            raise Refused(ErrorCode.SELF_RELATION)
        uow.people.lock([owner.id, relative.id])
        existing = [
            p
            for p in uow.relations.proxies_of(owner.id)
            if p.is_active and p.owner_id == owner.id and p.relative_id == relative.id
        ]
        if existing:
            raise Refused(ErrorCode.PROXY_LINK_EXISTS, owner=owner.name, relative=relative.name)
        now = ctx.clock.now()
        uow.relations.add_proxy(ProxyLink(0, owner.id, relative.id, now, cmd.channel, operator))
        return family_view(ctx, uow, owner, now)

    request = asdict(cmd) | {"owner": cmd.owner.strip().upper(), "relative": cmd.relative.strip().upper()}
    return ctx.write(key=key, operation="proxy.add", request=request, result_type=FamilyView, handler=handler)


def end_proxy_link(ctx: Context, cmd: EndProxyLink, *, key: str) -> FamilyView:
    """解除亲情账户."""

    def handler(uow: UnitOfWork) -> FamilyView:
        owner = resolve_person(uow, cmd.owner)
        relative = resolve_person(uow, cmd.relative)
        links = [
            p
            for p in uow.relations.proxies_of(owner.id)
            if p.is_active and p.owner_id == owner.id and p.relative_id == relative.id
        ]
        if not links:
            raise NotFound(ErrorCode.PROXY_LINK_NOT_FOUND, owner=owner.name, relative=relative.name)
        now = ctx.clock.now()
        uow.relations.end_proxy(links[0].id, now)
        return family_view(ctx, uow, owner, now)

    request = {"owner": cmd.owner.strip().upper(), "relative": cmd.relative.strip().upper()}
    return ctx.write(key=key, operation="proxy.end", request=request, result_type=FamilyView, handler=handler)
