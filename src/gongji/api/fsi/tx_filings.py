"""Filings through the national interface: 2501–2506 (file and cancel) and their queries 5301 / 5302.

========  =================  ==================================================  ====================================
infno     name               input                                               output
========  =================  ==================================================  ====================================
2501      转院备案           ``refmedin`` (or ``data``): psn_no, insutype,        ``result{trt_dcla_detl_sn}``
                             reflin_medins_no, reflin_medins_name, diag_code,
                             diag_name, refl_date, refl_rea, begndate, enddate …
2503      人员慢特病备案     ``data``: psn_no, insutype, opsp_dise_code,          ``result{trt_dcla_detl_sn}``
                             opsp_dise_name, ide_fixmedins_no, hosp_ide_date,
                             diag_dr_codg, begndate, enddate …
2505      人员定点备案       ``data``: psn_no, biz_appy_type, fixmedins_code,     ``result{trt_dcla_detl_sn}``
                             fixmedins_name, fix_srt_no, begndate, enddate …
2502/4/6  撤销               ``data``: psn_no, trt_dcla_detl_sn, memo             ``result{trt_dcla_detl_sn}``
5301      人员慢特病备案查询  psn_no (in ``data`` or directly in ``input``)        ``feedetail[]{opsp_dise_code,
                                                                                  opsp_dise_name, begndate, enddate …}``
5302      人员定点信息查询    psn_no, biz_appy_type                                ``psnfixmedin[]{psn_no, insutype,
                                                                                  fix_srt_no, fixmedins_code,
                                                                                  fixmedins_name, begndate, enddate}``
========  =================  ==================================================  ====================================

Field lists as the public hospital systems send and read them: fengzaiqishi11/hsa-his at commit
1fcd557940391a10c84c139f1e65846eef69a664, ``hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/bo/
impl/InsurePersonnalRecordBOImpl.java`` (2501–2506: ``refmedin`` for 2501, ``data`` for the others, the answer's
``output.result.trt_dcla_detl_sn``), ``…/InsureUnifiedPayOutptBOImpl.java`` (5301 and 5302 with ``psn_no`` directly in
``input``; the answers' ``feedetail`` and ``psnfixmedin``); newtouch-cloud/openhis at commit
1f9b5713a7d21cfbe005ddf9825df6a1793fed59, ``Newtouch.HIS.Sett/Newtouch.Web/Areas/PatientManage/Views/HospiterRes/
YbPatientBasicInfo.cshtml`` (the columns it shows of ``feedetail`` and ``psnfixmedin``).

What a filing means and when it is refused is :mod:`gongji.service.filings`'s to say. Filing and cancelling are
writes, idempotent by the message; the queries only read. 2001 and 3101/3102 are :mod:`gongji.api.fsi.tx_prechecks`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.fields import FsiInputError
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.domain.codes import Insutype
from gongji.service.filings import (
    CancelFiling,
    FileFiling,
    FilingKind,
    FilingView,
    cancel_filing,
    file_filing,
    filings_of,
)

__all__ = ["FILINGS", "flat_node"]

#: Per kind: the node it arrives in, the fields naming its subject, and the fields that are not detail.
_SUBJECT = {
    FilingKind.REFERRAL: ("refmedin", "reflin_medins_no", "reflin_medins_name"),
    FilingKind.CHRONIC: ("data", "opsp_dise_code", "opsp_dise_name"),
    FilingKind.DESIGNATED: ("data", "fixmedins_code", "fixmedins_name"),
}
_NOT_DETAIL = frozenset({"psn_no", "insutype", "begndate", "enddate"})
#: The longest detail value kept (addresses and reasons are the longest the national fields allow).
_DETAIL_MAX_CHARS = 500


def flat_node(call: Call, name: str = "data") -> dict[str, Any]:
    """The input node ``name`` (as :meth:`Envelope.node` finds it), else the input itself when it holds the fields
    directly, as hsa-his sends 2001, 5301 and 5302 (``input: {psn_no: …}``)."""
    try:
        return call.envelope.node(name)
    except FsiInputError:
        if any(not isinstance(v, Mapping | list) for v in call.envelope.input.values()):
            return dict(call.envelope.input)
        raise


def _day(node: Mapping[str, Any], name: str, *, path: str, required: bool = True) -> date | None:
    moment = f.timestamp(node, name, required=required, path=path)
    return None if moment is None else moment.date()


def _detail(node: Mapping[str, Any], kind: FilingKind, path: str) -> tuple[tuple[str, str], ...]:
    """The filing's other national fields, as text (objects and lists are not filing fields and are left out)."""
    _, code_field, name_field = _SUBJECT[kind]
    skip = _NOT_DETAIL | {code_field, name_field}
    kept = []
    for name in sorted(node):
        value = node[name]
        if name in skip or value is None or isinstance(value, Mapping | list | bool):
            continue
        text = f.text(node, name, required=False, max_len=_DETAIL_MAX_CHARS, path=path)
        if text:
            kept.append((name, text))
    return tuple(kept)


