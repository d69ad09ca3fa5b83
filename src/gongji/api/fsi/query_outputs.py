"""The ``output`` nodes of the queries 5201–5206 and 5261, shaped from :mod:`gongji.service.fsi_queries`' rows.

Field lists follow the national specification as public clients read it:

- 5201 ``mdtrtinfo[]``, 5202 ``diseinfo[]``, 5205 ``feedetail[]``: the structures of a public C header of the national
  interface (``query_consult_ret_struct``, ``query_disea_ret_struct``, ``query_chronic_ret_struct``), and
  fengzaiqishi11/hsa-his@1fcd557940391a10c84c139f1e65846eef69a664,
  ``hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/bo/impl/InsureUnifiedBaseBOImpl.java``
  (``queryVisitInfo`` reads ``output.mdtrtinfo``, ``queryDiagnoseInfo`` ``output.diseinfo``, ``querySpecialUserDrug``
  ``output.feedetail``, ``queryPatientSumInfo`` ``output.cuminfo``, ``queryFeeDetailInfo`` ``output`` as a list).
- 5203 ``setlinfo``/``setldetail``: liutao2019/IBORN_HIS_ALL@f01d7db6e6fc154b4adfe85fa0108d66ff9dbe17,
  ``MEDICAL/广州医保/API.GZSI/Models/Response/ResponseGzsiModel5203.cs``.
- 5204 rows and 5206 ``cuminfo``: the SZSI_Smart models ``FY5204``/``RY5206`` (Shenzhen, published C#), and
  hsa-his's ``insure_patient_sum`` table (``insutype, year, cum_type_code, cum_ym, cum``).

Values gongji does not keep are ``null``, never invented.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gongji.api.fsi.outputs import SettlementContext, _identity, settlement_output
from gongji.api.fsi.reply import yuan
from gongji.service.fsi_queries import Accumulators, SettlementFound
from gongji.service.query_ports import QueryFeeRow, QueryVisitRow
from gongji.service.settlement import DiagnosisView

__all__ = ["cuminfo_rows", "diseinfo_rows", "drug_rows", "fee_rows", "mdtrtinfo_rows", "setlinfo_of"]

_DAY = "%Y-%m-%d"
_TIME = "%Y-%m-%d %H:%M:%S"
#: gongji's item kinds → 医疗收费项目类别 (as :mod:`gongji.api.fsi.outputs` answers 2204).
_CHRGITM_TYPE = {"drug": "09", "consumable": "08", "test": "03", "service": "14"}
_CHRGITM_LV = {"A": "01", "B": "02", "C": "03"}
_NO_PRICE_CAP = Decimal(999999)
#: gongji's accumulators → 累计类别代码 as hsa-his reads them (``Q0000`` 起付线累计; ``D<insutype>101`` 统筹基金支付).
_DEDUCTIBLE_CODE = "Q0000"
#: 出入院诊断类别: 1 入院诊断, 2 出院诊断 (an outpatient's diagnoses are its visit's, written as 1).
_INOUT = {"admission": "1", "discharge": "2"}


def _time(at: datetime | None) -> str | None:
    return at.strftime(_TIME) if at else None


def mdtrtinfo_rows(visits: list[QueryVisitRow]) -> list[dict[str, Any]]:
    """5201 ``mdtrtinfo``: one row per visit."""
    return [_visit_row(visit) for visit in visits]


def _visit_row(visit: QueryVisitRow) -> dict[str, Any]:
    ended = visit.discharged_at or visit.end_at
    inpatient = visit.med_type.startswith("2") or visit.med_type == "52"
    return {
        "mdtrt_id": visit.mdtrt_id,
        "psn_no": visit.psn_no,
        "psn_cert_type": "01",
        "certno": visit.certno,
        "psn_name": visit.name,
        "naty": None,
        **_identity(visit.certno, visit.begin_at.date()),
        "insutype": visit.insutype,
        "psn_type": visit.psn_type,
        "cvlserv_flag": "0",
        "flxempe_flag": None,
        "nwb_flag": None,
        "insu_optins": visit.region,
        "emp_name": None,
        "begntime": _time(visit.begin_at),
        "endtime": _time(ended),
        "mdtrt_cert_type": None,
        "med_type": visit.med_type,
        "ipt_otp_no": visit.ipt_otp_no,
        "medrcdno": None,
        "dscg_way": visit.discharge_way,
        # 在院状态: 1 在院, 0 不在院 (an outpatient visit is never "in hospital").
        "inhosp_stas": ("1" if inpatient and ended is None and visit.status == "open" else "0"),
        "fixmedins_code": visit.fixmedins_code,
        "fixmedins_name": visit.fixmedins_name,
        # 有效标志: a cancelled registration or admission (2202/2404) stays listed, as no longer valid.
        "vali_flag": "0" if visit.status == "cancelled" else "1",
        "memo": None,
    }


def diseinfo_rows(visit: QueryVisitRow, diagnoses: list[DiagnosisView]) -> list[dict[str, Any]]:
    """5202 ``diseinfo``: the visit's diagnoses, admission ones first."""
    return [
        {
            "diag_info_id": f"{visit.mdtrt_id}-{_INOUT.get(d.stage, '1')}-{d.seq}",
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": visit.psn_no,
            "inout_diag_type": _INOUT.get(d.stage, "1"),
            "diag_type": d.diag_type,
            "maindiag_flag": "1" if d.main else "0",
            "diag_srt_no": d.seq,
            "diag_code": d.diag_code,
            "diag_name": d.diag_name,
            "adm_cond": None,
            "diag_dept": None,
            "dise_dor_no": None,
            "dise_dor_name": None,
            "diag_time": None,
        }
        for d in diagnoses
    ]


