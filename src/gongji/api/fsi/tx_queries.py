"""The queries 5201–5206 and 5261, and sign-out 9002, as a hospital system sends them.

Inputs, as fengzaiqishi11/hsa-his@1fcd557940391a10c84c139f1e65846eef69a664 builds them
(``hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/bo/impl/InsureUnifiedBaseBOImpl.java``, function
numbers in ``hsa-insure/.../insure/util/Constant.java``), each under ``input.data``:

- 5201 就诊信息查询 ``{psn_no, begntime, endtime, med_type, mdtrt_id}`` (the times may be null there: then unbounded)
- 5202 诊断信息查询 ``{psn_no, mdtrt_id}``
- 5203 结算信息查询 ``{setl_id, psn_no, mdtrt_id}``
- 5204 费用明细查询 ``{setl_id, psn_no, mdtrt_id}`` (``setl_id`` optional: the whole visit)
- 5205 人员慢特病用药记录查询 ``{psn_no, begntime, endtime}``
- 5206 人员累计信息查询 ``{psn_no, cum_ym}`` (``yyyyMM``; hsa-his sends the current month when it has none)
- 5261 结算单查询: hsa-his (``InsureUnifiedPayReversalTradeBOImpl.updateUP_5261``) sends ``{mdtrt_id, setl_id, psn_no}``
  and reads ``output.setlinfo`` as one record; Guangzhou's client (liutao2019/IBORN_HIS_ALL,
  ``MEDICAL/广州医保/API.GZSI/Models/Request/RequestGzsiModel5261.cs``) sends ``{psn_no, begntime, endtime}`` and reads
  a list. gongji answers the record for a ``setl_id`` and the list for a period. (Hunan uses 5261 for
  人员慢特病限额查询, a provincial meaning gongji does not serve.)
- 9002 签退: hsa-his (``hsa-insure/.../module/bo/impl/InsureIndividualBasicBOImpl.java``, ``signOut``) sends
  ``input.signOut{opter_no, sign_no}`` with no ``sign_no`` in the envelope; idoku-test/HN-YBJ-SDK
  @2ffe3fea28e630993f4c132a3ddc1f40d4d8808a (``NY-YBJ-SDK.Model/Sign/SignOutReq.cs``) sends ``input{sign_no,
  sign_time}``. Both are read; the answer is ``signoutoutb{sign_time}``.

Outputs are :mod:`gongji.api.fsi.query_outputs`'; who may read what is :mod:`gongji.service.fsi_queries`'.
Registration: as :mod:`gongji.api.fsi.reconciliation` does, the last statement adds these to ``TRANSACTIONS``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi import query_outputs as out
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.service import fsi_queries as q
from gongji.service.institution_access import SignOut, sign_out

__all__ = ["QUERIES"]

_CUM_YM = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_PATH = "data"


def _period(node: dict[str, Any], *, required: bool) -> tuple[datetime | None, datetime | None]:
    """``begntime`` and ``endtime``; an end before the beginning is refused. A date alone ends at its last second."""
    begin = f.timestamp(node, "begntime", required=required, path=_PATH)
    end = f.timestamp(node, "endtime", required=required, path=_PATH)
    written = node.get("endtime")
    if end is not None and isinstance(written, str | int) and len(str(written).strip()) in (8, 10):
        end = end.replace(hour=23, minute=59, second=59)  # a day alone: the whole day
    if begin is not None and end is not None and end < begin:
        raise f.refusal(f.field_name("endtime", _PATH), "不能早于开始时间 begntime", "must not be before begntime")
    return begin, end


def _visits(call: Call) -> dict[str, Any]:
    """5201 就诊信息查询."""
    node = call.envelope.node("data")
    begin, end = _period(node, required=False)
    visits = q.visits_of(
        call.ctx,
        call.institution,
        f.code(node, "psn_no", path=_PATH),
        begin=begin,
        end=end,
        med_type=f.code(node, "med_type", required=False, path=_PATH),
        mdtrt_id=f.code(node, "mdtrt_id", required=False, path=_PATH),
    )
    return {"mdtrtinfo": out.mdtrtinfo_rows(visits)}


def _diagnoses(call: Call) -> dict[str, Any]:
    """5202 诊断信息查询."""
    node = call.envelope.node("data")
    visit, diagnoses = q.visit_diagnoses(
        call.ctx,
        call.institution,
        f.code(node, "mdtrt_id", path=_PATH),
        f.code(node, "psn_no", required=False, path=_PATH),
    )
    return {"diseinfo": out.diseinfo_rows(visit, diagnoses)}


def _settlement(call: Call) -> dict[str, Any]:
    """5203 结算信息查询."""
    node = call.envelope.node("data")
    found = q.settlement_found(
        call.ctx,
        call.institution,
        f.code(node, "setl_id", path=_PATH),
        mdtrt_id=f.code(node, "mdtrt_id", required=False, path=_PATH),
        psn_no=f.code(node, "psn_no", required=False, path=_PATH),
    )
    return out.setlinfo_of(found)


def _fees(call: Call) -> list[dict[str, Any]]:
    """5204 费用明细查询: ``output`` is the list of lines itself."""
    node = call.envelope.node("data")
    psn_no = f.code(node, "psn_no", required=False, path=_PATH)
    rows = q.fee_lines(
        call.ctx,
        call.institution,
        f.code(node, "mdtrt_id", path=_PATH),
        setl_id=f.code(node, "setl_id", required=False, path=_PATH),
        psn_no=psn_no,
    )
    return out.fee_rows(rows, psn_no or "")


def _chronic_drugs(call: Call) -> dict[str, Any]:
    """5205 人员慢特病用药记录查询."""
    node = call.envelope.node("data")
    begin, end = _period(node, required=True)
    assert begin is not None
    assert end is not None
    psn_no = f.code(node, "psn_no", path=_PATH)
    rows = q.chronic_drug_lines(call.ctx, call.institution, psn_no, begin=begin, end=end)
    return {"feedetail": out.drug_rows(rows, psn_no)}


def _cumulated(call: Call) -> dict[str, Any]:
    """5206 人员累计信息查询: ``cum_ym`` (``yyyyMM``) chooses the year; none is the current month."""
    node = call.envelope.node("data")
    psn_no = f.code(node, "psn_no", path=_PATH)
    cum_ym = f.code(node, "cum_ym", required=False, path=_PATH) or call.received_at.strftime("%Y%m")
    matched = _CUM_YM.match(cum_ym)
    if matched is None:
        raise f.refusal(
            f.field_name("cum_ym", _PATH),
            f"应为年月 yyyyMM，收到“{f.shown(cum_ym)}”",
            f"must be a month as yyyyMM; got '{f.shown(cum_ym)}'",
        )
    found = q.accumulators(call.ctx, call.institution, psn_no, int(matched.group(1)))
    return {"cuminfo": out.cuminfo_rows(found, cum_ym)}


def _statement(call: Call) -> dict[str, Any]:
    """5261 结算单查询: one settlement by ``setl_id``, or the person's settlements of a period."""
    node = call.envelope.node("data")
    setl_id = f.code(node, "setl_id", required=False, path=_PATH)
    psn_no = f.code(node, "psn_no", required=setl_id is None, path=_PATH)
    if setl_id is not None:
        mdtrt_id = f.code(node, "mdtrt_id", required=False, path=_PATH)
        found = q.settlement_found(call.ctx, call.institution, setl_id, mdtrt_id=mdtrt_id, psn_no=psn_no)
        return out.setlinfo_of(found)
    assert psn_no is not None
    begin, end = _period(node, required=False)
    found_all = q.settlements_between(call.ctx, call.institution, psn_no, begin=begin, end=end)
    return {"setlinfo": [out.setlinfo_of(found)["setlinfo"] for found in found_all]}


