"""In a real browser, on SQLite and PostgreSQL, on a phone's screen: 张丽 (an employee in Beijing) sends 500.00 from
her personal account to the 医保钱包 of her mother 赵桂兰 (a resident in Shijiazhuang, with no account of her own);
赵桂兰 signs in on her own phone, finds the transfer (and its message in her inbox), accepts it, and her wallet shows
the 500.00; a pharmacy purchase, settled through the service, is then paid from the wallet, and both of them find the
payment in their wallet's history with the other named.

The demo may already have run the family's wallet story (wallets opened, an earlier transfer accepted and partly
spent): the test opens a wallet only when it is not open, and reads the balances it starts from.
"""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Browser, BrowserContext, Page, expect

from gongji.domain.codes import MedType
from gongji.domain.money import format_yuan
from gongji.service.demo import GUILAN, PHARMACY, ZHANGLI
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    SettlementView,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from gongji.service.wallet_query import show_wallet
from tests.e2e.conftest import PortalServer, assert_english, new_page, sign_in


def to_wallet(page: Page, server: PortalServer, certno: str) -> None:
    """From the navigation to the wallet page; the wallet opened with its button when it is not open yet."""
    page.get_by_role("link", name="医保钱包", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("医保钱包")
    if show_wallet(server.ctx, certno).status != "open":
        page.locator("#open-wallet").click()
        expect(page.locator(".alert-notice")).to_contain_text("医保钱包已开通")
    expect(page.locator("#wallet-status")).to_contain_text("已开通")


def fits_the_screen(page: Page) -> bool:
    """Nothing sticks out sideways (the page reads on a phone without scrolling across)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def pharmacy_purchase(server: PortalServer, certno: str) -> SettlementView:
    """A purchase at the demo pharmacy (med_type 41), settled through the service, paying from the wallet."""
    tag = secrets.token_hex(4)
    visit = open_visit(
        server.ctx, OpenVisit(certno, PHARMACY, MedType.PHARMACY_PURCHASE), key=f"e2e-wallet:{tag}:visit"
    )
    lines = (FeeInput("1", "XR06AXL001A001010100009", "2", 2_380),)
    upload_fees(server.ctx, UploadFees(visit.mdtrt_id, lines), key=f"e2e-wallet:{tag}:fees")
    return commit_settlement(server.ctx, Settle(visit.mdtrt_id, use_wallet=True), key=f"e2e-wallet:{tag}:settle")


def test_a_daughter_sends_500_to_her_mothers_wallet_who_accepts_and_spends_it(
    server: PortalServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    mother = new_page(browser, contexts)
    sign_in(mother, server, GUILAN)
    to_wallet(mother, server, GUILAN)
    start = show_wallet(server.ctx, GUILAN).balance_fen

    daughter = new_page(browser, contexts)
    sign_in(daughter, server, ZHANGLI)
    to_wallet(daughter, server, ZHANGLI)
    assert fits_the_screen(daughter)
    daughter.locator("#relation_type").select_option("parent")
    daughter.locator("#name").fill("赵桂兰")
    daughter.locator("#certno").fill(GUILAN)
    daughter.locator("#amount").fill("500.00")
    daughter.locator("#method-face").check()
    daughter.get_by_role("button", name="验证并转账").click()
    expect(daughter.locator(".alert-notice")).to_contain_text("转账已提交")
    sent = daughter.locator("#wallet-reserved tbody tr", has_text="待接收")
    expect(sent).to_contain_text("赵桂兰")
    expect(sent).to_contain_text("500.00")

    # her mother hears of it in her inbox, and accepts it on her wallet page
    mother.goto(server.url("/portal/family"))
    expect(mother.locator("#nav-inbox .count")).to_have_text(re.compile(r"[1-9]\d*"))
    mother.locator("#nav-inbox").click()
    expect(mother.locator("#notices li.unread").first).to_contain_text("张丽 向您的医保钱包转账 500.00")
    to_wallet(mother, server, GUILAN)
    waiting = mother.locator("#wallet-pending li", has_text="张丽")
    expect(waiting).to_contain_text("500.00")
    waiting.get_by_role("button", name=re.compile("^接收")).click()
    expect(mother.locator(".alert-notice")).to_contain_text("已接收")
    expect(mother.locator("#wallet-balance")).to_have_text(format_yuan(start + 50_000))
    newest = mother.locator("#wallet-history tbody tr").first
    expect(newest).to_contain_text("接收")
    expect(newest).to_contain_text("来自 张丽")
    expect(newest).to_contain_text("500.00")
    assert fits_the_screen(mother)
    mother.get_by_role("link", name="English").click()
    expect(mother.locator("h1")).to_have_text("Wallet (医保钱包)")
    assert_english(mother, server)

    # her pharmacy purchase is paid from the wallet (money that leaves her daughter's account only now)
    settled = pharmacy_purchase(server, GUILAN)
    through_wallet = [p for p in settled.payers if p.wallet_transfer_id is not None]
    assert through_wallet
    assert {p.payer for p in through_wallet} == {"张丽"}
    paid = sum(p.amount_fen for p in through_wallet)
    mother.reload()
    expect(mother.locator("#wallet-balance")).to_have_text(format_yuan(start + 50_000 - paid))
    history = mother.locator("#wallet-history")
    expect(history.locator("tbody tr").first).to_contain_text("paid a bill")
    for line in through_wallet:
        expect(history).to_contain_text(format_yuan(line.amount_fen))
    assert_english(mother, server)
    daughter.reload()
    spent = daughter.locator("#wallet-history tbody tr").first
    expect(spent).to_contain_text("支付医疗费用")
    expect(spent).to_contain_text("转给 赵桂兰")
