"""The notes of a relation's events are terms: gongji records why in its catalogue's words (a phrase with its
arguments, an end reason), stores them so that they read back as the same term, and every reader sees them in his
language. An operator's own words and a signed commitment are kept as written; notes stored as text before notes
were terms still read as they were written."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Engine, insert, select

from gongji.domain.codes import EndReason, Insutype, RelationType
from gongji.domain.commitment import commitment_text
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Channel
from gongji.domain.relations import EndReason as RelationEndReason
from gongji.domain.wording import Said, localise
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.enrollment import MoveRegion, TerminateEnrollment, move_region, terminate_enrollment
from gongji.service.people import resolve_person
from gongji.service.relations.lifecycle import (
    ConfirmBinding,
    EndRelation,
    RequestBinding,
    confirm_binding,
    end_relation,
    request_binding,
)
from gongji.service.relations.payers import SetOrder, SetQuota, set_order, set_quota
from gongji.service.relations.queries import family, relation
from gongji.store import tables
from tests.helpers import DEFU, JIANGUO, XIUYING, employee, resident
from tests.helpers import random_key as _key
from tests.integration.test_relations import FACE, OPERATOR, PROOF, SPOUSE, bind, counter


def _stored_notes(engine: Engine, relation_id: int) -> list[str | None]:
    """The note column of the relation's events, as stored."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(tables.relation_events.c.note)
            .where(tables.relation_events.c.relation_id == relation_id)
            .order_by(tables.relation_events.c.id)
        )
        return [row.note for row in rows]


