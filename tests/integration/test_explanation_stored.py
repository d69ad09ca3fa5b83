"""A settlement's explanation is stored naming each rule version it read, and shown with that version's source from
the rule book: the same explanation as committed, a fraction of the bytes; the older full form still reads, and a
version the book no longer holds is shown as missing, never with another version's source."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import Engine, select, update

from gongji.domain.codes import MedType, PsnType
from gongji.rules.book import RuleBook
from gongji.service.context import Context
from gongji.service.settlement import EXPLANATION, Settle, commit_settlement, explain, read_explanation
from gongji.service.settlement.stored import MISSING
from gongji.store import tables as t
from tests.helpers import DEFU, employee
from tests.helpers import random_key as _key
from tests.integration.test_settlement import ATORVASTATIN, CONSULTATION, SJZ_LEVEL3, demo, fee, visit

__all__ = ["demo"]


def _settled(ctx: Context) -> tuple[str, str]:
    employee(ctx, DEFU, "张德福", psn_type=PsnType.EMPLOYEE_RETIRED, prior_fen=300_000, current_fen=50_000)
    lines = (fee("1", ATORVASTATIN, "2", 3_580), fee("2", CONSULTATION, "1", 1_000))
    mdtrt_id = visit(ctx, DEFU, SJZ_LEVEL3, MedType.GENERAL_OUTPATIENT, *lines)
    committed = commit_settlement(ctx, Settle(mdtrt_id, True), key=_key())
    return committed.setl_id, EXPLANATION.dump_json(committed.explanation).decode()


def _stored(engine: Engine, setl_id: str) -> str:
    with engine.connect() as conn:
        text: str = conn.execute(
            select(t.settlements.c.explanation).where(t.settlements.c.setl_id == setl_id)
        ).scalar_one()
    return text


def _restore(engine: Engine, setl_id: str, text: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(t.settlements).where(t.settlements.c.setl_id == setl_id).values(explanation=text))


def test_the_explanation_shown_later_is_the_one_committed_from_a_fraction_of_the_bytes(
    demo: Context, engine: Engine
) -> None:
    setl_id, committed = _settled(demo)
    stored = _stored(engine, setl_id)
    assert EXPLANATION.dump_json(explain(demo, setl_id)).decode() == committed
    assert len(stored.encode()) * 2 < len(committed.encode()), (len(stored), len(committed))
    rules = json.loads(stored)["rules"]
    assert rules
    assert all(len(rule) == 3 for rule in rules)
    assert "reference_address" not in stored


def test_an_explanation_stored_in_full_before_still_reads_as_it_was(demo: Context, engine: Engine) -> None:
    setl_id, committed = _settled(demo)
    _restore(engine, setl_id, committed)
    assert EXPLANATION.dump_json(explain(demo, setl_id)).decode() == committed


def test_a_rule_version_the_book_no_longer_holds_is_shown_missing_not_replaced(demo: Context, engine: Engine) -> None:
    setl_id, _ = _settled(demo)
    stored = json.loads(_stored(engine, setl_id))
    parameter, region, since = stored["rules"][0]
    # The book's version of that rule now starts a day later (a correction of its date): the stored one is gone.
    book = demo.rules
    versions = book.regions[region].parameters[parameter]
    moved = tuple(
        dataclasses.replace(v, since=v.since.replace(day=2)) if v.since.isoformat() == since else v for v in versions
    )
    regions = {
        **book.regions,
        region: dataclasses.replace(
            book.regions[region],
            parameters={
                **book.regions[region].parameters,
                parameter: moved,
            },
        ),
    }
    shown = read_explanation(_stored(engine, setl_id), RuleBook(regions))
    first = shown.rules[0]
    assert (first.parameter, first.region, first.since.isoformat()) == (parameter, region, since)
    assert first.confidence == MISSING
    assert first.reference_title == ""
    assert first.reference_address == ""
    assert all(rule.confidence != MISSING for rule in shown.rules[1:])
