"""What people are told, as codes with parameters: a template in Chinese and English per kind.

Like explanation steps and refusals, a notification is stored as data (its kind and parameters) and put into words
where it is shown — the portal's inbox, an SMS, an app push — in the reader's language. Parameters named ``*_fen``
are shown in yuan. A notification names only what its recipient may see: the other party's name, amounts, times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from gongji.domain.money import format_yuan
from gongji.domain.wording import decode, localise

__all__ = ["NoticeKind", "render_notice"]


@dataclass(frozen=True)
class _Template:
    zh: str
    en: str


class NoticeKind(Enum):
    """Every kind of notification, with its templates."""

    WALLET_TRANSFER_WAITING = _Template(
        "{sender} 向您的医保钱包转账 {amount}，请在 {due} 前接收，逾期自动退回",
        "{sender} sent {amount} to your wallet (医保钱包); accept it before {due} or it returns",
    )
    WALLET_TRANSFER_ACCEPTED = _Template(
        "{receiver} 已接收您的医保钱包转账 {amount}", "{receiver} accepted your wallet transfer of {amount}"
    )
    WALLET_TRANSFER_DECLINED = _Template(
        "{receiver} 拒收了您的医保钱包转账 {amount}，款项已退回您的个人账户",
        "{receiver} declined your wallet transfer of {amount}; it is back in your personal account",
    )
    WALLET_TRANSFER_RETURNED = _Template(
        "您向 {receiver} 的医保钱包转账 {amount} 未在 {due} 前接收，已退回您的个人账户",
        "Your wallet transfer of {amount} to {receiver} was not accepted by {due} and is back in your account",
    )
    WALLET_TRANSFER_UNDELIVERED = _Template(
        "您向 {receiver} 的医保钱包转账 {amount} 未能送达（{reason}），款项已退回您的个人账户",
        "Your wallet transfer of {amount} to {receiver} could not be received ({reason}); it is back in your account",
    )
    WALLET_TRANSFER_EXPIRED = _Template(
        "{sender} 的医保钱包转账 {amount} 未在 {due} 前接收，已退回",
        "The wallet transfer of {amount} from {sender} was not accepted by {due} and went back",
    )
    WALLET_BALANCE_RETURNED = _Template(
        "医保钱包转账 {transfer_id} 未使用的 {amount} 已退回 {sender} 的个人账户（{reason}）",
        "The unspent {amount} of wallet transfer {transfer_id} went back to {sender}'s account ({reason})",
    )
    ACCOUNT_PAID = _Template(
        "您的个人账户为 {patient} 支付 {amount}（{how}，{where}，{at}）",
        "Your personal account paid {amount} for {patient} ({how}, {where}, {at})",
    )
    BINDING_WAITING = _Template(
        "{authoriser} 申请用其个人账户为您（或您监护的 {beneficiary}）共济，请在 {due} 前确认",
        "{authoriser} asks to pay for you (or for {beneficiary}, whom you act for) from their account; "
        "confirm before {due}",
    )


def render_notice(kind: str, params: Mapping[str, Any], lang: Literal["zh", "en"]) -> str:
    """A stored notification in Chinese or English (an unknown kind shows its code, never fails)."""
    if kind not in NoticeKind.__members__:
        return kind
    template: _Template = NoticeKind[kind].value
    shown: dict[str, Any] = {}
    for name, value in params.items():
        value = localise(decode(value), lang)
        if name.endswith("_fen") and isinstance(value, int):
            shown[name.removesuffix("_fen")] = format_yuan(value)
        else:
            shown[name] = value
    try:
        return (template.zh if lang == "zh" else template.en).format(**shown)
    except (KeyError, IndexError):
        return kind
