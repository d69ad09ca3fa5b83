"""idoku-test/HN-YBJ-SDK (C#, Hunan), as its services call the national interface.

Source: idoku-test/HN-YBJ-SDK, commit 2ffe3fea28e630993f4c132a3ddc1f40d4d8808a:

- ``NY-YBJ-SDK.Model/BaseReq.cs`` — the envelope, properties in this order: ``infno, msgid, mdtrtarea_admvs,
  insuplc_admdvs, recer_sys_code, dev_no, dev_safe_info, cainfo, signtype, infver, opter_type, opter, opter_name,
  inf_time`` (a ``DateTime``), ``fixmedins_code, fixmedins_name, sign_no, input``;
- ``YN-YBJ-SDK.Console/Program.cs`` — how it is filled: ``msgid`` = institution code + ``yyyyMMddHHmmss`` +
  ``new Random().Next(1000, 9999)``, ``recer_sys_code`` ``MBS_LOCAL``, ``signtype`` ``SM2``, ``infver`` ``V1.0``,
  ``inf_time = DateTime.Now``; the 1101 ``data`` with ``begntime = DateTime.Now``;
- ``HN-YBJ-SDK.Core/FD/JsonHelper.cs`` — Newtonsoft.Json with ``IsoDateTimeConverter { DateTimeFormat =
  "yyyy-MM-dd HH:mm:ss" }`` (so every ``DateTime`` is written ``2026-11-22 12:00:00``) and otherwise the defaults
  (nulls written);
- ``HN-YBJ-SDK.Core/FD/HttpHelper.cs`` — ``StringContent`` with ``Content-Type: application/json`` (no charset; the
  body is UTF-8), the service's headers added to the content;
- ``HN-YBJ-SDK.Core/ServiceBase.cs`` — the URL ``{api_url}{api_app_code}/{infno}``; the Hunan gateway headers
  ``_api_name, _api_version, _api_timestamp`` (milliseconds), ``_api_access_key, _api_signature`` =
  Base64(HMAC-SHA1(secret, ``_api_access_key=…&_api_name=…&_api_timestamp=…&_api_version=…``));
- ``NY-YBJ-SDK.Model/Sign/SignInReq.cs``, ``SignOutReq.cs`` — 9001 ``{"signIn": {opter_no, mac, ip}}``; 9002's
  ``input`` is ``{sign_time, sign_no}`` itself (no ``signOut`` node);
- ``NY-YBJ-SDK.Model/BaseResp.cs`` — ``infcode`` read into an ``int`` (Newtonsoft takes 0 or "0").

The SDK has models for 9001, 9002 and 1101 only; the other transactions are written here the way those models are
(string codes, ``DateTime`` times through the converter, ``decimal`` amounts, nulls written). gongji authenticates
the national gateway's ``x-tif-*`` headers, which the SDK does not compute: they are sent beside the Hunan headers,
as a gateway in front of the platform would add them (``test_spec_refusals`` shows the Hunan headers alone).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from gongji.service.clock import SHANGHAI
from tests.fsi.conformance.base import PATH, NewtonsoftClient

__all__ = ["HnYbjSdkClient", "hunan_headers"]

API_VERSION = "1.0.0"


def hunan_headers(infno: str, access_key: str, secret: str, timestamp_ms: str) -> dict[str, str]:
    """``ServiceBase.PreAction``: the Hunan gateway's headers, the signature as ``SignCalc`` computes it (the
    HMAC's hex read back into bytes, then Base64)."""
    plain = f"_api_access_key={access_key}&_api_name={infno}&_api_timestamp={timestamp_ms}&_api_version={API_VERSION}"
    digest = hmac.new(secret.encode("utf-8"), plain.encode("utf-8"), hashlib.sha1).hexdigest()
    return {
        "_api_name": infno,
        "_api_version": API_VERSION,
        "_api_timestamp": timestamp_ms,
        "_api_access_key": access_key,
        "_api_signature": base64.b64encode(bytes.fromhex(digest)).decode("ascii"),
    }


class HnYbjSdkClient(NewtonsoftClient):
    """HN-YBJ-SDK: Newtonsoft with a fixed time format, the Hunan gateway headers, the infno in the URL."""

    name: ClassVar[str] = "hn-ybj-sdk"
    source: ClassVar[str] = "idoku-test/HN-YBJ-SDK@2ffe3fea28e630993f4c132a3ddc1f40d4d8808a"
    timestamp_ms: ClassVar[bool] = True

    def url(self, infno: str) -> str:
        """``GenApiUrl``: ``{api_url}{api_app_code}/{api_name}``, here the common path with the infno appended."""
        return f"{PATH}/{infno}"

    def hunan(self, infno: str) -> dict[str, str]:
        """The SDK's own headers for one call (the institution's paasid and token as access key and secret)."""
        return hunan_headers(infno, self.paasid, self.token, str(round(time.time() * 1000)))

    def headers(self, infno: str) -> dict[str, str]:
        """``Content-Type: application/json`` (no charset), the Hunan headers, and the national ones."""
        return {**self.hunan(infno), **self.gateway_headers(), "Content-Type": "application/json"}

    def envelope(self, infno: str, input_: dict[str, Any], msgid: str) -> dict[str, Any]:
        """``BaseReq`` filled as ``Program.cs`` fills it (and written by ``JsonHelper.Serialize``: declaration order,
        nulls written; UTF-8)."""
        return self.national_envelope(
            infno,
            input_,
            msgid,
            insuplc_admdvs=self.insuplc_admdvs or self.region,
            recer_sys_code="MBS_LOCAL",
            device="",
            signtype="SM2",
            inf_time=self.time(datetime.now(SHANGHAI)),
        )

    def succeeded(self, body: dict[str, Any]) -> bool:
        """``BaseResp.infcode`` is an ``int``: 0 (or the text "0", which Newtonsoft converts) is success."""
        infcode = body.get("infcode")
        try:
            return infcode is not None and int(str(infcode)) == 0
        except ValueError:
            return False

    def person_input(self, certno: str, at: datetime) -> dict[str, Any]:
        """``UserInfoReq``: ``data`` with ``UserInfo``'s properties in order, ``card_sn`` null (not set).

        ``Program.cs`` sets ``psn_cert_type`` "02" in its sample; the national code of a resident ID card is "01",
        which a hospital configures, so "01" is sent."""
        data = {
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": certno,
            "card_sn": None,
            "begntime": self.time(at),
            "certno": certno,
            "psn_cert_type": "01",
            "psn_name": None,
        }
        return {"data": data}

    def sign_out_input(self) -> dict[str, Any]:
        """``SignOutReq`` as ``input`` itself: ``{sign_time, sign_no}``."""
        return {"sign_time": self.time(datetime.now(SHANGHAI)), "sign_no": self.sign_no}

    def money(self, amount: Decimal) -> Any:
        """A C# ``decimal`` keeps its scale (``10.00m`` → ``10.00``)."""
        return amount
