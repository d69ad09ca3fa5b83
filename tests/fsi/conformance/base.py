"""What the conformance clients share: one institution's calls over real HTTP to the ``fsi_server`` fixture.

A client subclass says how its system writes a message (:meth:`ConformanceClient.envelope`,
:meth:`~ConformanceClient.encode`, :meth:`~ConformanceClient.headers`, :meth:`~ConformanceClient.new_msgid`), how
it decides an answer succeeded (:meth:`~ConformanceClient.succeeded`), and how it writes the transactions' inputs
(the hooks the scenarios of :mod:`.day` and :mod:`.stay` call). The national gateway signature
(``x-tif-signature = sha256(timestamp + token + nonce + timestamp)``) is computed here, as each client's gateway
layer computes it; the institution's paasid and token come from ``institution_credentials``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from gongji.service.clock import SHANGHAI
from gongji.service.demo import HOSPITAL
from gongji.service.institution_access import institution_credentials
from tests.fsi.conformance.checks import check_refmsgid
from tests.fsi.conformance.inputs import Batch, Line, NationalInputs, Visit
from tests.fsi.conformance.wire import write_json
from tests.fsi.conftest import FsiServer
from tests.serving import BUSINESS_NOW

__all__ = ["PATH", "Answer", "ConformanceClient", "NewtonsoftClient", "Refused", "next_sequence"]

PATH = "/fsi/api/rsfComIfsService/callService"

#: One sequence for every conformance client of the run: the clients draw 4 random digits per message, which can
#: meet within one second; a shared counter in the same range keeps the test run free of that accident.
_SEQUENCE = itertools.count()


def next_sequence() -> int:
    """The next 4-digit number (1000 … 9999), as the clients' ``Random.Next(1000, 9999)`` would give."""
    return 1000 + next(_SEQUENCE) % 9000


@dataclass(frozen=True)
class Answer:
    """An answer as the client received it: HTTP status, the raw text, the body (numbers as Decimal)."""

    infno: str
    msgid: str
    status: int
    text: str
    body: dict[str, Any]

    @property
    def output(self) -> Any:
        """The transaction's ``output`` node."""
        return self.body.get("output")

    @property
    def err_msg(self) -> str | None:
        """Why the platform refused (Chinese first)."""
        return self.body.get("err_msg")


class Refused(AssertionError):
    """The client read an answer as a failure: the step of the day it stopped at and the platform's words."""


