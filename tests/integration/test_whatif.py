"""What-if replays: the replay under the rules in force gives every stored settlement back to the fen; under an
overlay the pure core decides again, and what a relative paid less in one settlement he still has in the next."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from gongji.domain.codes import MedType, PsnType, RelationType
from gongji.rules.book import RuleBook
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.demo import load_demo
from gongji.service.whatif import run
from gongji.service.whatif.parts import (
    PartHeader,
    PartInvalid,
    PartsMismatch,
    load_part,
    merge_parts,
    overlay_digest,
    save_part,
)
from gongji.service.whatif.run import WhatIf, what_if
from gongji.store import tables as t
from gongji.synth.figures import HEBEI
from gongji.synth.province import load
from tests.helpers import JIANGUO, XIAOMING, employee, resident
from tests.integration.test_settlement import (  # noqa: F401 (demo: a fixture)
    LORATADINE,
    SJZ_LEVEL1,
    WORKED_RULES,
    _child_bill,
    bind,
    demo,
    fee,
    settle,
    visit,
)

OVERLAYS = Path(__file__).resolve().parents[2] / "src" / "gongji" / "rules" / "overlays"
ALL_TIME = {"since": datetime(2000, 1, 1, tzinfo=SHANGHAI), "until": datetime(2100, 1, 1, tzinfo=SHANGHAI)}


def _replayed(engine: Engine) -> int:
    """Settlements of visits not reversed and not paid from a wallet: what a replay takes."""
    s, p = t.settlements, t.settlement_payers
    wallet = select(p.c.settlement_id).where(p.c.wallet_transfer_id.is_not(None))
    query = select(func.count()).where(
        s.c.visit_id.is_not(None), s.c.reversal_journal_id.is_(None), s.c.id.not_in(wallet)
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_the_rules_in_force_give_the_demo_back_and_an_overlay_that_changes_nothing_changes_nothing(
    ctx: Context, engine: Engine
) -> None:
    load_demo(ctx)
    result = what_if(ctx, RuleBook.load(), **ALL_TIME)
    assert result.replayed == _replayed(engine) > 0
    assert result.skipped == 1  # the wallet's purchase
    assert result.mismatched == 0
    assert result.changes == []


def test_the_rules_in_force_give_a_synthetic_provinces_year_back_to_the_fen(
    ctx: Context, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year of care: relations bound, ended and expired around the visits, balances moving between them. Replayed
    in two parts (families apart, as on two cores), it adds up to the whole."""
    load(engine, HEBEI, people=400, year=2026, seed=6, book=RuleBook.load())
    monkeypatch.setattr(run, "PROGRESS_EVERY", 100)
    told: list[tuple[int, int]] = []
    result = what_if(ctx, RuleBook.load(), progress=lambda done, total: told.append((done, total)), **ALL_TIME)
    assert result.replayed == _replayed(engine) > 300
    assert (result.mismatched, result.mismatches) == (0, [])
    # Its progress: from none to every settlement, told every hundred settlements or so (a family's at a time).
    total = result.replayed + result.skipped
    assert told[0] == (0, total)
    assert told[-1] == (total, total)
    steps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(told)]
    assert len(told) > 3
    assert all(step >= 100 for step in steps[:-1])
    assert steps[-1] > 0

    overlay = RuleBook.load([OVERLAYS / "hebei-yearly-share-60"])
    whole = what_if(ctx, overlay, kept=5, **ALL_TIME)
    assert whole.changed > len(whole.changes) == 5  # a yearly share binds some families
    parts = WhatIf(kept=5)
    for index in range(2):
        parts.merge(what_if(ctx, overlay, part=(index, 2), kept=5, **ALL_TIME))
    assert vars(parts.total) == vars(whole.total)
    assert parts.changes == whole.changes  # the same that change most
    assert (parts.changed, parts.families, parts.patients()) == (whole.changed, whole.families, whole.patients())
    assert parts.by_relation_type == whole.by_relation_type


