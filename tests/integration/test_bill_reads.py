"""A settlement's first reads (``uow.bills``): the opening finds the patient, her relations and the visit's
institution through the 就诊ID alone, and on PostgreSQL draws the settlement's id so that its rows are written without
waiting for an answer; the bill's read brings the catalogue items of the visit's lines."""

from __future__ import annotations

from sqlalchemy import Engine, select

from gongji.domain.codes import MedType, RelationType
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.context import Context
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
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
from tests.helpers import JIANGUO, XIAOMING, employee, person_id, resident

LORATADINE = "XR06AXL001A001010100009"
NOT_IN_CATALOGUE = "XZZZZZZ999Z999999999999"
PHARMACY = "P13010200001"


def _family_with_a_visit(ctx: Context) -> str:
    """张建国 supports his son 张小明, whose pharmacy visit has two lines (one of them not in the catalogue)."""
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    employee(ctx, JIANGUO, "张建国", prior_fen=50_000)
    resident(ctx, XIAOMING, "张小明")
    asked = request_binding(ctx, RequestBinding(JIANGUO, XIAOMING, RelationType.CHILD, commitment=True), key="b")
    confirm_binding(ctx, ConfirmBinding(asked.id, JIANGUO, "ok"), key="c")
    visit = open_visit(ctx, OpenVisit(XIAOMING, PHARMACY, MedType.PHARMACY_PURCHASE), key="v")
    lines = (FeeInput("1", LORATADINE, "2", 2_380), FeeInput("2", NOT_IN_CATALOGUE, "1", 500))
    upload_fees(ctx, UploadFees(visit.mdtrt_id, lines), key="f")
    return visit.mdtrt_id


def test_the_opening_reads_patient_relations_and_institution_through_the_visit(ctx: Context, engine: Engine) -> None:
    mdtrt_id = _family_with_a_visit(ctx)
    postgres = engine.dialect.name == "postgresql"

    opening = ctx.read(lambda uow: uow.bills.opening(mdtrt_id, lock=False, reserve_id=True))

    assert opening is not None
    assert opening.visit.mdtrt_id == mdtrt_id
    assert opening.patient.id == person_id(ctx, XIAOMING) == opening.visit.person_id
    assert [(r.authoriser_id, r.beneficiary_id) for r in opening.relations] == [
        (person_id(ctx, JIANGUO), person_id(ctx, XIAOMING))
    ]
    assert opening.institution is not None
    assert opening.institution.fixmedins_code == PHARMACY
    # Drawn from the settlements' sequence where there is one; SQLite numbers the row when it is written.
    assert (opening.settlement_id is not None) is postgres
    assert ctx.read(lambda uow: uow.bills.opening("no-such-visit", lock=True, reserve_id=True)) is None


def test_the_bill_brings_the_catalogue_items_of_its_lines_and_skips_an_institution_read_already(ctx: Context) -> None:
    mdtrt_id = _family_with_a_visit(ctx)
    opening = ctx.read(lambda uow: uow.bills.opening(mdtrt_id, lock=False, reserve_id=False))
    assert opening is not None
    visit = opening.visit

    again = ctx.read(lambda uow: uow.bills.read(visit.id, None, visit.person_id, wallet=False, lock=False))
    full = ctx.read(
        lambda uow: uow.bills.read(visit.id, visit.institution_id, visit.person_id, wallet=True, lock=False)
    )

    assert sorted(line.item_code for line in again.lines) == sorted([LORATADINE, NOT_IN_CATALOGUE])
    assert set(again.items) == {LORATADINE}  # the code the catalogue lacks is absent, not guessed
    assert again.items[LORATADINE].code == LORATADINE
    assert again.institution is None
    assert full.institution is not None
    assert full.institution.id == visit.institution_id


def test_a_settlement_written_under_its_reserved_id_holds_its_payers_and_lines(ctx: Context, engine: Engine) -> None:
    mdtrt_id = _family_with_a_visit(ctx)

    settled = commit_settlement(ctx, Settle(mdtrt_id), key="s")

    with engine.connect() as conn:
        settlement = conn.execute(select(t.settlements.c.id).where(t.settlements.c.setl_id == settled.setl_id)).one()
        payers = conn.execute(select(t.settlement_payers.c.settlement_id)).scalars().all()
        lines = conn.execute(select(t.fee_lines.c.settlement_id)).scalars().all()
    assert payers
    assert set(payers) == {settlement.id}
    assert lines == [settlement.id, settlement.id]
