"""Visits and stays: 2201/2202 门诊挂号 / 撤销, 2401/2404 入院办理 / 撤销, 2402/2405 出院办理 / 撤销, and 2203/2203A
门诊就诊信息上传 and 2403 入院信息变更 — what a hospital records of a visit after registering it.

A HIS registers the visit (2201) before the doctor sees the patient, then uploads what the visit is — its medical type
(``med_type``: 11 普通门诊, 14 门诊慢特病 …) and the diagnoses — with 2203 (2203A in the later version of the
specification, same fields). A stay's admission record is corrected with 2403. The visit's node is ``mdtrtinfo``
(2403: ``adminfo`` in the specification; hsa-his sends ``mdtrtinfo``, see
fengzaiqishi11/hsa-his@1fcd55794 hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/util/inptregister/
InptAlterationReqUtil.java, which also numbers diagnoses from 0); diagnoses are ``diseinfo[]``. Both answer with no
output, as the specification has it.

Registration: as :mod:`gongji.api.fsi.reconciliation` — this module adds its transactions to ``TRANSACTIONS`` last.
"""

from __future__ import annotations

from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.outputs import visit_output
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction, _data, _node, _refused_field
from gongji.domain.codes import Insutype, MedType
from gongji.domain.visits import Diagnosis
from gongji.service import credentials
from gongji.service.settlement import (
    CancelDischarge,
    CancelVisit,
    ChangeVisit,
    Discharge,
    OpenVisit,
    cancel_discharge,
    cancel_visit,
    change_visit,
    discharge,
    open_visit,
)

__all__ = ["VISIT_CHANGES"]


# 2201/2202 门诊挂号 / 撤销 -----------------------------------------------------------------------------------------


def _med_type(value: str | None, default: MedType) -> MedType:
    if value is None:
        return default
    try:
        return MedType(value)
    except ValueError:
        raise _refused_field(
            "data.med_type", f"医疗类别“{value}”不受支持", f"medical type '{value}' is not supported"
        ) from None


def _insutype(value: str | None) -> Insutype | None:
    if value is None:
        return None
    try:
        return Insutype(value)
    except ValueError:
        raise _refused_field(
            "data.insutype", f"险种类型“{value}”不受支持", f"insurance type '{value}' is not supported"
        ) from None


def _check_credential(call: Call, node: dict[str, Any], path: str, psn_no: str) -> None:
    """The card, voucher or ID number a registration or admission was read with names its patient."""
    credentials.check_credential(
        call.ctx,
        f.code(node, "mdtrt_cert_type", required=False, path=path),
        f.code(node, "mdtrt_cert_no", required=False, max_len=400, path=path),
        psn_no,
        f.code(node, "card_sn", required=False, path=path),
        key=call.key,
    )


def _register(call: Call) -> dict[str, Any]:
    node = _data(call)
    psn_no = f.code(node, "psn_no", path="data")
    _check_credential(call, node, "data", psn_no)
    # 2201 carries no medical type (2203 uploads it); a regional extension may. Pharmacies (national codes begin
    # with P, hospitals with H) sell (41).
    default = MedType.PHARMACY_PURCHASE if call.institution.startswith("P") else MedType.GENERAL_OUTPATIENT
    view = open_visit(
        call.ctx,
        OpenVisit(
            person=psn_no,
            institution=call.institution,
            med_type=_med_type(f.code(node, "med_type", required=False, path="data"), default),
            begin_at=f.timestamp(node, "begntime", required=False, path="data"),
            insutype=_insutype(f.code(node, "insutype", required=False, path="data")),
            ipt_otp_no=f.code(node, "ipt_otp_no", required=False, path="data"),
        ),
        key=call.key,
    )
    return {"data": visit_output(view)}


def _cancel_visit(call: Call) -> dict[str, Any] | None:
    """2202 门诊挂号撤销 and 2404 入院办理撤销: the visit named by ``data.mdtrt_id`` is cancelled."""
    node = _data(call)
    cancel_visit(call.ctx, CancelVisit(f.code(node, "mdtrt_id", path="data"), call.institution), key=call.key)
    return None


# 2401/2402/2404/2405 入院 / 出院 / 撤销 ----------------------------------------------------------------------------