def test_every_change_is_summed_by_family_and_those_that_change_most_are_kept(ctx: Context, engine: Engine) -> None:
    load(engine, HEBEI, people=400, year=2026, seed=6, book=RuleBook.load())
    overlay = RuleBook.load([OVERLAYS / "hebei-yearly-share-60"])
    every = what_if(ctx, overlay, kept=10**6, **ALL_TIME)
    assert len(every.changes) == every.changed > 3
    few = what_if(ctx, overlay, kept=3, **ALL_TIME)
    assert few.changed == every.changed
    assert few.families == every.families
    cash = [abs(c.over.cash_fen - c.base.cash_fen) for c in every.changes]
    assert [abs(c.over.cash_fen - c.base.cash_fen) for c in few.changes] == sorted(cash, reverse=True)[:3]
    total = every.total
    summed = every.families.values()
    assert sum(f.settlements for f in summed) == every.changed
    assert sum(f.cash_fen for f in summed) == total.cash_over - total.cash_base
    assert sum(f.mutual_aid_fen for f in summed) == total.mutual_aid_over - total.mutual_aid_base
    assert sum(f.fund_fen for f in summed) == total.fund_over - total.fund_base
    by_patient: dict[int, int] = {}
    for change in every.changes:
        by_patient[change.patient_id] = (
            by_patient.get(change.patient_id, 0) + change.over.cash_fen - change.base.cash_fen
        )
    more = sum(1 for fen in by_patient.values() if fen > 0)
    assert every.patients() == (more, sum(1 for fen in by_patient.values() if fen < 0))
    assert more > 0


def _two_bills_for_the_son(ctx: Context, clock: FixedClock) -> None:
    """张建国 (an employee with 100.00 this year, nothing from earlier years) pays for his son's two visits."""
    employee(ctx, JIANGUO, "张建国", current_fen=10_000)
    resident(ctx, XIAOMING, "张小明", psn_type=PsnType.PUPIL)
    bind(ctx, JIANGUO, XIAOMING, RelationType.CHILD, confirmer=JIANGUO)
    clock.set(clock.now().replace(hour=11))
    settle(ctx, _child_bill(ctx))
    clock.set(clock.now().replace(hour=15))
    settle(ctx, _child_bill(ctx))


def _his_payments(result: WhatIf) -> list[tuple[int, int]]:
    """What his relation paid in each settlement: (in force, under the overlay)."""
    return [
        (sum(v for k, v in c.base.by_relation.items() if k), sum(v for k, v in c.over.by_relation.items() if k))
        for c in sorted(result.changes, key=lambda c: c.settled_at)
    ]


def test_only_earlier_years_money_means_the_son_pays_cash(demo: Context, clock: FixedClock) -> None:  # noqa: F811
    _two_bills_for_the_son(demo, clock)
    overlay = RuleBook.load([WORKED_RULES, OVERLAYS / "hebei-prior-years-only"])
    result = what_if(demo, overlay, **ALL_TIME)
    assert result.mismatched == 0
    paid = _his_payments(result)
    assert len(paid) == 2
    assert all(base > 0 and over == 0 for base, over in paid)  # he has no 历年 money to share
    for change in result.changes:
        assert change.over.cash_fen == change.base.cash_fen + change.base.mutual_aid_fen
    assert result.patients() == (1, 0)
    [family] = result.families.values()
    shared = sum(base for base, _ in paid)
    assert (family.settlements, family.cash_fen, family.mutual_aid_fen) == (2, shared, -shared)
    assert result.by_relation_type["child"] == (sum(b for b, _ in paid), 0)


def test_a_yearly_share_of_60_percent_bounds_the_year(demo: Context, clock: FixedClock) -> None:  # noqa: F811
    """60 % of his 100.00 as the year began: 60.00 for the year, over both bills."""
    _two_bills_for_the_son(demo, clock)
    overlay = RuleBook.load([WORKED_RULES, OVERLAYS / "hebei-yearly-share-60"])
    result = what_if(demo, overlay, **ALL_TIME)
    assert result.mismatched == 0
    [(first, first_over), (second, second_over)] = _his_payments(result)
    share = 6_000
    assert first_over == min(share, first)
    assert second_over == min(share - first_over, second)
    assert first + second > share  # the share binds: the two bills cost him more than 60.00 in fact


