"""Relations, as the regions' rules have them (issue 13): a binding that could never pay is refused at once where both
sides must bind; a relative of 16 or over answers a request himself; the yearly change limit counts changes, not
first bindings or lapsed requests; only the patient or his guardian orders his payers; parents-in-law where a
region allows them; the aggregates count each relation once, by its state today."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode
from gongji.domain.phrases import Phrase
from gongji.service.aggregates import relation_totals
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.relations.lifecycle import DeclineBinding, decline_binding
from gongji.service.relations.payers import SetOrder, set_order
from gongji.service.relations.queries import family, relation
from tests.helpers import DEFU, JIANGUO, XIAOMING, XIUYING, ZHANGLI, employee, refused, resident
from tests.helpers import random_key as _key
from tests.integration.test_relations import (
    BEIJING,
    CHILD,
    FACE,
    PARENT,
    SJZ,
    SPOUSE,
    Folk,
    _person_id,
    _stored,
    ask,
    bind,
    confirm,
    counter,
    end,
    with_rules,
)

IN_LAW = RelationType.PARENT_IN_LAW
HUZHOU = "330500"  # the one region whose (unverified) explainer names parents-in-law


@pytest.fixture
def folk(ctx: Context) -> Folk:
    """People generator for the test."""
    return Folk(ctx)


# --- two-way binding -------------------------------------------------------------------------------------------------


def test_a_binding_that_could_never_pay_is_refused_where_both_sides_must_bind(
    ctx: Context, engine: Engine, tmp_path: Path
) -> None:
    mirrored = with_rules(ctx, tmp_path, SJZ, mirror_binding_required=True)
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")  # a resident (390) can never authorise, so never bind him back
    error = refused(engine, ErrorCode.MIRROR_BINDING_IMPOSSIBLE, lambda: ask(mirrored, JIANGUO, XIUYING, SPOUSE))
    assert (error.params["region"], error.params["beneficiary"]) == (SJZ, "李秀英")
    assert error.params["reason"].code == ErrorCode.AUTHORISER_NOT_ELIGIBLE.name
    assert "城乡居民" in error.message_zh
    assert "cannot authorise" in error.message_en
    # Where the region does not require it, the same binding is fine.
    assert ask(ctx, JIANGUO, XIUYING, SPOUSE).state == "requested"


def test_a_binding_both_sides_can_make_is_accepted_where_both_must_bind(
    ctx: Context, engine: Engine, tmp_path: Path
) -> None:
    mirrored = with_rules(ctx, tmp_path, SJZ, mirror_binding_required=True)
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=300_000)
    assert bind(mirrored, JIANGUO, XIUYING, SPOUSE).state == "effective"
    assert bind(mirrored, XIUYING, JIANGUO, SPOUSE).state == "effective"


def test_a_parent_in_law_can_never_be_bound_back(ctx: Context, engine: Engine, tmp_path: Path, folk: Folk) -> None:
    """The reverse of 配偶父母 is a child's spouse (女婿、儿媳), which no region lets anyone bind."""
    rules = with_rules(
        ctx, tmp_path, SJZ, mirror_binding_required=True, allowed_relations=["spouse", "parent", "parent_in_law"]
    )
    me = folk.employee(date(1975, 1, 1))
    mother_in_law = folk.employee(date(1950, 1, 1), male=False)
    error = refused(engine, ErrorCode.MIRROR_BINDING_IMPOSSIBLE, lambda: ask(rules, me, mother_in_law, IN_LAW))
    assert error.params["reason"].code == ErrorCode.RELATION_TYPE_NOT_ALLOWED.name
    assert "no region has such a relation type" in error.message_en


# --- face verification from 16 ----------------------------------------------------------------------------------------


