"""The demo family's wallet (医保钱包): 张丽 in Beijing opens a wallet and sends 500.00 to her mother 赵桂兰 in
Shijiazhuang (a resident without a personal account of her own), who accepts; her next pharmacy purchase is paid from
it. A transfer to 张丽's nephew 张小明 is refused (a nephew is not a close relative), and a second one at 22:30 is
refused for the quiet hours.

The wallet's steps stand at a fixed daytime moment (10:00 today, or yesterday when it is not yet 10:00), so the demo
runs the same at any hour of the day; the purchase is settled at the real time, after them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import GongjiError
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    SettlementView,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from gongji.service.wallet import DecideTransfer, OpenWallet, SendToWallet, accept_transfer, open_wallet, send_to_wallet
from gongji.service.wallet_views import WalletTransferView

__all__ = ["DemoWallet", "run_wallet_demo"]

PHARMACY = "P13010200001"  # 示例大药房, Shijiazhuang


@dataclass(frozen=True)
class DemoWallet:
    """What the wallet part of the demo did: the accepted transfer, the two refusals, and the purchase it paid."""

    transfer: WalletTransferView
    nephew_refusal: GongjiError
    quiet_hours_refusal: GongjiError
    purchase: SettlementView


def _refused(attempt: object) -> GongjiError:
    raise AssertionError(f"the demo expects a refusal, got {attempt!r}")


def run_wallet_demo(ctx: Context, sister: str, mother: str, nephew: str) -> DemoWallet:
    """Run the wallet story (idempotent: fixed keys replay on a second run)."""
    now = ctx.clock.now()
    day = now.date() if now.time() >= time(10, 0) else now.date() - timedelta(days=1)
    at = FixedClock(datetime.combine(day, time(10, 0), tzinfo=now.tzinfo))
    daytime = replace(ctx, clock=at)
    for who in (sister, mother, nephew):
        open_wallet(daytime, OpenWallet(who), key=f"demo:wallet:open:{who}")
    to_mother = SendToWallet(sister, mother, 50_000, RelationType.PARENT, face_token="demo-face-zhangli")
    sent = send_to_wallet(daytime, to_mother, key="demo:wallet:send:mother")
    at.advance(timedelta(minutes=5))
    accepted = accept_transfer(daytime, DecideTransfer(sent.id, mother), key="demo:wallet:accept:mother")
    try:
        to_nephew = SendToWallet(sister, nephew, 10_000, RelationType.OTHER_RELATIVE, face_token="demo-face-zhangli")
        nephew_refusal = _refused(send_to_wallet(daytime, to_nephew, key="demo:wallet:send:nephew"))
    except GongjiError as refused:
        nephew_refusal = refused
    at.set(datetime.combine(day, time(22, 30), tzinfo=now.tzinfo))
    try:
        again = SendToWallet(sister, mother, 20_000, RelationType.PARENT, face_token="demo-face-zhangli")
        quiet_refusal = _refused(send_to_wallet(daytime, again, key="demo:wallet:send:night"))
    except GongjiError as refused:
        quiet_refusal = refused
    visit = open_visit(ctx, OpenVisit(mother, PHARMACY, MedType.PHARMACY_PURCHASE), key="demo:visit:guilan")
    lines = (FeeInput("1", "XC09CAX034A001010100008", "2", 3_260), FeeInput("2", "XR05CBA001X001010100017", "1", 3_260))
    upload_fees(ctx, UploadFees(visit.mdtrt_id, lines), key="demo:fees:guilan")
    purchase = commit_settlement(ctx, Settle(visit.mdtrt_id), key="demo:settle:guilan")
    return DemoWallet(accepted, nephew_refusal, quiet_refusal, purchase)
