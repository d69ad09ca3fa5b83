"""2001 人员待遇享受检查 and 3101 / 3102 明细审核事前 / 事中分析: checks a HIS makes before it settles.

2001 reads ``psn_no, insutype, fixmedins_code, med_type, begntime, endtime, dise_codg`` (in ``data``, or directly
in ``input`` as hsa-his sends it) and answers ``trtinfo[]{psn_no, trt_chk_type, fund_pay_type, trt_enjymnt_flag,
begndate, enddate, trt_chk_rslt}``, one row per check (:mod:`gongji.service.entitlement`); ``trt_enjymnt_flag`` is
"1" (享受) or "0" (不享受). Sources: fengzaiqishi11/hsa-his at commit 1fcd557940391a10c84c139f1e65846eef69a664,
``hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/bo/impl/InsureUnifiedPayInptBOImpl.java``
(``UP_2001``: the input, ``begntime`` as ``yyyyMMdd``, and ``output.trtinfo``); newtouch-cloud/openhis at commit
1f9b5713a7d21cfbe005ddf9825df6a1793fed59, ``Newtouch.HIS.Sett/Newtouch.Web/Areas/PatientManage/Views/HospiterRes/
YbPatientBasicInfo.cshtml`` (the ``trtinfo`` columns it shows).

3101 / 3102 read ``data{task_id, trig_scen, rule_ids, patient_dtos[]{patn_id, patn_name, gend, brdy, poolarea,
curr_mdtrt_id, fsi_encounter_dtos[]{mdtrt_id, adm_date, insutype, med_type, fsi_order_dtos[]{rx_id, hilist_code,
hilist_name, cnt, pric, sumamt …}, fsi_diagnose_dtos[] …}}}`` — a single object where a list is expected reads as a
list of one, as hsa-his sends ``patient_dtos`` and ``fsi_encounter_dtos`` — and answer ``result[]{jr_id, rule_id,
rule_name, vola_cont, patn_id, mdtrt_id, vola_amt, vola_amt_stas, sev_deg, vola_evid, vola_bhvr_type, task_id,
judge_result_detail_dtos[]{jrd_id, patn_id, mdtrt_id, rx_id, vola_item_type, vola_amt}}``, one row per finding of
:mod:`gongji.service.prechecks` (an empty list: nothing found). Sources: hsa-his, ``hsa-com/src/main/java/cn/hsa/
module/insure/module/dto/AnalysisDTO.java``, ``AnaInsuDTO.java``, ``AnaMdtrtDTO.java``, ``AnaOrderDTO.java`` (the
input, snake-cased by ``HumpUnderlineUtils``) and ``AnaResJudgeDTO.java`` / ``AnaResJudgeDetlDTO.java`` (the row);
openhis, ``Newtouch.HIS.CIS/Newtouch.CIS.Web/Views/MedicalRecord/MedicalRecord.cshtml`` (reads ``output.result`` as
a list and shows ``result[0].vola_cont``). hsa-his parses ``output.result`` as one object instead: a list is what the
specification and openhis read, and hsa-his's pre-check cannot read it.

``jr_id`` is the request's ``task_id`` (else its ``msgid``) with the finding's number, so a replayed request gets
the same ids; ``jrd_id`` is the ``jr_id`` with ``-1``. ``vola_amt_stas`` is "1" (computed: every amount here is),
and ``vola_item_type`` is "1" for a finding on a prescription line (``rx_id`` given) and "2" for one on the whole
encounter — gongji's own values, like ``sev_deg`` and ``vola_bhvr_type`` (see :mod:`gongji.service.prechecks`).
Nothing is written by any of the three.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.reply import yuan
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.api.fsi.tx_filings import flat_node
from gongji.domain.codes import Insutype
from gongji.domain.wording import localise
from gongji.service.entitlement import EntitlementCheck, EntitlementRow, check_entitlement
from gongji.service.prechecks import Encounter, OrderLine, PatientCase, PreCheck, Rule, Violation, precheck

__all__ = ["PRECHECKS"]

#: Limits on one pre-check request: patients, encounters per patient, lines per encounter.
MAX_PATIENTS, MAX_ENCOUNTERS, MAX_ORDERS = 50, 50, 1000
#: Unit prices (``pric``) are national ``数值型(16,6)``: at most six decimals.
PRICE_MAX_DECIMALS = 6
_GONGJI_BASIS = "gongji 医保目录与参保登记"


# 2001 人员待遇享受检查 --------------------------------------------------------------------------------------------


def _trtinfo(psn_no: str, row: EntitlementRow) -> dict[str, Any]:
    return {
        "psn_no": psn_no,
        "trt_chk_type": row.trt_chk_type,
        "fund_pay_type": row.fund_pay_type,
        "trt_enjymnt_flag": "1" if row.enjoys else "0",
        "begndate": None if row.begin_on is None else row.begin_on.isoformat(),
        "enddate": None if row.end_on is None else row.end_on.isoformat(),
        "trt_chk_rslt": localise(row.result, "zh"),
    }


def _entitlement(call: Call) -> dict[str, Any]:
    node = flat_node(call)
    named = f.code(node, "fixmedins_code", required=False, path="data")
    if named is not None and named != call.institution:
        raise f.refusal(
            "data.fixmedins_code",
            f"只能检查本机构（{call.institution}）的待遇，收到 {f.shown(named)}",
            f"an institution checks for itself ({call.institution}); got {f.shown(named)}",
        )
    end = f.timestamp(node, "endtime", required=False, path="data")
    view = check_entitlement(
        call.ctx,
        EntitlementCheck(
            person=f.code(node, "psn_no", path="data"),
            insutype=Insutype.parse(f.code(node, "insutype", path="data")),
            med_type=f.code(node, "med_type", path="data"),
            institution=call.institution,
            begin_on=f.timestamp(node, "begntime", path="data").date(),
            end_on=None if end is None else end.date(),
            dise_codg=f.code(node, "dise_codg", required=False, path="data"),
        ),
    )
    return {"trtinfo": [_trtinfo(view.psn_no, row) for row in view.rows]}


# 3101 / 3102 明细审核 --------------------------------------------------------------------------------------------


def _price(row: Mapping[str, Any], path: str) -> Decimal:
    """``pric``: a non-negative number (JSON or text) with at most six decimals, exactly."""
    field = f.field_name("pric", path)
    text = f.text(row, "pric", max_len=40, path=path)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise f.refusal(field, f"“{f.shown(text)}”不是单价", f"'{f.shown(text)}' is not a price") from None
    exponent = number.as_tuple().exponent
    if not number.is_finite() or number < 0 or not isinstance(exponent, int) or exponent < -PRICE_MAX_DECIMALS:
        raise f.refusal(
            field,
            f"单价“{f.shown(text)}”须为不超过 {PRICE_MAX_DECIMALS} 位小数的非负数",
            f"price '{f.shown(text)}' must be non-negative with at most {PRICE_MAX_DECIMALS} decimals",
        )
    return number


def _order(row: Mapping[str, Any], path: str) -> OrderLine:
    return OrderLine(
        rx_id=f.code(row, "rx_id", required=False, path=path),
        hilist_code=f.code(row, "hilist_code", path=path),
        hilist_name=f.text(row, "hilist_name", required=False, max_len=200, path=path),
        quantity=Decimal(f.quantity(row, "cnt", allow_negative=True, path=path)),
        price_yuan=_price(row, path),
        sumamt_fen=f.amount_fen(row, "sumamt", allow_negative=True, path=path),
    )


def _encounter(call: Call, row: Mapping[str, Any], path: str) -> Encounter:
    insutype = f.code(row, "insutype", required=False, path=path)
    admitted = f.timestamp(row, "adm_date", required=False, path=path)
    orders = f.rows(row, "fsi_order_dtos", max_rows=MAX_ORDERS, path=path)
    return Encounter(
        mdtrt_id=f.code(row, "mdtrt_id", required=False, path=path),
        on=call.day if admitted is None else admitted.date(),
        insutype=None if insutype is None else Insutype.parse(insutype),
        orders=tuple(_order(o, f"{path}.fsi_order_dtos[{i}]") for i, o in enumerate(orders)),
    )


def _patient(call: Call, row: Mapping[str, Any], path: str) -> PatientCase:
    encounters = f.rows(row, "fsi_encounter_dtos", required=True, max_rows=MAX_ENCOUNTERS, path=path)
    return PatientCase(
        patn_id=f.code(row, "patn_id", path=path),
        encounters=tuple(_encounter(call, e, f"{path}.fsi_encounter_dtos[{i}]") for i, e in enumerate(encounters)),
    )


def _rule_ids(node: Mapping[str, Any]) -> frozenset[Rule] | None:
    """``rule_ids``: a list, or text separated by commas; absent or empty runs every rule."""
    given = node.get("rule_ids")
    if isinstance(given, list):
        ids = [str(v).strip() for v in given if str(v).strip()]
    else:
        text = f.text(node, "rule_ids", required=False, path="data") or ""
        ids = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    return Rule.named(ids) if ids else None


def _result(number: int, task_id: str, violation: Violation) -> dict[str, Any]:
    rule = violation.rule.value
    amount = yuan(violation.amount_fen)
    jr_id = f"{task_id}-{number:04d}"
    return {
        "jr_id": jr_id,
        "rule_id": rule.rule_id,
        "rule_name": localise(violation.rule, "zh"),
        "vola_cont": localise(violation.content, "zh"),
        "patn_id": violation.patn_id,
        "mdtrt_id": violation.mdtrt_id,
        "vola_amt": amount,
        "vola_amt_stas": "1",
        "sev_deg": rule.sev_deg,
        "vola_evid": _GONGJI_BASIS,
        "vola_bhvr_type": rule.vola_bhvr_type,
        "task_id": task_id,
        "judge_result_detail_dtos": [
            {
                "jrd_id": f"{jr_id}-1",
                "patn_id": violation.patn_id,
                "mdtrt_id": violation.mdtrt_id,
                "rx_id": violation.rx_id,
                "vola_item_type": "1" if violation.rx_id is not None else "2",
                "vola_amt": amount,
            }
        ],
    }


def _analyse(call: Call) -> dict[str, Any]:
    """3101 事前分析 and 3102 事中分析: the same checks (gongji has no state that differs between the two)."""
    node = flat_node(call)
    patients = f.rows(node, "patient_dtos", required=True, max_rows=MAX_PATIENTS, path="data")
    cases = tuple(_patient(call, p, f"data.patient_dtos[{i}]") for i, p in enumerate(patients))
    found = precheck(call.ctx, PreCheck(cases, _rule_ids(node)))
    task_id = f.code(node, "task_id", required=False, path="data") or call.envelope.msgid
    return {"result": [_result(n, task_id, v) for n, v in enumerate(found, start=1)]}


PRECHECKS: tuple[Transaction, ...] = (
    Transaction("2001", "人员待遇享受检查", _entitlement),
    Transaction("3101", "明细审核事前分析", _analyse),
    Transaction("3102", "明细审核事中分析", _analyse),
)

TRANSACTIONS.update({t.infno: t for t in PRECHECKS})
