"""Spending the wallet (医保钱包): a Shijiazhuang pharmacy purchase paid from a Beijing account through the wallet,
the ledger crossing regions with every ledger summing to zero, the explanation naming the wallet, the patient's
choice, reversal restoring the wallet and the reservation, and replays."""

from __future__ import annotations

import pytest

from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.explanation import render
from gongji.domain.ledger import AccountKind
from gongji.rules.schema import Contribution
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.context import Context
from gongji.service.notices import inbox
from gongji.service.relations.can_pay import why
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    SettlementView,
    UploadFees,
    commit_settlement,
    open_visit,
    preview_settlement,
    reverse_settlement,
    upload_fees,
)
from gongji.service.wallet import DecideTransfer, OpenWallet, SendToWallet, accept_transfer, open_wallet, send_to_wallet
from gongji.service.wallet_contribution import PayContributionFromWallet, pay_contribution_from_wallet
from gongji.service.wallet_query import show_wallet
from tests.helpers import GUILAN, ZHANGLI, employee, person_id, random_key, resident

PHARMACY = "P13010200001"  # 示例大药房, Shijiazhuang
LORATADINE = "XR06AXL001A001010100009"  # B, 10 % self-pay first
VALSARTAN = "XC09CAX034A001010100008"


@pytest.fixture
def family(ctx: Context) -> Context:
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    employee(ctx, ZHANGLI, "张丽", region="110000", prior_fen=200_000)
    resident(ctx, GUILAN, "赵桂兰")
    for who in (ZHANGLI, GUILAN):
        open_wallet(ctx, OpenWallet(who), key=f"open:{who}")
    return ctx


def _grant(ctx: Context, amount_fen: int) -> int:
    sent = send_to_wallet(
        ctx, SendToWallet(ZHANGLI, GUILAN, amount_fen, RelationType.PARENT, face_token="ok"), key=random_key()
    )
    accept_transfer(ctx, DecideTransfer(sent.id, GUILAN), key=random_key())
    return sent.id


def _purchase(ctx: Context, *lines: FeeInput) -> str:
    opened = open_visit(ctx, OpenVisit(GUILAN, PHARMACY, MedType.PHARMACY_PURCHASE), key=random_key())
    upload_fees(ctx, UploadFees(opened.mdtrt_id, lines), key=random_key())
    return opened.mdtrt_id


def _settle(ctx: Context, mdtrt_id: str, **kw: bool) -> SettlementView:
    preview = preview_settlement(ctx, Settle(mdtrt_id, **kw))
    committed = commit_settlement(ctx, Settle(mdtrt_id, **kw), key=random_key())
    assert preview.amounts == committed.amounts
    report = audit(ctx)
    assert report.clean, report.findings
    return committed


def test_a_pharmacy_purchase_is_paid_from_the_wallet_across_provinces(family: Context) -> None:
    ctx = family
    transfer = _grant(ctx, 50_000)
    # 2 × 23.80 + 1 × 32.60 = 80.20; she has no personal account: the wallet pays what an account may pay.
    mdtrt_id = _purchase(ctx, FeeInput("1", LORATADINE, "2", 2_380), FeeInput("2", VALSARTAN, "1", 3_260))
    view = _settle(ctx, mdtrt_id)
    paid = view.amounts["acct_pay"]
    assert paid > 0
    assert view.amounts["acct_mulaid_pay"] == paid  # mutual aid: none of it is her own account
    assert [(p.payer, p.relation, p.region, p.amount_fen, p.wallet_transfer_id) for p in view.payers] == [
        ("张丽", "wallet", "110000", paid, transfer)
    ]
    step = next(s for s in view.explanation.purses if s.paid_fen)
    assert step.wallet_transfer == transfer
    assert "医保钱包" in render(step.reason.code, step.reason.params, "zh")
    assert "wallet" in render(step.reason.code, step.reason.params, "en")
    # The money left Beijing now: her reservation and the mother's wallet are both down by what was paid.
    assert show_wallet(ctx, GUILAN).balance_fen == 50_000 - paid
    assert show_wallet(ctx, ZHANGLI).reserved_out_fen == 50_000 - paid
    assert balances(ctx, ZHANGLI).personal_account_fen == 150_000
    history = show_wallet(ctx, ZHANGLI).history
    assert history[0].kind == "paid"
    assert history[0].amount_fen == paid
    told = inbox(ctx, person_id(ctx, ZHANGLI))
    assert "赵桂兰" in told[0].text_zh
    assert "wallet" in told[0].text_en


