"""Cross-node settlement over a real NATS server: a Beijing-insured patient (张丽) is settled at the Shijiazhuang
hospital through her own node, the hospital talking only to its node (Hebei), as a HIS calls the national interface.

Two nodes in this process, each with its own database: ``hb`` (province 13) serves the demo's Shijiazhuang family and
institutions; ``bj`` (province 11) serves 张丽 alone, with the national catalogue and no institution of Hebei.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from gongji.api.app import create_app
from gongji.bootstrap import Settings, build_context
from gongji.federation.nats_server import NatsServer
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.demo import DEMO_FAMILY, HOSPITAL, ZHANGLI, load_demo_member
from gongji.service.institutions import show_institution
from gongji.store import tables as t
from gongji.store.engine import make_engine
from tests.fsi.conftest import HisClient, _client
from tests.fsi.test_http import CONSULTATION, ok, open_bill
from tests.helpers import snapshot
from tests.serving import BUSINESS_NOW, demo_database, serving

BEIJING = "110000"


class BeijingPatientsHis(HisClient):
    """The hospital's system as it sends a Beijing-insured patient's messages: ``insuplc_admdvs`` filled in from
    1101's answer (:meth:`gongji.api.fsi.client.FsiClient.envelope`)."""

    def envelope(self, infno: str, input_: dict[str, Any], msgid: str, insuplc_admdvs: str = "") -> dict[str, Any]:
        """The envelope, naming Beijing as the insured place."""
        return super().envelope(infno, input_, msgid, insuplc_admdvs or BEIJING)


@dataclass
class Federation:
    """The two nodes: Hebei served over HTTP, Beijing answering over NATS only."""

    hebei: Context
    hebei_engine: Engine
    beijing: Context
    beijing_engine: Engine
    his: BeijingPatientsHis
    beijing_app: FastAPI


@pytest.fixture(scope="module")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A NATS server with JetStream on 127.0.0.1, for this module."""
    server = NatsServer(tmp_path_factory.mktemp("nats")).start()
    yield server
    server.stop()


def _node(node: str, provinces: str, peers: str, nats: NatsServer) -> Settings:
    return Settings(node=node, node_provinces=provinces, peers=peers, nats_url=nats.url)


def _beijing_node(tmp: Path, template: Path) -> tuple[Engine, Context]:
    """Beijing's node: 张丽 and the national catalogue."""
    target = tmp / "beijing.db"
    shutil.copy(template, target)
    engine = make_engine(f"sqlite:///{target}")
    ctx = build_context(engine=engine, clock=FixedClock(BUSINESS_NOW))
    load_demo_catalogue(ctx)
    load_demo_member(ctx, next(m for m in DEMO_FAMILY if m.certno == ZHANGLI))
    return engine, ctx


@pytest.fixture(scope="module")
def federation(
    nats: NatsServer, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    """Hebei (the demo, served) and Beijing (张丽), nodes of one federation; ``sh`` (31) is configured, never up."""
    beijing_engine, beijing = _beijing_node(tmp_path_factory.mktemp("bj"), request.getfixturevalue("sqlite_template"))
    beijing_app = create_app(beijing, settings=_node("bj", "11", "hb=13", nats))
    assert beijing_app.state.bus.wait_connected(10.0)
    with (
        demo_database("sqlite", request, tmp_path_factory) as (hebei_engine, hebei, _),
        serving(create_app(hebei, settings=_node("hb", "13", "bj=11;sh=31", nats)), "sqlite") as url,
        httpx.Client(base_url=url, timeout=30.0) as http,
    ):
        plain = _client(hebei, http, HOSPITAL)
        his = BeijingPatientsHis(url, HOSPITAL, plain.paasid, plain.token, http=http)
        his.sign_in()
        yield Federation(hebei, hebei_engine, beijing, beijing_engine, his, beijing_app)
    beijing_app.state.bus.close()
    beijing_engine.dispose()


def _answered_for_others(fed: Federation, infno: str) -> float:
    """How many messages of ``infno`` the Beijing node ran for another node (its metrics)."""
    registry = fed.beijing_app.state.metrics.registry
    labels = {"interface": "fsi_forwarded", "operation": infno, "outcome": "0"}
    return float(registry.get_sample_value("gongji_requests_total", labels) or 0.0)


def _settlements(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.settlements)).scalar_one())


