"""The portal over HTTP on SQLite and PostgreSQL, reading the demo family: sign-in with one-time codes, sessions,
CSRF, a person seeing only his own family, the language switch, and every person page rendering.

These tests write nothing but sign-ins (and refused writes, which must change nothing), so they share the module's
database.
"""

from __future__ import annotations

import re

import pytest

from gongji.api.portal.middleware import SECURITY_HEADERS
from gongji.domain.errors import InvalidInput
from gongji.domain.identity import ResidentId, mask_id_number
from gongji.domain.money import format_yuan
from gongji.service import household
from gongji.service.demo import DEMO_FAMILY, GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI
from gongji.service.household_identity import sign_in_identity
from gongji.service.relations import queries
from tests.helpers import snapshot
from tests.portal.conftest import Site

#: Every demo ID number: none may appear whole on any page.
ID_NUMBERS = [m.certno for m in DEMO_FAMILY]


def person_id(site: Site, certno: str) -> int:
    identity = sign_in_identity(site.ctx, certno)
    assert identity is not None
    return identity.person_id


def a_settlement_of(site: Site, certno: str) -> str:
    found = household.records(site.ctx, certno, 2026).settlements
    assert found
    return found[0].setl_id


def is_id_number(text: str) -> bool:
    try:
        ResidentId.parse(text)
    except InvalidInput:
        return False
    return True


def assert_no_whole_id_number(html: str) -> None:
    """No demo ID number, and nothing else that reads as a valid ID number (settlement numbers have 18 digits too,
    but no birth date and no right check character)."""
    for number in ID_NUMBERS:
        assert number not in html
    candidates = re.findall(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])", html)
    assert not [c for c in candidates if is_id_number(c)]


# --- signing in -----------------------------------------------------------------------------------------------------


def test_a_person_signs_in_with_a_one_time_code_and_sees_his_family(site: Site) -> None:
    visitor = site.visitor()
    page = visitor.get("/portal/family")
    assert page.status_code == 303
    assert page.headers["location"] == "/portal/sign-in?next=/portal/family"
    done = visitor.sign_in(JIANGUO)
    cookie = done.headers["set-cookie"]
    assert "gongji_portal=v1." in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/portal" in cookie
    assert "Secure" not in cookie  # served over http here; over https the cookie is Secure
    family = visitor.get("/portal/family")
    assert family.status_code == 200
    assert '<html lang="zh-CN">' in family.text
    assert "张建国" in family.text
    assert mask_id_number(JIANGUO) in family.text
    assert_no_whole_id_number(family.text)


def test_a_session_cookie_is_secure_over_https(site: Site) -> None:
    visitor = site.visitor()
    page = visitor.get("https://gongji.test/portal/sign-in")
    assert "Secure" in page.headers["set-cookie"]


