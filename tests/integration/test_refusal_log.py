"""The refusals log: a refused write is logged once, with its operation, code, channel, person and region; a write
that succeeds, and a refusal answered again for a retried request, log nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, select

from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import ErrorCode, GongjiError
from gongji.service.context import Context
from gongji.service.demo import load_demo
from gongji.service.refusal_log import Channel, on_channel
from gongji.service.relations.lifecycle import RequestBinding, request_binding
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from gongji.store.refusal_tables import refusals
from tests.helpers import JIANGUO, XIUYING, employee, person_id, random_key

CHANGCHUN_HOSPITAL = "H22010200001"


def _logged(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(refusals).order_by(refusals.c.id)).mappings()]


def _other_relative(ctx: Context, key: str) -> GongjiError:
    with pytest.raises(GongjiError) as caught:
        request_binding(ctx, RequestBinding(JIANGUO, XIUYING, RelationType.OTHER_RELATIVE), key=key)
    return caught.value


def test_a_refused_write_is_logged_once_with_whom_and_where(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    employee(ctx, XIUYING, "李秀英")
    assert _logged(engine) == []  # the successful writes logged nothing

    refusal = _other_relative(ctx, "bind-1")
    again = _other_relative(ctx, "bind-1")  # a retry is answered from its key, not refused again
    assert again.code is refusal.code

    [entry] = _logged(engine)
    assert entry["operation"] == "relation.request"
    assert entry["code"] == refusal.code.name
    assert entry["kind"] == refusal.code.kind.value
    assert entry["channel"] == "internal"
    assert entry["person_id"] == person_id(ctx, JIANGUO)
    assert entry["region"] == "130100"
    assert entry["at"] == ctx.clock.now()


def test_a_refusal_before_anyone_is_known_has_neither_person_nor_region(ctx: Context, engine: Engine) -> None:
    with on_channel(Channel.FSI), pytest.raises(GongjiError) as caught:
        request_binding(ctx, RequestBinding("110101199001011237", XIUYING, RelationType.SPOUSE), key=random_key())
    assert caught.value.code is ErrorCode.PERSON_NOT_FOUND
    [entry] = _logged(engine)
    assert (entry["code"], entry["channel"], entry["person_id"], entry["region"]) == (
        "PERSON_NOT_FOUND",
        "fsi",
        None,
        None,
    )


def test_a_refused_settlement_in_a_group_commit_counts_in_the_patients_region(ctx: Context, engine: Engine) -> None:
    """A Shijiazhuang employee treated in Changchun (异地就医): the refusal counts in Shijiazhuang, whose insured
    person met it and whose rules settle the visit; the settlement goes through the group committer."""
    ctx = replace(ctx, group_commit=True)
    load_demo(ctx)
    before = len(_logged(engine))
    visit = open_visit(ctx, OpenVisit(JIANGUO, CHANGCHUN_HOSPITAL, MedType.GENERAL_OUTPATIENT), key=random_key())
    upload_fees(ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", "001102000010000", "1", 1_000),)), key=random_key())
    commit_settlement(ctx, Settle(visit.mdtrt_id), key=random_key())
    assert len(_logged(engine)) == before
    with pytest.raises(GongjiError) as settled_already:
        commit_settlement(ctx, Settle(visit.mdtrt_id), key=random_key())
    [entry] = _logged(engine)[before:]
    assert (entry["operation"], entry["code"]) == ("settle.commit", settled_already.value.code.name)
    assert entry["person_id"] == person_id(ctx, JIANGUO)
    assert entry["region"] == "130100"
