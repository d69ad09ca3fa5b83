"""Fee lines and settlements: 2204/2205 (2301/2302) 费用明细上传 / 撤销, 2206/2207/2208 (2303/2304/2305) 预结算 /
结算 / 撤销 — each charge batch (``chrg_bchno``) on its own, a stay mid-stay (``mid_setl_flag`` 1) or finally.

Registration: as :mod:`gongji.api.fsi.reconciliation` — this module adds its transactions to ``TRANSACTIONS`` last.
"""

from __future__ import annotations

from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.outputs import SettlementContext, fee_rows, settlement_output
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction, _data, _refused_field
from gongji.domain.money import round_half_up
from gongji.service import credentials
from gongji.service.settlement import (
    CancelFees,
    FeeInput,
    ReverseSettlement,
    Settle,
    UploadFees,
    cancel_fees,
    commit_settlement,
    preview_settlement,
    reverse_settlement,
    upload_fees,
)

__all__ = ["SETTLEMENTS"]


# 2204/2205 费用明细上传 / 撤销 -------------------------------------------------------------------------------------


def _fee_lines(rows: list[dict[str, Any]]) -> tuple[str, list[FeeInput]]:
    mdtrt_ids = set()
    lines = []
    for index, row in enumerate(rows):
        path = f"feedetail[{index}]"
        mdtrt_ids.add(f.code(row, "mdtrt_id", path=path))
        quantity = f.quantity(row, "cnt", allow_negative=True, path=path)
        price = f.price(row, "pric", path=path)
        total = f.amount_fen(row, "det_item_fee_sumamt", allow_negative=True, path=path)
        # Real clients round quantity × a six-decimal price their own way (C#'s Math.Round is to even): the line's
        # amount may differ from gongji's half-up rounding by a fen, and is then theirs (checked in the service).
        lines.append(
            FeeInput(
                feedetl_sn=f.code(row, "feedetl_sn", path=path),
                item_code=f.code(row, "med_list_codg", path=path),
                quantity=quantity,
                unit_price_fen=round_half_up(price * 100),
                item_name=f.text(row, "medins_list_name", required=False, path=path),
                fee_at=f.timestamp(row, "fee_ocur_time", required=False, path=path),
                returns_feedetl_sn=f.code(row, "init_feedetl_sn", required=False, path=path),
                chrg_bchno=f.code(row, "chrg_bchno", required=False, path=path),
                price_microyuan=int(price * 1_000_000),
                total_fen=total,
            )
        )
    if len(mdtrt_ids) != 1:
        raise _refused_field("feedetail", "一次上传的明细须属于同一就诊", "one upload's lines belong to one visit")
    return mdtrt_ids.pop(), lines


def _upload(call: Call) -> dict[str, Any]:
    mdtrt_id, lines = _fee_lines(call.envelope.rows("feedetail"))
    view = upload_fees(call.ctx, UploadFees(mdtrt_id, tuple(lines), call.institution), key=call.key)
    return {"result": fee_rows(view, [line.feedetl_sn for line in lines])}


def _cancel_upload(call: Call) -> dict[str, Any] | None:
    node = _data(call)
    mdtrt_id = f.code(node, "mdtrt_id", path="data")
    serial = f.code(node, "feedetl_sn", required=False, path="data")
    # "0000" (or no serial) cancels every line of the visit — of the charge batch, when one is named — as the
    # national rule has it.
    serials = None if serial in (None, "0000") else (serial,)
    batch = f.code(node, "chrg_bchno", required=False, path="data")
    batch = None if batch == "0000" else batch  # "0000" is every batch, as it is every line (hsa-his sends both)
    cancel_fees(call.ctx, CancelFees(mdtrt_id, serials, call.institution, batch), key=call.key)
    return None


# 2206/2207/2208 预结算 / 结算 / 撤销 -------------------------------------------------------------------------------


#: The classified amounts a 2207 may declare, with the settlement field each is compared with.
_DECLARED_PARTS = (
    ("fulamt_ownpay_amt", "fulamt_ownpay_amt_fen"),
    ("overlmt_selfpay", "overlmt_selfpay_fen"),
    ("preselfpay_amt", "preselfpay_amt_fen"),
    ("inscp_scp_amt", "inscp_scp_amt_fen"),
)