def _diagnoses(call: Call) -> tuple[Diagnosis, ...]:
    rows = call.envelope.rows("diseinfo", required=False)
    found = []
    for index, row in enumerate(rows):
        path = f"diseinfo[{index}]"
        order = f.code(row, "diag_srt_no", required=False, path=path) or str(index + 1)
        if not order.isdigit():
            raise _refused_field(f"{path}.diag_srt_no", "诊断排序号须为数字", "diag_srt_no is a number")
        found.append(
            Diagnosis(
                seq=int(order),
                diag_type=f.code(row, "diag_type", path=path),
                diag_code=f.code(row, "diag_code", path=path),
                diag_name=f.text(row, "diag_name", path=path),
                main=f.flag(row, "maindiag_flag", default=False, path=path),
            )
        )
    return tuple(found)


def _admit(call: Call) -> dict[str, Any]:
    node = call.envelope.node("mdtrtinfo")
    path = "mdtrtinfo"
    psn_no = f.code(node, "psn_no", path=path)
    _check_credential(call, node, path, psn_no)
    view = open_visit(
        call.ctx,
        OpenVisit(
            person=psn_no,
            institution=call.institution,
            med_type=_med_type(f.code(node, "med_type", path=path), MedType.GENERAL_INPATIENT),
            begin_at=f.timestamp(node, "begntime", required=False, path=path),
            insutype=_insutype(f.code(node, "insutype", required=False, path=path)),
            ipt_otp_no=f.code(node, "ipt_no", required=False, path=path),
            diagnoses=_diagnoses(call),
        ),
        key=call.key,
    )
    return {"result": visit_output(view)}


def _discharge(call: Call) -> dict[str, Any] | None:
    node = _node(call, "dscginfo", "mdtrtinfo")
    path = "dscginfo"
    discharge(
        call.ctx,
        Discharge(
            mdtrt_id=f.code(node, "mdtrt_id", path=path),
            discharged_at=f.timestamp(node, "endtime", required=False, path=path),
            way=f.code(node, "dscg_way", required=False, path=path),
            diagnoses=_diagnoses(call),
            institution=call.institution,
        ),
        key=call.key,
    )
    return None


def _cancel_discharge(call: Call) -> dict[str, Any] | None:
    node = _data(call)
    cancel_discharge(call.ctx, CancelDischarge(f.code(node, "mdtrt_id", path="data"), call.institution), key=call.key)
    return None


def _visit_node(call: Call, *names: str) -> tuple[dict[str, Any], str]:
    """The first of the named nodes the message carries (the specification's name first)."""
    for name in names[:-1]:
        if isinstance(call.envelope.input.get(name), dict):
            return call.envelope.node(name), name
    return call.envelope.node(names[-1]), names[-1]


def _change(call: Call, *, stay: bool) -> None:
    node, path = _visit_node(call, "adminfo", "mdtrtinfo") if stay else _visit_node(call, "mdtrtinfo")
    f.code(node, "psn_no", path=path)
    med_type = f.code(node, "med_type", required=False, path=path)
    change_visit(
        call.ctx,
        ChangeVisit(
            mdtrt_id=f.code(node, "mdtrt_id", path=path),
            stay=stay,
            institution=call.institution,
            med_type=_med_type(med_type, MedType.GENERAL_OUTPATIENT) if med_type else None,
            begin_at=f.timestamp(node, "begntime", required=False, path=path),
            diagnoses=_diagnoses(call),
        ),
        key=call.key,
    )


def _outpatient_record(call: Call) -> None:
    """2203 / 2203A: an outpatient visit's medical type and diagnoses."""
    _change(call, stay=False)


def _admission_change(call: Call) -> None:
    """2403: a stay's admission record (medical type, admission time, admission diagnoses)."""
    _change(call, stay=True)


VISIT_CHANGES = {
    t.infno: t
    for t in (
        Transaction("2201", "门诊挂号", _register),
        Transaction("2202", "门诊挂号撤销", _cancel_visit),
        Transaction("2203", "门诊就诊信息上传", _outpatient_record),
        Transaction("2203A", "门诊就诊信息上传", _outpatient_record),
        Transaction("2401", "入院办理", _admit),
        Transaction("2402", "出院办理", _discharge),
        Transaction("2403", "入院信息变更", _admission_change),
        Transaction("2404", "入院办理撤销", _cancel_visit),
        Transaction("2405", "出院办理撤销", _cancel_discharge),
    )
}

TRANSACTIONS.update(VISIT_CHANGES)