def test_what_he_did_not_pay_for_his_son_pays_his_own_visit_later(demo: Context, clock: FixedClock) -> None:  # noqa: F811
    """Paying less for a relative in March leaves more in April: in fact his son's bills emptied most of his
    account and his own visit took the rest; under the overlay it finds the whole 100.00."""
    _two_bills_for_the_son(demo, clock)
    clock.set(clock.now().replace(hour=17))
    # 30 × 23.80 of a category-B drug: more than his account ever held.
    settle(demo, visit(demo, JIANGUO, SJZ_LEVEL1, MedType.GENERAL_OUTPATIENT, fee("1", LORATADINE, "30", 2_380)))
    overlay = RuleBook.load([WORKED_RULES, OVERLAYS / "hebei-prior-years-only"])
    result = what_if(demo, overlay, **ALL_TIME)
    assert result.mismatched == 0
    for_son = sum(base for base, _ in _his_payments(result)[:2])
    his_visit = max(result.changes, key=lambda c: c.settled_at)
    assert his_visit.base.by_relation.get(None, 0) == 10_000 - for_son  # what the son's bills left him, in fact
    assert his_visit.over.by_relation[None] == 10_000  # the whole account, under the overlay
    assert his_visit.over.cash_fen == his_visit.base.cash_fen - for_son


def test_an_overlay_of_other_regions_changes_nothing_here(ctx: Context) -> None:
    load_demo(ctx)
    result = what_if(ctx, RuleBook.load([OVERLAYS / "siblings-allowed"]), **ALL_TIME)
    assert result.changes == []
    assert result.replayed > 0


def test_a_period_and_regions_choose_what_is_replayed(ctx: Context) -> None:
    load_demo(ctx)
    before = datetime(2000, 1, 1, tzinfo=SHANGHAI)
    assert what_if(ctx, RuleBook.load(), since=before, until=before.replace(year=2001)).replayed == 0
    assert what_if(ctx, RuleBook.load(), regions={"110000"}, **ALL_TIME).replayed == 0
    assert what_if(ctx, RuleBook.load(), regions={"130100"}, **ALL_TIME).replayed > 0


def test_parts_replayed_apart_saved_and_read_back_add_up_to_the_whole(ctx: Context, engine: Engine) -> None:
    """As on three machines: each part saved as its file's JSON and read back; the parts added up are the whole, and
    parts that are not one what-if's every part, each once, are refused."""
    load(engine, HEBEI, people=400, year=2026, seed=6, book=RuleBook.load())
    share = OVERLAYS / "hebei-yearly-share-60"
    overlay = RuleBook.load([share])
    whole = what_if(ctx, overlay, kept=4, **ALL_TIME)
    assert whole.changed > 4

    def header(index: int, count: int = 3, **changed: Any) -> PartHeader:
        fields = {"overlay": share.name, "digest": overlay_digest(share), "regions": None, **ALL_TIME, **changed}
        return PartHeader(**fields, index=index, count=count)

    saved = [
        json.loads(json.dumps(save_part(what_if(ctx, overlay, part=(i, 3), kept=4, **ALL_TIME), header(i))))
        for i in range(3)
    ]
    parts = [load_part(data) for data in saved]
    merged_header, merged = merge_parts(parts)
    assert merged_header == header(0, 1)
    assert (vars(merged.total), merged.by_relation_type) == (vars(whole.total), whole.by_relation_type)
    assert (merged.changed, merged.changes, merged.families) == (whole.changed, whole.changes, whole.families)
    assert (merged.patients(), merged.replayed, merged.mismatched) == (whole.patients(), whole.replayed, 0)

    with pytest.raises(PartsMismatch, match=r"missing \[3\]"):
        merge_parts(parts[:2])
    with pytest.raises(PartsMismatch, match=r"given twice \[1\]"):
        merge_parts([*parts, parts[0]])
    other = (header(2, until=ALL_TIME["until"].replace(year=2050)), parts[2][1])
    with pytest.raises(PartsMismatch, match="another what-if"):
        merge_parts([*parts[:2], other])
    with pytest.raises(PartInvalid):
        load_part({**saved[0], "format": "something else"})
    with pytest.raises(PartInvalid, match="malformed"):
        load_part({**saved[0], "families": [["x"]]})