def _sign_out(call: Call) -> dict[str, Any]:
    """9002 签退: the number in ``signOut`` (or in ``input`` itself, or the envelope's) is signed out."""
    top = call.envelope.input
    node = top if f.code(top, "sign_no", required=False) else call.envelope.node("signOut")
    path = "input" if node is top else "signOut"
    sign_no = f.code(node, "sign_no", required=False, path=path) or call.envelope.sign_no
    if not sign_no:
        raise f.refusal(f.field_name("sign_no", path), "缺失或为空", "missing or empty")
    opter_no = f.code(node, "opter_no", required=False, path=path)
    view = sign_out(call.ctx, SignOut(call.institution, sign_no, opter_no), key=call.key)
    return {"signoutoutb": {"sign_time": view.sign_time.strftime("%Y-%m-%d %H:%M:%S"), "sign_no": view.sign_no}}


QUERIES: tuple[Transaction, ...] = (
    Transaction("5201", "就诊信息查询", _visits),
    Transaction("5202", "诊断信息查询", _diagnoses),
    Transaction("5203", "结算信息查询", _settlement),
    Transaction("5204", "费用明细查询", _fees),
    Transaction("5205", "人员慢特病用药记录查询", _chronic_drugs),
    Transaction("5206", "人员累计信息查询", _cumulated),
    Transaction("5261", "结算单查询", _statement),
    # The message names the number it ends; a number already signed out answers its sign-out again.
    Transaction("9002", "签退", _sign_out, needs_sign_in=False),
)

TRANSACTIONS.update({t.infno: t for t in QUERIES})