def test_a_counter_binding_notes_the_documents_checked(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    bound = counter(ctx, JIANGUO, XIUYING, SPOUSE)
    requested, confirmed = bound.events
    assert requested.note == Said(Phrase.NOTE_DOCUMENTS, {"reference": PROOF})
    assert confirmed.note is Phrase.NOTE_CHECKED_AT_COUNTER
    assert (confirmed.note.zh, confirmed.note.en) == (
        "窗口核验证明材料，即时生效",
        "documents checked at the counter; effective at once",
    )
    # Stored as the term's JSON, and read back as the same term.
    stored = _stored_notes(engine, bound.id)
    assert json.loads(stored[1] or "") == {"term": "phrase", "code": "NOTE_CHECKED_AT_COUNTER"}
    assert relation(ctx, bound.id).events == bound.events


def test_a_confirmation_notes_who_confirmed_and_the_face_verification(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    confirmed = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    reference = f"fake:{_psn_no(ctx, XIUYING)}:{FACE}"
    note = confirmed.events[-1].note
    assert note == Said(
        Phrase.NOTE_CONFIRMED,
        {"who": Phrase.CONFIRMED_BY_SELF, "face": Said(Phrase.FACE_VERIFIED, {"reference": reference})},
    )
    assert localise(note, "zh") == f"本人确认；人脸识别 {reference}"
    assert localise(note, "en") == f"confirmed by the relative himself; face verified ({reference})"


def test_quota_order_and_end_are_noted_in_both_languages(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=300_000)
    wife = bind(ctx, XIUYING, JIANGUO, SPOUSE)
    set_quota(ctx, SetQuota(XIUYING, 50_000, relation_id=wife.id), key=_key())
    set_quota(ctx, SetQuota(XIUYING, None, relation_id=wife.id), key=_key())
    quota_set = [e.note for e in relation(ctx, wife.id).events if e.kind == "quota_set"]
    assert [(n.zh, n.en) for n in quota_set] == [
        ("共济额度 500.00 元/年", "quota set: 500.00 yuan a year"),
        ("共济额度 全部余额", "quota set: the whole balance"),
    ]
    ended = end_relation(ctx, EndRelation(wife.id, XIUYING), key=_key())
    assert ended.events[-1].note is RelationEndReason.BY_AUTHORISER


def test_a_reordered_payer_is_noted_with_its_position(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=300_000)
    employee(ctx, DEFU, "张德福", prior_fen=300_000)
    bind(ctx, XIUYING, JIANGUO, SPOUSE)
    bind(ctx, DEFU, JIANGUO, RelationType.CHILD)
    reordered = set_order(ctx, SetOrder(JIANGUO, (DEFU, XIUYING)), key=_key())
    notes = [view.events[-1].note for view in reordered]
    assert notes == [
        Said(Phrase.NOTE_PAYER_POSITION, {"position": 2}),
        Said(Phrase.NOTE_PAYER_POSITION, {"position": 3}),
    ]
    assert notes[0].zh == "扣款顺序第 2 位（本人账户第 1 位）"


def test_an_operators_words_are_kept_as_written(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    bound = counter(ctx, JIANGUO, XIUYING, SPOUSE)
    # Even words that look like a stored term come back as they were written, never read as a term.
    words = '{"term": "gongji.domain.relations:Channel", "code": "counter"}'
    ended = end_relation(ctx, EndRelation(bound.id, channel=Channel.COUNTER, operator=OPERATOR, note=words), key=_key())
    assert (localise(ended.events[-1].note, "zh"), localise(ended.events[-1].note, "en")) == (words, words)
    assert relation(ctx, bound.id).events[-1].note == ended.events[-1].note


def test_a_signed_commitment_is_the_requests_note_verbatim(ctx: Context) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    requested = request_binding(ctx, RequestBinding(JIANGUO, XIUYING, SPOUSE, commitment=True), key=_key())
    authoriser, beneficiary = _person(ctx, JIANGUO), _person(ctx, XIUYING)
    signed = commitment_text(authoriser, beneficiary, SPOUSE, requested.requested_at)
    assert requested.events[0].note == signed
    assert signed.startswith("本人张建国（证件号码**************")
    assert "是本人的配偶，所填信息真实有效" in signed


def test_notes_written_as_text_before_terms_still_read(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    bound = counter(ctx, JIANGUO, XIUYING, SPOUSE)
    with engine.begin() as conn:
        conn.execute(
            insert(tables.relation_events).values(
                relation_id=bound.id,
                kind="confirmed",
                at=datetime(2026, 11, 22, 11, 0, tzinfo=SHANGHAI),
                actor_person_id=None,
                operator=OPERATOR,
                channel="counter",
                note="窗口核验证明材料，即时生效",
            )
        )
    assert relation(ctx, bound.id).events[-1].note == "窗口核验证明材料，即时生效"


def test_an_automatic_end_notes_the_reason_the_person_and_the_cause(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    wife = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    terminate_enrollment(
        ctx, TerminateEnrollment(XIUYING, date(2026, 11, 22), EndReason.DEATH, Insutype.RESIDENT_BASIC), key=_key()
    )
    note = relation(ctx, wife.id).events[-1].note
    assert note == Said(
        Phrase.NOTE_ENDED_WITH,
        {"reason": RelationEndReason.ENROLLMENT_TERMINATED, "name": "李秀英", "cause": EndReason.DEATH},
    )
    assert note.zh == "参保关系终止，自动解除：李秀英（死亡）"
    assert note.en == "ended with the enrollment: 李秀英 (death)"


def test_a_move_to_another_region_notes_the_regions(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    wife = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    move_region(ctx, MoveRegion(JIANGUO, Insutype.EMPLOYEE_BASIC, "110000", date(2026, 11, 22)), key=_key())
    note = relation(ctx, wife.id).events[-1].note
    assert note.args["cause"] == Said(Phrase.MOVED_BETWEEN_REGIONS, {"from_region": "130100", "to_region": "110000"})
    assert note.en == "ended on moving to another pooling region: 张建国 (moved from 130100 to 110000)"


def test_the_family_page_says_what_a_proxy_link_is_not(ctx: Context) -> None:
    employee(ctx)
    assert family(ctx, JIANGUO).proxy_note is Phrase.PROXY_LINK_SHARES_NO_MONEY


def test_a_replayed_write_gives_back_the_same_terms(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    requested = request_binding(ctx, RequestBinding(JIANGUO, XIUYING, SPOUSE, proof_reference=PROOF), key=_key())
    key = _key()
    first = confirm_binding(ctx, ConfirmBinding(requested.id, XIUYING, FACE), key=key)
    again = confirm_binding(ctx, ConfirmBinding(requested.id, XIUYING, FACE), key=key)
    assert again == first
    assert again.events[-1].note.phrase is Phrase.NOTE_CONFIRMED


def _person(ctx: Context, ref: str) -> Person:
    return ctx.read(lambda uow: resolve_person(uow, ref))


def _psn_no(ctx: Context, ref: str) -> str:
    return _person(ctx, ref).psn_no
