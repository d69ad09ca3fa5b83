"""The 医保钱包 and inbox pages through the portal, on SQLite and PostgreSQL: open a wallet, send to a close relative
who accepts or declines, refusals in the page's language (the quiet hours on the injected clock, a nephew who is not a
close relative), the inbox read and unread, CSRF on every POST, a transfer only its receiver may decide, closing, the
counter's read-only view of a family's wallets, and "why can't it pay?" pointing to the wallet across provinces.

Each test makes a family of its own (new people, new ID numbers) on the module's database.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from gongji.service.account_query import balances
from gongji.service.clock import SHANGHAI
from gongji.service.notices import inbox
from gongji.service.relations import queries
from gongji.service.relations.proxies import AddProxyLink, EndProxyLink, add_proxy_link, end_proxy_link
from gongji.service.wallet_query import show_wallet
from tests.helpers import person_id, snapshot
from tests.portal.conftest import Site, Visitor, counter_operator, new_person
from tests.serving import BUSINESS_NOW


@dataclass
class Family:
    """A daughter insured in Beijing (an employee with 3,000.00 in her account) and her mother, a resident in
    Shijiazhuang, each signed in on a browser of her own."""

    daughter: str
    mother: str
    daughter_name: str
    mother_name: str
    her: Visitor
    mum: Visitor


#: Names for the people each test makes (a family's names differ from every other family's on the same database).
_NAMES = itertools.cycle([f"{a}{b}" for a in "韩冯褚卫蒋沈杨朱秦尤许何" for b in "丽娜敏静燕红霞洁芳兰萍玲"])


def family(site: Site, *, open_wallets: bool = True) -> Family:
    """A new daughter and mother (names unique in the run), signed in; both wallets opened unless told not to."""
    daughter_name, mother_name = next(_NAMES), next(_NAMES) + "母"
    daughter = new_person(site.ctx, daughter_name, date(1981, 3, 3), female=True, prior_fen=300_000, region="110000")
    mother = new_person(site.ctx, mother_name, date(1953, 5, 5), female=True, employee=False)
    found = Family(daughter, mother, daughter_name, mother_name, site.signed_in(daughter), site.signed_in(mother))
    if open_wallets:
        for visitor in (found.her, found.mum):
            open_wallet(visitor)
    return found


def open_wallet(visitor: Visitor) -> None:
    page = visitor.get("/portal/wallet")
    assert page.status_code == 200, page.text
    answer = visitor.post("/portal/wallet/open", {"idem": "open-wallet-0001"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/wallet?notice=wallet.opened"


def transfer_form(fam: Family, amount: str = "500.00", **extra: str) -> dict[str, str]:
    return {
        "relation_type": "parent",
        "name": fam.mother_name,
        "certno": fam.mother,
        "amount": amount,
        "method": "face",
        "face_token": "portal-face-test",
        **extra,
    }


def send(fam: Family, amount: str = "500.00") -> int:
    """The daughter sends ``amount`` to her mother's wallet; the transfer's id."""
    fam.her.get("/portal/wallet")
    answer = fam.her.post("/portal/wallet/transfers", transfer_form(fam, amount))
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/wallet?notice=wallet.sent"
    pending = show_wallet(fam.her.site.ctx, fam.mother).incoming
    return pending[0].id


def main(html: str) -> str:
    """The page's main content (its header and navigation left out)."""
    return html[html.index("<main") : html.index("</main>")]


def section(html: str, anchor: str) -> str:
    """The HTML of the section with id ``anchor`` (to its closing tag)."""
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def clock_back(site: Site) -> Iterator[None]:
    """Put the module's clock back to the business time after a test that moves it."""
    yield
    site.clock.set(BUSINESS_NOW)


