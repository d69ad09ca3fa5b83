"""fengzaiqishi11/hsa-his (Java), as its insurance module calls the national interface.

Source: fengzaiqishi11/hsa-his, commit 1fcd557940391a10c84c139f1e65846eef69a664, under
``hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/``:

- ``unifiedpay/util/InsureCommonUtil.java`` — the message: ``infno``, ``insuplc_admdvs``, ``medins_code``,
  ``insur_code``, ``mdtrtarea_admvs``, ``msgid``, ``opter``, ``opter_name`` and ``input`` (``{"data": map}`` unless
  the builder gives ``input`` itself); ``hsa-com/.../util/StringUtils.java`` ``createMsgId`` — institution code +
  ``yyyyMMddHHmmss`` + ``(int)(Math.random()*9000+1000)``;
- ``unifiedpay/bo/impl/InsureItfBOImpl.java`` — fastjson writes it and reads the answer; success is
  ``"0".equals(resultMap.get("infcode"))``;
- ``module/bo/impl/InsureIndividualBasicBOImpl.java`` — 9001 with ``input`` = ``{opter_no, mac, ip}`` (no
  ``signIn`` node), 9002 with ``{"signOut": {opter_no, sign_no}}``;
- ``unifiedpay/util/outptsettle/*`` — 2201, 2203 (``OutptVisitReqUtil``), 2205 always ``chrg_bchno`` and
  ``feedetl_sn`` ``"0000"`` (``OutptCostRevocationReqUtil``), 2206/2207 (``OutptPreSettleReqUtil``,
  ``OutptSettleReqUtil``: ``medfee_sumamt`` a ``BigDecimal`` of two decimals, the declared amounts ``""``,
  ``mdtrt_mode`` and ``mid_setl_flag`` ``"0"``), 2208; ``unifiedpay/bo/impl/InsureUnifiedPayOutptBOImpl.java``
  — the 2204 rows (``feedetl_sn`` a number in Hunan, extra ``id``, ``dise_code``, ``rxno``, ``lis_type``);
- ``unifiedpay/util/inptregister/*`` — 2401, 2403 and 2402 (2403 and 2402 put their node under ``mdtrtinfo``);
  ``unifiedpay/util/inptsettle/InptPreSettleReqUtil.java``, ``InptSettleReqUtil.java`` — 2303/2304 with ``input``
  the data map itself (no ``data`` node) and the declared amounts as Java ``double`` ``0.00``;
  ``unifiedpay/bo/impl/InsureUnifiedPayInptBOImpl.java`` — the 2301 rows (``cnt`` and ``pric`` scaled to four).

Every map is a ``java.util.HashMap`` written by fastjson: HashMap order, nulls left out; the message object itself
(``InsureInterfaceParamDTO``) is a bean, which fastjson writes with its fields in alphabetical order. hsa-his hands
this message to a gateway helper (the ``url`` of its configuration, "云助手"), whose source is not published; what
that helper must add for the national gateway — the ``x-tif-*`` headers, ``sign_no`` and ``fixmedins_code`` — is
added here, and nothing else is changed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from tests.fsi.conformance.base import ConformanceClient
from tests.fsi.conformance.inputs import Batch, Line, Visit
from tests.fsi.conformance.wire import JavaDouble, Raw, java_hashmap_order, write_json

__all__ = ["HsaHisClient", "fastjson_input"]

_TWO, _FOUR = Decimal("0.01"), Decimal("0.0001")


def fastjson_input(value: Any) -> str:
    """fastjson's writing of nested ``HashMap``s: HashMap order, null values left out."""
    return write_json(value, omit_null=True, order=java_hashmap_order)


