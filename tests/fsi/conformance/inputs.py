"""The transactions' inputs with their national field names, as the scenarios need them.

:class:`NationalInputs` writes each input in the order of the national specification
(《医疗保障信息平台定点医药机构接口规范》) with values in the shapes a client's hooks give
(:meth:`~NationalInputs.time`, :meth:`~NationalInputs.money`, :meth:`~NationalInputs.price`,
:meth:`~NationalInputs.count`). A client overrides a builder where its published code writes the input differently,
and says so with a citation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["Batch", "Line", "NationalInputs", "Visit"]

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """One fee line: catalogue code, unit price (up to 6 decimals), count, and its serial within the visit."""

    feedetl_sn: str
    code: str
    pric: Decimal
    cnt: Decimal

    @property
    def sumamt(self) -> Decimal:
        """``det_item_fee_sumamt``: price × count rounded half up to the fen, as the HIS computes it."""
        return (self.pric * self.cnt).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass
class Batch:
    """A charge batch (收费批次): its number and its lines (those still uploaded)."""

    chrg_bchno: str
    lines: list[Line]

    @property
    def total(self) -> Decimal:
        """The batch's ``medfee_sumamt``: the sum of its lines."""
        return sum((line.sumamt for line in self.lines), Decimal("0.00"))


