"""Wallet transfers across nodes over a real NATS JetStream: the demo's 张丽 (Beijing node) sends money to her mother
赵桂兰 (Hebei node); the mother accepts, spends it at a Shijiazhuang pharmacy and the purchase is reversed — each step
on its own node, the money staying reserved in Beijing until it is spent, every message applied once.

Two nodes in this process, each its own SQLite database and its own bus: ``bj`` holds 张丽, ``hb`` the Hebei members
of the demo family with the institutions. The Hebei node also serves the national interface over HTTP, as the pharmacy
calls it.
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select

from gongji.api.app import create_app
from gongji.bootstrap import Settings, build_context
from gongji.domain.codes import RelationType
from gongji.domain.errors import GongjiError, Refused
from gongji.domain.wallet import TransferStatus
from gongji.federation.nats_server import NatsServer
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.demo import DEMO_FAMILY, GUILAN, PHARMACY, ZHANGLI, load_demo_member
from gongji.service.node_messages import apply_message
from gongji.service.notices import inbox as notices_of
from gongji.service.people import show_person
from gongji.service.wallet import (
    DecideTransfer,
    OpenWallet,
    SendToWallet,
    accept_transfer,
    decline_transfer,
    open_wallet,
    send_to_wallet,
)
from gongji.service.wallet_query import show_wallet
from gongji.service.wallet_remote import APPLIERS
from gongji.store import tables as t
from gongji.store.engine import make_engine
from gongji.store.federation_tables import inbox, outbox
from tests.fsi.conftest import _client
from tests.fsi.test_http import AMBROXOL, LORATADINE, ok, open_bill
from tests.helpers import snapshot
from tests.serving import BUSINESS_NOW, serving

HEBEI = "130100"
_WAIT_S = 20.0
_KEYS = itertools.count()


@dataclass
class Node:
    """One node: its database, its context (knowing the federation) and its application (its bus); the Hebei node's
    national interface is served at ``url`` for the whole module."""

    engine: Engine
    ctx: Context
    app: FastAPI
    url: str = ""


@pytest.fixture(scope="module")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A NATS server with JetStream on 127.0.0.1, for this module."""
    server = NatsServer(tmp_path_factory.mktemp("nats")).start()
    yield server
    server.stop()


def _node(name: str, provinces: str, peers: str, nats: NatsServer, db: Path, members: list[str]) -> Node:
    engine = make_engine(f"sqlite:///{db}")
    settings = Settings(node=name, node_provinces=provinces, peers=peers, nats_url=nats.url)
    ctx = build_context(settings, engine=engine, clock=FixedClock(BUSINESS_NOW))
    load_demo_catalogue(ctx)
    if name == "hb":
        load_demo_institutions(ctx)
    for member in DEMO_FAMILY:
        if member.certno in members:
            load_demo_member(ctx, member)
            open_wallet(ctx, OpenWallet(member.certno), key=f"test:wallet:{member.certno}")
    app = create_app(ctx, settings=settings)
    assert app.state.bus.wait_connected(10.0)
    return Node(engine, ctx, app)


@pytest.fixture(scope="module")
def nodes(
    nats: NatsServer, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Node, Node]]:
    """Beijing (张丽) and Hebei (the rest of the family, the institutions), nodes of one federation."""
    template = request.getfixturevalue("sqlite_template")
    made = []
    for name, provinces, peers, members in (
        ("bj", "11", "hb=13", [ZHANGLI]),
        ("hb", "13", "bj=11", [m.certno for m in DEMO_FAMILY if m.region == HEBEI]),
    ):
        db = tmp_path_factory.mktemp(name) / "gongji.db"
        shutil.copy(template, db)
        made.append(_node(name, provinces, peers, nats, db, members))
    beijing, hebei = made
    with serving(hebei.app, "sqlite") as url:  # its lifespan closes the bus at the end
        hebei.url = url
        yield beijing, hebei
    beijing.app.state.bus.close()
    for node in made:
        node.engine.dispose()


def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait until ``check`` holds (the messages cross asynchronously); fail naming ``what`` after a while."""
    deadline = time.monotonic() + _WAIT_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {_WAIT_S} s: {what}")
        time.sleep(0.05)


def _on_day(nodes: tuple[Node, Node], day: int) -> None:
    """Both nodes' clocks at noon ``day`` days after the first (a wallet sends at most three transfers a day)."""
    for node in nodes:
        clock = node.ctx.clock
        assert isinstance(clock, FixedClock)
        clock.set(BUSINESS_NOW + timedelta(days=day))


def _send(beijing: Node, amount_fen: int, *, name: str = "赵桂兰", receiver: str = GUILAN, key: str) -> int:
    sent = send_to_wallet(
        beijing.ctx,
        SendToWallet(
            ZHANGLI,
            receiver,
            amount_fen,
            RelationType.PARENT,
            face_token="test-face-zhangli",
            receiver_region=HEBEI,
            receiver_name=name,
        ),
        key=key,
    )
    assert sent.peer_node == "hb"
    return sent.id