class ConformanceClient(NationalInputs):
    """One published hospital system's way of calling the national interface, as one institution."""

    #: Repository, commit and files the client follows (shown in failures and in the report).
    source: ClassVar[str] = ""
    #: Short name used in test ids and in the institution's own numbers (visits, batches).
    name: ClassVar[str] = ""
    #: ``x-tif-timestamp`` in milliseconds (13 digits) rather than seconds.
    timestamp_ms: ClassVar[bool] = False

    def __init__(self, server: FsiServer, fixmedins_code: str = HOSPITAL) -> None:
        self.server = server
        self.fixmedins_code = fixmedins_code
        credentials = institution_credentials(server.ctx, fixmedins_code)
        self.paasid, self.token = credentials.paasid, credentials.token
        self.sign_no: str | None = None
        self.opter, self.opter_name = "1001", "王收费"
        self.region = "130100"  # 就医地: the demo hospital is in Shijiazhuang
        self.insuplc_admdvs = ""  # 参保地, from the card once read
        self.calls: list[Answer] = []

    # --- the message ----------------------------------------------------------------------------------------

    def new_msgid(self) -> str:
        """Institution code + ``yyyyMMddHHmmss`` + 4 digits (30 characters with a 12-character code)."""
        return f"{self.fixmedins_code}{datetime.now(SHANGHAI):%Y%m%d%H%M%S}{next_sequence()}"

    def envelope(self, infno: str, input_: dict[str, Any], msgid: str) -> dict[str, Any]:
        """The request envelope, keys in the order the client writes them."""
        raise NotImplementedError

    def encode(self, envelope: dict[str, Any]) -> bytes:
        """The body's bytes, written by the client's JSON library."""
        raise NotImplementedError

    def url(self, infno: str) -> str:
        """Where the client posts (the common path unless the client appends the infno)."""
        return PATH

    def gateway_headers(self) -> dict[str, str]:
        """The national gateway's ``x-tif-*`` headers, freshly signed."""
        now = time.time()
        timestamp = str(int(now * 1000) if self.timestamp_ms else int(now))
        nonce = secrets.token_hex(16)
        signed = hashlib.sha256(f"{timestamp}{self.token}{nonce}{timestamp}".encode()).hexdigest()
        return {
            "x-tif-paasid": self.paasid,
            "x-tif-timestamp": timestamp,
            "x-tif-nonce": nonce,
            "x-tif-signature": signed,
        }

    def headers(self, infno: str) -> dict[str, str]:
        """Every header of the request."""
        return {**self.gateway_headers(), "Content-Type": "application/json; charset=utf-8"}

    # --- the answer ------------------------------------------------------------------------------------------

    def succeeded(self, body: dict[str, Any]) -> bool:
        """Whether the client reads the answer as a success."""
        raise NotImplementedError

    def call(self, infno: str, input_: dict[str, Any]) -> Answer:
        """Send one transaction and read the answer (numbers kept exact)."""
        msgid = self.new_msgid()
        body = self.encode(self.envelope(infno, input_, msgid))
        response = self.server.http.post(self.url(infno), content=body, headers=self.headers(infno))
        text = response.content.decode("utf-8")
        parsed = json.loads(text, parse_float=Decimal) if text.strip() else {}
        answer = Answer(infno, msgid, response.status_code, text, parsed if isinstance(parsed, dict) else {})
        self.calls.append(answer)
        return answer

    def must(self, infno: str, input_: dict[str, Any], step: str = "") -> Any:
        """Call and require the client to read success; the output node."""
        answer = self.call(infno, input_)
        if answer.status != 200 or not self.succeeded(answer.body):
            raise Refused(
                f"[{self.name}] {step or infno}: HTTP {answer.status}, infcode {answer.body.get('infcode')!r}, "
                f"err_msg {answer.err_msg!r}"
            )
        return answer.output

    # --- the patient ----------------------------------------------------------------------------------------

    def read_person(self, certno: str) -> Visit:
        """1101 by ID card: who the patient is and which insurance is in force."""
        output = self.must("1101", self.person_input(certno, BUSINESS_NOW), "1101 人员信息获取")
        return self.patient(certno, output, "02", certno)

    def patient(self, certno: str, output: dict[str, Any], cert_type: str, cert_no: str) -> Visit:
        """The patient of a person answer (1101/1161/1162), with the credential the HIS goes on using."""
        insured = [row for row in output["insuinfo"] if str(row["psn_insu_stas"]) == "1"]
        assert insured, "no insurance in force"
        check_refmsgid(self.calls[-1].body)
        self.insuplc_admdvs = str(insured[0].get("insuplc_admdvs") or "")
        return Visit(
            certno=certno,
            psn_no=str(output["baseinfo"]["psn_no"]),
            insutype=str(insured[0]["insutype"]),
            med_type="11",
            cert_type=cert_type,
            cert_no=cert_no,
            insuplc_admdvs=self.insuplc_admdvs,
            extra={"psn_name": output["baseinfo"].get("psn_name"), "psn_type": insured[0].get("psn_type")},
        )

    def read_card(self, certno: str) -> Visit:
        """How the client reads the patient at the counter (by ID card unless the client reads a card)."""
        return self.read_person(certno)

    # --- the steps a client takes its own way -----------------------------------------------------------------

    def batch_number(self, number: int) -> str:
        """The ``chrg_bchno`` of the day's ``number``-th charge batch."""
        return f"{self.name[:2].upper()}{number:02d}"

    def settle(self, visit: Visit, batch: Batch) -> Any:
        """2207 of one batch; the output."""
        return self.must("2207", self.settle_input(visit, batch, final=True), f"2207 {batch.chrg_bchno}")

    def stay_settle(self, visit: Visit, total: Decimal, *, mid: bool) -> Any:
        """2304 of what the stay has not settled yet; the output."""
        return self.must("2304", self.stay_settle_input(visit, total, mid=mid), "2304 中途结算" if mid else "2304")

    def cancel_line(self, visit: Visit, batch: Batch, line: Line, at: datetime) -> None:
        """2205: take ``line`` out of ``batch`` before the batch is settled."""
        self.must("2205", self.cancel_input(visit, batch, line), f"2205 {batch.chrg_bchno}/{line.feedetl_sn}")

    # --- sign-in --------------------------------------------------------------------------------------------

    def sign_in_input(self) -> dict[str, Any]:
        """9001's input."""
        return {"signIn": {"opter_no": self.opter, "mac": "00-1B-21-3C-4D-5E", "ip": "10.0.0.8"}}

    def sign_in(self) -> str:
        """9001: keep the sign-in number for later messages."""
        output = self.must("9001", self.sign_in_input(), "9001 签到")
        self.sign_no = str(output["signinoutb"]["sign_no"])
        return self.sign_no

    def sign_out_input(self) -> dict[str, Any]:
        """9002's input (the national ``signOut`` node)."""
        return {"signOut": {"sign_no": self.sign_no, "opter_no": self.opter}}

    def sign_out(self) -> Any:
        """9002: sign out."""
        return self.must("9002", self.sign_out_input(), "9002 签退")


class NewtonsoftClient(ConformanceClient):
    """A C# client: the national envelope, its properties in the national order (HN-YBJ-SDK's ``BaseReq``),
    written by Newtonsoft.Json with its defaults."""

    def national_envelope(
        self,
        infno: str,
        input_: dict[str, Any],
        msgid: str,
        *,
        insuplc_admdvs: str,
        recer_sys_code: str,
        device: str | None,
        signtype: str | None,
        inf_time: str,
    ) -> dict[str, Any]:
        """The national envelope with what the client puts in it: ``device`` is what it writes for ``dev_no``,
        ``dev_safe_info`` and ``cainfo``, which neither client fills."""
        return {
            "infno": infno,
            "msgid": msgid,
            "mdtrtarea_admvs": self.region,
            "insuplc_admdvs": insuplc_admdvs,
            "recer_sys_code": recer_sys_code,
            "dev_no": device,
            "dev_safe_info": device,
            "cainfo": device,
            "signtype": signtype,
            "infver": "V1.0",
            "opter_type": "1",
            "opter": self.opter,
            "opter_name": self.opter_name,
            "inf_time": inf_time,
            "fixmedins_code": self.fixmedins_code,
            "fixmedins_name": "石家庄市示例第一医院",
            "sign_no": self.sign_no,
            "input": input_,
        }

    def encode(self, envelope: dict[str, Any]) -> bytes:
        """Newtonsoft.Json defaults: declaration order, nulls written, decimals with their scale; UTF-8."""
        return write_json(envelope).encode("utf-8")
