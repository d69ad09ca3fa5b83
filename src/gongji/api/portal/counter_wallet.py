"""The wallets (医保钱包) of a family on the counter's person page, read only: each member's wallet status and balance,
and every transfer among them still waiting to be accepted.

The members are the person and the relatives his page lists: those of his relations still open (requested, waiting,
in force, ending) and of his 亲情账户 in force — never someone of an ended relation. A relative insured outside the
operator's regions is left out (the page says that some are), as the counter never shows what happens outside an
operator's regions. The person's own transfers name the other party, as his own wallet page does.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongji.api.portal.deps import Operator
from gongji.api.portal.state import Portal
from gongji.domain.wallet import TransferStatus
from gongji.service import household
from gongji.service.household_views import MemberView
from gongji.service.views import FamilyView
from gongji.service.wallet_query import show_wallet
from gongji.service.wallet_views import WalletTransferView, WalletView

__all__ = ["FamilyWallets", "MemberWallet", "family_wallets"]


@dataclass(frozen=True)
class MemberWallet:
    """One member of the family and his wallet."""

    member: MemberView
    wallet: WalletView


@dataclass(frozen=True)
class FamilyWallets:
    """The family's wallets the operator may see, the transfers waiting among them, and whether some were left out."""

    members: list[MemberWallet]
    pending: list[WalletTransferView]
    left_out: bool


def family_wallets(portal: Portal, operator: Operator, family: FamilyView) -> FamilyWallets:
    """The wallets of the person of ``family`` (already checked to be of the operator's regions) and of the relatives
    his page lists who are insured in the operator's regions, with every transfer to or from them still waiting,
    oldest first."""
    circle = household.circle(portal.ctx, family.psn_no)
    open_ties = {r.beneficiary_id for r in family.i_pay_for} | {p.relation.authoriser_id for p in family.pay_for_me}
    shown = [MemberWallet(circle.me, show_wallet(portal.ctx, circle.me.psn_no))]
    left_out = False
    for member in circle.members:
        if member.person_id not in open_ties and not member.proxy_link:
            continue
        if not operator.may(member.region):
            left_out = True
            continue
        shown.append(MemberWallet(member, show_wallet(portal.ctx, member.psn_no)))
    waiting: dict[int, WalletTransferView] = {}
    for item in shown:
        for transfer in (*item.wallet.incoming, *item.wallet.outgoing):
            if transfer.status == TransferStatus.PENDING.value:
                waiting[transfer.id] = transfer
    return FamilyWallets(shown, [waiting[i] for i in sorted(waiting)], left_out)
