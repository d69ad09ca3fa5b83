"""A client of the national interface, as a hospital system calls it: gateway headers, envelopes, message ids.

Used by ``gongji his-sim`` and by the tests; it speaks real HTTP through httpx.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from gongji.api.fsi.auth import signature
from gongji.service.clock import SHANGHAI

__all__ = ["FsiAnswer", "FsiClient"]

PATH = "/fsi/api/rsfComIfsService/callService"


@dataclass(frozen=True)
class FsiAnswer:
    """An answer: the HTTP status, the envelope (numbers as Decimal), and the message id it answered."""

    status: int
    body: dict[str, Any]
    msgid: str

    @property
    def infcode(self) -> int:
        """0 success, −1 fault, −2 refused."""
        return int(self.body["infcode"])

    @property
    def output(self) -> Any:
        """The transaction's output node."""
        return self.body.get("output")

    @property
    def err_msg(self) -> str | None:
        """Why it was refused (Chinese)."""
        return self.body.get("err_msg")


# One message sequence per institution for the whole process, as one HIS keeps one: two clients of the same
# institution in the same second (his-sim's warm-up and its run) never send the same msgid.
_SEQUENCES: dict[str, itertools.count[int]] = {}
_SEQUENCES_LOCK = threading.Lock()


def _next_sequence(fixmedins_code: str) -> int:
    with _SEQUENCES_LOCK:
        counter = _SEQUENCES.setdefault(fixmedins_code, itertools.count(secrets.randbelow(10_000)))
        return next(counter) % 10_000


@dataclass
class FsiClient:
    """Calls one gongji server as one institution."""

    base_url: str
    fixmedins_code: str
    paasid: str
    token: str
    http: httpx.Client | None = None
    sign_no: str | None = None
    opter: str = "his-sim"

    def __post_init__(self) -> None:
        if self.http is None:
            self.http = httpx.Client(base_url=self.base_url, timeout=30.0)

    def new_msgid(self) -> str:
        """Institution code (12) + yyyyMMddHHmmss + a 4-digit sequence: 30 characters, like real clients'."""
        sequence = _next_sequence(self.fixmedins_code)
        return f"{self.fixmedins_code[:12]:<12}{datetime.now(SHANGHAI):%Y%m%d%H%M%S}{sequence:04d}"

    def headers(self) -> dict[str, str]:
        """Fresh gateway headers (timestamp in seconds, a new nonce, the signature)."""
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        return {
            "x-tif-paasid": self.paasid,
            "x-tif-timestamp": timestamp,
            "x-tif-nonce": nonce,
            "x-tif-signature": signature(timestamp, self.token, nonce),
            "content-type": "application/json; charset=utf-8",
        }

    def envelope(self, infno: str, input_: dict[str, Any], msgid: str, insuplc_admdvs: str = "") -> dict[str, Any]:
        """The request envelope of a transaction; ``insuplc_admdvs``: the patient's insured region, which a HIS
        fills in from 1101's answer for the patient's later messages, blank when not known
        (fengzaiqishi11/hsa-his@1fcd557940391a10c84c139f1e65846eef69a664, ``InsureCommonUtil.getInsurCommonParam``
        in hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/util)."""
        return {
            "infno": infno,
            "msgid": msgid,
            "mdtrtarea_admvs": "",
            "insuplc_admdvs": insuplc_admdvs,
            "recer_sys_code": "HIS",
            "dev_no": "",
            "dev_safe_info": "",
            "cainfo": "",
            "signtype": "",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": self.opter,
            "opter_name": self.opter,
            "inf_time": f"{datetime.now(SHANGHAI):%Y-%m-%d %H:%M:%S}",
            "fixmedins_code": self.fixmedins_code,
            "fixmedins_name": "",
            "sign_no": self.sign_no or "",
            "input": input_,
        }

    def send(self, body: bytes, msgid: str) -> FsiAnswer:
        """Post raw bytes (tests use this for malformed messages)."""
        assert self.http is not None
        response = self.http.post(PATH, content=body, headers=self.headers())
        return FsiAnswer(response.status_code, json.loads(response.content, parse_float=Decimal), msgid)

    def call(
        self, infno: str, input_: dict[str, Any], *, msgid: str | None = None, insuplc_admdvs: str = ""
    ) -> FsiAnswer:
        """Send a transaction (a new message id unless one is given, to replay), naming the patient's insured region
        when given."""
        msgid = msgid or self.new_msgid()
        envelope = self.envelope(infno, input_, msgid, insuplc_admdvs)
        body = json.dumps(envelope, ensure_ascii=False, default=str).encode()
        return self.send(body, msgid)

    def sign_in(self) -> str:
        """9001: sign in and keep the sign-in number for later messages."""
        answer = self.call("9001", {"signIn": {"opter_no": self.opter, "mac": "00-00-00-00-00-00", "ip": "127.0.0.1"}})
        if answer.infcode != 0:
            raise RuntimeError(f"9001 refused: {answer.err_msg}")
        self.sign_no = answer.output["signinoutb"]["sign_no"]
        return self.sign_no
