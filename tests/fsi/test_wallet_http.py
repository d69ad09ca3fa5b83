"""A pharmacy's 2207 for a patient whose daughter in another province sent money to her wallet (医保钱包), through the
national interface as a pharmacy system calls it: the payment is mutual aid, told as a 310200 row naming the sender,
and a reversal (2208) puts it back in the wallet."""

from __future__ import annotations

from decimal import Decimal

from gongji.domain.codes import FundPayType
from gongji.service.audit import audit
from gongji.service.demo import GUILAN
from gongji.service.wallet_query import show_wallet
from tests.fsi.conftest import FsiServer
from tests.fsi.test_http import AMBROXOL, LORATADINE, ok, open_bill


def test_a_pharmacy_purchase_is_paid_through_the_wallet_and_named_as_mutual_aid(fsi_server: FsiServer) -> None:
    """赵桂兰 (Shijiazhuang resident, no personal account) buys at the pharmacy; the demo's 500.00 from her daughter
    张丽 (Beijing) is in her wallet: it pays, and the answer names 张丽 on the account's row."""
    server = fsi_server
    before = show_wallet(server.ctx, GUILAN).balance_fen
    bill = open_bill(server.pharmacy, GUILAN, "390", [(LORATADINE, "1"), (AMBROXOL, "1")], med_type="41")
    assert bill.total == Decimal("56.40")
    settled = ok(server.pharmacy.call("2207", bill.settle_input()))
    info = settled["setlinfo"]
    assert Decimal(str(info["acct_pay"])) == Decimal(str(info["acct_mulaid_pay"])) > 0
    paid_fen = int(Decimal(str(info["acct_pay"])) * 100)
    [row] = [r for r in settled["setldetail"] if r["fund_pay_type"] == FundPayType.EMPLOYEE_PERSONAL_ACCOUNT.value]
    assert (row["mulaid_psn_name"], row["mulaid_flag"], row["mulaid_relation"]) == ("张丽", "1", "wallet")
    assert row["mulaid_insuplc_admdvs"] == "110000"
    assert "医保钱包" in row["fund_pay_type_name"]
    assert show_wallet(server.ctx, GUILAN).balance_fen == before - paid_fen
    setl_id = info["setl_id"]
    ok(server.pharmacy.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": bill.mdtrt_id}}))
    assert show_wallet(server.ctx, GUILAN).balance_fen == before
    assert audit(server.ctx).clean
