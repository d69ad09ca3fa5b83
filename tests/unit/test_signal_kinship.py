"""The rule on implausible relations: what ages, sexes and the other relations contradict, and what they do not."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime

import pytest

from gongji.service.clock import SHANGHAI
from gongji.service.signals.kinship import Kin, each_party, implausible_relation
from gongji.service.signals.rules import FactsOutOfOrder, Found

_IDS = itertools.count(1)
_AT = datetime(2026, 3, 1, 10, tzinfo=SHANGHAI)
_DAY = date(2026, 12, 31)


def _kin(a: int, b: int, kind: str, a_born: date, b_born: date, a_sex: str = "1", b_sex: str = "2") -> Kin:
    return Kin(next(_IDS), a, b, "130100", kind, "active", _AT, a_born, a_sex, b_born, b_sex)


def _found(*relations: Kin) -> list[Found]:
    return implausible_relation(relations, each_party(k.tie for k in relations), _DAY)


def _flagged(*relations: Kin) -> dict[int, list[str]]:
    return {f.subject_id: f.evidence["problems"] for f in _found(*relations)}


def test_a_true_family_is_left_alone() -> None:
    him, her, son, his_mother, his_father = 1, 2, 3, 4, 5
    family = (
        _kin(him, her, "spouse", date(1975, 3, 15), date(1977, 8, 22)),
        _kin(him, son, "child", date(1975, 3, 15), date(2012, 6, 5)),
        _kin(him, his_mother, "parent", date(1975, 3, 15), date(1950, 2, 18), b_sex="2"),
        _kin(him, his_father, "parent", date(1975, 3, 15), date(1948, 1, 10), b_sex="1"),
        _kin(her, son, "child", date(1977, 8, 22), date(2012, 6, 5), a_sex="2"),
        _kin(his_mother, son, "paternal_grandchild", date(1950, 2, 18), date(2012, 6, 5), a_sex="2"),
    )
    assert _flagged(*family) == {}


def test_ages_that_cannot_be_the_stated_relation() -> None:
    parent = _kin(1, 2, "parent", date(1990, 1, 1), date(1980, 1, 2))  # a "parent" 9 years older
    child = _kin(3, 4, "child", date(1990, 6, 1), date(2003, 5, 31))  # a "child" a day short of 13 years younger
    grand = _kin(5, 6, "maternal_grandparent", date(2000, 1, 1), date(1975, 1, 1))  # 25 years: a parent's gap
    spouse = _kin(7, 8, "spouse", date(1990, 1, 1), date(2008, 3, 2))  # 17 on the day of binding
    found = _flagged(parent, child, grand, spouse)
    assert found[parent.relation_id] == ["parent 9 years apart"]
    assert found[child.relation_id] == ["child 12 years apart"]
    assert found[grand.relation_id] == ["maternal_grandparent 25 years apart"]
    assert found[spouse.relation_id] == ["spouse aged 17"]
    just_old_enough = _kin(9, 10, "parent", date(1990, 1, 1), date(1976, 1, 1))  # 14 years
    assert _flagged(just_old_enough) == {}


def test_a_spouse_of_ones_own_sex() -> None:
    same = _kin(1, 2, "spouse", date(1980, 1, 1), date(1982, 1, 1), a_sex="2", b_sex="2")
    assert _flagged(same) == {same.relation_id: ["spouse of the same sex"]}


def test_more_parents_than_a_person_can_have_by_one_authoriser_or_by_several() -> None:
    born = date(1990, 1, 1)
    three = [_kin(1, parent, "parent", born, date(1960, 1, 1)) for parent in (2, 3, 4)]
    found = _flagged(*three)
    assert set(found) == {k.relation_id for k in three}
    assert found[three[0].relation_id] == ["3 people bound as parent of one person"]
    two = [_kin(11, parent, "parent", born, date(1960, 1, 1)) for parent in (12, 13)]
    assert _flagged(*two) == {}
    # Three authorisers each binding the same young man as their child: he would have three parents.
    claimed = [_kin(parent, 20, "child", date(1960, 1, 1), born) for parent in (21, 22, 23)]
    assert set(_flagged(*claimed)) == {k.relation_id for k in claimed}


def test_two_people_each_bound_as_the_others_parent() -> None:
    one = _kin(1, 2, "parent", date(1990, 1, 1), date(1960, 1, 1))
    other = _kin(2, 1, "parent", date(1960, 1, 1), date(1990, 1, 1))
    found = _flagged(one, other)
    assert "each bound as the other's parent" in found[one.relation_id]
    assert found[other.relation_id] == ["parent -30 years apart", "each bound as the other's parent"]
    [signal] = [f for f in _found(one, other) if f.subject_id == other.relation_id]
    assert signal.score == 75  # two contradictions score more than one


def test_parents_claimed_from_both_sides_are_counted_together() -> None:
    """Two parents he bound himself and a third who bound him as her child: three parents of one person."""
    born = date(1990, 1, 1)
    his = [_kin(1, parent, "parent", born, date(1960, 1, 1)) for parent in (2, 3)]
    hers = _kin(4, 1, "child", date(1962, 1, 1), born)
    found = _flagged(*his, hers)
    assert set(found) == {k.relation_id for k in (*his, hers)}
    assert found[hers.relation_id] == ["3 people bound as parent of one person"]


def test_a_request_declined_or_left_to_expire_claims_no_kinship() -> None:
    born = date(1990, 1, 1)
    live = [_kin(1, parent, "parent", born, date(1960, 1, 1)) for parent in (2, 3)]
    lapsed = [
        replace(_kin(1, parent, "parent", born, date(1960, 1, 1)), status=status)
        for parent, status in ((4, "declined"), (5, "expired"))
    ]
    assert _flagged(*live, *lapsed) == {}
    ended = replace(_kin(1, 6, "parent", born, date(1960, 1, 1)), status="ended")
    assert set(_flagged(*live, ended)) == {k.relation_id for k in (*live, ended)}


def test_relations_out_of_the_order_of_their_parties_are_refused() -> None:
    """A store that gave a person's relations apart would have his parents counted in pieces: refused."""
    born = date(1990, 1, 1)
    three = [_kin(1, parent, "parent", born, date(1960, 1, 1)) for parent in (2, 3, 4)]
    sides = each_party(k.tie for k in three)
    shuffled = sides[1:] + sides[:1]
    with pytest.raises(FactsOutOfOrder):
        implausible_relation(three, shuffled, _DAY)
