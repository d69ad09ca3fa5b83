"""The national interface's transactions: each ``infno`` read from its input node, run as a gongji use case, and
answered with the national output node.

Every write is idempotent by the message: its key is the institution's code and the ``msgid``, and the whole input
is bound to that key (:func:`gongji.service.context.message_identity`), so the same message replayed gets the stored
answer and the same ``msgid`` with another body is refused. An institution acts only on its own visits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.envelope import Envelope
from gongji.api.fsi.fields import FsiInputError
from gongji.api.fsi.outputs import SettlementContext, fee_rows, person_output, settlement_output, visit_output
from gongji.domain.codes import Insutype, MedType
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.identity import ResidentId
from gongji.domain.money import round_half_up
from gongji.domain.visits import Diagnosis
from gongji.service import accounts, people
from gongji.service.context import Context, message_identity
from gongji.service.institution_access import SignIn, check_sign_no, sign_in
from gongji.service.settlement import (
    CancelDischarge,
    CancelFees,
    CancelVisit,
    Discharge,
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    UploadFees,
    cancel_discharge,
    cancel_fees,
    cancel_visit,
    commit_settlement,
    discharge,
    open_visit,
    preview_settlement,
    reverse_settlement,
    upload_fees,
)

__all__ = ["TRANSACTIONS", "Call", "SignIns", "Transaction", "run_transaction"]


@dataclass(frozen=True)
class Call:
    """One message from an authenticated institution."""

    ctx: Context
    envelope: Envelope
    institution: str
    received_at: datetime

    @property
    def key(self) -> str:
        """The idempotency key of a write: the institution's code and the message id."""
        return f"fsi:{self.institution}:{self.envelope.msgid}"

    @property
    def day(self) -> date:
        """The day the message was received (Asia/Shanghai)."""
        return self.received_at.date()


@dataclass(frozen=True)
class Transaction:
    """An ``infno``: its name, its handler, and whether it needs a sign-in first."""

    infno: str
    name_zh: str
    handler: Callable[[Call], dict[str, Any] | None]
    needs_sign_in: bool = True


def _data(call: Call) -> dict[str, Any]:
    return call.envelope.node("data")


def _refused_field(field: str, zh: str, en: str) -> FsiInputError:
    return FsiInputError(field, zh, en)


# 9001 签到 ------------------------------------------------------------------------------------------------------


def _sign_in(call: Call) -> dict[str, Any]:
    node = call.envelope.node("signIn")
    opter_no = f.code(node, "opter_no", path="signIn")
    view = sign_in(
        call.ctx,
        SignIn(call.institution, opter_no, f.text(node, "mac", required=False), f.text(node, "ip", required=False)),
        key=call.key,
    )
    return {"signinoutb": {"sign_time": view.sign_time.strftime("%Y-%m-%d %H:%M:%S"), "sign_no": view.sign_no}}


# 1101 人员信息获取 ------------------------------------------------------------------------------------------------


def _person_ref(node: dict[str, Any]) -> str:
    """The person a message names: ``certno`` (or ``psn_no``), else the card number when it is an ID number. An ID
    number is validated before it is looked up, so a malformed one is ``ID_NUMBER_INVALID``, never "not found"."""
    certno = f.code(node, "certno", required=False, path="data")
    if certno:
        return ResidentId.parse(certno).number
    psn_no = f.code(node, "psn_no", required=False, path="data")
    if psn_no:
        return psn_no
    cert_type = f.code(node, "mdtrt_cert_type", required=False, path="data")
    number = f.code(node, "mdtrt_cert_no", required=False, path="data")
    if number and cert_type in (None, "01", "02"):
        # 01 医保电子凭证 carries the ID number once decoded by the terminal; 02 is the ID card itself.
        return ResidentId.parse(number.split("|")[0]).number
    raise _refused_field(
        "data.certno",
        "须提供证件号码（certno）、人员编号（psn_no）或身份证就诊凭证（mdtrt_cert_type=02 与 mdtrt_cert_no）",
        "give certno, psn_no, or an ID-card credential (mdtrt_cert_type=02 with mdtrt_cert_no)",
    )


def _person_info(call: Call) -> dict[str, Any]:
    node = _data(call)
    ref = _person_ref(node)
    person = people.show_person(call.ctx, ref)
    name = f.text(node, "psn_name", required=False, path="data")
    if name and name.strip() != person.name:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID, field="psn_name", reason_zh="姓名与证件不符", reason_en="name does not match"
        )
    on = f.timestamp(node, "begntime", required=False, path="data")
    balances = accounts.balances(call.ctx, person.psn_no)
    return person_output(person, balances, on.date() if on else call.day)


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