def setlinfo_of(found: SettlementFound) -> dict[str, Any]:
    """5203 (and 5261): the settlement's record as 2207 answered it, with the query's fields beside it.

    A reversed settlement is answered as it was settled, marked no longer valid (``vali_flag`` "0") with the time of
    its reversal (``refd_setl_time``, gongji's field): gongji keeps a reversal with its settlement's ``setl_id`` rather
    than as a record of its own (3202 lists it as that ``setl_id`` with ``refd_setl_flag`` "1").
    """
    view = found.settlement
    on: date = view.settled_at.date()
    answer = settlement_output(view, SettlementContext(found.msgid or "", "", on))
    a = view.amounts
    visit = found.visit
    answer["setlinfo"].update(
        {
            # gongji does not keep the credential a settlement was read with.
            "mdtrt_cert_type": None,
            "medins_setl_id": found.msgid,
            "fixmedins_code": visit.fixmedins_code if visit else view.institution,
            "fixmedins_name": visit.fixmedins_name if visit else None,
            "insu_optins": view.region,
            "emp_name": None,
            "begndate": visit.begin_at.strftime(_DAY) if visit else None,
            "enddate": _day(visit.discharged_at or visit.end_at) if visit else None,
            "year": str(view.settled_at.year),
            "psn_pay": yuan(a["psn_part_amt"]),
            "cash_payamt": yuan(a["psn_cash_pay"]),
            "hifdm_pay": yuan(0),
            "invono": None,
            "refd_setl_flag": "0",
            "vali_flag": "0" if found.reversed else "1",
            "refd_setl_time": _time(view.reversed_at),
            "opter_id": None,
            "opter_name": None,
            "opt_time": _time(view.settled_at),
        }
    )
    return answer


def _day(at: datetime | None) -> str | None:
    return at.strftime(_DAY) if at else None


