"""In a real browser, on SQLite and PostgreSQL: 张建国 binds his mother 赵桂兰 on the portal, she signs in on her own
phone and confirms with face verification (reading the page in English), a pharmacy then settles her purchase through
the national interface, and both of them find it on their pages — paid from his account."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from playwright.sync_api import Browser, BrowserContext, expect

from gongji.service.demo import GUILAN, JIANGUO
from gongji.service.wallet import CloseWallet, close_wallet
from tests.e2e.conftest import PortalServer, assert_english, new_page, sign_in
from tests.serving import BUSINESS_NOW

BEGNTIME = BUSINESS_NOW.strftime("%Y-%m-%d %H:%M:%S")
#: Two sample catalogue items (category B): 氯雷他定片 23.80, 盐酸氨溴索口服溶液 32.60.
ITEMS = (("XR06AXL001A001010100009", "23.80", "1"), ("XR05CBA001X001010100017", "32.60", "2"))


def ok(answer: Any) -> Any:
    """The output of an accepted national-interface answer."""
    assert (answer.status, answer.infcode, answer.err_msg) == (200, 0, None)
    return answer.output


def pharmacy_purchase(server: PortalServer, certno: str) -> dict[str, Any]:
    """1101, 2201, 2204 and 2207 as the pharmacy's system sends them: a resident's purchase (med_type 41)."""
    pharmacy = server.pharmacy()
    person = ok(
        pharmacy.call(
            "1101",
            {
                "data": {
                    "mdtrt_cert_type": "02",
                    "mdtrt_cert_no": certno,
                    "psn_cert_type": "01",
                    "certno": certno,
                    "begntime": BEGNTIME,
                }
            },
        )
    )
    psn_no = person["baseinfo"]["psn_no"]
    register = {
        "psn_no": psn_no,
        "insutype": "390",
        "begntime": BEGNTIME,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": certno,
        "ipt_otp_no": f"YD{secrets.token_hex(4)}",
        "atddr_no": "D001",
        "dr_name": "药师",
        "dept_code": "A03",
        "dept_name": "药房",
        "caty": "A03",
        "med_type": "41",
    }
    mdtrt_id = ok(pharmacy.call("2201", {"data": register}))["data"]["mdtrt_id"]
    rows = []
    for sn, (code, price, count) in enumerate(ITEMS, start=1):
        rows.append(
            {
                "feedetl_sn": str(sn),
                "mdtrt_id": mdtrt_id,
                "psn_no": psn_no,
                "chrg_bchno": "B1",
                "med_list_codg": code,
                "medins_list_codg": f"YD-{code[-6:]}",
                "det_item_fee_sumamt": str(Decimal(price) * Decimal(count)),
                "cnt": count,
                "pric": price,
                "fee_ocur_time": BEGNTIME,
            }
        )
    ok(pharmacy.call("2204", {"feedetail": rows}))
    total = sum((Decimal(r["det_item_fee_sumamt"]) for r in rows), Decimal(0))
    settle = {
        "psn_no": psn_no,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": certno,
        "med_type": "41",
        "medfee_sumamt": str(total),
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": "B1",
        "acct_used_flag": "1",
        "insutype": "390",
    }
    settled: dict[str, Any] = ok(pharmacy.call("2207", {"data": settle}))
    return settled


def test_a_parent_confirms_with_face_verification_and_her_purchase_is_paid_from_her_sons_account(
    server: PortalServer, browser: Browser, contexts: list[BrowserContext]
) -> None:
    son = new_page(browser, contexts)
    sign_in(son, server, JIANGUO)
    son.get_by_role("link", name="绑定亲属", exact=True).first.click()
    son.locator("#relation_type").select_option("parent")
    son.locator("#name").fill("赵桂兰")
    son.locator("#certno").fill(GUILAN)
    son.locator("#commitment").check()
    son.get_by_role("button", name="提交绑定申请").click()
    expect(son.locator(".alert-notice")).to_contain_text("申请已提交")
    expect(son.locator("#i-pay-for")).to_contain_text("赵桂兰")
    expect(son.locator("#i-pay-for")).to_contain_text("待确认")

    mother = new_page(browser, contexts)
    sign_in(mother, server, GUILAN)
    expect(mother.locator("#pending")).to_contain_text("张建国")
    mother.get_by_role("link", name="查看并确认").click()
    expect(mother.locator("h1")).to_have_text("确认共济绑定")
    mother.get_by_role("link", name="English").click()
    expect(mother.locator("h1")).to_have_text("Confirm a binding")
    assert_english(mother, server)
    expect(mother.locator("main")).to_contain_text("A person aged 16 or over confirms with face verification")
    mother.get_by_role("button", name="Verify my face and confirm").click()
    expect(mother.locator(".alert-notice")).to_contain_text("Confirmed")
    expect(mother.locator("#pay-for-me")).to_contain_text("张建国")
    expect(mother.locator("#pay-for-me")).to_contain_text("in force")

    # The demo also gave her a wallet with 张丽's transfer in it, which would pay first; she closes it (the rest goes
    # back to 张丽), so that this purchase shows what the new binding pays.
    close_wallet(server.ctx, CloseWallet(GUILAN), key="e2e:binding-pays:close-wallet")
    settled = pharmacy_purchase(server, GUILAN)
    info = settled["setlinfo"]
    assert info["acct_mulaid_pay"] == info["acct_pay"] > 0
    paid = info["acct_mulaid_pay"]
    assert [row["mulaid_psn_name"] for row in settled["setldetail"] if row.get("mulaid_psn_name")] == ["张建国"]

    # his records: the purchase, whom it paid for, in the chart and the statement, and its explanation
    son.goto(server.url("/portal/records"))
    expect(son.locator("#settlements")).to_contain_text("赵桂兰")
    expect(son.locator("#settlements")).to_contain_text(f"{paid:,.2f}")
    expect(son.locator("#spending svg")).to_contain_text("赵桂兰")
    expect(son.locator("#statement")).to_contain_text("赵桂兰")
    son.locator("#settlements tr", has_text="赵桂兰").get_by_role("link").click()
    expect(son.locator("h1")).to_have_text(re.compile(r"结算 \d+"))
    expect(son.locator("main")).to_contain_text("定点药店购药")
    expect(son.locator("main")).to_contain_text("张建国")

    # her records: her purchase, paid by her son's account
    mother.goto(server.url("/portal/records"))
    expect(mother.locator("#settlements")).to_contain_text("赵桂兰")
    # (the demo's earlier purchase, paid through her wallet, is listed too: open this one)
    mother.locator("#settlements tbody tr", has_text=str(info["setl_id"])).get_by_role("link").click()
    expect(mother.locator("main")).to_contain_text("张建国")
    expect(mother.locator("main")).to_contain_text(f"{paid:,.2f}")
    assert_english(mother, server)
