"""Whatever an authenticated client sends, the national interface answers with a national envelope, never a fault.

Random bodies — envelopes valid and broken, every served ``infno``, input trees with lone surrogates, NUL characters,
numbers too large or too small for any field, deep nesting and wrong types, random bytes — are POSTed with valid
gateway headers to both routes (with and without the ``infno`` in the path). Every answer must be a national
envelope whose ``infcode`` is 0 or −2 (never −1, which would tell the client to send 2601 冲正), and every request
must write exactly one access-log line that is valid JSON and valid UTF-8.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from gongji.api.fsi.client import PATH
from gongji.api.fsi.transactions import TRANSACTIONS
from gongji.service.demo import DEFU, HOSPITAL
from tests.fsi.conftest import FsiServer
from tests.fsi.test_http import ATORVASTATIN, CONSULTATION, gateway_headers, ok, open_bill

#: Examples per backend: enough to reach every transaction's readers, few enough to keep the suite fast.
EXAMPLES = 300
SERVED = sorted(TRANSACTIONS)
NODE_NAMES = ("data", "signIn", "feedetail", "mdtrtinfo", "dscginfo", "diseinfo", "detail")
FIELD_NAMES = (
    *("psn_no", "certno", "psn_name", "mdtrt_cert_type", "mdtrt_cert_no", "begntime", "insutype", "med_type"),
    *("mdtrt_id", "setl_id", "omsgid", "oinfno", "ipt_otp_no", "ipt_no", "opter_no", "mac", "ip", "endtime"),
    *("feedetl_sn", "init_feedetl_sn", "med_list_codg", "medins_list_name", "cnt", "pric", "det_item_fee_sumamt"),
    *("fee_ocur_time", "medfee_sumamt", "acct_used_flag", "mid_setl_flag", "diag_srt_no", "diag_type", "diag_code"),
    *("diag_name", "maindiag_flag", "dscg_way", "stmt_begndate", "stmt_enddate", "fund_pay_sumamt", "acct_pay"),
    *("fixmedins_setl_cnt", "refd_setl_flag", "msgid", "clr_type", "setl_optins"),
)


class Raw(str):
    """A JSON token written into the body as it is (numbers no Python value writes, nesting too deep to build)."""


#: Values real clients send, so that many messages reach the transactions' own readers and use cases.
PLAUSIBLE = (
    *("", "0", "1", "01", "02", "11", "41", "310", "390", "0000", "12.30", "10.00", "35.80", "2", "0.5", "-1"),
    *("2026-11-22 12:00:00", "20261122120000", "2026-11-22", "A03", "001102000010000", "XC10AAA129A001010100004"),
    *("2207", "2201", "9001", "1101", "2206", "2208", DEFU, "张德福", "H13010200001"),
)
#: Values no client should send: lone surrogates, NUL, numbers no field can hold, impossible dates, long text.
HOSTILE = ("x" * 2000, "2021-02-30", "99:99:99", "1e999999999", "\ud800", "\udfff", "a\ud83d", "\x00", "x\x00y")
RAW_NUMBERS = (
    *("1e999999999999", "-1E-999999999999", "1E+400", "0.000000000000000000000000000000001", "-0", "-0.0", "1.0"),
    *("123456789012345678901234567890.123", "1" * 4000, "9" * 5000, "2.5e1", "NaN", "Infinity"),
)
_CHARACTERS = st.characters() | st.sampled_from(["\u2028", "\ufffe", "\x00", "\ud800", "\udc00"])


def _weighted(*choices: tuple[st.SearchStrategy[Any], int]) -> st.SearchStrategy[Any]:
    """One of the strategies, drawn in proportion to its weight (``st.one_of`` would weigh them all the same)."""
    pool = [strategy for strategy, weight in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


@dataclass(frozen=True)
class Known:
    """Real messages of the module's database, so that random messages sometimes name what exists."""

    msgids: tuple[str, ...]
    values: tuple[str, ...]


def _values(known: Known) -> st.SearchStrategy[Any]:
    """What a field holds: twice as often something plausible as something hostile."""
    plausible = st.sampled_from(PLAUSIBLE + known.msgids + known.values)
    numbers = st.integers(-(10**20), 10**20) | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    hostile = st.one_of(
        st.none(),
        st.booleans(),
        numbers,
        st.sampled_from(HOSTILE),
        st.sampled_from(RAW_NUMBERS).map(Raw),
        st.text(_CHARACTERS, max_size=12),
        st.just([]),
        st.just({}),
    )
    return _weighted((plausible, 2), (hostile, 1))


def _trees(known: Known) -> st.SearchStrategy[Any]:
    keys = st.sampled_from(FIELD_NAMES + NODE_NAMES) | st.text(_CHARACTERS, max_size=6)
    return st.recursive(
        _values(known),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=10,
    )


def _nodes(known: Known) -> st.SearchStrategy[Any]:
    value = _weighted((_values(known), 4), (_trees(known), 1))
    fields = st.dictionaries(st.sampled_from(FIELD_NAMES), value, max_size=12)
    return _weighted((fields, 3), (st.lists(fields, min_size=1, max_size=3), 2), (_trees(known), 1))


def _deep(depth: int, leaf: str) -> Raw:
    return Raw('{"data":' * depth + leaf + "}" * depth) if depth % 2 else Raw("[" * depth + leaf + "]" * depth)


def _inputs(known: Known) -> st.SearchStrategy[Any]:
    names = st.sampled_from(("data", "data", "data", *NODE_NAMES))  # most transactions read input.data
    shaped = st.dictionaries(names, _nodes(known), min_size=1, max_size=3)
    deep = st.builds(_deep, st.integers(1, 3000), st.sampled_from(['"\\ud800"', "1", '"x"']))
    return _weighted((shaped, 8), (_trees(known), 1), (deep, 1))


