"""Fraud signals on a synthetic province with injected fraud: the rules find the injected cards, a run is
idempotent, and an operator reviews a signal once, in his own regions only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gongji.domain.errors import ErrorCode, GongjiError
from gongji.rules.book import RuleBook
from gongji.service.context import Context
from gongji.service.signals.kinship import each_party
from gongji.service.signals.queue import every_signal, list_signals, measure, review_signal, run_signals
from gongji.store.signal_repo import SqlSignals
from gongji.synth.figures import HEBEI
from gongji.synth.province import load


@pytest.fixture
def truth(engine: Engine) -> list[tuple[int, str]]:
    """A 400-person province with fraud injected for three relatives in ten; the ground truth."""
    report = load(engine, HEBEI, people=400, year=2026, seed=5, book=RuleBook.load(), fraud_rate=0.3)
    return [(case.person_id, case.pattern.value) for case in report.truth]


@pytest.fixture
def province(ctx: Context, truth: list[tuple[int, str]]) -> Context:
    return ctx


def test_the_rules_find_every_lent_card_and_every_card_in_two_places_and_a_second_run_adds_nothing(
    province: Context, truth: list[tuple[int, str]]
) -> None:
    first = run_signals(province, year=2026, key="run-1")
    again = run_signals(province, year=2026, key="run-2")
    assert run_signals(province, year=2026, key="run-1") == first  # the same request answered as the first time

    scores = {a.rule: a for a in measure(every_signal(province), truth)}
    assert scores["card_many_buyers"].hits > 0
    assert scores["card_many_buyers"].recall == 1.0
    assert scores["card_many_buyers"].precision == 1.0
    assert scores["card_two_regions"].recall == 1.0
    # A fictitious relative is found only when the kinship stated contradicts the ID numbers or the family's other
    # relations (a mother-in-law bound as a mother is not): nothing honest is flagged, not every fiction is.
    assert scores["implausible_relation"].hits > 0
    assert scores["implausible_relation"].precision == 1.0
    assert sum(first.new.values()) == sum(first.found.values()) > 0
    assert sum(again.new.values()) == 0
    assert again.found == first.found


def test_an_operator_reviews_a_signal_of_his_region_once(province: Context) -> None:
    run_signals(province, year=2026, key="run-1")
    top = list_signals(province, regions=["130100"], limit=1)[0]
    assert top.status == "open"
    assert all(s.region == "131100" for s in list_signals(province, regions=["131100"]))

    with pytest.raises(GongjiError) as elsewhere:
        review_signal(province, top.id, "confirmed", operator="窗口02", regions=["131100"], key="r0")
    assert elsewhere.value.code is ErrorCode.SIGNAL_NOT_FOUND
    with pytest.raises(GongjiError) as unknown:
        review_signal(province, top.id, "guilty", operator="窗口01", key="r1")
    assert unknown.value.code is ErrorCode.SIGNAL_STATUS_INVALID

    done = review_signal(
        province, top.id, "confirmed", operator="窗口01", note="核实属实", regions=["130100"], key="r2"
    )
    assert (done.status, done.reviewed_by, done.review_note) == ("confirmed", "窗口01", "核实属实")
    assert review_signal(province, top.id, "confirmed", operator="窗口01", note="核实属实", key="r2") == done  # replay
    with pytest.raises(GongjiError) as again:
        review_signal(province, top.id, "dismissed", operator="窗口03", key="r3")
    assert again.value.code is ErrorCode.SIGNAL_ALREADY_REVIEWED
    assert top.id not in {s.id for s in list_signals(province, status="open", limit=500)}
    run_signals(province, year=2026, key="run-2")
    assert [s.status for s in every_signal(province) if s.id == top.id] == ["confirmed"]  # never reopened


def test_the_store_gives_each_relation_under_both_parties_in_the_order_the_kinship_rule_reads(
    province: Context, engine: Engine
) -> None:
    with engine.connect() as conn:
        facts = SqlSignals(conn)
        kin = list(facts.kin())
        ties = list(facts.ties())
    assert len(kin) > 100
    assert [k.relation_id for k in kin] == sorted(k.relation_id for k in kin)
    assert ties == each_party(k.tie for k in kin)
