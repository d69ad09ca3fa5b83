"""The insured person's writes through the portal, on SQLite and PostgreSQL: bind a relative, the relative (or a
minor's guardian) confirms with face verification, decline, reorder payers, set a quota, end a relation.

Each test makes a family of its own (new people, new ID numbers) on the module's database.
"""

from __future__ import annotations

from datetime import date

from gongji.domain.identity import mask_id_number
from gongji.service.relations import queries
from gongji.service.views import RelationView
from tests.helpers import snapshot
from tests.portal.conftest import Site, new_person


def only_relation(site: Site, authoriser: str, beneficiary: str) -> RelationView:
    """The one open relation from ``authoriser`` to ``beneficiary``."""
    target = queries.family(site.ctx, beneficiary).name
    match = [r for r in queries.family(site.ctx, authoriser).i_pay_for if r.beneficiary == target]
    assert len(match) == 1, match
    return match[0]


def bind(site: Site, who: str, relative: str, relation_type: str, **extra: str) -> None:
    visitor = site.signed_in(who)
    visitor.get("/portal/bind")
    name = queries.family(site.ctx, relative).name
    form = {"relation_type": relation_type, "name": name, "certno": relative, "commitment": "yes", **extra}
    answer = visitor.post("/portal/bind", form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/family?notice=bind.sent"


def confirm(site: Site, who: str, relation_id: int) -> str:
    visitor = site.signed_in(who)
    page = visitor.get(f"/portal/relations/{relation_id}/confirm")
    assert page.status_code == 200, page.text
    token = "portal-face-test" if 'name="face_token"' in page.text else ""
    answer = visitor.post(f"/portal/relations/{relation_id}/confirm", {"face_token": token})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/family?notice=confirm.done"
    return page.text


def test_a_person_binds_a_parent_who_confirms_with_face_verification(site: Site) -> None:
    son = new_person(site.ctx, "周强", date(1978, 3, 1), prior_fen=100_000)
    mother = new_person(site.ctx, "吴兰", date(1952, 6, 1), female=True, employee=False)
    bind(site, son, mother, "parent")
    relation = only_relation(site, son, mother)
    assert relation.state == "requested"
    son_page = site.signed_in(son).get("/portal/family?notice=bind.sent").text
    assert "申请已提交" in son_page
    assert "待确认" in son_page

    mother_visitor = site.signed_in(mother)
    family = mother_visitor.get("/portal/family").text
    assert "待我确认" in family
    assert f"/portal/relations/{relation.id}/confirm" in family
    page = mother_visitor.get(f"/portal/relations/{relation.id}/confirm").text
    assert "人脸识别" in page
    assert "刷脸并确认" in page
    assert "年满 16 周岁的确认人须通过人脸识别" in page
    # a failed face check refuses, with the reason on the page, and changes nothing
    before = snapshot(site.engine)
    failed = mother_visitor.post(f"/portal/relations/{relation.id}/confirm", {"face_token": "fail-blurred"})
    assert failed.status_code == 422
    assert "人脸识别未通过" in failed.text
    assert snapshot(site.engine)["relations"] == before["relations"]
    confirm(site, mother, relation.id)
    assert only_relation(site, son, mother).state == "effective"
    assert "人脸识别" in queries.relation(site.ctx, relation.id).events[-1].note.zh
    # The history page shows gongji's notes in the reader's language.
    history = mother_visitor.get(f"/portal/relations/{relation.id}").text
    assert "本人确认；人脸识别" in history
    english = mother_visitor.get(f"/portal/relations/{relation.id}?lang=en").text
    assert "confirmed by the relative himself; face verified" in english
    assert "本人确认" not in english
    after = site.signed_in(mother).get("/portal/family").text
    assert "待我确认" not in after
    assert "周强" in after[after.index('id="pay-for-me"') :]


def test_a_minors_binding_is_confirmed_by_a_guardian_and_no_one_else(site: Site) -> None:
    father = new_person(site.ctx, "郑伟", date(1982, 1, 1), prior_fen=50_000)
    mother = new_person(site.ctx, "王芳", date(1984, 2, 2), female=True, employee=False)
    child = new_person(site.ctx, "郑小宝", date(2016, 5, 5), employee=False, phone=None)
    stranger = new_person(site.ctx, "陈路人", date(1970, 1, 1))
    bind(site, father, mother, "spouse")
    confirm(site, mother, only_relation(site, father, mother).id)
    bind(site, father, child, "child")
    relation = only_relation(site, father, child)
    # the child himself is under the age of face verification: his guardian confirms
    assert site.signed_in(child).get(f"/portal/relations/{relation.id}/confirm").status_code == 403
    assert site.signed_in(stranger).get(f"/portal/relations/{relation.id}/confirm").status_code == 403
    page = confirm(site, mother, relation.id)
    assert "您作为监护人代为确认" in page
    assert only_relation(site, father, child).state == "effective"
    assert queries.relation(site.ctx, relation.id).confirmed_by == "王芳"


def test_a_relative_may_decline(site: Site) -> None:
    daughter = new_person(site.ctx, "黄静", date(1985, 8, 8), female=True, prior_fen=10_000)
    father = new_person(site.ctx, "黄国庆", date(1955, 10, 1), employee=False)
    bind(site, daughter, father, "parent")
    relation = only_relation(site, daughter, father)
    visitor = site.signed_in(father)
    visitor.get(f"/portal/relations/{relation.id}/confirm")
    answer = visitor.post(f"/portal/relations/{relation.id}/decline", {})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/family?notice=confirm.declined"
    assert queries.relation(site.ctx, relation.id).state == "declined"


def test_binding_needs_the_relatives_right_name_and_a_resubmitted_form_binds_once(site: Site) -> None:
    me = new_person(site.ctx, "林涛", date(1980, 4, 4), prior_fen=10_000)
    brother = new_person(site.ctx, "林海", date(1983, 4, 4), employee=False)
    visitor = site.signed_in(me)
    visitor.get("/portal/bind")
    wrong = visitor.post(
        "/portal/bind", {"relation_type": "sibling", "name": "林山", "certno": brother, "commitment": "yes"}
    )
    assert wrong.status_code == 422
    assert "查无此人，或姓名与身份证号码不符" in wrong.text
    assert brother not in wrong.text
    form = {"relation_type": "sibling", "name": "林海", "certno": brother, "commitment": "yes", "idem": "resubmit-1"}
    assert visitor.post("/portal/bind", form).status_code == 303
    assert visitor.post("/portal/bind", form).status_code == 303  # the same form again replays, binds nothing new
    assert len([r for r in queries.family(site.ctx, me).i_pay_for if r.beneficiary == "林海"]) == 1
    again = visitor.post("/portal/bind", {**form, "idem": "resubmit-2"})
    assert again.status_code == 422
    assert "已有共济关系或待确认的申请" in again.text


def test_a_beneficiary_reorders_her_payers(site: Site) -> None:
    mother = new_person(site.ctx, "刘梅", date(1950, 3, 3), female=True, employee=False)
    first = new_person(site.ctx, "赵一", date(1975, 1, 1), prior_fen=10_000)
    second = new_person(site.ctx, "赵二", date(1978, 1, 1), prior_fen=10_000)
    for child in (first, second):
        bind(site, child, mother, "parent")
        confirm(site, mother, only_relation(site, child, mother).id)
    order = [p.relation.authoriser for p in queries.family(site.ctx, mother).pay_for_me]
    assert order == ["赵一", "赵二"]
    visitor = site.signed_in(mother)
    page = visitor.get("/portal/order").text
    assert "下移" in page
    assert "上移" in page
    wanted = [
        str(only_relation(site, second, mother).id),
        str(only_relation(site, first, mother).id),
    ]
    answer = visitor.request(
        "POST",
        "/portal/order",
        form=[("order", wanted[0]), ("order", wanted[1]), ("csrf_token", visitor.token or "")],
        headers={"HX-Request": "true"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert 'id="payer-order"' in answer.text
    assert "扣款顺序已保存" in answer.text
    assert [p.relation.authoriser for p in queries.family(site.ctx, mother).pay_for_me] == ["赵二", "赵一"]
    # an order that names a relation that is not hers is refused
    assert visitor.post("/portal/order", [("order", "1"), ("order", "2")]).status_code == 403


def test_an_authoriser_sets_and_lifts_a_quota(site: Site) -> None:
    me = new_person(site.ctx, "孙明", date(1979, 9, 9), prior_fen=100_000)
    wife = new_person(site.ctx, "钱红", date(1981, 9, 9), female=True, employee=False)
    bind(site, me, wife, "spouse")
    relation = only_relation(site, me, wife)
    visitor = site.signed_in(me)
    visitor.get(f"/portal/relations/{relation.id}/quota")
    bad = visitor.post(f"/portal/relations/{relation.id}/quota", {"mode": "limit", "amount": "-3"})
    assert bad.status_code == 422
    saved = visitor.post(f"/portal/relations/{relation.id}/quota", {"mode": "limit", "amount": "123.45"})
    assert saved.headers["location"] == "/portal/family?notice=quota.saved"
    assert only_relation(site, me, wife).quota_fen == 12_345
    assert "123.45 元" in visitor.get("/portal/family").text
    visitor.post(f"/portal/relations/{relation.id}/quota", {"mode": "whole"})
    assert only_relation(site, me, wife).quota_fen is None


def test_ending_shows_the_regions_yearly_limit_first_then_ends(site: Site) -> None:
    me = new_person(site.ctx, "冯京", date(1980, 2, 2), prior_fen=100_000, region="110000")
    father = new_person(site.ctx, "冯老", date(1950, 2, 2), employee=False, region="110000")
    bind(site, me, father, "parent", proof="户口簿 110105000123")
    relation = only_relation(site, me, father)
    confirm(site, father, relation.id)
    visitor = site.signed_in(me)
    page = visitor.get(f"/portal/relations/{relation.id}/end").text
    # A first binding is not a change of the family's set (issue 13): none counted yet.
    assert "本年已变更 0 次，北京市每年最多 3 次" in page
    assert "依据：" in page
    english = visitor.get(f"/portal/relations/{relation.id}/end?lang=en").text
    assert "Beijing allows 3 a year" in english
    # Beijing's quota is the authoriser's to set for each relative (the whole balance, or an amount), with its source
    quota_page = visitor.get(f"/portal/relations/{relation.id}/quota?lang=zh").text
    assert 'name="amount"' in quota_page
    assert "m.jiusongjiankang.com/health/news/6250396" in quota_page
    answer = visitor.post(f"/portal/relations/{relation.id}/end", {})
    assert answer.status_code == 303
    state = queries.relation(site.ctx, relation.id).state
    notice = "end.done" if state == "ended" else "end.requested"
    assert answer.headers["location"] == f"/portal/family?notice={notice}"
    assert state in {"ended", "ending"}


def test_a_person_with_no_phone_still_gets_a_code_from_the_demo_sender(site: Site) -> None:
    child = new_person(site.ctx, "无手机", date(2012, 1, 1), employee=False, phone=None)
    visitor = site.signed_in(child)
    assert visitor.get("/portal/family").status_code == 200
    assert site.sender.last_code(mask_id_number(child))
