"""newtouch-cloud/openhis (C#), as its charging pages call the national interface.

Source: newtouch-cloud/openhis, commit 1f9b5713a7d21cfbe005ddf9825df6a1793fed59:

- ``Newtouch.HIS.Sett/Newtouch.Web/Areas/OutpatientManage/Views/OutpatCharge/Index2018.cshtml`` — the outpatient
  charge: 2203A (``Mdtrtinfo_2203A``), 2204 per prescription with ``chrg_bchno`` = ``tradeNo()``, 2205 batch by
  batch (``CQmxcx``: ``{mdtrt_id, chrg_bchno, psn_no}``), 2206 then 2207 posted with the same ``predata`` and 2207
  tried up to three times (``CQybjs``), 2208 (``CQybjs_cz``); success is ``infcode == "0" || infcode === 0``;
- ``.../OutpatientManage/Views/OutpatientReg/OutpatientReg2018.cshtml`` — 2201 (``YbJzdj``: the ``ghxx`` fields);
- ``.../HospitalizationManage/Views/DischargeSettle/PartialSettleIndex2021.cshtml`` — mid-stay 2303/2304 with
  ``mid_setl_flag: "1"``, 2304 posted with 2303's ``predata``; ``Index2021.cshtml`` — the final one with ``"0"``;
- ``.../DischargeSettle/Index2021.cshtml`` (``GetReadCardInfo``) — 1101 for card type 02, 1161 for 03, 1162 for 01.

The pages post to a local proxy (``http://127.0.0.1:33333/api/YiBao/...``) whose source is not published: it
writes the envelope. The envelope here is therefore the national one in the national order, written as a C#
service writes it with Newtonsoft.Json's defaults (nulls included; ``inf_time`` from ``DateTime.Now`` in ISO 8601
with seven fraction digits and the offset). The amounts the pages hand the proxy are JavaScript numbers
(``mxxx.ybzje``), which reach Newtonsoft as ``decimal`` and are written with at least one decimal (``20.0``,
``23.8``).
"""

from __future__ import annotations

import secrets
import string
import time
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from gongji.service.clock import SHANGHAI
from gongji.service.credentials import IssueVoucher, issue_voucher
from tests.fsi.conformance.base import NewtonsoftClient, Refused
from tests.fsi.conformance.inputs import Batch, Line, Visit
from tests.fsi.conformance.wire import newtonsoft_datetime

__all__ = ["OpenHisClient", "js_loose_zero", "trade_no"]

_BASE36 = string.digits + string.ascii_lowercase


def trade_no(now: datetime, rand: str) -> str:
    """``tradeNo()`` of Index2018.cshtml: year, month, day, hour, minute, second, each **without** zero padding
    (the code's ``Number("0" + month)`` pads nothing), ``_`` and nine base-36 characters of ``Math.random()``."""
    return f"{now.year}{now.month}{now.day}{now.hour}{now.minute}{now.second}_{rand}"


