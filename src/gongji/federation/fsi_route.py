"""Cross-node settlement: a national-interface message for a patient insured in a province another node serves is
answered by that node, and the hospital gets that node's answer as if its own node had given it.

The hospital talks to its own node only (as a real HIS talks to its province's platform). A message names the
patient's insured region in its envelope (``insuplc_admdvs``, 参保地, which the HIS learns from 1101's
``insuinfo``); when that region's province belongs to another node and the transaction is one of the patient's
(:data:`PERSON_TRANSACTIONS`: person, visit, fee, settlement, reversal, filing and query messages), this node checks
the gateway headers and the sign-in, then asks the patient's node over NATS (request-reply on
``gongji.node.<name>.fsi``) and answers with what it says. Catalogue downloads, sign-in and sign-out, files and the
institution's reconciliation stay with the institution's own node.

- The patient's node runs the message as its own, keyed by the institution and ``msgid`` as every message is, so a
  retried message takes effect there once; and this node keeps that node's answer under the same key, so a retry
  it can answer never goes there again (one it could not — the first ask timed out — asks again, and gets the
  stored answer there). The same ``msgid`` with another body is refused here (``IDEMPOTENCY_CONFLICT``).
- A node that cannot be reached, or does not answer in time, gives the hospital a refusal it may retry
  (``NODE_UNREACHABLE``, −2), never a half-done settlement: either the other node committed (and the retry replays
  it) or it did not (and the retry runs it).
- The other node learns the hospital from the message (code, name, kind, level, region), as the national directory
  of designated institutions lists it, and registers it the first time it sees it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from gongji.api.fsi.envelope import Envelope
from gongji.api.fsi.reply import Infcode, dumps
from gongji.api.fsi.router import Answered, FsiService
from gongji.api.fsi.transactions import message_digest, message_key
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.regions import NATIONAL
from gongji.federation.bus import Bus, Unreachable
from gongji.federation.config import Federation
from gongji.service.context import Context
from gongji.service.forwarded import forwarded_answer, keep_forwarded_answer
from gongji.service.institutions import AddInstitution, ensure_institution, show_institution

__all__ = ["PERSON_TRANSACTIONS", "Forwarder", "answer_forwarded", "fsi_subject", "serve_forwarded"]

#: The transactions that follow the patient to his node: person information, treatment eligibility, visits and
#: their fees, settlements and reversals, admissions, filings, the settlement list, and the queries of his records.
PERSON_TRANSACTIONS = frozenset(
    {"1101", "1161", "1162", "2001"}
    | {"2201", "2202", "2203", "2203A", "2204", "2205", "2206", "2207", "2208"}
    | {"2301", "2302", "2303", "2304", "2305", "2401", "2402", "2403", "2404", "2405"}
    | {"2501", "2502", "2503", "2504", "2505", "2506", "2601", "4101", "4101A"}
    | {"5201", "5202", "5203", "5204", "5205", "5206", "5261", "5301", "5302"}
)
#: How long this node waits for the patient's node before refusing the message (the HIS may retry it).
FORWARD_TIMEOUT_S = 10.0


def fsi_subject(node: str) -> str:
    """The subject a node answers forwarded national-interface messages on."""
    return f"gongji.node.{node}.fsi"


@dataclass
class Forwarder:
    """This node's side: which messages go to another node, and sending them there (``FsiService.forward``)."""

    federation: Federation
    bus: Bus
    ctx: Context
    timeout_s: float = FORWARD_TIMEOUT_S

    def node_for(self, envelope: Envelope) -> str | None:
        """The node that answers ``envelope``: ``None`` (this one) unless it is a patient's transaction naming an
        insured region of another node's province. A province no node serves is refused
        (``INSURED_PROVINCE_NOT_SERVED``), never answered here by guess."""
        insured = envelope.insuplc_admdvs
        if envelope.infno not in PERSON_TRANSACTIONS or not insured or insured == NATIONAL:
            return None
        node = self.federation.node_of(insured)
        if node is None:
            raise Refused(ErrorCode.INSURED_PROVINCE_NOT_SERVED, region=insured, node=self.federation.node)
        return None if node == self.federation.node else node

    def send(self, node: str, envelope: Envelope, institution: str, received_at: datetime) -> Answered:
        """Ask ``node`` to answer the message — unless it was answered before: a retry gets the answer kept here
        (the message reaches the other node once); ``NODE_UNREACHABLE`` when it cannot be asked or does not
        answer."""
        key, digest = message_key(institution, envelope.msgid), message_digest(envelope)
        kept = forwarded_answer(self.ctx, key, digest)
        if kept is not None:
            return _answered(kept)
        found = show_institution(self.ctx, institution)  # the gateway authenticated it: it is registered here
        request = {
            "from": self.federation.node,
            "received_at": received_at.isoformat(),
            "institution": {
                "fixmedins_code": found.fixmedins_code,
                "name": found.name,
                "kind": found.kind,
                "level": found.level,
                "region": found.region,
            },
            "envelope": asdict(envelope),
        }
        try:
            answer = self.bus.request(fsi_subject(node), dumps(request), self.timeout_s)
        except Unreachable:
            raise Refused(ErrorCode.NODE_UNREACHABLE, node=node) from None
        answered = _answered(answer.decode())
        if answered[0] is not Infcode.FAULT:  # a fault's outcome is unknown there: the retry must ask again
            keep_forwarded_answer(self.ctx, key, digest, answer.decode(), refused=answered[0] is not Infcode.SUCCESS)
        return answered


def _answered(answer: str) -> Answered:
    read = json.loads(answer, parse_float=Decimal)
    return Infcode(read["infcode"]), read["output"], read["err_msg"], read["code"]


def answer_forwarded(service: FsiService, payload: bytes) -> bytes:
    """The patient's node's side: run a forwarded message (module docstring) and give back its outcome."""
    request: dict[str, Any] = json.loads(payload, parse_float=Decimal)
    listed = request["institution"]
    # Registered the first time this node hears of the hospital, as the national directory lists it.
    code = listed["fixmedins_code"]
    ensure_institution(service.ctx, AddInstitution(**listed), key=f"federation:{request['from']}:institution:{code}")
    envelope = Envelope(**request["envelope"])
    received_at = datetime.fromisoformat(request["received_at"])
    infcode, output, err_msg, code = service.run_forwarded(envelope, listed["fixmedins_code"], received_at)
    return dumps({"infcode": int(infcode), "output": output, "err_msg": err_msg, "code": code})


def serve_forwarded(bus: Bus, federation: Federation, service: FsiService) -> None:
    """Answer the messages other nodes forward to this one (every worker process of the node shares them)."""
    bus.serve(fsi_subject(federation.node), lambda payload: answer_forwarded(service, payload), queue="fsi")