def _settle_way(node: dict[str, Any]) -> None:
    """``psn_setlway`` 01 按项目结算 is how gongji settles; 02 按定额结算 (a fixed amount a visit) is not: say so."""
    way = f.code(node, "psn_setlway", required=False, path="data")
    if way not in (None, "01"):
        raise _refused_field(
            "data.psn_setlway",
            f"个人结算方式“{way}”不受支持：本平台按项目结算（01），不办理定额结算（02）",
            f"settlement way '{way}' is not supported: gongji settles by item (01), not by a fixed amount (02)",
        )


def _mid_stay(node: dict[str, Any]) -> bool:
    mid = f.code(node, "mid_setl_flag", required=False, path="data")
    if mid not in (None, "0", "1"):
        raise _refused_field("data.mid_setl_flag", "中途结算标志须为 0 或 1", "mid_setl_flag is 0 or 1")
    return mid == "1"


def _settle_command(call: Call) -> tuple[Settle, str]:
    """2206/2207 and 2303/2304: the visit (and charge batch) to settle, with what the system declares of it."""
    node = _data(call)
    _settle_way(node)
    declared = tuple(
        (name, amount)
        for field, name in _DECLARED_PARTS
        if (amount := f.amount_fen(node, field, required=False, path="data")) is not None
    )
    if all(amount == 0 for _, amount in declared):
        # A system that does not classify sends every part as 0 (hsa-his's 2303/2304 always do): nothing declared.
        declared = ()
    command = Settle(
        mdtrt_id=f.code(node, "mdtrt_id", path="data"),
        acct_used_flag=f.flag(node, "acct_used_flag", default=True, path="data"),
        institution=call.institution,
        medfee_sumamt_fen=f.amount_fen(node, "medfee_sumamt", required=False, path="data"),
        chrg_bchno=f.code(node, "chrg_bchno", required=False, path="data"),
        mid_stay=_mid_stay(node),
        med_type=f.code(node, "med_type", required=False, path="data"),
        insutype=f.code(node, "insutype", required=False, path="data"),
        declared=declared,
    )
    return command, f.code(node, "mdtrt_cert_type", required=False, path="data") or "02"


def _check_visit_credential(call: Call, command: Settle, cert_type: str) -> None:
    """The credential a settlement was read with names the visit's patient."""
    node = _data(call)
    number = f.code(node, "mdtrt_cert_no", required=False, max_len=400, path="data")
    card_sn = f.code(node, "card_sn", required=False, path="data")
    credentials.check_visit_credential(call.ctx, cert_type, number, command.mdtrt_id, card_sn, key=call.key)


def _preview(call: Call) -> dict[str, Any]:
    command, cert_type = _settle_command(call)
    _check_visit_credential(call, command, cert_type)
    view = preview_settlement(call.ctx, command)
    card = f.code(_data(call), "mdtrt_cert_no", required=False, path="data")
    return settlement_output(view, SettlementContext(call.envelope.msgid, cert_type, call.day, mdtrt_cert_no=card))


def _settle(call: Call) -> dict[str, Any]:
    command, cert_type = _settle_command(call)
    _check_visit_credential(call, command, cert_type)
    view = commit_settlement(call.ctx, command, key=call.key)
    return settlement_output(view, SettlementContext(call.envelope.msgid, cert_type, call.day))


def _reverse(call: Call) -> dict[str, Any]:
    node = _data(call)
    setl_id = f.code(node, "setl_id", path="data")
    view = reverse_settlement(call.ctx, ReverseSettlement(setl_id, "结算撤销（2208）", call.institution), key=call.key)
    return settlement_output(view, SettlementContext(call.envelope.msgid, "02", call.day, negate=True))


SETTLEMENTS = {
    t.infno: t
    for t in (
        Transaction("2204", "门诊费用明细上传", _upload),
        Transaction("2205", "门诊费用明细撤销", _cancel_upload),
        Transaction("2206", "门诊预结算", _preview),
        Transaction("2207", "门诊结算", _settle),
        Transaction("2208", "门诊结算撤销", _reverse),
        Transaction("2301", "住院费用明细上传", _upload),
        Transaction("2302", "住院费用明细撤销", _cancel_upload),
        Transaction("2303", "住院预结算", _preview),
        Transaction("2304", "住院结算", _settle),
        Transaction("2305", "住院结算撤销", _reverse),
    )
}

TRANSACTIONS.update(SETTLEMENTS)