def test_reversal_puts_the_amount_back_in_the_wallet_and_the_reservation(family: Context) -> None:
    ctx = family
    _grant(ctx, 50_000)
    view = _settle(ctx, _purchase(ctx, FeeInput("1", LORATADINE, "1", 2_380)))
    assert view.setl_id is not None
    reverse_settlement(ctx, ReverseSettlement(view.setl_id, "test"), key=random_key())
    assert show_wallet(ctx, GUILAN).balance_fen == 50_000
    assert show_wallet(ctx, ZHANGLI).reserved_out_fen == 50_000
    assert audit(ctx).clean
    assert [e.kind for e in show_wallet(ctx, GUILAN).history][:2] == ["payment_reversed", "paid"]


def test_the_patient_may_choose_not_to_pay_with_the_wallet(family: Context) -> None:
    ctx = family
    _grant(ctx, 50_000)
    view = _settle(ctx, _purchase(ctx, FeeInput("1", LORATADINE, "1", 2_380)), use_wallet=False)
    assert view.amounts["acct_pay"] == 0
    assert [s.reason.code for s in view.explanation.purses] == ["WALLET_NOT_CHOSEN"]
    assert show_wallet(ctx, GUILAN).balance_fen == 50_000


def test_a_wallet_spent_to_the_last_fen_is_spent_and_the_rest_is_cash(family: Context) -> None:
    ctx = family
    transfer = _grant(ctx, 1_000)
    view = _settle(ctx, _purchase(ctx, FeeInput("1", LORATADINE, "2", 2_380)))
    assert view.amounts["acct_pay"] == 1_000
    assert view.amounts["psn_cash_pay"] == view.amounts["psn_part_amt"] - 1_000
    wallet = show_wallet(ctx, GUILAN)
    assert wallet.balance_fen == 0
    assert next(t for t in wallet.incoming if t.id == transfer).status == "spent"


def test_a_replayed_settlement_spends_the_wallet_once(family: Context) -> None:
    ctx = family
    _grant(ctx, 50_000)
    mdtrt_id = _purchase(ctx, FeeInput("1", LORATADINE, "1", 2_380))
    first = commit_settlement(ctx, Settle(mdtrt_id), key="same")
    again = commit_settlement(ctx, Settle(mdtrt_id), key="same")
    assert first.setl_id == again.setl_id
    assert show_wallet(ctx, GUILAN).balance_fen == 50_000 - first.amounts["acct_pay"]
    kinds = {AccountKind.WALLET_RESERVED.value}
    assert {a.kind for a in balances(ctx, ZHANGLI).accounts} >= kinds


def test_her_resident_contribution_is_paid_from_the_wallet_in_full_or_not_at_all(family: Context) -> None:
    ctx = family
    _grant(ctx, 30_000)
    too_much = PayContributionFromWallet(GUILAN, Contribution.RESIDENT_BASIC, 40_000, 2027, "2027 居民医保")
    with pytest.raises(Refused) as refused:
        pay_contribution_from_wallet(ctx, too_much, key="c1")
    assert refused.value.code is ErrorCode.CONTRIBUTION_NOT_COVERED
    assert show_wallet(ctx, GUILAN).balance_fen == 30_000
    paid = pay_contribution_from_wallet(
        ctx, PayContributionFromWallet(GUILAN, Contribution.RESIDENT_BASIC, 25_000, 2027, "2027 居民医保"), key="c2"
    )
    assert [(p.payer, p.relation, p.amount_fen) for p in paid.payers] == [("张丽", "wallet", 25_000)]
    assert show_wallet(ctx, GUILAN).balance_fen == 5_000
    assert show_wallet(ctx, ZHANGLI).reserved_out_fen == 5_000
    report = audit(ctx)
    assert report.clean, report.findings


def test_why_a_beijing_daughter_cannot_pay_points_to_the_wallet_and_what_it_lacks(ctx: Context) -> None:
    employee(ctx, ZHANGLI, "张丽", region="110000", prior_fen=200_000)
    resident(ctx, GUILAN, "赵桂兰")
    first = why(ctx, ZHANGLI, GUILAN, kind="41")
    assert "GEOGRAPHY_NOT_OPEN" in {c.code for c in first.failed}
    assert [c.code for c in first.wallet_route] == ["WALLET_NOT_OPEN", "WALLET_NOT_OPEN"]
    assert first.wallet_fen == 0
    for who in (ZHANGLI, GUILAN):
        open_wallet(ctx, OpenWallet(who), key=f"open:{who}")
    opened = why(ctx, ZHANGLI, GUILAN, kind="41")
    assert [c.code for c in opened.wallet_route] == ["WALLET_NOTHING_ACCEPTED"]
    assert "接收" in opened.wallet_route[0].message_zh
    _grant(ctx, 20_000)
    ready = why(ctx, ZHANGLI, GUILAN, kind="41")
    assert (ready.wallet_route, ready.wallet_fen) == ([], 20_000)
