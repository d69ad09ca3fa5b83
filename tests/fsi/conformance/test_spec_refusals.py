"""What the published clients do that the specification itself does not allow: each named, with its reason, and
gongji's answer that holds to the specification.

- hsa-his tests success with ``"0".equals(resultMap.get("infcode"))``: fastjson reads a JSON number 0 as an
  ``Integer``, which never equals the text ``"0"``. The specification types ``infcode`` as a number (数值型;
  FSI.md "Response envelope": 0, −1, −2), and the C# clients read it into an ``int``: gongji answers a number, and
  hsa-his relies on its gateway helper to hand it the text.
- HN-YBJ-SDK signs its requests for Hunan's provincial gateway only (``_api_access_key`` … ``_api_signature``,
  HMAC-SHA1). The national interface authenticates the ``x-tif-*`` headers (FSI.md "Transport"): the Hunan headers
  alone are refused by the gateway, before any business is read.
"""

from __future__ import annotations

import re
from decimal import Decimal

from gongji.service.demo import XIUYING
from tests.fsi.conformance.hn_ybj_sdk import HnYbjSdkClient
from tests.fsi.conformance.hsa_his import HsaHisClient
from tests.fsi.conftest import FsiServer
from tests.helpers import snapshot
from tests.serving import BUSINESS_NOW


def test_infcode_is_a_json_number_so_hsa_his_reads_it_through_its_helper(fsi_server: FsiServer) -> None:
    his = HsaHisClient(fsi_server)
    # Any answer will do (its infcode's type is what is looked at): a sign-in with the national node.
    answer = his.call("9001", {"signIn": {"opter_no": his.opter, "mac": "00-1B-21-3C-4D-5E", "ip": "11.11.11.11"}})
    assert re.search(r'"infcode"\s*:\s*0[,}]', answer.text), answer.text[:200]
    infcode = answer.body["infcode"]
    assert isinstance(infcode, int)
    assert not isinstance(infcode, Decimal)
    # hsa-his's own test, as Java evaluates it: "0".equals(Integer.valueOf(0)) is false (a String equals Strings).
    java_equals = isinstance(infcode, str) and infcode == "0"
    assert not java_equals


def test_the_hunan_gateway_headers_alone_are_refused(fsi_server: FsiServer) -> None:
    his = HnYbjSdkClient(fsi_server)
    his.sign_no = "unsigned"
    body = his.encode(his.envelope("1101", his.person_input(XIUYING, BUSINESS_NOW), his.new_msgid()))
    headers = {**his.hunan("1101"), "Content-Type": "application/json"}
    before = snapshot(fsi_server.engine)
    response = fsi_server.http.post(his.url("1101"), content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["infcode"] == -2
    assert "x-tif" in response.json()["err_msg"]
    assert snapshot(fsi_server.engine) == before
