"""4101 / 4101A 医疗保障基金结算清单信息上传, 3203 / 3203A 清算申请 and 3204 / 3204A 清算撤销.

Field names as public HIS code sends and reads them:

- 4101 sends ``setlinfo`` (with ``setl_id``, ``mdtrt_id``, ``psn_no`` …), ``payinfo[]``, ``iteminfo[]``,
  ``opspdiseinfo[]``, ``diseinfo[]``, ``oprninfo[]``, ``icuinfo[]`` and ``bldinfo[]``; 4101A the same without
  ``payinfo`` and ``iteminfo`` (fengzaiqishi11/hsa-his, commit 1fcd557940391a10c84c139f1e65846eef69a664,
  ``hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/module/bo/impl/InsureGetInfoBOImpl.java``). The answer's
  ``setl_list_id`` is read as ``output.data.setl_list_id`` there and as ``output.setl_list_id`` by
  newtouch-cloud/openhis (commit 68c8c6235b027eac2c493701c6edfcea9a1e6405,
  ``WinServiceAPI/YiBaoInterface/Models/Output/Output_4101.cs``): it is answered in both places.
- 3203 sends ``data{clr_type, clr_way, setlym, psntime, medfee_sumamt, med_sumfee, fund_appy_sum, cash_payamt,
  acct_pay, begndate, enddate}`` (openhis ``Models/Input/Input_3203.cs``; hsa-his commit
  95c5b5aa0f7ad0dd1c4640c1f2dca8e13e5399a5, ``InsureReckonBOImpl.java``); 3203A adds ``clr_optins``. The answer's
  ``clr_appy_evt_id`` is read from ``output.result`` (openhis ``Output_3203.cs``, hsa-his) and, by some clients, from
  ``output`` itself: it is answered in both places.
- 3204 sends ``data{clr_appy_evt_id}`` (openhis ``Input_3204.cs``); 3204A adds ``clr_optins``. No output.
"""

from __future__ import annotations

import re
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.service.clearing import ApplyClearing, CancelClearing, apply_clearing, cancel_clearing
from gongji.service.settlement_list import UploadSettlementList, upload_settlement_list

__all__ = ["CLEARING"]

#: The list nodes besides ``setlinfo``: those 4101 requires, then those either may carry.
_LIST_REQUIRED = {"4101": ("payinfo", "iteminfo"), "4101A": ()}
_LIST_OPTIONAL = ("opspdiseinfo", "diseinfo", "oprninfo", "icuinfo", "bldinfo")
_MAX_LIST_ROWS = 2000
_SETLYM = re.compile(r"^[0-9]{4}(0[1-9]|1[0-2])$")
_COUNT = re.compile(r"^[0-9]{1,9}$")


# 4101 / 4101A 结算清单上传 ----------------------------------------------------------------------------------------


def _upload_list(call: Call) -> dict[str, Any]:
    infno = call.envelope.infno
    setlinfo = call.envelope.node("setlinfo")
    nodes: dict[str, Any] = {"setlinfo": setlinfo}
    for name in _LIST_REQUIRED.get(infno, ()):
        nodes[name] = call.envelope.rows(name, fallback=None, max_rows=_MAX_LIST_ROWS)
    for name in _LIST_OPTIONAL:
        nodes[name] = call.envelope.rows(name, fallback=None, required=False, max_rows=_MAX_LIST_ROWS)
    cmd = UploadSettlementList(
        institution=call.institution,
        infno=infno,
        setl_id=f.code(setlinfo, "setl_id", path="setlinfo"),
        nodes=nodes,
        mdtrt_id=f.code(setlinfo, "mdtrt_id", required=False, path="setlinfo"),
        psn_no=f.code(setlinfo, "psn_no", required=False, path="setlinfo"),
    )
    view = upload_settlement_list(call.ctx, cmd, key=call.key)
    return {"setl_list_id": view.setl_list_id, "data": {"setl_list_id": view.setl_list_id}}


# 3203 / 3204 清算申请 / 撤销 ----------------------------------------------------------------------------------------


def _count(node: dict[str, Any], name: str) -> int:
    value = f.code(node, name, path="data")
    if value.endswith(".0"):  # a count written as a decimal number (C# ``decimal psntime``)
        value = value[:-2]
    if not _COUNT.match(value):
        raise f.refusal(f"data.{name}", f"应为整数人次，收到“{f.shown(value)}”", "must be a whole count")
    return int(value)


def _setlym(node: dict[str, Any]) -> str:
    value = f.code(node, "setlym", path="data")
    if not _SETLYM.match(value):
        raise f.refusal("data.setlym", f"应为清算年月 yyyyMM，收到“{f.shown(value)}”", "must be a month, yyyyMM")
    return value


def _apply(call: Call) -> dict[str, Any]:
    """3203 / 3203A 清算申请."""
    node = call.envelope.node("data")
    path = "data"
    cmd = ApplyClearing(
        institution=call.institution,
        clr_type=f.code(node, "clr_type", path=path),
        clr_way=f.code(node, "clr_way", required=False, path=path),
        setlym=_setlym(node),
        begin=f.timestamp(node, "begndate", path=path).date(),
        end=f.timestamp(node, "enddate", path=path).date(),
        psntime=_count(node, "psntime"),
        medfee_sumamt_fen=f.amount_fen(node, "medfee_sumamt", allow_negative=True, path=path),
        med_sumfee_fen=f.amount_fen(node, "med_sumfee", allow_negative=True, path=path),
        fund_appy_sum_fen=f.amount_fen(node, "fund_appy_sum", allow_negative=True, path=path),
        cash_payamt_fen=f.amount_fen(node, "cash_payamt", allow_negative=True, path=path),
        acct_pay_fen=f.amount_fen(node, "acct_pay", allow_negative=True, path=path),
        clr_optins=f.code(node, "clr_optins", required=False, max_len=6, path=path),
    )
    view = apply_clearing(call.ctx, cmd, key=call.key)
    return {"result": {"clr_appy_evt_id": view.clr_appy_evt_id}, "clr_appy_evt_id": view.clr_appy_evt_id}


def _cancel(call: Call) -> None:
    """3204 / 3204A 清算撤销."""
    node = call.envelope.node("data")
    cancel_clearing(
        call.ctx, CancelClearing(call.institution, f.code(node, "clr_appy_evt_id", path="data")), key=call.key
    )


CLEARING: tuple[Transaction, ...] = (
    Transaction("4101", "医疗保障基金结算清单信息上传", _upload_list),
    Transaction("4101A", "医疗保障基金结算清单信息上传（新）", _upload_list),
    Transaction("3203", "清算申请", _apply),
    Transaction("3203A", "清算申请（新）", _apply),
    Transaction("3204", "清算撤销", _cancel),
    Transaction("3204A", "清算撤销（新）", _cancel),
)

TRANSACTIONS.update({t.infno: t for t in CLEARING})
