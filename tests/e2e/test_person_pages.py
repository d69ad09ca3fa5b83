"""In a real browser, on SQLite and PostgreSQL: "why can't it pay?" for a mother bound only by a 亲情账户, the English
switch on every page of a person, and a person who edits a URL towards another family or sends a form without its
CSRF token."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from gongji.service import household
from gongji.service.demo import GUILAN, JIANGUO, XIAOMING, ZHANGLI
from gongji.service.relations import queries
from tests.e2e.conftest import DESKTOP, PortalServer, assert_english, chinese_left, new_page, sign_in
from tests.helpers import person_id, snapshot


def test_a_mother_bound_only_by_a_proxy_link_learns_why_her_sons_account_does_not_pay(
    server: PortalServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    mother = new_page(browser, contexts)
    sign_in(mother, server, GUILAN)
    expect(mother.locator("#proxy-links")).to_contain_text("不共享个人账户资金")
    mother.get_by_role("link", name="为什么用不了？", exact=True).first.click()
    mother.locator("#relative").select_option(str(person_id(server.ctx, JIANGUO)))
    mother.locator("#direction-they_pay").check()
    mother.locator("#kind").select_option("pharmacy")
    mother.get_by_role("button", name="查一查").click()
    reason = mother.locator('[data-code="PROXY_LINK_IS_NOT_MUTUAL_AID"]')
    expect(reason).to_contain_text("只绑定了亲情账户，没有绑定家庭共济")
    expect(reason).to_contain_text("亲情账户只能代为展码、查看记录，不能用钱")
    expect(mother.locator("#why-result")).to_contain_text("不能支付")
    # htmx swapped the answer in and put the question in the address, so it can be shared or reloaded
    expect(mother).to_have_url(re.compile(r"/portal/why\?relative=\d+&direction=they_pay&kind=pharmacy"))
    mother.reload()
    expect(mother.locator('[data-code="PROXY_LINK_IS_NOT_MUTUAL_AID"]')).to_be_visible()


def english_pages(server: PortalServer) -> list[str]:
    family = queries.family(server.ctx, JIANGUO)
    spouse, son = family.i_pay_for[0].id, family.i_pay_for[1].id
    setl_id = household.records(server.ctx, JIANGUO, 2026).settlements[0].setl_id
    return [
        "/portal/family",
        "/portal/bind",
        f"/portal/why?relative={person_id(server.ctx, GUILAN)}&direction=i_pay&kind=pharmacy",
        f"/portal/why?relative={person_id(server.ctx, XIAOMING)}&direction=i_pay&kind=inpatient",
        "/portal/records",
        f"/portal/settlements/{setl_id}",
        f"/portal/relations/{spouse}",
        f"/portal/relations/{son}/quota",
        f"/portal/relations/{spouse}/end",
        "/portal/order",
    ]


def test_the_english_switch_changes_every_string_on_every_page(
    server: PortalServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    anonymous = new_page(browser, contexts, viewport=DESKTOP)
    anonymous.goto(server.url("/portal/sign-in"))
    anonymous.get_by_role("link", name="English").click()
    assert_english(anonymous, server)
    father = new_page(browser, contexts, viewport=DESKTOP)
    sign_in(father, server, JIANGUO)
    assert len(chinese_left(father, server.names())) > 10  # the check sees Chinese where there is some
    father.get_by_role("link", name="English").click()
    expect(father.locator("h1")).to_have_text("My family")
    for path in english_pages(server):
        father.goto(server.url(path))  # no ?lang=: the choice is remembered
        assert_english(father, server)
    # a child with two payers reorders them (htmx replaces the list) — in English too
    son = new_page(browser, contexts)
    sign_in(son, server, XIAOMING)
    son.goto(server.url("/portal/order?lang=en"))
    assert_english(son, server)
    first = son.locator("ol.payers li").first
    expect(first).to_contain_text("张建国")
    first.get_by_role("button", name=re.compile("Move 张建国 down")).click()
    expect(son.locator("#payer-order .alert-notice")).to_contain_text("The order was saved.")
    expect(son.locator("ol.payers li").first).to_contain_text("张德福")
    assert_english(son, server)
    # and back to Chinese
    son.get_by_role("link", name="中文").click()
    expect(son.locator("h1")).to_have_text("调整扣款顺序")


def test_another_familys_page_and_a_form_without_its_token_are_refused(
    server: PortalServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    spouse = queries.family(server.ctx, JIANGUO).i_pay_for[0].id
    setl_id = household.records(server.ctx, JIANGUO, 2026).settlements[0].setl_id
    sister = new_page(browser, contexts)
    sign_in(sister, server, ZHANGLI)
    for path in (
        f"/portal/relations/{spouse}",
        f"/portal/relations/{spouse}/end",
        f"/portal/settlements/{setl_id}",
        f"/portal/why?relative={person_id(server.ctx, JIANGUO)}",
    ):
        answer = sister.goto(server.url(path))
        assert answer is not None
        assert answer.status == 403, path
        expect(sister.locator("h1")).to_have_text("无权查看")

    father = new_page(browser, contexts)
    sign_in(father, server, JIANGUO)
    before = snapshot(server.engine)
    refuse_without_token(father, server)
    assert snapshot(server.engine) == before


def refuse_without_token(page: Page, server: PortalServer) -> None:
    """Fill the binding form, take its CSRF token out (as a forged form would lack it), submit: refused."""
    page.goto(server.url("/portal/bind"))
    page.locator("#relation_type").select_option("parent")
    page.locator("#name").fill("赵桂兰")
    page.locator("#certno").fill(GUILAN)
    page.locator("#commitment").check()
    page.evaluate("document.querySelector('main form input[name=csrf_token]').remove()")
    with page.expect_response(re.compile(r"/portal/bind$")) as answer:
        page.get_by_role("button", name="提交绑定申请").click()
    assert answer.value.status == 403
    expect(page.locator("h1")).to_have_text("表单已失效")
    # a request with the browser's cookies but a made-up token is refused the same way
    forged = page.request.post(
        server.url("/portal/bind"),
        form={"relation_type": "parent", "name": "赵桂兰", "certno": GUILAN, "commitment": "yes", "csrf_token": "x"},
    )
    assert forged.status == 403