def test_a_daughter_opens_her_wallet_and_sends_500_to_her_mother_who_accepts(site: Site) -> None:
    fam = family(site, open_wallets=False)
    first = fam.her.get("/portal/wallet").text
    assert "您还没有开通医保钱包" in first
    assert 'id="open-wallet"' in first
    for visitor in (fam.her, fam.mum):
        open_wallet(visitor)
    opened = fam.her.get("/portal/wallet?notice=wallet.opened").text
    assert "医保钱包已开通" in opened
    assert "已开通（北京市" in opened
    transfer = send(fam)

    sender_page = fam.her.get("/portal/wallet?notice=wallet.sent").text
    assert "转账已提交" in sender_page
    reserved = section(sender_page, "wallet-reserved")
    assert fam.mother_name in reserved
    assert "待接收" in reserved
    assert "500.00" in reserved
    assert balances(site.ctx, fam.daughter).personal_account_fen == 250_000  # set aside, not spent

    mother_page = fam.mum.get("/portal/wallet").text
    waiting = section(mother_page, "wallet-pending")
    assert fam.daughter_name in waiting
    assert "您是其父母" in waiting
    assert f"/portal/wallet/transfers/{transfer}/accept" in waiting
    answer = fam.mum.post(f"/portal/wallet/transfers/{transfer}/accept", {"idem": "accept-transfer-1"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/wallet?notice=wallet.accepted"
    accepted = fam.mum.get("/portal/wallet?notice=wallet.accepted").text
    assert re.search(r'id="wallet-balance"><span class="money">500\.00<', accepted)
    assert 'id="wallet-pending"' not in accepted
    history = section(accepted, "wallet-history")
    assert f'来自 <span class="name" translate="no">{fam.daughter_name}</span>' in history
    assert "接收" in history
    assert "转账" in history
    assert fam.daughter_name in section(accepted, "wallet-from")
    # the daughter sees it accepted, the other party named; in English too
    english = fam.her.get("/portal/wallet?lang=en").text
    assert "accepted" in section(english, "wallet-reserved")
    assert f'to <span class="name" translate="no">{fam.mother_name}</span>' in section(english, "wallet-history")
    assert "What you sent to relatives" in english


def test_a_mother_declines_and_the_money_goes_back(site: Site) -> None:
    fam = family(site)
    transfer = send(fam, "120.50")
    assert balances(site.ctx, fam.daughter).personal_account_fen == 300_000 - 12_050
    fam.mum.get("/portal/wallet")
    answer = fam.mum.post(f"/portal/wallet/transfers/{transfer}/decline", {})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/wallet?notice=wallet.declined"
    assert balances(site.ctx, fam.daughter).personal_account_fen == 300_000
    assert show_wallet(site.ctx, fam.mother).balance_fen == 0
    page = fam.her.get("/portal/wallet").text
    assert "拒收" in section(page, "wallet-history")
    assert "您没有为亲属预留的钱" in page


def test_a_transfer_in_the_quiet_hours_is_refused_in_the_pages_language(site: Site, clock_back: None) -> None:
    fam = family(site)
    fam.her.get("/portal/wallet")
    site.clock.set(datetime(2026, 11, 22, 22, 30, tzinfo=SHANGHAI))
    before = snapshot(site.engine)
    refused = fam.her.post("/portal/wallet/transfers", transfer_form(fam))
    assert refused.status_code == 422
    assert "每日 22:00 至次日 06:00 不能进行医保钱包转账（当前 22:30:00）" in main(refused.text)
    assert 'value="500.00"' in refused.text  # the form keeps what was typed, but never the ID number
    assert fam.mother not in refused.text
    fam.her.get("/portal/wallet?lang=en")
    english = fam.her.post("/portal/wallet/transfers", transfer_form(fam))
    assert english.status_code == 422
    assert "No wallet transfers from 22:00 to 06:00 (it is 22:30:00)" in english.text
    assert snapshot(site.engine) == before
    site.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=SHANGHAI))
    fam.her.get("/portal/wallet?lang=zh")
    assert fam.her.post("/portal/wallet/transfers", transfer_form(fam)).status_code == 303


def test_a_nephew_is_not_a_close_relative_and_other_refusals_show_on_the_page(site: Site) -> None:
    fam = family(site)
    nephew_name = next(_NAMES) + "侄"
    nephew = new_person(site.ctx, nephew_name, date(2012, 6, 6), employee=False, phone=None)
    page = fam.her.get("/portal/wallet").text
    assert 'value="other_relative"' not in section(page, "wallet-send")  # the form offers close relatives only
    before = snapshot(site.engine)
    forged = {**transfer_form(fam), "relation_type": "other_relative", "name": nephew_name, "certno": nephew}
    refused = fam.her.post("/portal/wallet/transfers", forged)
    assert refused.status_code == 422
    assert "其他亲属（如侄子女、外甥子女）不属于近亲属" in main(refused.text)
    cases = [
        ({"amount": "abc"}, "金额“abc”无效"),
        ({"amount": "0"}, "必须大于零"),
        ({"amount": "2000.01"}, "每笔医保钱包转账不超过 2,000.00，本次 2,000.01"),
        ({"relation_type": "cousin"}, "请选择亲属与您的关系"),
        ({"name": "别人"}, "查无此人，或姓名与身份证号码不符"),
        ({"certno": "123"}, "查无此人，或姓名与身份证号码不符"),
        ({"method": "password", "password": ""}, "须通过"),
        ({"method": "password", "password": "fail-000000"}, "身份验证未通过"),
        ({"face_token": "fail-blurred"}, "身份验证未通过"),
    ]
    for change, message in cases:
        answer = fam.her.post("/portal/wallet/transfers", {**transfer_form(fam), **change})
        assert answer.status_code == 422, change
        assert message in main(answer.text), (change, message)
    assert snapshot(site.engine) == before
    # a resident with no account of her own is told she can only receive
    assert "只有参加职工医保、有个人账户的人才能向亲属的钱包转账" in fam.mum.get("/portal/wallet").text


