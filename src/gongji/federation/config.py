"""Which provinces this node serves, and which node serves each of the others (the federation's map).

Configured from the environment (:class:`gongji.bootstrap.Settings`):

- ``GONGJI_NODE``: this node's name (``bj``; letters, digits, ``-``), unset for a stand-alone gongji;
- ``GONGJI_NODE_PROVINCES``: the provinces it serves, as the first two digits of their codes (``11`` or ``11,13``);
- ``GONGJI_PEERS``: every other node and its provinces (``hb=13;sh=31``);
- ``GONGJI_NATS_URL``: the NATS server the nodes meet on.

A province is served by one node only; a node with no province, a malformed name or code, or a province claimed twice
is a configuration error, raised when the node starts, never a message answered wrongly later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gongji.domain.regions import NATIONAL, parse_region

__all__ = ["Federation", "FederationConfigError", "province_of"]

_NODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
_PROVINCE = re.compile(r"^[1-9][0-9]$")


class FederationConfigError(ValueError):
    """The federation's configuration cannot be used (the message says which setting and why)."""


def province_of(region: str) -> str:
    """The province of a region code, as its first two digits (``130102`` → ``13``)."""
    return region[:2]


@dataclass(frozen=True)
class Federation:
    """This node's name and provinces, the other nodes' provinces, and the NATS server they share."""

    node: str
    provinces: frozenset[str]
    peers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    nats_url: str = "nats://127.0.0.1:4222"

    def __post_init__(self) -> None:
        for name in (self.node, *self.peers):
            if not _NODE.match(name):
                raise FederationConfigError(f"node name {name!r}: use lower-case letters, digits and '-'")
        if self.node in self.peers:
            raise FederationConfigError(f"node {self.node!r} is named among its own peers")
        seen: dict[str, str] = {}
        for name, provinces in [(self.node, self.provinces), *self.peers.items()]:
            if not provinces:
                raise FederationConfigError(f"node {name!r} serves no province")
            for province in provinces:
                if not _PROVINCE.match(province):
                    raise FederationConfigError(f"node {name!r}: {province!r} is not a province (two digits, 11–82)")
                if province in seen:
                    raise FederationConfigError(f"province {province} is served by {seen[province]!r} and {name!r}")
                seen[province] = name

    @classmethod
    def parse(cls, node: str, provinces: str, peers: str, nats_url: str) -> Federation:
        """From the settings' texts: ``provinces`` ``11,13``; ``peers`` ``hb=13;sh=31``."""
        mine = _provinces(provinces, node)
        others: dict[str, frozenset[str]] = {}
        for part in filter(None, (p.strip() for p in peers.split(";"))):
            name, sep, listed = part.partition("=")
            if not sep:
                raise FederationConfigError(f"peer {part!r}: write it as name=provinces (hb=13)")
            if name.strip() in others:
                raise FederationConfigError(f"peer {name.strip()!r} is named twice")
            others[name.strip()] = _provinces(listed, name.strip())
        return cls(node.strip(), mine, others, nats_url)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Every node's name, this one first."""
        return (self.node, *sorted(self.peers))

    def serves(self, region: str) -> bool:
        """Whether this node serves the province of ``region``."""
        return province_of(region) in self.provinces

    def node_of(self, region: str) -> str | None:
        """The node serving the province of ``region`` (a known region code), ``None`` when no node does. The
        national code names no province: this node answers for it."""
        parse_region(region)
        if region == NATIONAL or self.serves(region):
            return self.node
        province = province_of(region)
        return next((name for name, provinces in self.peers.items() if province in provinces), None)


def _provinces(listed: str, node: str) -> frozenset[str]:
    found = frozenset(p.strip() for p in listed.split(",") if p.strip())
    if not found:
        raise FederationConfigError(f"node {node!r} serves no province")
    return found
