"""idoku-test/HN-YBJ-SDK (C#) against gongji: an outpatient day with charge batches and an inpatient stay with a
mid-stay settlement, each request built the way that system builds it (:mod:`tests.fsi.conformance.hn_ybj_sdk`)."""

from __future__ import annotations

import pytest

from gongji.service.demo import XIUYING
from tests.fsi.conformance.day import outpatient_day
from tests.fsi.conformance.hn_ybj_sdk import HnYbjSdkClient
from tests.fsi.conformance.stay import inpatient_stay
from tests.fsi.conftest import FsiServer
from tests.serving import BUSINESS_NOW


@pytest.fixture
def his(fsi_server: FsiServer) -> HnYbjSdkClient:
    """The client, as the demo hospital."""
    return HnYbjSdkClient(fsi_server)


def test_an_outpatient_day_settles_each_charge_batch_on_its_own(his: HnYbjSdkClient) -> None:
    record = outpatient_day(his)
    assert len(record.settled) == 3
    assert len({str(s.setlinfo["setl_id"]) for s in record.settled.values()}) == 3
    assert next(call.infno for call in his.calls) == "9001"
    assert his.calls[-1].infno == "9002"


def test_an_inpatient_stay_is_settled_mid_stay_then_at_discharge(his: HnYbjSdkClient) -> None:
    record = inpatient_stay(his)
    assert len(record.settlements) == 2
    assert record.reversal is not None


def test_after_sign_out_the_sign_in_number_is_no_longer_accepted(his: HnYbjSdkClient) -> None:
    his.sign_in()
    his.sign_out()
    answer = his.call("1101", his.person_input(XIUYING, BUSINESS_NOW))
    assert not his.succeeded(answer.body), "a message signed with a signed-out sign_no was served"
    assert answer.body["infcode"] == -2
    assert answer.err_msg
