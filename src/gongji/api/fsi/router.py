"""The national interface's service: one message in, the national reply out (bound to HTTP in :mod:`gongji.api.app`,
at ``POST /fsi/api/rsfComIfsService/callService[/{infno}]``; this module stays free of the web framework).

Answers are always the national envelope: ``infcode`` 0 on success, −2 for a business refusal or a message that
cannot be read (``err_msg`` says why, in Chinese), −1 for a fault of gongji's (the client should then send 2601 冲正).
A request that the gateway headers do not authenticate is answered −2 with HTTP 401.

The body is read in the charset its ``Content-Type`` declares (UTF-8 when none) and answered in the same one
(:mod:`gongji.api.fsi.charsets`). ``inf_refmsgid`` starts with the region that answers: the message's
``mdtrtarea_admvs`` (就医地, whose platform a real client's message reaches) when it is a known region below the
national level, else the region this node serves (``GONGJI_REGION``).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from gongji.api.fsi.auth import DatabaseNonceStore, GatewayRefused, NonceStore, verify_gateway
from gongji.api.fsi.charsets import UTF8, Charset, charset_of
from gongji.api.fsi.envelope import Envelope, parse_envelope
from gongji.api.fsi.fields import FsiInputError, shown
from gongji.api.fsi.raw import RawFile
from gongji.api.fsi.reply import Infcode, RefMsgIds, dumps, reply
from gongji.api.fsi.transactions import TRUSTED_SIGN_INS, Call, SignIns, check_sign_in, run_transaction
from gongji.api.observability import ACCESS_LOG, Metrics, log_request
from gongji.domain.errors import GongjiError, InvalidInput
from gongji.domain.regions import NATIONAL, parse_region
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.institution_access import PaasidToken, token_of_paasid

__all__ = ["FSI_PATH", "Answered", "Forward", "FsiService", "failure"]

FSI_PATH = "/fsi/api/rsfComIfsService/callService"
_LOG = logging.getLogger("gongji.fsi")
_INFNO = re.compile(r"^[0-9]{4}[A-Z]?$")
#: How long a paasid's token is remembered (a rotation takes effect within this time).
TOKEN_CACHE_S = 10.0


#: What running a message came to: ``infcode``, the output node, ``err_msg`` and the refusal's code.
Answered = tuple[Infcode, Any, str | None, str | None]


class Forward(Protocol):
    """Where messages of patients insured in other nodes' provinces go (:mod:`gongji.federation.fsi_route`)."""

    def node_for(self, envelope: Envelope) -> str | None:
        """The node that answers ``envelope`` when it is not this one (``None``: answered here)."""
        ...

    def send(self, node: str, envelope: Envelope, institution: str, received_at: datetime) -> Answered:
        """``node``'s answer to the message (a refusal the client may retry when it cannot be reached)."""
        ...