def js_loose_zero(value: Any) -> bool:
    """JavaScript's ``value == "0" || value === 0``: a number equal to 0, or a text whose number is 0 (``""`` too,
    as ``Number("") == 0``); ``null`` and ``undefined`` are not."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int | Decimal | float):
        return value == 0
    text = str(value).strip()
    if text == "":
        return True
    try:
        return Decimal(text) == 0
    except ArithmeticError:
        return False


def _js_number_as_decimal(amount: Decimal) -> Decimal:
    """A JavaScript number posted as a form field and read into a C# ``decimal``: trailing zeros gone with the
    JavaScript number, and Newtonsoft writes a whole decimal with ``.0``."""
    normal = amount.normalize()
    return Decimal(f"{int(normal)}.0") if normal == normal.to_integral_value() else normal


class OpenHisClient(NewtonsoftClient):
    """openhis: Newtonsoft envelope, JavaScript success test, prescription batches numbered by ``tradeNo()``."""

    name: ClassVar[str] = "openhis"
    source: ClassVar[str] = "newtouch-cloud/openhis@1f9b5713a7d21cfbe005ddf9825df6a1793fed59"

    def envelope(self, infno: str, input_: dict[str, Any], msgid: str) -> dict[str, Any]:
        """The national envelope in the national order; ``inf_time`` is ``DateTime.Now`` as Newtonsoft writes it
        (100 ns ticks, seven fraction digits at most, trailing zeros dropped)."""
        ticks = (time.time_ns() // 100) % 10_000_000
        return self.national_envelope(
            infno,
            input_,
            msgid,
            insuplc_admdvs=self.insuplc_admdvs,
            recer_sys_code="YBXT",
            device=None,
            signtype=None,
            inf_time=newtonsoft_datetime(datetime.now(SHANGHAI), ticks),
        )

    def succeeded(self, body: dict[str, Any]) -> bool:
        """``infcode == "0" || infcode === 0`` (Index2018.cshtml, ``CQybjs``)."""
        return js_loose_zero(body.get("infcode"))

    def money(self, amount: Decimal) -> Any:
        """``medfee_sumamt: mxxx.ybzje``: a JavaScript number read into a decimal."""
        return _js_number_as_decimal(amount)

    def batch_number(self, number: int) -> str:
        """``var jylsh = tradeNo();`` for each prescription's upload."""
        return trade_no(datetime.now(SHANGHAI), "".join(secrets.choice(_BASE36) for _ in range(9)))

    def read_card(self, certno: str) -> Visit:
        """``GetReadCardInfo`` with card type 01: the patient shows her 医保码 (issued to her phone), the counter
        scans it and calls 1162; the HIS then goes on with ``mdtrt_cert_type`` 01 and ``cardecinfo.ecToken``."""
        shown = issue_voucher(self.server.ctx, IssueVoucher(certno), key=f"conformance:{self.name}:{self.new_msgid()}")
        assert shown.token is not None
        data = {
            "mdtrt_cert_type": "01",
            "ecQrCode": shown.token,
            "businessType": "01101",
            "officeId": "0201",
            "officeName": "内科",
            "operatorId": self.opter,
            "operatorName": self.opter_name,
        }
        output = self.must("1162", {"data": data}, "1162 医保电子凭证解码")
        assert output["baseinfo"], "读卡失败"
        assert output["insuinfo"][0], "读卡失败"
        token = str(output["cardecinfo"]["ecToken"])
        return self.patient(certno, output, "01", token)

    def settle_input(self, visit: Visit, batch: Batch, *, final: bool) -> dict[str, Any]:
        """``predata`` of ``CQybjs``: the same fields for 2206 and 2207 (no ``invono`` nor declared amounts)."""
        data = {
            "mdtrt_cert_type": visit.cert_type,
            "mdtrt_cert_no": visit.cert_no,
            "psn_no": visit.psn_no,
            **self.batch_settlement(visit, batch),
            "acct_used_flag": "1",
            "insutype": visit.insutype,
        }
        return {"data": data}

    def settle(self, visit: Visit, batch: Batch) -> Any:
        """2207, tried again up to three times in all while the answer is not a success (``numjs`` loop)."""
        last: Refused | None = None
        for _ in range(3):
            try:
                return super().settle(visit, batch)
            except Refused as refused:
                last = refused
        assert last is not None
        raise last

    def cancel_line(self, visit: Visit, batch: Batch, line: Line, at: datetime) -> None:
        """openhis cancels by batch only (``{mdtrt_id, chrg_bchno, psn_no}``, no ``feedetl_sn``), then uploads the
        prescription's remaining lines again under a new ``tradeNo()``."""
        data = {"mdtrt_id": visit.mdtrt_id, "chrg_bchno": batch.chrg_bchno, "psn_no": visit.psn_no}
        self.must("2205", {"data": data}, f"2205 {batch.chrg_bchno}")
        batch.chrg_bchno = self.batch_number(0)
        keep = [kept for kept in batch.lines if kept is not line]
        self.must("2204", self.fees_input(visit, batch, keep, at), f"2204 again {batch.chrg_bchno}")

    def stay_settle_input(self, visit: Visit, total: Decimal, *, mid: bool) -> dict[str, Any]:
        """``predata`` of ``CQybjs`` in PartialSettleIndex2021 (mid-stay) / Index2021 (final): no ``invono``."""
        data = {
            **self.stay_settlement(visit, total),
            "mid_setl_flag": "1" if mid else "0",
            "acct_used_flag": "1",
        }
        return {"data": data}