def _often(good: st.SearchStrategy[Any], known: Known) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten, else any value."""
    return _weighted((good, 9), (_values(known), 1))


def _envelopes(known: Known, sign_no: str) -> st.SearchStrategy[dict[str, Any]]:
    """Envelopes, mostly well formed (a served infno, a fresh msgid, the sign-in), with any field broken at times."""
    fresh = st.builds(lambda: "FUZZ" + uuid.uuid4().hex[:26])
    values = {
        "infno": _often(st.sampled_from(SERVED), known),
        "msgid": _often(fresh, known),
        "sign_no": _often(st.just(sign_no), known),
        "fixmedins_code": _often(st.just(HOSPITAL), known),
        "inf_time": _often(st.just("2026-11-22 12:00:00"), known),
        "opter": _values(known),
        "opter_name": _values(known),
        "cainfo": _values(known),
        "input": _inputs(known),
    }
    required = st.fixed_dictionaries({name: values[name] for name in ("infno", "msgid", "sign_no", "input")})
    optional = st.sets(st.sampled_from(sorted(values))).flatmap(
        lambda chosen: st.fixed_dictionaries({name: values[name] for name in chosen})
    )
    extra = st.dictionaries(st.text(_CHARACTERS, max_size=8), _trees(known), max_size=2)
    extras = _weighted((st.just({}), 4), (extra, 1))
    return st.builds(lambda a, b, c: {**c, **a, **b}, required, optional, extras)


def encode(value: Any) -> str:
    """JSON text of ``value``; :class:`Raw` tokens as they are, lone surrogates as the escapes a client would write."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


@dataclass(frozen=True)
class Request:
    """One POST: where, and the body's bytes."""

    path: str
    body: bytes

    def __repr__(self) -> str:
        return f"Request(path={self.path!r}, body={self.body!r})"


def _tails() -> st.SearchStrategy[str | None]:
    """What follows the interface's path: nothing, the envelope's own infno (``None``), or anything else."""
    # Not "/", dot segments (the client resolves them) nor control characters (Starlette matches no route for a line
    # break inside a segment): each would make the path another route's, not the interface's.
    characters = st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="/")
    segment = st.text(characters, min_size=1, max_size=8).filter(lambda text: text not in (".", ".."))
    fixed = st.sampled_from([*(f"/{infno}" for infno in SERVED), "/%ED%A0%80", "/%FF", "/0000"])
    random = segment.map(lambda text: "/" + quote(text, safe=""))
    return _weighted((st.just(""), 4), (st.none(), 2), (fixed, 1), (random, 1))


def _request(document: Any, tail: str | None) -> Request:
    if tail is None:  # the path names the envelope's own transaction
        infno = document.get("infno") if isinstance(document, dict) else None
        tail = (
            f"/{quote(infno, safe='', errors='surrogatepass')}"
            if isinstance(infno, str) and infno and "/" not in infno
            else ""
        )
    return Request(PATH + tail, encode(document).encode("utf-8"))


def _requests(known: Known, sign_no: str) -> st.SearchStrategy[Request]:
    envelopes = _envelopes(known, sign_no)
    documents = _weighted((envelopes, 16), (_trees(known), 1), (_inputs(known), 1))
    raw = st.builds(lambda tail, body: Request(PATH + (tail or ""), body), _tails(), st.binary(max_size=64))
    return _weighted((st.builds(_request, documents, _tails()), 19), (raw, 1))


@pytest.fixture(scope="module")
def known(fsi_server: FsiServer) -> Known:
    """A settled bill of 张德福's at the hospital: its messages' ids and the ids the answers gave."""
    client = fsi_server.hospital
    bill = open_bill(client, DEFU, "310", [(CONSULTATION, "1"), (ATORVASTATIN, "1")])
    settled = client.call("2207", bill.settle_input())
    setl_id = ok(settled)["setlinfo"]["setl_id"]
    registered = client.call("2201", {"data": {"psn_no": bill.psn_no, "insutype": "310"}})
    mdtrt_id = ok(registered)["data"]["mdtrt_id"]
    return Known((settled.msgid, registered.msgid), (bill.psn_no, bill.mdtrt_id, setl_id, mdtrt_id))


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The access log captured at INFO."""
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        yield caplog


def _assert_national_envelope(status: int, content: bytes) -> dict[str, Any]:
    assert status in (200, 413), status
    answer = json.loads(content.decode("utf-8"), parse_float=Decimal)
    assert isinstance(answer, dict)
    assert {"infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "output"} <= set(answer)
    assert answer["infcode"] in (0, -2), answer
    assert len(answer["inf_refmsgid"]) == 30
    if answer["infcode"] == -2:
        assert isinstance(answer["err_msg"], str)
        assert answer["err_msg"]
    return answer


def test_every_message_is_answered_with_an_envelope_and_never_a_fault(
    fsi_server: FsiServer, known: Known, access_log: pytest.LogCaptureFixture
) -> None:
    requests = _requests(known, fsi_server.hospital.sign_no or "")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(request=requests)
    def answered(request: Request) -> None:
        note(repr(request))
        access_log.clear()
        response = fsi_server.http.post(
            request.path, content=request.body, headers=gateway_headers(fsi_server.hospital)
        )
        answer = _assert_national_envelope(response.status_code, response.content)
        event(f"infcode {answer['infcode']}: {(answer['err_msg'] or '')[:14]}")
        lines = [r.getMessage() for r in access_log.records if r.name == "gongji.access"]
        assert len(lines) == 1, lines
        lines[0].encode("utf-8")  # a line a UTF-8 log stream can write
        assert json.loads(lines[0])["infcode"] == answer["infcode"]

    answered()
