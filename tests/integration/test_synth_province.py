"""A synthetic province in the database: written only into an empty one, its audit clean, its rows the rows the use
cases write for the same people and binding steps, and usable by them (a synthetic child's bill paid by her parent)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select

from gongji.domain.codes import Insutype, MedType, PsnType, RelationType
from gongji.rules.book import RuleBook
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person
from gongji.service.relations.lifecycle import (
    ConfirmBinding,
    EndRelation,
    RequestBinding,
    confirm_binding,
    end_relation,
    request_binding,
)
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from gongji.store import tables as t
from gongji.store.credential_tables import social_security_cards
from gongji.store.wallet_tables import notifications
from gongji.synth.bindings import FACE_TOKEN
from gongji.synth.figures import HEBEI
from gongji.synth.province import NotEmpty, load
from gongji.synth.rows import REFERENCE
from tests.helpers import JIANGUO

SMALL = 1_500


def _load(engine: Engine, people: int = SMALL, seed: int = 11) -> Any:
    return load(engine, HEBEI, people=people, year=2026, seed=seed, book=RuleBook.load())


def test_a_province_is_written_with_a_clean_audit_and_as_the_report_says(ctx: Context, engine: Engine) -> None:
    report = _load(engine)

    assert audit(ctx).clean
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.people)).scalar_one() == SMALL == report.people
        states = Counter(
            dict(conn.execute(select(t.relations.c.status, func.count()).group_by(t.relations.c.status)).all())
        )
        authorisers = (
            conn.execute(
                select(t.enrollments.c.insutype)
                .join(t.relations, t.relations.c.authoriser_id == t.enrollments.c.person_id)
                .distinct()
            )
            .scalars()
            .all()
        )
    assert states == report.relations
    assert states["active"] > 0
    assert set(authorisers) == {Insutype.EMPLOYEE_BASIC.value}  # only employees have an account to share
    assert report.refusals  # some requests meet the rules' refusals (a relation a region does not bind, say)


def test_a_database_that_holds_people_is_refused_and_left_as_it_was(ctx: Context, engine: Engine) -> None:
    register_person(ctx, RegisterPerson(JIANGUO, "张建国"), key="p")

    with pytest.raises(NotEmpty) as refused:
        _load(engine)

    assert refused.value.table == "people"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.people)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(t.accounts)).scalar_one() == 0


# --- the same province through the use cases ---------------------------------------------------------------------


def _replay(ctx: Context, clock: FixedClock, source: Connection) -> None:
    """Register, enroll and credit every person of ``source``, then make every binding step its relation events
    record, each at its moment, through the use cases."""
    people = source.execute(
        select(t.people, t.enrollments.c.insutype, t.enrollments.c.psn_type, t.enrollments.c.pooling_region)
        .join(t.enrollments, t.enrollments.c.person_id == t.people.c.id)
        .order_by(t.people.c.id)
    ).all()
    credits = dict(
        source.execute(
            select(t.journals.c.person_id, t.transfers.c.amount_fen).join(
                t.transfers, t.transfers.c.journal_id == t.journals.c.id
            )
        ).all()
    )
    certno = {p.id: p.certno for p in people}
    for p in people:
        clock.set(p.registered_at)
        register_person(ctx, RegisterPerson(p.certno, p.name), key=f"r{p.id}")
        since = p.registered_at.date()
        enroll(
            ctx, Enroll(p.certno, Insutype(p.insutype), PsnType(p.psn_type), p.pooling_region, since), key=f"e{p.id}"
        )
        if p.id in credits:
            credit = CreditAccount(p.certno, credits[p.id], REFERENCE, Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE)
            credit_account(ctx, credit, key=f"c{p.id}")
    steps = source.execute(
        select(
            t.relation_events, t.relations.c.authoriser_id, t.relations.c.beneficiary_id, t.relations.c.relation_type
        )
        .join(t.relations, t.relations.c.id == t.relation_events.c.relation_id)
        .order_by(t.relation_events.c.at, t.relation_events.c.id)
    ).all()
    replayed: dict[int, int] = {}
    for step in steps:
        clock.set(step.at)
        key = f"s{step.id}"
        if step.kind == "requested":
            asked = RequestBinding(
                certno[step.authoriser_id],
                certno[step.beneficiary_id],
                RelationType(step.relation_type),
                commitment=True,
            )
            replayed[step.relation_id] = request_binding(ctx, asked, key=key).id
        elif step.kind == "confirmed":
            confirm = ConfirmBinding(replayed[step.relation_id], certno[step.actor_person_id], FACE_TOKEN)
            confirm_binding(ctx, confirm, key=key)
        elif step.kind == "ended":
            end_relation(ctx, EndRelation(replayed[step.relation_id], by=certno[step.authoriser_id]), key=key)
        else:
            assert step.kind == "expired"  # stored by the next request of either side, as the replay's request does


def _rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every table the province writes, with ids replaced by what they stand for (the two loads number rows
    differently: the synthetic one gives each person a range) and the cards' random numbers left out."""
    codes = dict(conn.execute(select(t.accounts.c.id, t.accounts.c.code)).all())
    journal_owner = dict(conn.execute(select(t.journals.c.id, t.journals.c.person_id)).all())
    relation_key = {
        row.id: (row.authoriser_id, row.beneficiary_id, row.requested_at)
        for row in conn.execute(select(t.relations)).all()
    }

    def rows(
        table: Any, drop: tuple[str, ...] = ("id",), mapped: dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        found = []
        for row in conn.execute(select(table)).mappings():
            values = {k: v for k, v in row.items() if k not in drop}
            for column, mapping in (mapped or {}).items():
                values[column] = mapping.get(values[column], values[column])
            found.append(tuple(sorted(values.items(), key=lambda item: item[0])))
        return sorted(found, key=repr)

    return {
        "people": rows(t.people, drop=()),
        "enrollments": rows(t.enrollments, drop=()),
        "enrollment_events": rows(t.enrollment_events),
        "cards": rows(social_security_cards, drop=("id", "card_no", "card_sn")),
        "accounts": rows(t.accounts),
        "journals": rows(t.journals),
        "transfers": rows(
            t.transfers,
            mapped={"journal_id": journal_owner, "debit_account_id": codes, "credit_account_id": codes},
        ),
        "relations": rows(t.relations),
        "relation_events": rows(t.relation_events, mapped={"relation_id": relation_key}),
        "notifications": rows(notifications),
    }


def test_the_rows_are_those_the_use_cases_write_for_the_same_steps(engine: Engine, backend: str, tmp_path: Any) -> None:
    if backend != "sqlite":
        pytest.skip("the replay compares two databases; one backend shows what the rows are")
    from gongji.bootstrap import build_context
    from gongji.store.engine import make_engine
    from gongji.store.migrate import upgrade

    _load(engine, people=400, seed=5)
    replay = make_engine(f"sqlite:///{tmp_path / 'replay.db'}")
    upgrade(replay)
    clock = FixedClock(datetime(2021, 9, 30, 9, tzinfo=SHANGHAI))
    with engine.connect() as source:
        _replay(build_context(engine=replay, clock=clock), clock, source)

    with engine.connect() as bulk, replay.connect() as slow:
        written, expected = _rows(bulk), _rows(slow)
    replay.dispose()
    kinds = {value for row in written["relation_events"] for name, value in row if name == "kind"}
    assert kinds == {"requested", "confirmed", "expired", "ended"}  # every step the synthetic year takes
    for table in expected:
        assert written[table] == expected[table], table


def test_a_synthetic_childs_bill_is_paid_by_her_parent(ctx: Context, engine: Engine, clock: FixedClock) -> None:
    _load(engine)
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    clock.set(datetime(2026, 12, 31, 20, tzinfo=SHANGHAI))
    with engine.connect() as conn:
        child = conn.execute(
            select(t.people.c.certno, t.relations.c.authoriser_id, t.relations.c.relation_type)
            .join(t.relations, t.relations.c.beneficiary_id == t.people.c.id)
            .where(
                t.relations.c.status == "active",
                t.relations.c.relation_type == RelationType.CHILD.value,
                t.relations.c.order_position == 1,
                t.relations.c.beneficiary_region == "130100",
                t.relations.c.region == "130100",
            )
            .order_by(t.people.c.id)
        ).first()
    assert child is not None
    visit = open_visit(ctx, OpenVisit(child.certno, "P13010200001", MedType.PHARMACY_PURCHASE), key="v")
    upload_fees(ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", "XR06AXL001A001010100009", "1", 1_190),)), key="f")

    settled = commit_settlement(ctx, Settle(visit.mdtrt_id), key="s")

    with engine.connect() as conn:
        parent = conn.execute(select(t.people.c.psn_no).where(t.people.c.id == child.authoriser_id)).scalar_one()
    paid = [payer for payer in settled.payers if payer.amount_fen > 0]
    assert [payer.payer_psn_no for payer in paid] == [parent]
    assert paid[0].relation == RelationType.CHILD.value
    assert audit(ctx).clean