def test_a_transfer_is_decided_only_by_its_receiver(site: Site) -> None:
    fam = family(site)
    transfer = send(fam)
    stranger = site.signed_in(new_person(site.ctx, next(_NAMES) + "邻", date(1960, 1, 1), employee=False))
    open_wallet(stranger)
    before = snapshot(site.engine)
    for action in ("accept", "decline"):
        refused = stranger.post(f"/portal/wallet/transfers/{transfer}/{action}", {})
        assert refused.status_code == 403
        assert "无权查看" in refused.text
        # the sender herself may not accept her own transfer either, and a transfer nobody sent looks the same
        assert fam.her.post(f"/portal/wallet/transfers/{transfer}/{action}", {}).status_code == 403
        assert stranger.post(f"/portal/wallet/transfers/{transfer + 10_000}/{action}", {}).status_code == 403
    assert snapshot(site.engine) == before
    assert show_wallet(site.ctx, fam.mother).incoming[0].status == "pending"


def test_every_wallet_and_inbox_post_needs_its_csrf_token(site: Site) -> None:
    fam = family(site)
    transfer = send(fam)
    before = snapshot(site.engine)
    posts = [
        (fam.her, "/portal/wallet/open", {}),
        (fam.her, "/portal/wallet/close", {}),
        (fam.her, "/portal/wallet/transfers", transfer_form(fam, "1.00")),
        (fam.mum, f"/portal/wallet/transfers/{transfer}/accept", {}),
        (fam.mum, f"/portal/wallet/transfers/{transfer}/decline", {}),
        (fam.mum, "/portal/inbox/read", {"all": "yes"}),
    ]
    for visitor, path, form in posts:
        answer = visitor.post(path, form, csrf=False)
        assert answer.status_code == 403, path
        assert "表单已失效" in answer.text
        forged = visitor.post(path, [*form.items(), ("csrf_token", "forged")], csrf=False)
        assert forged.status_code == 403, path
    assert snapshot(site.engine) == before