def _transfer_status(node: Node, transfer_id: int) -> tuple[str, int]:
    view = next(v for v in show_wallet(node.ctx, ZHANGLI).outgoing if v.id == transfer_id)
    return view.status, view.remaining_fen


def _waiting_for_mother(hebei: Node) -> list[int]:
    return [v.id for v in show_wallet(hebei.ctx, GUILAN).incoming if v.status == TransferStatus.PENDING.value]


def _told(node: Node, certno: str) -> list[str]:
    """What the person was told (Chinese), newest first."""
    return [n.text_zh for n in notices_of(node.ctx, show_person(node.ctx, certno).id)]


def _node_clearing(node: Node) -> int:
    with node.engine.connect() as conn:
        rows = conn.execute(select(t.accounts.c.balance_fen).where(t.accounts.c.kind == "node_clearing"))
        return sum(int(row[0]) for row in rows)


def test_a_transfer_across_nodes_is_reserved_accepted_spent_and_reversed_once(nodes: tuple[Node, Node]) -> None:
    """张丽 sends 300.00; her mother accepts, buys at the pharmacy with it and the purchase is reversed."""
    beijing, hebei = nodes
    sender_before = balances(beijing.ctx, ZHANGLI).personal_account_fen
    transfer_id = _send(beijing, 30_000, key="test:across:send")
    # Reserved at once on her node, before the other node has heard of it.
    assert balances(beijing.ctx, ZHANGLI).personal_account_fen == sender_before - 30_000
    assert show_wallet(beijing.ctx, ZHANGLI).reserved_out_fen == 30_000
    eventually(lambda: len(_waiting_for_mother(hebei)) == 1, "the offer reaches the mother's node")
    [offered] = _waiting_for_mother(hebei)
    assert show_wallet(hebei.ctx, GUILAN).pending_in_fen == 30_000
    accept_transfer(hebei.ctx, DecideTransfer(offered, GUILAN), key="test:across:accept")
    assert show_wallet(hebei.ctx, GUILAN).balance_fen == 30_000
    eventually(lambda: _transfer_status(beijing, transfer_id)[0] == "accepted", "the sender's half is posted")

    with httpx.Client(base_url=hebei.url, timeout=30.0) as http:
        pharmacy = _client(hebei.ctx, http, PHARMACY)
        pharmacy.sign_in()
        bill = open_bill(pharmacy, GUILAN, "390", [(LORATADINE, "1"), (AMBROXOL, "1")], med_type="41")
        settled = ok(pharmacy.call("2207", bill.settle_input()))
        paid_fen = int(Decimal(str(settled["setlinfo"]["acct_mulaid_pay"])) * 100)
        assert paid_fen == int(bill.total * 100)  # the wallet holds enough for the whole purchase
        [row] = [r for r in settled["setldetail"] if r.get("mulaid_psn_name")]
        assert (row["mulaid_psn_name"], row["mulaid_insuplc_admdvs"]) == ("张丽", "110000")
        eventually(
            lambda: _transfer_status(beijing, transfer_id) == ("accepted", 30_000 - paid_fen),
            "the spending reaches the sender's node",
        )
        # Beijing's reservation went into what Hebei is owed; the two clearing accounts cancel out.
        assert show_wallet(beijing.ctx, ZHANGLI).reserved_out_fen == 30_000 - paid_fen
        assert _node_clearing(beijing) == paid_fen
        assert _node_clearing(hebei) == -paid_fen
        ok(pharmacy.call("2208", {"data": {"setl_id": settled["setlinfo"]["setl_id"], "mdtrt_id": bill.mdtrt_id}}))
        eventually(lambda: _transfer_status(beijing, transfer_id) == ("accepted", 30_000), "the reversal reaches it")
    assert _node_clearing(beijing) == _node_clearing(hebei) == 0
    assert show_wallet(hebei.ctx, GUILAN).balance_fen == 30_000
    assert audit(beijing.ctx).clean
    assert audit(hebei.ctx).clean
    said = _told(beijing, ZHANGLI)
    assert any("赵桂兰 已接收" in text for text in said)
    assert any("为 赵桂兰 支付" in text for text in said)


def test_a_declined_transfer_goes_back_into_the_senders_account(nodes: tuple[Node, Node]) -> None:
    beijing, hebei = nodes
    before = balances(beijing.ctx, ZHANGLI).personal_account_fen
    transfer_id = _send(beijing, 12_000, key="test:across:decline:send")
    eventually(lambda: len(_waiting_for_mother(hebei)) == 1, "the offer reaches the mother's node")
    [offered] = _waiting_for_mother(hebei)
    decline_transfer(hebei.ctx, DecideTransfer(offered, GUILAN), key="test:across:decline")
    eventually(lambda: _transfer_status(beijing, transfer_id) == ("declined", 0), "the decline voids the sender's half")
    assert balances(beijing.ctx, ZHANGLI).personal_account_fen == before
    assert audit(beijing.ctx).clean
    assert audit(hebei.ctx).clean


