"""The audit of a federation (``gongji cluster audit``): every node's own audit, and what must hold between nodes.

For each ordered pair of nodes (A, B) — A's people sending to B's — once the messages in flight are counted:

- **Reservations**: what A's senders hold reserved for B's receivers equals what B's receivers have pending or
  unspent from A, plus the offers on their way to B and the spending, reversals and returns on their way back.
- **Clearing**: A's ``node_clearing`` account for B and B's for A cancel out, but for the spending and reversals on
  their way to A.
- **In flight**: no message has waited longer than a bound (written, not yet applied by the node it was for).

A message is *in flight* from the moment it is written in the sender's outbox until the receiver's inbox holds it.
The audit reads every node's database in turn, each in one read transaction; a cluster under load moves between
reads, so it is run on a quiet cluster (the chaos test runs it once the stream stopped and everything was applied).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gongji.domain.wallet import TransferStatus
from gongji.service.audit import AuditReport, audit
from gongji.service.context import Context
from gongji.service.federation_ports import Outgoing
from gongji.service.node_messages import MessageKind, node_subject
from gongji.service.ports import UnitOfWork

__all__ = ["ClusterAudit", "CrossFinding", "InFlight", "audit_cluster"]

#: How long a message may be in flight before the audit names it.
IN_FLIGHT_BOUND = timedelta(minutes=5)


@dataclass(frozen=True)
class CrossFinding:
    """A rule between two nodes that does not hold: which, between whom, expected and found."""

    rule: str
    between: str
    expected: int | str
    actual: int | str


@dataclass(frozen=True)
class InFlight:
    """A message written on ``source`` for ``target`` and not applied there yet."""

    source: str
    target: str
    kind: MessageKind
    amount_fen: int
    written_at: datetime


@dataclass
class ClusterAudit:
    """Each node's audit and the findings between nodes."""

    nodes: dict[str, AuditReport] = field(default_factory=dict)
    in_flight: list[InFlight] = field(default_factory=list)
    findings: list[CrossFinding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Every node clean and every rule between them holding."""
        return not self.findings and all(report.clean for report in self.nodes.values())


@dataclass
class _Node:
    """What the audit read of one node."""

    reserved_for: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held_from: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    clearing: dict[str, int] = field(default_factory=dict)
    outbox: list[Outgoing] = field(default_factory=list)


def _read(uow: UnitOfWork) -> _Node:
    read = _Node(clearing=uow.outbox.clearing(), outbox=uow.outbox.every())
    for half in uow.wallets.across_nodes():
        assert half.peer is not None
        if half.status not in (TransferStatus.PENDING, TransferStatus.ACCEPTED):
            continue
        if half.sender_id is not None:
            read.reserved_for[half.peer.node] += half.remaining_fen
        else:
            read.held_from[half.peer.node] += half.remaining_fen
    return read


def audit_cluster(contexts: Mapping[str, Context], now: datetime, bound: timedelta = IN_FLIGHT_BOUND) -> ClusterAudit:
    """Audit every node (``contexts``: each node's, by name) and the rules between them (module docstring)."""
    result = ClusterAudit()
    read: dict[str, _Node] = {}
    for name, ctx in contexts.items():
        result.nodes[name] = audit(ctx)
        read[name] = ctx.read(_read)
    subjects = {node_subject(name): name for name in contexts}
    sent: dict[str, list[tuple[str, Outgoing]]] = defaultdict(list)
    for source, node in read.items():
        for message in node.outbox:
            if message.subject in subjects:
                sent[subjects[message.subject]].append((source, message))
    for target, messages in sent.items():
        applied = _applied(contexts[target], [message.msg_id for _, message in messages])
        for source, message in messages:
            if message.msg_id not in applied:
                _in_flight(result, source, target, message, now, bound)
    _pairs(read, result)
    return result


def _applied(ctx: Context, msg_ids: list[str]) -> set[str]:
    return ctx.read(lambda uow: uow.inbox.applied(msg_ids))


def _in_flight(
    result: ClusterAudit, source: str, target: str, message: Outgoing, now: datetime, bound: timedelta
) -> None:
    body = json.loads(message.payload)
    amount = int(body.get("amount_fen", 0))  # an acceptance moves no amount
    flight = InFlight(source, target, MessageKind(body["kind"]), amount, message.created_at)
    result.in_flight.append(flight)
    waited = now - flight.written_at
    if waited > bound:
        rule = f"nothing in flight longer than {bound}"
        result.findings.append(CrossFinding(rule, f"{source}→{target}", str(bound), str(waited)))


def _flying(result: ClusterAudit, source: str, target: str, *kinds: MessageKind) -> int:
    return sum(f.amount_fen for f in result.in_flight if (f.source, f.target) == (source, target) and f.kind in kinds)


def _pairs(read: Mapping[str, _Node], result: ClusterAudit) -> None:
    """The reservation and clearing rules for every ordered pair of nodes."""
    back = (MessageKind.WALLET_SPENT, MessageKind.WALLET_RETURNED)
    for a in read:
        for b in read:
            if a == b:
                continue
            reserved = read[a].reserved_for.get(b, 0)
            held = read[b].held_from.get(a, 0) + _flying(result, a, b, MessageKind.WALLET_OFFER)
            held += _flying(result, b, a, *back) - _flying(result, b, a, MessageKind.WALLET_UNSPENT)
            if reserved != held:
                rule = "reservations equal the wallets and transfers in flight"
                result.findings.append(CrossFinding(rule, f"{a}→{b}", held, reserved))
            if a < b:
                owed = read[a].clearing.get(b, 0) + read[b].clearing.get(a, 0)
                flying = _spending(result, b, a) + _spending(result, a, b)
                if owed + flying != 0:
                    rule = "the two clearing accounts cancel out"
                    result.findings.append(CrossFinding(rule, f"{a}↔{b}", -flying, owed))


def _spending(result: ClusterAudit, source: str, target: str) -> int:
    """What the spending in flight from ``source`` to ``target`` has yet to move there (reversals take back)."""
    spent = _flying(result, source, target, MessageKind.WALLET_SPENT)
    return spent - _flying(result, source, target, MessageKind.WALLET_UNSPENT)