def _register(call: Call) -> dict[str, Any]:
    node = _data(call)
    psn_no = f.code(node, "psn_no", path="data")
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
    view = open_visit(
        call.ctx,
        OpenVisit(
            person=f.code(node, "psn_no", path=path),
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
    node = call.envelope.node("dscginfo")
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


# 2204/2205 费用明细上传 / 撤销 -------------------------------------------------------------------------------------


def _fee_lines(rows: list[dict[str, Any]]) -> tuple[str, list[FeeInput]]:
    mdtrt_ids = set()
    lines = []
    for index, row in enumerate(rows):
        path = f"feedetail[{index}]"
        mdtrt_ids.add(f.code(row, "mdtrt_id", path=path))
        quantity = f.quantity(row, "cnt", allow_negative=True, path=path)
        price = f.amount_fen(row, "pric", path=path)
        total = f.amount_fen(row, "det_item_fee_sumamt", allow_negative=True, path=path)
        expected = round_half_up(Decimal(quantity) * price)
        if total != expected:
            raise _refused_field(
                f"{path}.det_item_fee_sumamt",
                "明细金额须等于数量×单价",
                "an item's amount must equal its quantity times its unit price",
            )
        lines.append(
            FeeInput(
                feedetl_sn=f.code(row, "feedetl_sn", path=path),
                item_code=f.code(row, "med_list_codg", path=path),
                quantity=quantity,
                unit_price_fen=price,
                item_name=f.text(row, "medins_list_name", required=False, path=path),
                fee_at=f.timestamp(row, "fee_ocur_time", required=False, path=path),
                returns_feedetl_sn=f.code(row, "init_feedetl_sn", required=False, path=path),
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
    # "0000" (or no serial) cancels every line of the visit, as the national rule has it.
    serials = None if serial in (None, "0000") else (serial,)
    cancel_fees(call.ctx, CancelFees(mdtrt_id, serials, call.institution), key=call.key)
    return None


# 2206/2207/2208 预结算 / 结算 / 撤销 -------------------------------------------------------------------------------


def _settle_command(call: Call) -> tuple[Settle, str]:
    node = _data(call)
    mdtrt_id = f.code(node, "mdtrt_id", path="data")
    acct_used = f.flag(node, "acct_used_flag", default=True, path="data")
    total = f.amount_fen(node, "medfee_sumamt", required=False, path="data")
    cert_type = f.code(node, "mdtrt_cert_type", required=False, path="data") or "02"
    mid = f.code(node, "mid_setl_flag", required=False, path="data")
    if mid not in (None, "0"):
        raise _refused_field(
            "data.mid_setl_flag", "暂不支持中途结算（mid_setl_flag=1）", "mid-stay settlement is not supported yet"
        )
    return Settle(mdtrt_id, acct_used, call.institution, total), cert_type


def _preview(call: Call) -> dict[str, Any]:
    command, cert_type = _settle_command(call)
    view = preview_settlement(call.ctx, command)
    card = f.code(_data(call), "mdtrt_cert_no", required=False, path="data")
    return settlement_output(view, SettlementContext(call.envelope.msgid, cert_type, call.day, mdtrt_cert_no=card))


def _settle(call: Call) -> dict[str, Any]:
    command, cert_type = _settle_command(call)
    view = commit_settlement(call.ctx, command, key=call.key)
    return settlement_output(view, SettlementContext(call.envelope.msgid, cert_type, call.day))


def _reverse(call: Call) -> dict[str, Any]:
    node = _data(call)
    setl_id = f.code(node, "setl_id", path="data")
    view = reverse_settlement(call.ctx, ReverseSettlement(setl_id, "结算撤销（2208）", call.institution), key=call.key)
    return settlement_output(view, SettlementContext(call.envelope.msgid, "02", call.day, negate=True))


TRANSACTIONS: dict[str, Transaction] = {
    t.infno: t
    for t in (
        Transaction("9001", "签到", _sign_in, needs_sign_in=False),
        Transaction("1101", "人员信息获取", _person_info),
        Transaction("2201", "门诊挂号", _register),
        Transaction("2202", "门诊挂号撤销", _cancel_visit),
        Transaction("2204", "门诊费用明细上传", _upload),
        Transaction("2205", "门诊费用明细撤销", _cancel_upload),
        Transaction("2206", "门诊预结算", _preview),
        Transaction("2207", "门诊结算", _settle),
        Transaction("2208", "门诊结算撤销", _reverse),
        Transaction("2401", "入院办理", _admit),
        Transaction("2402", "出院办理", _discharge),
        Transaction("2404", "入院办理撤销", _cancel_visit),
        Transaction("2405", "出院办理撤销", _cancel_discharge),
        Transaction("2301", "住院费用明细上传", _upload),
        Transaction("2302", "住院费用明细撤销", _cancel_upload),
        Transaction("2303", "住院预结算", _preview),
        Transaction("2304", "住院结算", _settle),
        Transaction("2305", "住院结算撤销", _reverse),
    )
}


class SignIns:
    """The sign-in numbers this process has seen accepted, per institution: a number once issued to an institution
    stays its own, so a second check of it needs no query (a refusal is never remembered)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._known: set[tuple[str, str]] = set()
        self._max_entries = max_entries

    def check(self, ctx: Context, institution: str, sign_no: str) -> None:
        """Refuse an unknown sign-in number or another institution's (``check_sign_no``)."""
        if (institution, sign_no) in self._known:
            return
        check_sign_no(ctx, institution, sign_no)
        if len(self._known) >= self._max_entries:
            self._known.clear()
        self._known.add((institution, sign_no))


_SIGN_INS = SignIns()


def run_transaction(call: Call, sign_ins: SignIns = _SIGN_INS) -> dict[str, Any] | None:
    """Check the sign-in, then run the message's transaction with its whole input bound to its ``msgid``."""
    transaction = TRANSACTIONS.get(call.envelope.infno)
    if transaction is None:
        raise _refused_field(
            "infno", f"不支持的交易编号 {call.envelope.infno}", f"transaction {call.envelope.infno} is not supported"
        )
    if transaction.needs_sign_in:
        sign_ins.check(call.ctx, call.institution, call.envelope.sign_no or "")
    canonical = json.dumps(
        {"infno": call.envelope.infno, "input": call.envelope.input}, sort_keys=True, default=str, ensure_ascii=False
    )
    with message_identity(hashlib.sha256(canonical.encode()).hexdigest()):
        return transaction.handler(call)


# Last: these modules add 2601 and 3201/3202 to TRANSACTIONS (see the note of reconciliation).
from gongji.api.fsi import reconciliation, undo  # noqa: E402, F401
