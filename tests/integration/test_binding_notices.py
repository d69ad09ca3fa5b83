"""Notifications of binding requests: whoever must confirm an online request (the relative, or for a young relative
his guardians) finds it in his inbox, in Chinese and English, with both names and the expiry and nothing more; a
refused request, a counter binding and a replayed request tell nobody anything new."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, select

from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode
from gongji.domain.identity import check_character
from gongji.domain.notices import NoticeKind
from gongji.domain.relations import Channel
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.notices import NoticeView, inbox
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.service.views import RelationView
from gongji.store import wallet_tables
from tests.helpers import DEFU, JIANGUO, XIAOMING, XIUYING, employee, person_id, random_key, refused, resident

WAITING = NoticeKind.BINDING_WAITING.name
PROOF = "户口簿 1301-0001"
FACE = "face-ok"


def _ask(
    ctx: Context,
    authoriser: str,
    beneficiary: str,
    relation_type: RelationType,
    *,
    key: str | None = None,
    channel: Channel = Channel.ONLINE,
    operator: str | None = None,
) -> RelationView:
    """A binding request with a proof reference (enough in every region the tests use)."""
    command = RequestBinding(
        authoriser, beneficiary, relation_type, channel=channel, operator=operator, proof_reference=PROOF
    )
    return request_binding(ctx, command, key=key or random_key())


def _waiting(ctx: Context, certno: str) -> list[NoticeView]:
    """The person's binding notifications, newest first."""
    return [notice for notice in inbox(ctx, person_id(ctx, certno)) if notice.kind == WAITING]


def _due(view: RelationView) -> str:
    assert view.expires_at is not None
    return f"{view.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def _stored_params(engine: Engine) -> list[dict[str, object]]:
    """What every stored notification carries (to see that no ID number is kept with it)."""
    table = wallet_tables.notifications
    with engine.connect() as conn:
        return [json.loads(row) for row in conn.execute(select(table.c.params).order_by(table.c.id)).scalars()]


def _seventeen_year_old(ctx: Context) -> str:
    """张小刚, born 2009-05-01: 17 on the test's day, old enough (16 nationally) to confirm for himself."""
    first17 = "13010220090501001"
    certno = first17 + check_character(first17)
    return resident(ctx, certno, "张小刚")


def test_the_relative_is_told_in_both_languages_with_names_and_the_expiry_only(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    asked = _ask(ctx, JIANGUO, XIUYING, RelationType.SPOUSE)
    [notice] = _waiting(ctx, XIUYING)
    due = _due(asked)
    assert notice.text_zh == f"张建国 申请用其个人账户为您（或您监护的 李秀英）共济，请在 {due} 前确认"
    assert notice.text_en == (
        f"张建国 asks to pay for you (or for 李秀英, whom you act for) from their account; confirm before {due}"
    )
    assert (notice.read, notice.created_at) == (False, asked.requested_at)
    assert _waiting(ctx, JIANGUO) == []  # the authoriser asked; he is not told of his own request
    assert _stored_params(engine) == [{"authoriser": "张建国", "beneficiary": "李秀英", "due": due}]
    for text in (notice.text_zh, notice.text_en):
        assert JIANGUO not in text
        assert XIUYING not in text


def test_a_young_relatives_guardian_is_told_and_not_the_child(ctx: Context) -> None:
    """张建国 asks to pay for his 14-year-old son: his wife (a guardian by her marriage to the father, on record) must
    confirm and is told; the boy, too young to confirm, is not, and neither is the father who asked."""
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明")
    spouse = _ask(ctx, JIANGUO, XIUYING, RelationType.SPOUSE)
    confirm_binding(ctx, ConfirmBinding(spouse.id, XIUYING, FACE), key=random_key())
    son = _ask(ctx, JIANGUO, XIAOMING, RelationType.CHILD)
    latest, first = _waiting(ctx, XIUYING)
    assert "李秀英" in first.text_zh  # her own binding, told before
    assert latest.text_zh == f"张建国 申请用其个人账户为您（或您监护的 张小明）共济，请在 {_due(son)} 前确认"
    assert _waiting(ctx, XIAOMING) == []
    assert _waiting(ctx, JIANGUO) == []


def test_a_grandfathers_request_goes_to_the_boys_parent(ctx: Context) -> None:
    """The grandfather asks for his grandson: the boy's father, his parent by the family's relations, is told."""
    employee(ctx, prior_fen=500_000)
    employee(ctx, DEFU, "张德福")
    resident(ctx, XIAOMING, "张小明")
    father = _ask(ctx, JIANGUO, XIAOMING, RelationType.CHILD)
    assert _waiting(ctx, JIANGUO) == []  # the father may confirm his own request: nobody else to tell
    confirm_binding(ctx, ConfirmBinding(father.id, JIANGUO, FACE), key=random_key())
    grandson = _ask(ctx, DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD)
    [notice] = _waiting(ctx, JIANGUO)
    assert notice.text_en.startswith("张德福 asks to pay for you (or for 张小明, whom you act for)")
    assert notice.text_en.endswith(f"confirm before {_due(grandson)}")
    assert _waiting(ctx, XIAOMING) == []
    assert _waiting(ctx, DEFU) == []


def test_a_relative_old_enough_to_confirm_is_told_himself(ctx: Context) -> None:
    employee(ctx, DEFU, "张德福", prior_fen=100_000)
    grandson = _seventeen_year_old(ctx)
    _ask(ctx, DEFU, grandson, RelationType.PATERNAL_GRANDCHILD)
    [notice] = _waiting(ctx, grandson)
    assert notice.text_zh.startswith("张德福 申请用其个人账户为您")


@pytest.mark.parametrize(
    ("code", "authoriser", "beneficiary"),
    [(ErrorCode.SELF_RELATION, JIANGUO, JIANGUO), (ErrorCode.AUTHORISER_NOT_ELIGIBLE, XIUYING, JIANGUO)],
    ids=["self", "a-resident-cannot-authorise"],
)
def test_a_refused_request_tells_nobody(
    ctx: Context, engine: Engine, code: ErrorCode, authoriser: str, beneficiary: str
) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    refused(engine, code, lambda: _ask(ctx, authoriser, beneficiary, RelationType.SPOUSE))  # no row of any kind
    assert _waiting(ctx, JIANGUO) == _waiting(ctx, XIUYING) == []
    assert _stored_params(engine) == []


def test_a_replayed_request_tells_once(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    first = _ask(ctx, JIANGUO, XIUYING, RelationType.SPOUSE, key="ask-once")
    again = _ask(ctx, JIANGUO, XIUYING, RelationType.SPOUSE, key="ask-once")
    assert again.id == first.id
    assert len(_waiting(ctx, XIUYING)) == 1
    assert len(_stored_params(engine)) == 1


def test_a_counter_binding_waits_for_nobody_and_tells_nobody(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    bound = _ask(ctx, JIANGUO, XIUYING, RelationType.SPOUSE, channel=Channel.COUNTER, operator="窗口王芳")
    assert bound.state == "effective"
    assert _stored_params(engine) == []


def test_the_expiry_told_is_the_requests_own(ctx: Context) -> None:
    """The date told is when the request expires (seven days in Shijiazhuang), at the minute it was made."""
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    asked = _ask(ctx, JIANGUO, XIUYING, RelationType.SPOUSE)
    assert _due(asked) == "2026-11-29 10:00"
    assert asked.requested_at.date() == date(2026, 11, 22)
    assert _waiting(ctx, XIUYING)[0].text_en.endswith("confirm before 2026-11-29 10:00")