def test_a_seventeen_year_old_confirms_himself_not_his_guardian(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英")
    bind(ctx, JIANGUO, XIUYING, SPOUSE)
    son = folk.resident(date(2009, 5, 1))  # 17 on 2026-11-22
    requested = ask(ctx, JIANGUO, son, CHILD)
    for guardian in (XIUYING, JIANGUO):
        error = refused(engine, ErrorCode.SELF_CONFIRMATION_REQUIRED, lambda g=guardian: confirm(ctx, requested.id, g))
        assert error.params["age"] == 16
        refused(
            engine,
            ErrorCode.SELF_CONFIRMATION_REQUIRED,
            lambda g=guardian: decline_binding(ctx, DeclineBinding(requested.id, g), key=_key()),
        )
    refused(engine, ErrorCode.FACE_VERIFICATION_REQUIRED, lambda: confirm(ctx, requested.id, son, None))
    confirmed = confirm(ctx, requested.id, son, FACE)
    assert confirmed.confirmed_by == confirmed.beneficiary
    assert "本人确认；人脸识别" in confirmed.events[-1].note.zh


def test_a_fifteen_year_old_is_still_confirmed_by_his_guardian(ctx: Context, folk: Folk) -> None:
    employee(ctx, prior_fen=500_000)
    son = folk.resident(date(2011, 5, 1))  # 15
    requested = ask(ctx, JIANGUO, son, CHILD)
    assert confirm(ctx, requested.id, JIANGUO).confirmed_by == "张建国"


# --- the yearly change limit ------------------------------------------------------------------------------------------


def test_beijing_first_bindings_and_lapsed_requests_are_not_changes(
    ctx: Context, engine: Engine, clock: FixedClock, folk: Folk
) -> None:
    """Beijing allows 3 changes a year: binding a fourth relative for the first time is no change, nor is a request
    that expired unconfirmed or that the relative declined."""
    me = folk.employee(date(1975, 3, 1), region=BEIJING)
    wife = folk.resident(date(1977, 1, 1), male=False, region=BEIJING)
    father = folk.resident(date(1948, 1, 1), region=BEIJING)
    mother = folk.resident(date(1950, 1, 1), male=False, region=BEIJING)
    son = folk.resident(date(2003, 1, 1), region=BEIJING)
    ask(ctx, me, wife, SPOUSE)
    clock.advance(timedelta(days=8))  # expired unconfirmed
    declined = ask(ctx, me, father, PARENT)
    decline_binding(ctx, DeclineBinding(declined.id, father), key=_key())
    for relative, relation_type in ((wife, SPOUSE), (father, PARENT), (mother, PARENT), (son, CHILD)):
        assert counter(ctx, me, relative, relation_type).state == "effective"  # the 4th is not refused
    assert family(ctx, me).changes_used == 0


def test_withdrawing_a_request_nobody_confirmed_is_no_change(ctx: Context, folk: Folk) -> None:
    me = folk.employee(date(1975, 3, 1), region=BEIJING)
    wife = folk.resident(date(1977, 1, 1), male=False, region=BEIJING)
    requested = ask(ctx, me, wife, SPOUSE)
    end(ctx, requested.id, me)
    assert family(ctx, me).changes_used == 0


# --- the order of payers ----------------------------------------------------------------------------------------------


def _child_with_two_payers(ctx: Context) -> tuple[int, int]:
    employee(ctx, prior_fen=500_000)
    employee(ctx, DEFU, "张德福", prior_fen=500_000)
    resident(ctx, XIAOMING, "张小明")  # 14
    employee(ctx, ZHANGLI, "张丽")  # his aunt: pays for nobody here, and is no guardian
    father = bind(ctx, JIANGUO, XIAOMING, CHILD, confirmer=JIANGUO)
    grandfather = bind(ctx, DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD, confirmer=JIANGUO)
    return father.id, grandfather.id


def test_only_the_patient_or_his_guardian_orders_his_payers(ctx: Context, engine: Engine) -> None:
    _, grandfather = _child_with_two_payers(ctx)
    for outsider in (ZHANGLI, DEFU):  # the aunt; the grandfather, who pays for him but is not his guardian
        error = refused(
            engine,
            ErrorCode.NOT_PATIENT_OR_GUARDIAN,
            lambda who=outsider: set_order(ctx, SetOrder(XIAOMING, (DEFU, JIANGUO), by=who), key=_key()),
        )
        assert error.params["patient"] == "张小明"
    reordered = set_order(ctx, SetOrder(XIAOMING, (DEFU, JIANGUO), by=JIANGUO), key=_key())
    assert [r.authoriser for r in reordered] == ["张德福", "张建国"]
    # The actor is stored, and shown even on a relation whose own family does not include him.
    stored = _stored(engine, XIAOMING)[grandfather]
    assert (stored["events"][-1]["kind"], stored["events"][-1]["actor_person_id"]) == (
        "reordered",
        _person_id(engine, JIANGUO),
    )
    assert [(e.kind, e.actor) for e in relation(ctx, grandfather).events][-1] == ("reordered", "张建国")


def test_nobody_orders_an_adults_payers_for_him(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    employee(ctx, DEFU, "张德福", prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英")
    bind(ctx, DEFU, JIANGUO, CHILD)
    bind(ctx, XIUYING, JIANGUO, SPOUSE)
    for other in (DEFU, XIUYING):
        refused(
            engine,
            ErrorCode.NOT_PATIENT_OR_GUARDIAN,
            lambda who=other: set_order(ctx, SetOrder(JIANGUO, (XIUYING, DEFU), by=who), key=_key()),
        )
    assert [r.authoriser for r in set_order(ctx, SetOrder(JIANGUO, (XIUYING, DEFU)), key=_key())] == [
        "李秀英",
        "张德福",
    ]


# --- parents-in-law ---------------------------------------------------------------------------------------------------


def test_a_parent_in_law_is_refused_where_the_region_does_not_name_it(ctx: Context, engine: Engine, folk: Folk) -> None:
    me = folk.employee(date(1975, 1, 1))
    mother_in_law = folk.resident(date(1950, 1, 1), male=False)
    error = refused(engine, ErrorCode.RELATION_TYPE_NOT_ALLOWED, lambda: ask(ctx, me, mother_in_law, IN_LAW))
    assert error.params["relation"] is IN_LAW
    assert "不允许与配偶父母共济" in error.message_zh


def test_huzhou_binds_a_parent_in_law(ctx: Context, folk: Folk) -> None:
    me = folk.employee(date(1975, 1, 1), region=HUZHOU, prior_fen=500_000)
    mother_in_law = folk.resident(date(1950, 1, 1), male=False, region=HUZHOU)
    bound = bind(ctx, me, mother_in_law, IN_LAW)
    assert (bound.state, bound.relation_zh) == ("effective", "配偶父母")


def test_a_parent_in_law_must_fit_the_family(ctx: Context, engine: Engine, folk: Folk) -> None:
    """A parent-in-law is a parent of one's spouse: older than oneself, not one's own parent or spouse, and one of
    at most two parents of the spouse, one of each sex."""
    me = folk.employee(date(1975, 1, 1), region=HUZHOU)
    wife = folk.employee(date(1977, 1, 1), male=False, region=HUZHOU)
    younger = folk.resident(date(1980, 1, 1), male=False, region=HUZHOU)
    refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, me, younger, IN_LAW))
    my_mother = folk.employee(date(1951, 1, 1), male=False, region=HUZHOU)
    bind(ctx, me, my_mother, PARENT)
    refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, me, my_mother, IN_LAW))
    # The wife has her mother on record: a second woman cannot be my mother-in-law; her father can.
    bind(ctx, me, wife, SPOUSE)
    her_mother = folk.resident(date(1952, 1, 1), male=False, region=HUZHOU)
    bind(ctx, wife, her_mother, PARENT)
    other_woman = folk.resident(date(1953, 1, 1), male=False, region=HUZHOU)
    error = refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, me, other_woman, IN_LAW))
    assert error.params["reason"].args["role"] is Phrase.KIN_MOTHER
    assert "spouse already has a mother on record" in error.message_en
    assert ask(ctx, me, her_mother, IN_LAW).state == "requested"
    her_father = folk.resident(date(1949, 1, 1), region=HUZHOU)
    assert ask(ctx, me, her_father, IN_LAW).state == "requested"


# --- aggregates -------------------------------------------------------------------------------------------------------


def test_aggregates_count_each_relation_once_by_its_state_today(ctx: Context, clock: FixedClock) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明")
    bind(ctx, JIANGUO, XIUYING, SPOUSE)
    ask(ctx, JIANGUO, XIAOMING, CHILD)
    clock.set(datetime(2026, 12, 5, 10, tzinfo=SHANGHAI))  # the request expired; no write has stored that yet
    [totals] = relation_totals(ctx)
    assert totals.by_status == {"requested": 0, "active": 1, "ended": 0, "expired": 1, "declined": 0}
    assert totals.total == 2