def test_a_receiver_her_node_does_not_know_by_that_name_gets_nothing(nodes: tuple[Node, Node]) -> None:
    """The mother's node holds 赵桂兰 under that ID number: a transfer naming someone else comes back at once, and 张丽
    is told why."""
    beijing, hebei = nodes
    before = balances(beijing.ctx, ZHANGLI).personal_account_fen
    hebei_before = show_wallet(hebei.ctx, GUILAN)
    transfer_id = _send(beijing, 5_000, name="王桂兰", key="test:across:wrong-name")
    eventually(lambda: _transfer_status(beijing, transfer_id) == ("declined", 0), "the refusal voids the transfer")
    assert balances(beijing.ctx, ZHANGLI).personal_account_fen == before
    assert show_wallet(hebei.ctx, GUILAN).incoming == hebei_before.incoming
    said = _told(beijing, ZHANGLI)
    assert any("未能送达" in text and "王桂兰" in text for text in said)


def test_a_message_delivered_twice_is_applied_once(nodes: tuple[Node, Node]) -> None:
    """What JetStream would deliver again after a consumer crashed before acknowledging: the inbox keeps it out."""
    beijing, hebei = nodes
    _on_day(nodes, 1)
    transfer_id = _send(beijing, 1_000, key="test:across:twice")
    eventually(lambda: len(_waiting_for_mother(hebei)) == 1, "the offer reaches the mother's node")
    with beijing.engine.connect() as conn:
        msg_id, subject, payload = conn.execute(
            select(outbox.c.msg_id, outbox.c.subject, outbox.c.payload).order_by(outbox.c.id.desc()).limit(1)
        ).one()
    with hebei.engine.connect() as conn:
        assert conn.execute(select(inbox.c.msg_id).where(inbox.c.msg_id == msg_id)).first() is not None
    before = snapshot(hebei.engine)
    assert apply_message(hebei.ctx, APPLIERS, msg_id, subject, payload.encode()) is False
    assert snapshot(hebei.engine) == before
    [offered] = _waiting_for_mother(hebei)
    decline_transfer(hebei.ctx, DecideTransfer(offered, GUILAN), key="test:across:twice:decline")
    eventually(lambda: _transfer_status(beijing, transfer_id)[0] == "declined", "the decline voids it")


def test_the_sender_may_not_take_back_what_her_node_no_longer_decides(nodes: tuple[Node, Node]) -> None:
    """Taking back an accepted transfer across nodes is refused by name: only the receiver's node knows what is
    left (a settlement there may be spending it)."""
    from gongji.service.wallet import take_back

    beijing, hebei = nodes
    _on_day(nodes, 1)
    transfer_id = _send(beijing, 2_000, key="test:across:take-back:send")
    eventually(lambda: len(_waiting_for_mother(hebei)) == 1, "the offer reaches the mother's node")
    [offered] = _waiting_for_mother(hebei)
    accept_transfer(hebei.ctx, DecideTransfer(offered, GUILAN), key="test:across:take-back:accept")
    eventually(lambda: _transfer_status(beijing, transfer_id)[0] == "accepted", "the sender's half is posted")
    with pytest.raises(Refused) as refused:
        take_back(beijing.ctx, DecideTransfer(transfer_id, ZHANGLI), key="test:across:take-back")
    assert refused.value.code.name == "WALLET_TAKE_BACK_ACROSS_NODES"
    assert _transfer_status(beijing, transfer_id)[0] == "accepted"


def test_the_outbox_lag_is_a_metric(nodes: tuple[Node, Node]) -> None:
    """Once every message is relayed, the node's /metrics says none waits (and how long the oldest waited: 0)."""
    _, hebei = nodes
    eventually(lambda: hebei.ctx.read(lambda uow: uow.outbox.lag())[0] == 0, "the outbox is relayed")
    scraped = httpx.get(f"{hebei.url}/metrics", timeout=10.0).text
    assert "gongji_outbox_waiting 0.0" in scraped
    assert "gongji_outbox_oldest_age_seconds 0.0" in scraped


def test_a_transfer_to_another_node_is_refused_by_name_when_it_cannot_go(nodes: tuple[Node, Node]) -> None:
    """No node serves Guangdong; a receiver on another node must be named; a gongji standing alone sends nowhere.
    None of it reserves anything."""
    beijing, _ = nodes
    before = snapshot(beijing.engine)

    def send(ctx: Context, **changes: str | None) -> str:
        fields: dict[str, Any] = {"receiver_region": HEBEI, "receiver_name": "赵桂兰", **changes}
        cmd = SendToWallet(ZHANGLI, GUILAN, 1_000, RelationType.PARENT, face_token="test-face", **fields)
        with pytest.raises(GongjiError) as refused:
            send_to_wallet(ctx, cmd, key=f"test:across:refused:{next(_KEYS)}")
        return refused.value.code.name

    assert send(beijing.ctx, receiver_region="440100") == "INSURED_PROVINCE_NOT_SERVED"
    assert send(beijing.ctx, receiver_name=None) == "FIELD_INVALID"
    assert send(replace(beijing.ctx, nodes=None)) == "NODE_NOT_IN_FEDERATION"
    assert snapshot(beijing.engine) == before