def test_a_beijing_patient_is_settled_at_a_hebei_hospital_through_her_own_node(federation: Federation) -> None:
    """1101 answers from Beijing's records; the visit, its fees and the settlement are written on Beijing's node, paid
    from 张丽's account there; the Hebei node writes nothing of them."""
    fed = federation
    hebei_before = snapshot(fed.hebei_engine)
    person = ok(fed.his.call("1101", {"data": {"psn_cert_type": "01", "certno": ZHANGLI}}))
    assert person["baseinfo"]["psn_name"] == "张丽"
    assert {row["insuplc_admdvs"] for row in person["insuinfo"]} == {BEIJING}
    balance_before = balances(fed.beijing, ZHANGLI).personal_account_fen
    bill = open_bill(fed.his, ZHANGLI, "310", [(CONSULTATION, "1")])
    settled = ok(fed.his.call("2207", bill.settle_input()))
    paid_fen = int(Decimal(str(settled["setlinfo"]["acct_pay"])) * 100)
    assert paid_fen > 0
    assert balances(fed.beijing, ZHANGLI).personal_account_fen == balance_before - paid_fen
    assert _settlements(fed.beijing_engine) == 1
    assert snapshot(fed.hebei_engine) == hebei_before
    # Beijing's node learnt the hospital from the message, as the national directory lists it.
    assert show_institution(fed.beijing, HOSPITAL).name == show_institution(fed.hebei, HOSPITAL).name
    assert audit(fed.beijing).clean


def test_a_retried_message_takes_effect_on_the_other_node_once(federation: Federation) -> None:
    """The HIS sends 2207 again with the same ``msgid`` (its answer was lost): the stored answer comes back and
    Beijing holds one settlement of it; a reversal (2208) is forwarded the same way."""
    fed = federation
    bill = open_bill(fed.his, ZHANGLI, "310", [(CONSULTATION, "1")])
    msgid = fed.his.new_msgid()
    first = ok(fed.his.call("2207", bill.settle_input(), msgid=msgid))
    count, asked = _settlements(fed.beijing_engine), _answered_for_others(fed, "2207")
    again = ok(fed.his.call("2207", bill.settle_input(), msgid=msgid))
    assert again == first
    assert _settlements(fed.beijing_engine) == count
    assert _answered_for_others(fed, "2207") == asked  # answered by the Hebei node: it kept Beijing's answer
    other = fed.his.call("2207", bill.settle_input(medfee_sumamt="1.00"), msgid=msgid)
    assert other.infcode == -2
    assert other.err_msg is not None
    assert "IDEMPOTENCY_CONFLICT" in other.err_msg
    before = balances(fed.beijing, ZHANGLI).personal_account_fen
    setl_id = first["setlinfo"]["setl_id"]
    ok(fed.his.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": bill.mdtrt_id, "psn_no": bill.psn_no}}))
    paid_fen = int(Decimal(str(first["setlinfo"]["acct_pay"])) * 100)
    assert balances(fed.beijing, ZHANGLI).personal_account_fen == before + paid_fen
    assert audit(fed.beijing).clean


def test_an_unreachable_node_is_a_refusal_the_hospital_may_retry(federation: Federation) -> None:
    """Shanghai's node is configured but not running: a Shanghai-insured patient's message is refused (−2,
    NODE_UNREACHABLE) and nothing is written anywhere."""
    fed = federation
    before = snapshot(fed.hebei_engine), snapshot(fed.beijing_engine)
    answer = fed.his.call("1101", {"data": {"psn_cert_type": "01", "certno": ZHANGLI}}, insuplc_admdvs="310000")
    assert (answer.status, answer.infcode) == (200, -2)
    assert answer.err_msg is not None
    assert "NODE_UNREACHABLE" in answer.err_msg
    assert (snapshot(fed.hebei_engine), snapshot(fed.beijing_engine)) == before


def test_a_province_no_node_serves_is_refused_by_name(federation: Federation) -> None:
    """A patient insured in Guangdong, which no node of this federation serves, is refused, not settled here."""
    answer = federation.his.call("1101", {"data": {"psn_cert_type": "01", "certno": ZHANGLI}}, insuplc_admdvs="440100")
    assert answer.infcode == -2
    assert answer.err_msg is not None
    assert "INSURED_PROVINCE_NOT_SERVED" in answer.err_msg


def test_the_hospitals_own_patients_and_its_catalogue_stay_on_its_node(federation: Federation) -> None:
    """A Hebei-insured patient's message and a catalogue download are answered by the Hebei node itself."""
    fed = federation
    beijing_before = snapshot(fed.beijing_engine)
    defu = DEMO_FAMILY[3].certno
    person = ok(fed.his.call("1101", {"data": {"psn_cert_type": "01", "certno": defu}}, insuplc_admdvs="130100"))
    assert person["baseinfo"]["psn_name"] == "张德福"
    assert snapshot(fed.beijing_engine) == beijing_before