def test_the_inbox_lists_notices_newest_first_and_marks_them_read(site: Site) -> None:
    fam = family(site)
    transfer = send(fam)
    mother_id = person_id(site.ctx, fam.mother)
    page = fam.mum.get("/portal/family").text
    assert re.search(r'id="nav-inbox"[^>]*>消息 <span class="count" aria-hidden="true">1</span>', page)
    assert "（1 条未读）" in page
    box = fam.mum.get("/portal/inbox").text
    assert "1 条未读消息" in box
    assert f"{fam.daughter_name} 向您的医保钱包转账 500.00" in box
    assert "未读" in section(box, "notices")
    english = fam.mum.get("/portal/inbox?lang=en").text
    assert f"{fam.daughter_name} sent 500.00 to your wallet (医保钱包)" in english
    fam.mum.get("/portal/inbox?lang=zh")

    # the daughter's inbox: her mother accepted (newest) after ... nothing else of hers
    fam.mum.get("/portal/wallet")
    fam.mum.post(f"/portal/wallet/transfers/{transfer}/accept", {})
    notices = inbox(site.ctx, person_id(site.ctx, fam.daughter))
    assert [n.kind for n in notices] == ["WALLET_TRANSFER_ACCEPTED"]
    her_box = fam.her.get("/portal/inbox").text
    assert f"{fam.mother_name} 已接收您的医保钱包转账 500.00" in her_box

    # someone else's form cannot mark the mother's notice read
    (waiting,) = inbox(site.ctx, mother_id)
    fam.her.get("/portal/inbox")
    assert fam.her.post("/portal/inbox/read", {"notice": str(waiting.id)}).status_code == 303
    assert not inbox(site.ctx, mother_id)[0].read
    # she marks it read herself
    fam.mum.get("/portal/inbox")
    answer = fam.mum.post("/portal/inbox/read", {"notice": str(waiting.id)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/inbox?notice=inbox.marked"
    assert inbox(site.ctx, mother_id)[0].read
    after = fam.mum.get("/portal/inbox?notice=inbox.marked").text
    assert "已标为已读" in after
    assert "没有未读消息" in after
    assert 'class="count"' not in after
    assert fam.mum.post("/portal/inbox/read", {"notice": "x"}).status_code == 400


def test_mark_all_read_and_the_newest_comes_first(site: Site) -> None:
    fam = family(site)
    first = send(fam, "10.00")
    fam.mum.get("/portal/wallet")
    fam.mum.post(f"/portal/wallet/transfers/{first}/decline", {})
    send(fam, "20.00")
    box = fam.mum.get("/portal/inbox").text
    assert "2 条未读消息" in box
    assert box.index("20.00") < box.index("10.00")
    answer = fam.mum.post("/portal/inbox/read", {"all": "yes"})
    assert answer.status_code == 303
    assert all(n.read for n in inbox(site.ctx, person_id(site.ctx, fam.mother)))


def test_closing_is_refused_while_a_transfer_waits_and_returns_the_balance_after(site: Site) -> None:
    fam = family(site)
    transfer = send(fam, "80.00")
    fam.mum.get("/portal/wallet")
    refused = fam.mum.post("/portal/wallet/close", {})
    assert refused.status_code == 422
    assert "还有待接收的转账 1 笔，不能注销" in refused.text
    fam.mum.post(f"/portal/wallet/transfers/{transfer}/accept", {})
    answer = fam.mum.post("/portal/wallet/close", {})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/wallet?notice=wallet.closed"
    page = fam.mum.get("/portal/wallet?notice=wallet.closed").text
    assert "您的医保钱包已注销" in page
    assert "钱包注销退回" in section(page, "wallet-history")
    assert balances(site.ctx, fam.daughter).personal_account_fen == 300_000


def test_the_counter_shows_a_familys_wallets_and_transfers_waiting(site: Site) -> None:
    fam = family(site)
    send(fam, "66.60")
    visitor, _ = counter_operator(site, "130100")
    psn = queries.family(site.ctx, fam.mother).psn_no
    page = visitor.get(f"/portal/counter/people/{psn}")
    assert page.status_code == 200, page.text
    wallets = section(page.text, "counter-wallets")
    assert fam.mother_name in wallets
    assert "已开通" in wallets
    assert "66.60" in wallets
    assert fam.daughter_name in wallets  # the sender of the transfer waiting for her
    english = visitor.get(f"/portal/counter/people/{psn}?lang=en").text
    assert "Transfers waiting to be accepted" in section(english, "counter-wallets")
    # the demo's father: his family's wallets, none opened, members of his region only
    father = queries.family(site.ctx, "130102197503150019").psn_no
    demo = section(visitor.get(f"/portal/counter/people/{father}?lang=zh").text, "counter-wallets")
    assert "未开通" in demo
    assert "没有待接收的转账" in demo


def test_the_counter_lists_relatives_in_its_regions_and_why_points_to_the_wallet(site: Site) -> None:
    owner_name, near_name, far_name = next(_NAMES) + "甲", next(_NAMES) + "乙", next(_NAMES) + "丙"
    owner = new_person(site.ctx, owner_name, date(1975, 1, 1))
    near = new_person(site.ctx, near_name, date(1950, 1, 1), employee=False)
    far = new_person(site.ctx, far_name, date(1978, 1, 1), region="110000")
    for relative in (near, far):
        add_proxy_link(site.ctx, AddProxyLink(owner, relative), key=f"wallet-pages:proxy:{relative}")
    visitor, _ = counter_operator(site, "130100")
    psn = queries.family(site.ctx, owner).psn_no
    wallets = section(visitor.get(f"/portal/counter/people/{psn}").text, "counter-wallets")
    assert owner_name in wallets
    assert near_name in wallets
    assert far_name not in wallets  # insured in Beijing, outside the operator's regions
    assert "不在您授权统筹区内的成员不显示" in wallets
    end_proxy_link(site.ctx, EndProxyLink(owner, near), key=f"wallet-pages:proxy-end:{near}")
    assert near_name not in section(visitor.get(f"/portal/counter/people/{psn}").text, "counter-wallets")
    # "why can't it pay?" for the relative in Beijing points to the wallet page
    why = site.signed_in(owner).get(f"/portal/why?relative={person_id(site.ctx, far)}&direction=i_pay&kind=pharmacy")
    assert why.status_code == 200
    assert 'data-code="GEOGRAPHY_NOT_OPEN"' in why.text
    assert '<a href="/portal/wallet">打开医保钱包</a>' in why.text