@dataclass
class Visit:
    """What the HIS knows of a visit or a stay after registering it."""

    certno: str
    psn_no: str
    insutype: str
    med_type: str
    cert_type: str
    cert_no: str
    insuplc_admdvs: str
    mdtrt_id: str = ""
    ipt_otp_no: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class NationalInputs:
    """Default (national) inputs; the value hooks say how the client writes times, amounts, prices, counts."""

    region: str

    # --- value hooks ------------------------------------------------------------------------------------------

    def time(self, moment: datetime) -> Any:
        """A time field (``begntime``, ``fee_ocur_time`` …)."""
        return f"{moment:%Y-%m-%d %H:%M:%S}"

    def money(self, amount: Decimal) -> Any:
        """An amount in yuan."""
        return amount

    def price(self, amount: Decimal) -> Any:
        """``pric``."""
        return amount

    def count(self, amount: Decimal) -> Any:
        """``cnt``."""
        return amount

    # --- outpatient -------------------------------------------------------------------------------------------

    def person_input(self, certno: str, at: datetime) -> dict[str, Any]:
        """1101 by ID card."""
        data = {
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": certno,
            "card_sn": "",
            "begntime": self.time(at),
            "psn_cert_type": "01",
            "certno": certno,
            "psn_name": "",
        }
        return {"data": data}

    def register_input(self, visit: Visit, at: datetime) -> dict[str, Any]:
        """2201."""
        data = {
            "psn_no": visit.psn_no,
            "insutype": visit.insutype,
            "begntime": self.time(at),
            "mdtrt_cert_type": visit.cert_type,
            "mdtrt_cert_no": visit.cert_no,
            "ipt_otp_no": visit.ipt_otp_no,
            "atddr_no": "D130100000001",
            "dr_name": "王医生",
            "dept_code": "A03",
            "dept_name": "内科",
            "caty": "A03",
        }
        return {"data": data}

    def visit_info_input(self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]]) -> dict[str, Any]:
        """2203: the visit and its diagnoses."""
        mdtrtinfo = {
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": visit.psn_no,
            "med_type": visit.med_type,
            "begntime": self.time(at),
            "main_cond_dscr": "",
            "dise_codg": diagnoses[0][0],
            "dise_name": diagnoses[0][1],
            "birctrl_type": "",
            "birctrl_matn_date": "",
        }
        diseinfo = [
            {"diag_type": "1", **self.diagnosis(number, code, name, at), "vali_flag": "1"}
            for number, (code, name) in enumerate(diagnoses, start=1)
        ]
        return {"mdtrtinfo": mdtrtinfo, "diseinfo": diseinfo}

    def diagnosis(self, number: int, code: str, name: str, at: datetime) -> dict[str, Any]:
        """What a ``diseinfo`` row of 2203 and of 2401/2403/2402 says of one diagnosis, in the national order:
        ``diag_srt_no`` … ``diag_time``."""
        return {
            "diag_srt_no": str(number),
            "diag_code": code,
            "diag_name": name,
            "diag_dept": "内科",
            "dise_dor_no": "D130100000001",
            "dise_dor_name": "王医生",
            "diag_time": self.time(at),
        }

    def fee_row(self, visit: Visit, batch: Batch | None, line: Line, at: datetime) -> dict[str, Any]:
        """One row of 2204 (``batch`` given) or 2301 (``batch`` None)."""
        row: dict[str, Any] = {
            "feedetl_sn": line.feedetl_sn,
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": visit.psn_no,
        }
        if batch is not None:
            row["chrg_bchno"] = batch.chrg_bchno
        else:
            row["init_feedetl_sn"] = ""
            row["med_type"] = visit.med_type
        row |= {
            "fee_ocur_time": self.time(at),
            "med_list_codg": line.code,
            "medins_list_codg": line.code,
            "det_item_fee_sumamt": self.money(line.sumamt),
            "cnt": self.count(line.cnt),
            "pric": self.price(line.pric),
            "bilg_dept_codg": "A03",
            "bilg_dept_name": "内科",
            "bilg_dr_codg": "D130100000001",
            "bilg_dr_name": "王医生",
            "hosp_appr_flag": "1",
        }
        return row

    def fees_input(self, visit: Visit, batch: Batch | None, lines: list[Line], at: datetime) -> dict[str, Any]:
        """2204 / 2301."""
        return {"feedetail": [self.fee_row(visit, batch, line, at) for line in lines]}

    def cancel_input(self, visit: Visit, batch: Batch, line: Line | None) -> dict[str, Any]:
        """2205: one line of a batch, or (``line`` None) the whole batch."""
        data = {
            "mdtrt_id": visit.mdtrt_id,
            "chrg_bchno": batch.chrg_bchno,
            "feedetl_sn": line.feedetl_sn if line else "0000",
            "psn_no": visit.psn_no,
        }
        return {"data": data}

    def batch_settlement(self, visit: Visit, batch: Batch) -> dict[str, Any]:
        """What 2206/2207 say of the batch, in the order every client writes it: ``med_type``, ``medfee_sumamt``,
        ``psn_setlway``, ``mdtrt_id``, ``chrg_bchno``."""
        return {
            "med_type": visit.med_type,
            "medfee_sumamt": self.money(batch.total),
            "psn_setlway": "01",
            "mdtrt_id": visit.mdtrt_id,
            "chrg_bchno": batch.chrg_bchno,
        }

    def settle_input(self, visit: Visit, batch: Batch, *, final: bool) -> dict[str, Any]:
        """2206 (``final`` False) or 2207."""
        data: dict[str, Any] = {
            "psn_no": visit.psn_no,
            "mdtrt_cert_type": visit.cert_type,
            "mdtrt_cert_no": visit.cert_no,
            **self.batch_settlement(visit, batch),
            "insutype": visit.insutype,
            "acct_used_flag": "1",
        }
        if final:
            data |= {"invono": "", "fulamt_ownpay_amt": "", "overlmt_selfpay": "", "preselfpay_amt": ""}
            data["inscp_scp_amt"] = ""
        return {"data": data}

    def reverse_input(self, visit: Visit, setl_id: str) -> dict[str, Any]:
        """2208 / 2305."""
        return {"data": {"setl_id": setl_id, "mdtrt_id": visit.mdtrt_id, "psn_no": visit.psn_no}}

    # --- inpatient --------------------------------------------------------------------------------------------

    def admission(
        self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]], *, bed: str, record_no: bool
    ) -> dict[str, Any]:
        """The admission's fields that 2401 and 2403 share, in the national order, from ``coner_name`` to
        ``adm_bed``; ``record_no`` adds 2401's ``medrcdno`` after ``ipt_no``."""
        fields: dict[str, Any] = {
            "coner_name": "张建国",
            "tel": "13803110019",
            "begntime": self.time(at),
            "mdtrt_cert_type": visit.cert_type,
            "mdtrt_cert_no": visit.cert_no,
            "med_type": visit.med_type,
            "ipt_no": visit.ipt_otp_no,
        }
        if record_no:
            fields["medrcdno"] = visit.ipt_otp_no
        return fields | {
            "atddr_no": "D130100000001",
            "chfpdr_name": "王医生",
            "adm_diag_dscr": diagnoses[0][1],
            "adm_dept_codg": "A03",
            "adm_dept_name": "内科",
            "adm_bed": bed,
        }

    def admit_input(self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]]) -> dict[str, Any]:
        """2401."""
        mdtrtinfo = {
            "psn_no": visit.psn_no,
            "insutype": visit.insutype,
            **self.admission(visit, at, diagnoses, bed="12", record_no=True),
            "dscg_maindiag_code": diagnoses[0][0],
            "dscg_maindiag_name": diagnoses[0][1],
        }
        return {"mdtrtinfo": mdtrtinfo, "diseinfo": self.diseases(visit, at, diagnoses)}

    def diseases(self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """``diseinfo`` of 2401/2403/2402."""
        return [
            {
                "psn_no": visit.psn_no,
                "diag_type": "1",
                "maindiag_flag": "1" if number == 1 else "0",
                **self.diagnosis(number, code, name, at),
            }
            for number, (code, name) in enumerate(diagnoses, start=1)
        ]

    def change_input(self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]]) -> dict[str, Any]:
        """2403: the admission changed (bed and diagnoses), national node ``adminfo``."""
        adminfo = {
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": visit.psn_no,
            **self.admission(visit, at, diagnoses, bed="15", record_no=False),
        }
        return {"adminfo": adminfo, "diseinfo": self.diseases(visit, at, diagnoses)}

    def discharge_input(self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]]) -> dict[str, Any]:
        """2402."""
        dscginfo = {
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": visit.psn_no,
            "insutype": visit.insutype,
            "endtime": self.time(at),
            "dise_codg": diagnoses[0][0],
            "dise_name": diagnoses[0][1],
            "dscg_way": "1",
        }
        return {"dscginfo": dscginfo, "diseinfo": self.diseases(visit, at, diagnoses)}

    def stay_settlement(self, visit: Visit, total: Decimal) -> dict[str, Any]:
        """What 2303/2304 say of the patient and the stay, in the national order: ``psn_no``, the credential,
        ``medfee_sumamt``, ``psn_setlway``, ``mdtrt_id``, ``insutype``."""
        return {
            "psn_no": visit.psn_no,
            "mdtrt_cert_type": visit.cert_type,
            "mdtrt_cert_no": visit.cert_no,
            "medfee_sumamt": self.money(total),
            "psn_setlway": "01",
            "mdtrt_id": visit.mdtrt_id,
            "insutype": visit.insutype,
        }

    def stay_settle_input(self, visit: Visit, total: Decimal, *, mid: bool) -> dict[str, Any]:
        """2303 / 2304 (``mid``: 中途结算, ``mid_setl_flag`` 1)."""
        data = {
            **self.stay_settlement(visit, total),
            "acct_used_flag": "1",
            "mid_setl_flag": "1" if mid else "0",
            "invono": "",
        }
        return {"data": data}

    # --- queries and reconciliation ---------------------------------------------------------------------------

    def query_input(self, infno: str, visit: Visit, setl_id: str | None, day: datetime) -> dict[str, Any]:
        """5201 (visits), 5203 (a settlement), 5204 (fee lines)."""
        if infno == "5201":
            data = {
                "psn_no": visit.psn_no,
                "begntime": self.time(day.replace(hour=0, minute=0, second=0)),
                "endtime": self.time(day.replace(hour=23, minute=59, second=59)),
                "med_type": visit.med_type,
                "mdtrt_id": visit.mdtrt_id,
            }
        else:
            data = {"psn_no": visit.psn_no, "setl_id": setl_id or "", "mdtrt_id": visit.mdtrt_id}
        return {"data": data}

    def statement_input(self, day: str, sums: dict[str, Decimal], count: int, clr_type: str) -> dict[str, Any]:
        """3201's ``data``."""
        data = {
            "insutype": "",
            "clr_type": clr_type,
            "setl_optins": self.region,
            "stmt_begndate": day,
            "stmt_enddate": day,
            "medfee_sumamt": self.money(sums["medfee_sumamt"]),
            "fund_pay_sumamt": self.money(sums["fund_pay_sumamt"]),
            "acct_pay": self.money(sums["acct_pay"]),
            "fixmedins_setl_cnt": count,
        }
        return {"data": data}