def test_a_wrong_code_is_refused_and_repeated_failures_must_wait(site: Site) -> None:
    visitor = site.visitor(client_host="10.0.0.7")
    visitor.get("/portal/sign-in")
    assert visitor.post("/portal/sign-in", {"certno": XIUYING}).status_code == 303
    right = site.sender.last_code(mask_id_number(XIUYING))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    visitor.get("/portal/sign-in/code")
    answers = [visitor.post("/portal/sign-in/code", {"code": wrong}) for _ in range(4)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert "验证码不正确或已过期" in answers[0].text
    # past the free failures, even the right code must wait (the challenge was spent too after 5 tries)
    throttled = visitor.post("/portal/sign-in/code", {"code": right})
    assert throttled.status_code == 429
    assert "尝试次数过多" in throttled.text
    # a new code for the number is refused while the number must wait
    visitor.get("/portal/sign-in")
    again = visitor.post("/portal/sign-in", {"certno": XIUYING})
    assert again.status_code == 429
    site.portal.throttle.succeeded(site.portal.codes.number_key(XIUYING))  # other tests sign her in


def test_an_unknown_number_is_answered_like_a_known_one(site: Site) -> None:
    visitor = site.visitor()
    visitor.get("/portal/sign-in")
    sent_before = sum(len(v) for v in site.sender.sent.values())
    asked = visitor.post("/portal/sign-in", {"certno": "130102199001011237"})
    assert asked.status_code == 303
    assert asked.headers["location"].startswith("/portal/sign-in/code")
    assert sum(len(v) for v in site.sender.sent.values()) == sent_before
    assert visitor.post("/portal/sign-in/code", {"code": "123456"}).status_code == 400


def test_a_malformed_id_number_is_refused_on_the_page(site: Site) -> None:
    visitor = site.visitor()
    visitor.get("/portal/sign-in")
    refused = visitor.post("/portal/sign-in", {"certno": "130102197503150018"})  # wrong check character
    assert refused.status_code == 400
    assert "身份证号码格式不正确" in refused.text
    assert "130102197503150018" not in refused.text


def test_signing_out_ends_the_session_for_good(site: Site) -> None:
    visitor = site.signed_in(GUILAN)
    cookie = visitor.client.cookies.get("gongji_portal")
    out = visitor.post("/portal/sign-out", {})
    assert out.status_code == 303
    assert out.headers["location"] == "/portal/sign-in?notice=signed_out"
    replay = site.visitor()
    assert cookie is not None
    replay.client.cookies.set("gongji_portal", cookie, domain="gongji.test", path="/portal")
    assert replay.get("/portal/family").status_code == 303


# --- CSRF -----------------------------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    visitor = site.signed_in(JIANGUO)
    before = snapshot(site.engine)
    form = {"relation_type": "parent", "name": "赵桂兰", "certno": GUILAN, "commitment": "yes"}
    refused = visitor.post("/portal/bind", form, csrf=False)
    assert refused.status_code == 403
    assert "表单已失效" in refused.text
    forged = visitor.post("/portal/bind", [*form.items(), ("csrf_token", "forged")], csrf=False)
    assert forged.status_code == 403
    cross_site = visitor.request(
        "POST",
        "/portal/bind",
        form=[*form.items(), ("csrf_token", visitor.token or "")],
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    anonymous = site.visitor()
    assert anonymous.post("/portal/sign-in", {"certno": JIANGUO}, csrf=False).status_code == 403
    assert snapshot(site.engine) == before


def test_a_csrf_token_of_another_session_does_not_pass(site: Site) -> None:
    mine = site.signed_in(JIANGUO)
    other = site.signed_in(XIUYING)
    assert other.token
    assert mine.token
    assert other.token != mine.token
    refused = mine.post("/portal/sign-out", [("csrf_token", other.token)], csrf=False)
    assert refused.status_code == 403


# --- a person sees only his own family ------------------------------------------------------------------------------


def test_another_familys_pages_are_refused(site: Site) -> None:
    jianguo = queries.family(site.ctx, JIANGUO)
    spouse = jianguo.i_pay_for[0].id
    grandson = next(
        p.relation.id for p in queries.family(site.ctx, XIAOMING).pay_for_me if p.relation.authoriser == "张德福"
    )
    setl_id = a_settlement_of(site, JIANGUO)
    sister = site.signed_in(ZHANGLI)  # 张丽 in Beijing: bound to nobody
    for path in (
        f"/portal/relations/{spouse}",
        f"/portal/relations/{spouse}/end",
        f"/portal/relations/{spouse}/quota",
        f"/portal/relations/{spouse}/confirm",
        f"/portal/settlements/{setl_id}",
        f"/portal/why?relative={person_id(site, JIANGUO)}",
        "/portal/relations/999999",
        "/portal/settlements/999999999",
    ):
        page = sister.get(path)
        assert page.status_code == 403, path
        assert "无权查看" in page.text
    before = snapshot(site.engine)
    assert sister.post(f"/portal/relations/{spouse}/end", {}).status_code == 403
    assert sister.post(f"/portal/relations/{spouse}/quota", {"mode": "whole"}).status_code == 403
    assert snapshot(site.engine) == before
    # inside the family too: 张建国 is not a side of 张德福's relation to his grandson
    father = site.signed_in(JIANGUO)
    assert father.get(f"/portal/relations/{grandson}").status_code == 403
    # and the beneficiary may not set the quota of the relation that pays for her
    wife = site.signed_in(XIUYING)
    assert wife.get(f"/portal/relations/{spouse}").status_code == 200
    assert wife.get(f"/portal/relations/{spouse}/quota").status_code == 403


# --- language -------------------------------------------------------------------------------------------------------


def test_the_language_switch_is_remembered(site: Site) -> None:
    visitor = site.signed_in(JIANGUO)
    chinese = visitor.get("/portal/why?kind=pharmacy")
    assert '<html lang="zh-CN">' in chinese.text
    assert "为什么用不了" in chinese.text
    assert 'href="/portal/why?kind=pharmacy&amp;lang=en"' in chinese.text
    english = visitor.get("/portal/why?kind=pharmacy&lang=en")
    assert '<html lang="en">' in english.text
    assert "Why can&#39;t it pay?" in english.text
    assert "gongji_lang=en" in english.headers["set-cookie"]
    assert "为什么用不了" not in english.text
    later = visitor.get("/portal/family")
    assert '<html lang="en">' in later.text
    assert "My family" in later.text
    back = visitor.get("/portal/family?lang=zh")
    assert '<html lang="zh-CN">' in back.text
    assert "我的家庭" in back.text


def test_the_sign_in_page_switches_language_too(site: Site) -> None:
    page = site.visitor().get("/portal/sign-in?lang=en")
    assert "Sign in with your ID number" in page.text
    assert "身份证" not in page.text


# --- every page -----------------------------------------------------------------------------------------------------


def person_pages(site: Site) -> list[str]:
    family = queries.family(site.ctx, JIANGUO)
    spouse, son = family.i_pay_for[0].id, family.i_pay_for[1].id
    return [
        "/portal/family",
        "/portal/bind",
        "/portal/why",
        f"/portal/why?relative={person_id(site, GUILAN)}&kind=pharmacy",
        f"/portal/why?relative={person_id(site, XIUYING)}&direction=i_pay&kind=inpatient",
        "/portal/records",
        "/portal/records?year=2025",
        f"/portal/settlements/{a_settlement_of(site, JIANGUO)}",
        f"/portal/relations/{spouse}",
        f"/portal/relations/{son}/quota",
        f"/portal/relations/{spouse}/end",
        "/portal/order",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_person_page_renders_with_masked_id_numbers(site: Site, lang: str) -> None:
    visitor = site.signed_in(JIANGUO)
    for path in person_pages(site):
        page = visitor.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert page.status_code == 200, (path, page.text[:2000])
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page.text
        assert_no_whole_id_number(page.text)
        for name, value in SECURITY_HEADERS.items():
            assert page.headers[name] == value
        assert page.headers["cache-control"] == "no-store"


def test_my_family_shows_balances_relations_quotas_and_the_proxy_link_apart(site: Site) -> None:
    family = queries.family(site.ctx, JIANGUO)
    page = site.signed_in(JIANGUO).get("/portal/family").text
    assert format_yuan(family.prior_years_fen) in page
    assert format_yuan(family.current_year_fen) in page
    assert "历年账户" in page
    assert "当年账户" in page
    assert "李秀英" in page
    assert "张小明" in page
    assert "全部可共济余额" in page
    assert "50.00 元" in page
    proxy = page[page.index('id="proxy-links"') :]
    assert "亲情账户只能代为展码、查看就医记录，不共享个人账户资金。" in proxy
    assert "赵桂兰" in proxy
    assert "石家庄市不限变更次数" in page


def test_a_resident_is_told_she_has_no_account_and_who_pays_in_order(site: Site) -> None:
    page = site.signed_in(XIAOMING).get("/portal/family?lang=en").text
    assert "have no personal account" in page
    payers = page[page.index('id="pay-for-me"') :]
    assert payers.index("张建国") < payers.index("张德福")


def test_why_lists_the_proxy_link_reason_with_what_to_do(site: Site) -> None:
    visitor = site.signed_in(GUILAN)
    page = visitor.get(f"/portal/why?relative={person_id(site, JIANGUO)}&direction=they_pay&kind=pharmacy").text
    assert 'data-code="PROXY_LINK_IS_NOT_MUTUAL_AID"' in page
    assert "只绑定了亲情账户，没有绑定家庭共济" in page
    assert "亲情账户只能代为展码、查看记录，不能用钱" in page
    english = visitor.get(f"/portal/why?relative={person_id(site, JIANGUO)}&direction=they_pay&kind=pharmacy&lang=en")
    assert "Only a proxy link (亲情账户) is set up, not mutual aid" in english.text


def test_why_shows_each_reason_with_its_rule_and_source(site: Site) -> None:
    # 张小明's father set him a 50.00 quota, used up by his pharmacy purchase: the page says so, with the rule's source
    page = (
        site.signed_in(XIAOMING)
        .get(f"/portal/why?relative={person_id(site, JIANGUO)}&direction=they_pay&kind=pharmacy")
        .text
    )
    assert 'data-code="QUOTA_EXHAUSTED"' in page
    assert "本年额度已用完" in page
    assert "依据：" in page
    assert "来源：" in page
    assert "怎么办：" in page
    # an answer that can pay says so
    can = site.signed_in(JIANGUO).get(f"/portal/why?relative={person_id(site, XIUYING)}&direction=i_pay").text
    assert "可以支付" in can


def test_records_show_whom_my_account_paid_for_with_a_chart_and_csv(site: Site) -> None:
    visitor = site.signed_in(JIANGUO)
    page = visitor.get("/portal/records").text
    assert "<svg" in page
    assert 'role="img"' in page
    assert "李秀英" in page[page.index('id="spending"') :]
    statement = page[page.index('id="statement"') :]
    assert "医疗费用结算" in statement
    assert "李秀英" in statement
    csv = visitor.get("/portal/records/statement.csv")
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv.headers["content-disposition"]
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff日期,事项,账户")
    assert "李秀英" in text
    english = visitor.get("/portal/records/settlements.csv?lang=en").content.decode("utf-8")
    assert english.startswith("\ufeffDate,Settlement,Patient")
    assert "李秀英" in english
    assert "general outpatient" in english


def test_a_patient_sees_her_settlement_and_who_paid(site: Site) -> None:
    visitor = site.signed_in(XIUYING)
    records = visitor.get("/portal/records").text
    setl_id = a_settlement_of(site, XIUYING)
    assert f"/portal/settlements/{setl_id}" in records
    page = visitor.get(f"/portal/settlements/{setl_id}").text
    assert "张建国" in page
    assert "为什么这样分担" in page
    assert "依据：" in page
    # another payer's balances are not shown to her
    assert "支付前" not in page


def test_unknown_pages_and_bad_parameters_are_pages_too(site: Site) -> None:
    visitor = site.signed_in(JIANGUO)
    assert visitor.get("/portal/nothing-here").status_code == 404
    assert visitor.get("/portal/relations/abc").status_code == 400
    assert visitor.get("/portal/why?kind=lunch").status_code == 400
    assert visitor.get("/portal/").status_code == 303
    static = visitor.get("/portal/static/htmx.min.js")
    assert static.status_code == 200
    assert static.headers.get("cache-control") != "no-store"
