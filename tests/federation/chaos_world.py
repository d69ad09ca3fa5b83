"""The people, tokens and clients of the chaos test (:mod:`tests.federation.chaos`): Beijing employees with a mother
each in Shijiazhuang, an operator token per node, the hospital's and the pharmacy's gateway credentials, and clients
that retry as real ones do."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import httpx
from sqlalchemy import Engine

from gongji.api.fsi.client import FsiAnswer
from gongji.bootstrap import build_context
from gongji.domain.codes import Insutype, PsnType
from gongji.domain.identity import check_character
from gongji.federation.cluster import LocalCluster
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.api_tokens import IssueToken, Role, issue_token
from gongji.service.clock import FixedClock
from gongji.service.context import Context
from gongji.service.demo import HOSPITAL, PHARMACY, load_demo_part
from gongji.service.enrollment import Enroll, enroll
from gongji.service.institution_access import institution_credentials
from gongji.service.people import RegisterPerson, register_person
from gongji.service.wallet import OpenWallet, open_wallet
from gongji.store.engine import make_engine
from tests.fsi.conftest import HisClient
from tests.serving import BUSINESS_NOW

__all__ = ["DEADLINE_S", "RetryingHis", "World", "rest_write", "seed"]

#: How long a client retries one operation before giving up (it was then never acknowledged).
DEADLINE_S = 90.0
_SEQUENCE = itertools.count(1)


def _certno(area: str, born: date, female: bool) -> str:
    seq = next(_SEQUENCE) % 500 * 2 + (0 if female else 1)
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def _person(ctx: Context, name: str, area: str, region: str, *, employee: bool, female: bool) -> str:
    born = date(1980 if employee else 1950, 1 + next(_SEQUENCE) % 12, 1 + next(_SEQUENCE) % 28)
    certno = _certno(area, born, female)
    register_person(ctx, RegisterPerson(certno, name), key=f"chaos:{certno}:register")
    insutype = Insutype.EMPLOYEE_BASIC if employee else Insutype.RESIDENT_BASIC
    psn_type = PsnType.EMPLOYEE_IN_SERVICE if employee else PsnType.ADULT_RESIDENT
    enroll(ctx, Enroll(certno, insutype, psn_type, region, date(2010, 1, 1), "示例单位" if employee else None),
           key=f"chaos:{certno}:enroll")  # fmt: skip
    if employee:
        credit = CreditAccount(certno, 1_000_000, "opening", Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE)
        credit_account(ctx, credit, key=f"chaos:{certno}:prior")
    open_wallet(ctx, OpenWallet(certno), key=f"chaos:{certno}:wallet")
    return certno


@dataclass
class World:
    """The cluster and what the stream acts with."""

    cluster: LocalCluster
    senders: list[str]
    mothers: dict[str, tuple[str, str]]  # sender → (receiver's ID number, name)
    tokens: dict[str, str]
    his: dict[str, tuple[str, str]]  # institution → (paasid, token)
    contexts: dict[str, Context]
    engines: dict[str, Engine]


_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力春梅宇浩然欣怡"


def _name(i: int) -> str:
    """A given name of two characters, different for each ``i`` below 1,600 (names may hold no digits)."""
    return _GIVEN[i % len(_GIVEN)] + _GIVEN[i // len(_GIVEN) % len(_GIVEN)]


def seed(cluster: LocalCluster, senders: int) -> World:
    """Each node's people: Beijing employees (who also fall ill in Hebei), and a mother each in Shijiazhuang."""
    contexts, engines = {}, {}
    for name, node in cluster.nodes.items():
        engines[name] = make_engine(node.database_url)
        ctx = build_context(engine=engines[name], clock=FixedClock(BUSINESS_NOW))
        contexts[name] = ctx = replace(ctx, nodes=cluster.federation(name))
        load_demo_part(ctx, {node.province})
    beijing, hebei = contexts["n11"], contexts["n13"]
    mothers, listed = {}, []
    for i in range(senders):
        sender = _person(beijing, "京" + _name(i), "110105", "110000", employee=True, female=bool(i % 2))
        mother = "冀" + _name(i)
        mothers[sender] = (_person(hebei, mother, "130102", "130100", employee=False, female=True), mother)
        listed.append(sender)
    tokens = {}
    for name, ctx in contexts.items():
        issue = IssueToken(Role.OPERATOR, (cluster.nodes[name].region,))
        tokens[name] = issue_token(ctx, issue, key=f"chaos:token:{name}").token or ""
    his = {code: _gateway(hebei, code) for code in (HOSPITAL, PHARMACY)}
    return World(cluster, listed, mothers, tokens, his, contexts, engines)


def _gateway(ctx: Context, code: str) -> tuple[str, str]:
    creds = institution_credentials(ctx, code)
    return creds.paasid, creds.token


class RetryingHis(HisClient):
    """A HIS that retries every message with the same ``msgid`` until it is answered for good (a fault, an
    unreachable node or a server that is down are retried; an answer or a refusal is final), naming the patient's
    insured region."""

    insured = ""

    def call(
        self, infno: str, input_: dict[str, Any], *, msgid: str | None = None, insuplc_admdvs: str = ""
    ) -> FsiAnswer:
        """Send until answered for good (class docstring)."""
        msgid = msgid or self.new_msgid()
        deadline = time.monotonic() + DEADLINE_S
        while True:
            try:
                answer = super().call(infno, input_, msgid=msgid, insuplc_admdvs=insuplc_admdvs or self.insured)
                retry = answer.status >= 500 or answer.infcode == -1 or "NODE_UNREACHABLE" in (answer.err_msg or "")
                if not retry:
                    return answer
            except (httpx.HTTPError, json.JSONDecodeError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{infno} {msgid} not answered within {DEADLINE_S} s")
            time.sleep(0.3)


def rest_write(url: str, token: str, path: str, body: dict[str, Any], key: str) -> httpx.Response:
    """A REST write retried with its Idempotency-Key until it is answered (not a fault, not a dead server)."""
    deadline = time.monotonic() + DEADLINE_S
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    while True:
        try:
            response = httpx.post(f"{url}{path}", json=body, headers=headers, timeout=15.0)
            if response.status_code < 500:
                return response
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} {key} not answered within {DEADLINE_S} s")
        time.sleep(0.3)
