"""The federation's map: which node serves which province, and the configurations refused when a node starts."""

from __future__ import annotations

import pytest

from gongji.bootstrap import Settings
from gongji.domain.errors import InvalidInput
from gongji.federation.config import Federation, FederationConfigError


def test_each_region_is_served_by_the_node_of_its_province() -> None:
    fed = Federation.parse("hb", "13", "bj=11; sh=31,32", "nats://127.0.0.1:4222")
    assert fed.nodes == ("hb", "bj", "sh")
    assert fed.node_of("130102") == "hb"
    assert fed.node_of("110105") == "bj"
    assert fed.node_of("320100") == "sh"
    assert fed.node_of("440100") is None
    assert fed.node_of("100000") == "hb"  # the national code names no province: this node answers for it


def test_an_unknown_region_code_is_refused_not_routed() -> None:
    fed = Federation.parse("hb", "13", "bj=11", "nats://127.0.0.1:4222")
    with pytest.raises(InvalidInput) as refused:
        fed.node_of("999999")
    assert refused.value.code.name == "CODE_UNKNOWN"


@pytest.mark.parametrize(
    ("provinces", "peers", "says"),
    [
        ("", "bj=11", "serves no province"),
        ("13", "bj=", "serves no province"),
        ("13", "bj=11;bj=12", "named twice"),
        ("13", "bj=13", "served by 'hb' and 'bj'"),
        ("1", "bj=11", "is not a province"),
        ("13", "bj:11", "name=provinces"),
        ("13", "hb=11", "among its own peers"),
        ("13", "BJ=11", "lower-case"),
    ],
)
def test_a_configuration_that_cannot_be_used_is_refused_at_start(provinces: str, peers: str, says: str) -> None:
    with pytest.raises(FederationConfigError, match=says):
        Federation.parse("hb", provinces, peers, "nats://127.0.0.1:4222")


def test_settings_make_a_node_only_when_it_is_named() -> None:
    assert Settings(node=None).federation() is None
    fed = Settings(node="bj", node_provinces="11", peers="hb=13", nats_url="nats://127.0.0.1:1").federation()
    assert fed is not None
    assert fed.nats_url == "nats://127.0.0.1:1"
    assert fed.peers == {"hb": frozenset({"13"})}