@dataclass
class FsiService:
    """The national interface's state in one process: the context, the nonce store (in the database, shared by every
    worker), reference ids, token cache; ``region`` is the region this node serves (a known region code)."""

    ctx: Context
    metrics: Metrics
    region: str = "130100"
    #: Messages of patients insured in another node's province go there (a node of a federation); ``None``: all here.
    forward: Forward | None = None
    nonces: NonceStore = field(init=False)
    sign_ins: SignIns = field(default_factory=SignIns)
    _tokens: dict[str, tuple[float, PaasidToken | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        parse_region(self.region)  # a node serves a region gongji knows (raises CODE_UNKNOWN naming it)
        self.refmsgids = RefMsgIds(self.region)
        self.nonces = DatabaseNonceStore(self.ctx)

    def _token(self, paasid: str) -> PaasidToken | None:
        now = time.monotonic()
        with self._lock:
            cached = self._tokens.get(paasid)
        if cached is not None and now - cached[0] < TOKEN_CACHE_S:
            return cached[1]
        found = token_of_paasid(self.ctx, paasid)
        with self._lock:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[paasid] = (now, found)
        return found

    def handle(self, body: bytes, headers: Mapping[str, str], path_infno: str | None) -> tuple[int, bytes, str]:
        """Answer one message: (HTTP status, the national envelope as bytes, its ``Content-Type``). ``headers`` are
        keyed in lower case, as the web framework gives them."""
        started = time.perf_counter()
        received_at = datetime.now(SHANGHAI)  # transport time is real time, whatever the business clock says
        status, infcode, output, err_msg, code = 200, Infcode.SUCCESS, None, None, None
        envelope: Envelope | None = None
        institution: str | None = None
        raw: RawFile | None = None
        charset = UTF8  # until the request's own is known: a refusal of an unknown charset is answered in UTF-8
        try:
            charset = charset_of(headers.get("content-type"))
            found: dict[str, PaasidToken] = {}

            def token_of(paasid: str) -> str | None:
                token = self._token(paasid)
                if token is not None:
                    found[paasid] = token
                return token.token if token else None

            paasid = verify_gateway(headers, token_of, received_at, self.nonces)
            institution = found[paasid].fixmedins_code
            envelope = parse_envelope(body, charset=charset.codec)
            if path_infno is not None and path_infno != envelope.infno:
                raise FsiInputError(
                    "infno",
                    f"路径中的交易编号 {shown(path_infno)} 与报文 {envelope.infno} 不符",
                    "infno differs from the path",
                )
            if envelope.fixmedins_code and envelope.fixmedins_code != institution:
                raise FsiInputError(
                    "fixmedins_code",
                    f"报文的定点医药机构编号 {envelope.fixmedins_code} 与接入凭证 {institution} 不符",
                    "fixmedins_code differs from the institution of the credentials",
                )
            forward = self.forward
            node = forward.node_for(envelope) if forward is not None else None
            call = Call(self.ctx, envelope, institution, received_at)
            if forward is not None and node is not None:  # insured in a province another node serves: its answer
                check_sign_in(call, self.sign_ins)
                infcode, output, err_msg, code = forward.send(node, envelope, institution, received_at)
            else:
                output = run_transaction(call, self.sign_ins)
            if isinstance(output, RawFile):  # 9102: the file itself is the answer (see gongji.api.fsi.raw)
                raw, output = output, dict(output)
        except GatewayRefused as refused:
            status, infcode, err_msg, code = 401, Infcode.BUSINESS_ERROR, refused.message_zh, refused.reason_code.name
        except Exception as failed:
            infcode, err_msg, code = failure(failed, envelope)
        outcome = _Outcome(status, infcode, output, err_msg, code, envelope, institution, path_infno, charset)
        answered = self._answer(outcome, started, received_at)
        return (answered[0], raw.content, raw.media_type) if raw is not None else answered

    def run_forwarded(self, envelope: Envelope, institution: str, received_at: datetime) -> Answered:
        """Run a message another node forwarded (its gateway headers and sign-in were checked there): the outcome
        as the national envelope would carry it, counted in this node's metrics."""
        started = time.perf_counter()
        call = Call(self.ctx, envelope, institution, received_at)
        try:
            output = run_transaction(call, TRUSTED_SIGN_INS)
            if isinstance(output, RawFile):
                raise FsiInputError("infno", "文件下载不能跨节点转发", "a file download is not forwarded between nodes")
            answered: Answered = (Infcode.SUCCESS, output, None, None)
        except Exception as failed:
            infcode, err_msg, code = failure(failed, envelope)
            answered = (infcode, None, err_msg, code)
        elapsed = time.perf_counter() - started
        self.metrics.observe("fsi_forwarded", envelope.infno, str(int(answered[0])), elapsed, answered[3])
        return answered

    def too_large(self, limit: int, path_infno: str | None) -> bytes:
        """The envelope answering a body over ``limit`` bytes (−2; nothing of the body was read)."""
        started, received_at = time.perf_counter(), datetime.now(SHANGHAI)
        err_msg = f"请求体过大：上限 {limit} 字节"
        outcome = _Outcome(
            413, Infcode.BUSINESS_ERROR, None, err_msg, "REQUEST_BODY_TOO_LARGE", None, None, path_infno, UTF8
        )
        return self._answer(outcome, started, received_at)[1]

    def answering_region(self, envelope: Envelope | None) -> str:
        """The region ``inf_refmsgid`` starts with: the message's 就医地 (``mdtrtarea_admvs``) when it is a known
        region below the national level, else the region this node serves."""
        stated = envelope.mdtrtarea_admvs if envelope else None
        if stated and stated != NATIONAL:
            try:
                return parse_region(stated).code
            except InvalidInput:
                pass
        return self.region

    def _answer(self, outcome: _Outcome, started: float, received_at: datetime) -> tuple[int, bytes, str]:
        """The envelope of ``outcome``, counted in the metrics and written to the access log."""
        responded_at = datetime.now(SHANGHAI)
        answer = reply(
            outcome.infcode,
            inf_refmsgid=self.refmsgids.next(responded_at, self.answering_region(outcome.envelope)),
            received_at=received_at,
            responded_at=responded_at,
            output=outcome.output,
            err_msg=outcome.err_msg,
        )
        elapsed = time.perf_counter() - started
        envelope, infcode, code = outcome.envelope, outcome.infcode, outcome.code
        infno = envelope.infno if envelope else _routed(outcome.path_infno)
        self.metrics.observe("fsi", infno, str(int(infcode)), elapsed, code)
        if infcode is Infcode.SUCCESS and infno in ("2207", "2304"):
            self.metrics.settlements.labels("commit").inc()
        elif infcode is Infcode.SUCCESS and infno in ("2208", "2305"):
            self.metrics.settlements.labels("reverse").inc()
        if ACCESS_LOG.isEnabledFor(logging.INFO):  # masking the input costs; only when the line is written
            log_request(
                interface="fsi",
                infno=infno,
                msgid=envelope.msgid if envelope else None,
                institution=outcome.institution,
                infcode=int(infcode),
                code=code,
                ms=round(elapsed * 1000, 2),
                input=envelope.input if envelope else None,  # masked by log_request
            )
        return outcome.status, dumps(answer, outcome.charset.codec), outcome.charset.media_type


def failure(failed: Exception, envelope: Envelope | None) -> tuple[Infcode, str, str]:
    """How a failure is answered: −2 with the reason for a message that cannot be read or a refusal (and its code),
    −1 for a fault of gongji's (logged; the client reverses with 2601)."""
    if isinstance(failed, FsiInputError):
        return Infcode.BUSINESS_ERROR, failed.message_zh, "FIELD_INVALID"
    if isinstance(failed, GongjiError):
        return Infcode.BUSINESS_ERROR, f"{failed.message_zh}（{failed.code.name}）", failed.code.name
    _LOG.error("fault answering %s", envelope.infno if envelope else "a message", exc_info=failed)
    return Infcode.FAULT, "系统内部错误，交易结果未知：请发起冲正（2601）后重试", "FAULT"


def _routed(path_infno: str | None) -> str:
    """The transaction code metrics and the log name a message by when its envelope could not be read: the path's
    when it is a code at all (it labels a metric: anything else would grow the metrics without bound)."""
    return path_infno if path_infno is not None and _INFNO.match(path_infno) else "----"


@dataclass(frozen=True)
class _Outcome:
    """What answering one message came to, before it is written as the envelope."""

    status: int
    infcode: Infcode
    output: Any
    err_msg: str | None
    code: str | None
    envelope: Envelope | None
    institution: str | None
    path_infno: str | None
    charset: Charset