class HsaHisClient(ConformanceClient):
    """hsa-his: fastjson messages, ``"0".equals(infcode)``, Hunan's numeric fee serials."""

    name: ClassVar[str] = "hsa-his"
    source: ClassVar[str] = "fengzaiqishi11/hsa-his@1fcd557940391a10c84c139f1e65846eef69a664"
    timestamp_ms: ClassVar[bool] = True

    def envelope(self, infno: str, input_: dict[str, Any], msgid: str) -> dict[str, Any]:
        """``InsureInterfaceParamDTO``'s fields (with the helper's ``fixmedins_code`` and ``sign_no``)."""
        return {
            "fixmedins_code": self.fixmedins_code,
            "infno": infno,
            "input": input_,
            "insuplc_admdvs": self.insuplc_admdvs or None,
            "insur_code": self.region,
            "mdtrtarea_admvs": self.region,
            "medins_code": self.fixmedins_code,
            "msgid": msgid,
            "opter": self.opter,
            "opter_name": self.opter_name,
            "sign_no": self.sign_no,
        }

    def encode(self, envelope: dict[str, Any]) -> bytes:
        """The bean's fields alphabetically, ``input`` as fastjson writes HashMaps; UTF-8."""
        message = {**envelope, "input": Raw(fastjson_input(envelope["input"]))}
        return write_json(message, omit_null=True, order=sorted).encode("utf-8")

    def succeeded(self, body: dict[str, Any]) -> bool:
        """``"0".equals(infcode)``: only the text ``"0"`` is a success to hsa-his. The platform's number 0 reaches
        it as the text "0" through its helper (see ``test_spec_refusals``), so a number 0 is read as that text."""
        infcode = body.get("infcode")
        return infcode == "0" or (isinstance(infcode, int | Decimal) and not isinstance(infcode, bool) and infcode == 0)

    # --- values ---------------------------------------------------------------------------------------------

    def money(self, amount: Decimal) -> Any:
        """``BigDecimalUtils.convert(new DecimalFormat("0.00").format(x))``: two decimals."""
        return amount.quantize(_TWO)

    def price(self, amount: Decimal) -> Any:
        """``BigDecimalUtils.scale(price, 4)``."""
        return amount.quantize(_FOUR)

    def count(self, amount: Decimal) -> Any:
        """``BigDecimalUtils.scale(totalNum, 4)``."""
        return amount.quantize(_FOUR)

    def batch_number(self, number: int) -> str:
        """``batchNo`` of the charge (``"0"`` when none; the outpatient module numbers its charges)."""
        return str(number)

    # --- inputs where hsa-his differs ------------------------------------------------------------------------

    def sign_in_input(self) -> dict[str, Any]:
        """9001: ``{opter_no, mac, ip}`` as ``input`` itself."""
        return {"opter_no": self.opter, "mac": "00-1B-21-3C-4D-5E", "ip": "11.11.11.11"}

    def sign_out_input(self) -> dict[str, Any]:
        """9002: ``{"signOut": {opter_no, sign_no}}``."""
        return {"signOut": {"opter_no": self.opter, "sign_no": self.sign_no}}

    def _patient(self, visit: Visit) -> dict[str, Any]:
        return {
            "psn_no": visit.psn_no,
            "mdtrt_cert_type": visit.cert_type,
            "mdtrt_cert_no": visit.cert_no,
            "card_sn": None,
            "psn_cert_type": "01",
            "certno": visit.certno,
            "psn_type": visit.extra.get("psn_type"),
            "psn_name": visit.extra.get("psn_name"),
        }

    def fee_row(self, visit: Visit, batch: Batch | None, line: Line, at: datetime) -> dict[str, Any]:
        """A 2204 row (``UP_2204``) or a 2301 row (``InsureUnifiedPayInptBOImpl``), Hunan's numeric serials."""
        if batch is None:
            return {
                "feedetl_sn": int(line.feedetl_sn),
                "init_feedetl_sn": "",
                "mdtrt_id": visit.mdtrt_id,
                "drord_no": f"YZ{line.feedetl_sn}",
                "psn_no": visit.psn_no,
                "med_type": visit.med_type,
                "fee_ocur_time": self.time(at),
                "med_list_codg": line.code,
                "medins_list_codg": line.code,
                "med_list_name": None,
                "cnt": self.count(line.cnt),
                "pric": self.price(line.pric),
                "det_item_fee_sumamt": self.money(line.sumamt),
                "bilg_dept_codg": "A03",
                "bilg_dept_name": "内科",
                "bilg_dr_codg": "D130100000001",
                "bilg_dr_name": "王医生",
                "acord_dept_codg": "",
                "acord_dept_name": "",
                "orders_dr_code": "D130100000001",
                "orders_dr_name": "王医生",
                "hosp_appr_flag": "1",
            }
        return {
            "feedetl_sn": int(line.feedetl_sn),
            "id": f"F{line.feedetl_sn}",
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": visit.psn_no,
            "chrg_bchno": batch.chrg_bchno,
            "dise_code": "J06.900",
            "rxno": f"CF{batch.chrg_bchno}",
            "rx_circ_flag": "0",
            "fee_ocur_time": self.time(at),
            "med_list_codg": line.code,
            "medins_list_codg": line.code,
            "med_list_name": "",
            "lis_type": "",
            "pric": self.price(line.pric),
            "cnt": self.count(line.cnt),
            "det_item_fee_sumamt": self.money(line.sumamt),
            "sin_dos_dscr": "",
            "used_frqu_dscr": None,
            "prd_days": None,
            "medc_way_dscr": None,
            "bilg_dept_codg": "A03",
            "bilg_dept_name": "内科",
            "bilg_dr_codg": "D130100000001",
            "bilg_dr_name": "王医生",
            "hosp_appr_flag": "1",
        }

    def cancel_line(self, visit: Visit, batch: Batch, line: Line, at: datetime) -> None:
        """hsa-his cancels with ``chrg_bchno`` and ``feedetl_sn`` ``"0000"`` (every line not yet settled), then
        uploads the lines it keeps again."""
        data = {"mdtrt_id": visit.mdtrt_id, "chrg_bchno": "0000", "feedetl_sn": "0000", "psn_no": visit.psn_no}
        self.must("2205", {"data": data}, "2205 0000")
        keep = [kept for kept in batch.lines if kept is not line]
        self.must("2204", self.fees_input(visit, batch, keep, at), f"2204 again {batch.chrg_bchno}")

    def settle_input(self, visit: Visit, batch: Batch, *, final: bool) -> dict[str, Any]:
        """``OutptPreSettleReqUtil`` / ``OutptSettleReqUtil``."""
        data: dict[str, Any] = {
            **self._patient(visit),
            **self.batch_settlement(visit, batch),
            "acct_used_flag": "1",
            "insutype": visit.insutype,
        }
        if final:
            data |= {"invono": "", "fulamt_ownpay_amt": "", "overlmt_selfpay": "", "preselfpay_amt": ""}
            data |= {"inscp_scp_amt": "", "pub_hosp_rfom_flag": "", "mid_setl_flag": "0"}
        else:
            data["pub_hosp_rfom_flag"] = None
        data["mdtrt_mode"] = "0"
        return {"data": data}

    def change_input(self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]]) -> dict[str, Any]:
        """``InptAlterationReqUtil``: the changed admission under ``mdtrtinfo``, and an empty ``agnterinfo``."""
        national = super().change_input(visit, at, diagnoses)
        return {"mdtrtinfo": national["adminfo"], "diseinfo": national["diseinfo"], "agnterinfo": {}}

    def discharge_input(self, visit: Visit, at: datetime, diagnoses: list[tuple[str, str]]) -> dict[str, Any]:
        """``OutHospRegisterReqUtil``: the discharge (``dscginfoMap``) under ``mdtrtinfo``."""
        national = super().discharge_input(visit, at, diagnoses)
        return {"mdtrtinfo": national["dscginfo"], "diseinfo": national["diseinfo"]}

    def stay_settle_input(self, visit: Visit, total: Decimal, *, mid: bool) -> dict[str, Any]:
        """``InptPreSettleReqUtil`` / ``InptSettleReqUtil``: the data map is ``input`` itself."""
        zero = JavaDouble(0.0)
        return {
            **self._patient(visit),
            "medfee_sumamt": self.money(total),
            "psn_setlway": "01",
            "mdtrt_id": visit.mdtrt_id,
            "acct_used_flag": "1",
            "insutype": visit.insutype,
            "invono": "",
            "mid_setl_flag": "1" if mid else "0",
            "fulamt_ownpay_amt": zero,
            "overlmt_selfpay": zero,
            "preselfpay_amt": zero,
            "inscp_scp_amt": zero,
            "insuplc_admdvs": visit.insuplc_admdvs,
            "mdtrtarea_admvs": self.region,
            "med_type": visit.med_type,
            "mdtrt_mode": "0",
            "hcard_basinfo": None,
            "hcard_chkinfo": None,
        }