def _quantity(milli: int) -> Decimal:
    return (Decimal(milli) / 1000).normalize() if milli % 1000 else Decimal(milli // 1000)


def _price(microyuan: int) -> Decimal:
    """A unit price in yuan, with its six decimals where it has them and at least two."""
    exact = Decimal(microyuan) / 1_000_000
    exponent = exact.as_tuple().exponent
    return exact if isinstance(exponent, int) and exponent < -2 else exact.quantize(Decimal("0.01"))


def _classified(row: QueryFeeRow) -> dict[str, Any]:
    return {
        "cnt": _quantity(row.quantity_milli),
        "pric": _price(row.unit_price_microyuan),
        "det_item_fee_sumamt": yuan(row.total_fen),
        "pric_uplmt_amt": yuan(row.price_cap_fen) if row.price_cap_fen is not None else _NO_PRICE_CAP,
        "selfpay_prop": (Decimal(row.self_pay_bp or 0) / 10_000).quantize(Decimal("0.0001")),
        "fulamt_ownpay_amt": yuan(row.fulamt_ownpay_fen),
        "overlmt_amt": yuan(row.overlmt_fen),
        "preselfpay_amt": yuan(row.preselfpay_fen),
        "inscp_scp_amt": yuan(row.inscp_fen),
        "chrgitm_lv": _CHRGITM_LV.get(row.category or "", "03"),
        "med_chrgitm_type": _CHRGITM_TYPE.get(row.item_kind or "", "14"),
        "hilist_code": row.item_code,
        "hilist_name": row.item_name,
        "med_list_codg": row.item_code,
        "medins_list_codg": None,
        "medins_list_name": row.item_name,
    }


def fee_rows(rows: list[QueryFeeRow], psn_no: str) -> list[dict[str, Any]]:
    """5204 ``output``: a list of fee lines with their classification; a cancelled line stays, not valid."""
    return [
        {
            "mdtrt_id": row.mdtrt_id,
            "setl_id": row.setl_id,
            "psn_no": psn_no,
            "feedetl_sn": row.feedetl_sn,
            "init_feedetl_sn": row.returns_feedetl_sn,
            "rx_drord_no": None,
            "med_type": row.med_type,
            "fee_ocur_time": _time(row.fee_at),
            **_classified(row),
            "list_type": None,
            "bilg_dept_codg": None,
            "bilg_dept_name": None,
            "bilg_dr_codg": None,
            "bilg_dr_name": None,
            "lmt_used_flag": "0",
            "hosp_appr_flag": None,
            "drt_reim_flag": "0",
            "vali_flag": "0" if row.cancelled else "1",
            "memo": None,
        }
        for row in rows
    ]


def drug_rows(rows: list[QueryFeeRow], psn_no: str) -> list[dict[str, Any]]:
    """5205 ``feedetail``: drugs of chronic-disease visits, each with the institution that dispensed it."""
    return [
        {
            "feedetl_sn": row.feedetl_sn,
            "rx_drord_no": None,
            "fixmedins_code": row.fixmedins_code,
            "fixmedins_name": row.fixmedins_name,
            "psn_no": psn_no,
            "med_type": row.med_type,
            "fee_ocur_time": _time(row.fee_at),
            **_classified(row),
            "list_type": None,
            "prodname": None,
            "spec": None,
            "dosform_name": None,
            "lmt_used_flag": "0",
        }
        for row in rows
    ]


def cuminfo_rows(found: Accumulators, cum_ym: str) -> list[dict[str, Any]]:
    """5206 ``cuminfo``: one row per accumulator gongji keeps, coded as the national 累计类别代码.

    gongji keeps a year's accumulators per group of medical types (outpatient and inpatient deductibles are apart);
    each group is its own row with the same code, so a client that adds the rows of a code (as hsa-his does) gets
    the year's figure. ``med_type_grp`` and ``insu_admdvs`` are gongji's own fields. The value is the year's figure
    to date: gongji keeps balances, not month-end snapshots, so ``cum_ym`` chooses the year.
    """
    rows = []
    for row in found.rows:
        insutype = found.insutype_by_region.get(row.region)
        # An accumulator exists only where the person is insured, so the region's insurance type is known.
        code = _DEDUCTIBLE_CODE if row.kind == "deductible_paid" else f"D{insutype}101"
        rows.append(
            {
                "insutype": insutype,
                "year": str(row.year),
                "cum_ym": cum_ym,
                "cum_type_code": code,
                "cum": yuan(row.balance_fen),
                "med_type_grp": row.group,
                "insu_admdvs": row.region,
            }
        )
    return rows
