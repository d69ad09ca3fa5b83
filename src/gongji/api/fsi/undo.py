"""2601 冲正: undo a message whose answer the client never got (it answered −1, or the connection dropped).

The message is named by ``omsgid`` (its ``msgid``) and ``oinfno`` (its transaction). What it stored under its
idempotency key says whether it took effect and what it was: a message that took no effect, or was refused, leaves
nothing to undo, and 2601 succeeds. A settlement (2207, 2304) is reversed, a registration or admission (2201, 2401)
cancelled; a sign-in or a read (9001, 1101, 2206, 2303) has nothing to undo. Any other transaction is undone by its
own cancel, and 2601 refuses it. A message that was not the transaction ``oinfno`` names is refused, saying what it
was, rather than undoing something else. 2601's own write is idempotent by its ``msgid`` like every other.

Registration: as :mod:`gongji.api.fsi.reconciliation` does, this module adds itself to ``TRANSACTIONS`` as its last
statement, and ``transactions`` imports it on its last lines.
"""

from __future__ import annotations

import json
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.fields import FsiInputError
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.service.settlement import CancelVisit, ReverseSettlement, cancel_visit, reverse_settlement

__all__ = ["UNDO"]

#: What a message of each transaction 2601 accepts stored (the use case's operation); ``None``: nothing (a read).
_STORED_BY: dict[str, str | None] = {
    "2207": "settle.commit",
    "2304": "settle.commit",
    "2201": "visit.open",
    "2401": "visit.open",
    "9001": "fsi.sign_in",
    "1101": None,
    "2206": None,
    "2303": None,
}
#: What a message that stored an operation was, as a refusal names it (Chinese, English).
_STORED_AS = {
    "fsi.sign_in": ("签到（9001）", "a sign-in (9001)"),
    "visit.open": ("挂号或入院办理（2201/2401）", "a registration or admission (2201/2401)"),
    "visit.cancel": ("挂号或入院撤销（2202/2404，或其冲正）", "a cancelled visit (2202/2404, or its 2601)"),
    "visit.fees": ("费用明细上传（2204/2301）", "a fee upload (2204/2301)"),
    "visit.cancel_fees": ("费用明细撤销（2205/2302）", "a fee cancellation (2205/2302)"),
    "visit.discharge": ("出院办理（2402）", "a discharge (2402)"),
    "visit.cancel_discharge": ("出院办理撤销（2405）", "a cancelled discharge (2405)"),
    "settle.commit": ("结算（2207/2304）", "a settlement (2207/2304)"),
    "settle.reverse": ("结算撤销（2208/2305，或其冲正）", "a reversal (2208/2305, or its 2601)"),
}


def _undo(call: Call) -> dict[str, Any] | None:
    """2601: reverse or cancel what the message ``omsgid`` did, when it was the ``oinfno`` it is said to be."""
    node = call.envelope.node("data")
    omsgid = f.code(node, "omsgid", path="data")
    oinfno = f.code(node, "oinfno", path="data")
    stored = call.ctx.stored_outcome(f"fsi:{call.institution}:{omsgid}")
    if stored is None or stored.is_error:
        return None  # the original did not take effect: nothing to undo
    if oinfno not in _STORED_BY:
        raise FsiInputError(
            "data.oinfno",
            f"交易 {f.shown(oinfno)} 不能冲正，请用其撤销交易",
            f"transaction {f.shown(oinfno)} is undone by its own cancel",
        )
    if stored.operation != _STORED_BY[oinfno]:
        raise _not_that_message(omsgid, oinfno, stored.operation)
    outcome = json.loads(stored.outcome)
    if stored.operation == "settle.commit":
        reason = f"冲正 {omsgid}"
        reverse_settlement(call.ctx, ReverseSettlement(outcome["setl_id"], reason, call.institution), key=call.key)
    elif stored.operation == "visit.open":
        cancel_visit(call.ctx, CancelVisit(outcome["mdtrt_id"], call.institution), key=call.key)
    return None


def _not_that_message(omsgid: str, oinfno: str, operation: str) -> FsiInputError:
    """The refusal of a 2601 naming a message of another transaction: what it was, and what 2601 undoes."""
    was_zh, was_en = _STORED_AS.get(operation, (operation, operation))
    return FsiInputError(
        "data.oinfno",
        f"报文 {f.shown(omsgid)} 是{was_zh}，不是交易 {f.shown(oinfno)}；"
        "冲正（2601）撤销结算（2207、2304）和挂号、入院办理（2201、2401）",
        f"message {f.shown(omsgid)} is {was_en}, not a {f.shown(oinfno)}; "
        "2601 undoes settlements (2207, 2304) and registrations or admissions (2201, 2401)",
    )


UNDO = Transaction("2601", "冲正交易", _undo)

TRANSACTIONS[UNDO.infno] = UNDO