def _file(kind: FilingKind) -> Callable[[Call], dict[str, Any]]:
    node_name, code_field, name_field = _SUBJECT[kind]

    def handler(call: Call) -> dict[str, Any]:
        node = call.envelope.node(node_name)
        path = node_name
        insutype = f.code(node, "insutype", required=False, path=path)
        begin = _day(node, "begndate", path=path)
        assert begin is not None
        view = file_filing(
            call.ctx,
            FileFiling(
                kind=kind,
                person=f.code(node, "psn_no", path=path),
                institution=call.institution,
                subject_code=f.code(node, code_field, max_len=50, path=path),
                subject_name=f.text(node, name_field, required=False, max_len=200, path=path),
                begin_on=begin,
                end_on=_day(node, "enddate", required=False, path=path),
                insutype=None if insutype is None else Insutype.parse(insutype),
                detail=_detail(node, kind, path),
            ),
            key=call.key,
        )
        return {"result": {"trt_dcla_detl_sn": view.trt_dcla_detl_sn}}

    return handler


def _cancel(kind: FilingKind) -> Callable[[Call], dict[str, Any]]:
    def handler(call: Call) -> dict[str, Any]:
        node = call.envelope.node("data")
        view = cancel_filing(
            call.ctx,
            CancelFiling(
                kind=kind,
                person=f.code(node, "psn_no", path="data"),
                trt_dcla_detl_sn=f.code(node, "trt_dcla_detl_sn", max_len=40, path="data"),
                institution=call.institution,
                memo=f.text(node, "memo", required=False, path="data"),
            ),
            key=call.key,
        )
        return {"result": {"trt_dcla_detl_sn": view.trt_dcla_detl_sn}}

    return handler


def _date_text(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _current(views: list[FilingView], today: date) -> list[FilingView]:
    """Live filings that have not ended before ``today`` (in force now, or from a later day)."""
    return [v for v in views if v.end_on is None or v.end_on >= today]


def _chronic_filings(call: Call) -> dict[str, Any]:
    """5301 人员慢特病备案查询."""
    node = flat_node(call)
    views = _current(filings_of(call.ctx, f.code(node, "psn_no", path="data"), FilingKind.CHRONIC), call.day)
    return {
        "feedetail": [
            {
                "opsp_dise_code": v.subject_code,
                "opsp_dise_name": v.subject_name,
                "begndate": _date_text(v.begin_on),
                "enddate": _date_text(v.end_on),
                "insutype": v.insutype,
                "trt_dcla_detl_sn": v.trt_dcla_detl_sn,
                "fixmedins_code": v.fixmedins_code,
            }
            for v in views
        ]
    }


def _designations(call: Call) -> dict[str, Any]:
    """5302 人员定点信息查询 (``biz_appy_type``, when given, keeps only the filings made with it)."""
    node = flat_node(call)
    wanted = f.code(node, "biz_appy_type", required=False, path="data")
    views = _current(filings_of(call.ctx, f.code(node, "psn_no", path="data"), FilingKind.DESIGNATED), call.day)
    views = [v for v in views if wanted is None or v.detail.get("biz_appy_type") == wanted]
    return {
        "psnfixmedin": [
            {
                "psn_no": v.psn_no,
                "insutype": v.insutype,
                "fix_srt_no": v.detail.get("fix_srt_no", str(index)),
                "fixmedins_code": v.subject_code,
                "fixmedins_name": v.subject_name,
                "begndate": _date_text(v.begin_on),
                "enddate": _date_text(v.end_on),
                "biz_appy_type": v.detail.get("biz_appy_type"),
                "trt_dcla_detl_sn": v.trt_dcla_detl_sn,
                "memo": v.detail.get("memo"),
            }
            for index, v in enumerate(views, start=1)
        ]
    }


FILINGS: tuple[Transaction, ...] = (
    Transaction("2501", "转院备案", _file(FilingKind.REFERRAL)),
    Transaction("2502", "转院备案撤销", _cancel(FilingKind.REFERRAL)),
    Transaction("2503", "人员慢特病备案", _file(FilingKind.CHRONIC)),
    Transaction("2504", "人员慢特病备案撤销", _cancel(FilingKind.CHRONIC)),
    Transaction("2505", "人员定点备案", _file(FilingKind.DESIGNATED)),
    Transaction("2506", "人员定点备案撤销", _cancel(FilingKind.DESIGNATED)),
    Transaction("5301", "人员慢特病备案查询", _chronic_filings),
    Transaction("5302", "人员定点信息查询", _designations),
)

TRANSACTIONS.update({t.infno: t for t in FILINGS})

# Last: 2001 and 3101/3102 register themselves the same way (see the note of reconciliation).
from gongji.api.fsi import tx_prechecks  # noqa: E402, F401
