"""Each published hospital system against gongji: an outpatient day with charge batches and an inpatient stay with a
mid-stay settlement, each request built the way that system builds it.

- idoku-test/HN-YBJ-SDK (C#): :mod:`tests.fsi.conformance.hn_ybj_sdk`;
- fengzaiqishi11/hsa-his (Java): :mod:`tests.fsi.conformance.hsa_his`;
- newtouch-cloud/openhis (C#): :mod:`tests.fsi.conformance.openhis`.
"""

from __future__ import annotations

import pytest

from gongji.service.demo import XIUYING
from tests.fsi.conformance.base import ConformanceClient
from tests.fsi.conformance.day import outpatient_day
from tests.fsi.conformance.hn_ybj_sdk import HnYbjSdkClient
from tests.fsi.conformance.hsa_his import HsaHisClient
from tests.fsi.conformance.openhis import OpenHisClient
from tests.fsi.conformance.stay import inpatient_stay
from tests.fsi.conftest import FsiServer
from tests.serving import BUSINESS_NOW

CLIENTS: list[type[ConformanceClient]] = [HnYbjSdkClient, HsaHisClient, OpenHisClient]


@pytest.fixture(params=CLIENTS, ids=[client.name for client in CLIENTS])
def his(request: pytest.FixtureRequest, fsi_server: FsiServer) -> ConformanceClient:
    """The client, as the demo hospital."""
    client: type[ConformanceClient] = request.param
    return client(fsi_server)


def test_an_outpatient_day_settles_each_charge_batch_on_its_own(his: ConformanceClient) -> None:
    record = outpatient_day(his)
    assert len(record.settled) == 3
    assert len({str(s.setlinfo["setl_id"]) for s in record.settled.values()}) == 3
    assert next(call.infno for call in his.calls) == "9001"
    assert his.calls[-1].infno == "9002"


def test_an_inpatient_stay_is_settled_mid_stay_then_at_discharge(his: ConformanceClient) -> None:
    record = inpatient_stay(his)
    assert len(record.settlements) == 2
    assert record.reversal is not None


def test_after_sign_out_the_sign_in_number_is_no_longer_accepted(his: ConformanceClient) -> None:
    his.sign_in()
    his.sign_out()
    answer = his.call("1101", his.person_input(XIUYING, BUSINESS_NOW))
    assert not his.succeeded(answer.body), "a message signed with a signed-out sign_no was served"
    assert answer.body["infcode"] == -2
    assert answer.err_msg
