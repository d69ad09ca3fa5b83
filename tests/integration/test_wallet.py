"""The wallet (医保钱包): opening, transfers within the national limits at their edges, accept, decline, the 06:00
return, taking back, closing — with the sender's reservation and the audit checked after each."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gongji.domain.codes import Insutype, RelationType
from gongji.domain.errors import ErrorCode, Refused
from gongji.rules.book import RuleBook
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import MoveRegion, move_region
from gongji.service.wallet import (
    CloseWallet,
    DecideTransfer,
    OpenWallet,
    SendToWallet,
    accept_transfer,
    close_wallet,
    decline_transfer,
    open_wallet,
    return_due,
    send_to_wallet,
    take_back,
)
from gongji.service.wallet_query import show_wallet
from tests.helpers import GUILAN, XIAOMING, ZHANGLI, employee, random_key, resident, snapshot


def _family(ctx: Context, *, prior_fen: int = 1_000_000, current_fen: int = 0) -> None:
    employee(ctx, ZHANGLI, "张丽", region="110000", prior_fen=prior_fen, current_fen=current_fen)
    resident(ctx, GUILAN, "赵桂兰")
    resident(ctx, XIAOMING, "张小明")
    for who in (ZHANGLI, GUILAN, XIAOMING):
        open_wallet(ctx, OpenWallet(who), key=f"open:{who}")


def _send(ctx: Context, amount_fen: int, to: str = GUILAN, relation: RelationType = RelationType.PARENT) -> int:
    view = send_to_wallet(ctx, SendToWallet(ZHANGLI, to, amount_fen, relation, face_token="ok"), key=random_key())
    return view.id


def _refusal(ctx: Context, engine: Engine, code: ErrorCode, amount_fen: int = 100, **kw: object) -> None:
    before = snapshot(engine)
    cmd = SendToWallet(ZHANGLI, str(kw.get("to", GUILAN)), amount_fen, RelationType.PARENT, face_token="ok")
    with pytest.raises(Refused) as refused:
        send_to_wallet(ctx, cmd, key=random_key())
    assert refused.value.code is code
    assert snapshot(engine) == before


def test_a_transfer_reserves_the_amount_in_the_senders_account_until_accepted(ctx: Context) -> None:
    _family(ctx)
    transfer = _send(ctx, 50_000)
    sender = balances(ctx, ZHANGLI)
    assert sender.personal_account_fen == 950_000  # reserved: she cannot spend or send it twice
    assert show_wallet(ctx, ZHANGLI).reserved_out_fen == 50_000
    mother = show_wallet(ctx, GUILAN)
    assert (mother.balance_fen, mother.pending_in_fen) == (0, 50_000)
    accepted = accept_transfer(ctx, DecideTransfer(transfer, GUILAN), key="a")
    assert accepted.status == "accepted"
    mother = show_wallet(ctx, GUILAN)
    assert (mother.balance_fen, mother.pending_in_fen) == (50_000, 0)
    assert [e.kind for e in mother.history] == ["accepted", "sent"]
    assert mother.history[0].counterparty == "张丽"
    assert audit(ctx).clean


def test_a_nephew_is_not_a_close_relative(ctx: Context, engine: Engine) -> None:
    _family(ctx)
    before = snapshot(engine)
    cmd = SendToWallet(ZHANGLI, XIAOMING, 10_000, RelationType.OTHER_RELATIVE, face_token="ok")
    with pytest.raises(Refused) as refused:
        send_to_wallet(ctx, cmd, key="n")
    assert refused.value.code is ErrorCode.WALLET_RELATION_NOT_CLOSE
    assert "近亲属" in refused.value.message_zh
    assert snapshot(engine) == before


def test_the_amount_limit_is_2000_yuan_each(ctx: Context, engine: Engine) -> None:
    _family(ctx)
    _refusal(ctx, engine, ErrorCode.WALLET_AMOUNT_OVER_LIMIT, 200_001)
    assert _send(ctx, 200_000) > 0


def test_three_transfers_a_day_and_not_a_fourth(ctx: Context, engine: Engine, clock: FixedClock) -> None:
    _family(ctx)
    for _ in range(3):
        transfer = _send(ctx, 100)
        accept_transfer(ctx, DecideTransfer(transfer, GUILAN), key=random_key())
    _refusal(ctx, engine, ErrorCode.WALLET_DAILY_COUNT_REACHED)
    clock.advance(timedelta(days=1))
    assert _send(ctx, 100) > 0


@pytest.mark.parametrize(
    ("hour", "minute", "second", "refused"),
    [(21, 59, 59, False), (22, 0, 0, True), (5, 59, 59, True), (6, 0, 0, False)],
)
def test_quiet_hours_at_their_edges(
    ctx: Context, engine: Engine, clock: FixedClock, hour: int, minute: int, second: int, refused: bool
) -> None:
    _family(ctx)
    clock.set(datetime(2026, 11, 23, hour, minute, second, tzinfo=SHANGHAI))
    if refused:
        _refusal(ctx, engine, ErrorCode.WALLET_QUIET_HOURS)
    else:
        assert _send(ctx, 100) > 0


def test_no_second_transfer_to_a_person_while_one_is_pending(ctx: Context, engine: Engine) -> None:
    _family(ctx)
    first = _send(ctx, 100)
    _refusal(ctx, engine, ErrorCode.WALLET_TRANSFER_PENDING)
    assert _send(ctx, 100, to=XIAOMING, relation=RelationType.PATERNAL_GRANDCHILD) > 0  # another person is fine
    decline_transfer(ctx, DecideTransfer(first, GUILAN), key="d")
    assert _send(ctx, 100) > 0


def test_an_unaccepted_transfer_returns_at_six_the_next_morning_and_not_before(ctx: Context, clock: FixedClock) -> None:
    _family(ctx)
    transfer = _send(ctx, 30_000)
    clock.set(datetime(2026, 11, 23, 5, 59, 59, tzinfo=SHANGHAI))
    assert return_due(ctx).returned == 0
    assert balances(ctx, ZHANGLI).personal_account_fen == 970_000
    clock.set(datetime(2026, 11, 23, 6, 0, 0, tzinfo=SHANGHAI))
    result = return_due(ctx)
    assert (result.returned, result.amount_fen) == (1, 30_000)
    assert return_due(ctx).returned == 0  # idempotent
    assert balances(ctx, ZHANGLI).personal_account_fen == 1_000_000
    with pytest.raises(Refused) as late:
        accept_transfer(ctx, DecideTransfer(transfer, GUILAN), key="late")
    assert late.value.code is ErrorCode.WALLET_TRANSFER_STATE_WRONG
    assert audit(ctx).clean


def test_only_the_receiver_accepts_and_only_once(ctx: Context) -> None:
    _family(ctx)
    transfer = _send(ctx, 100)
    with pytest.raises(Refused) as other:
        accept_transfer(ctx, DecideTransfer(transfer, XIAOMING), key="x")
    assert other.value.code is ErrorCode.WALLET_NOT_YOURS
    accept_transfer(ctx, DecideTransfer(transfer, GUILAN), key="a1")
    with pytest.raises(Refused) as again:
        decline_transfer(ctx, DecideTransfer(transfer, GUILAN), key="a2")
    assert again.value.code is ErrorCode.WALLET_TRANSFER_STATE_WRONG


def test_the_shareable_part_limits_what_may_be_sent(ctx: Context, engine: Engine) -> None:
    _family(ctx, prior_fen=5_000, current_fen=100_000)
    # Beijing shares the whole account unless its rules say prior years only; either way 2,000.00 is beyond 1,050.00.
    _refusal(ctx, engine, ErrorCode.WALLET_SHAREABLE_TOO_LOW, 200_000)


def test_a_transfer_needs_the_senders_verification(ctx: Context, engine: Engine) -> None:
    _family(ctx)
    before = snapshot(engine)
    for cmd, code in (
        (SendToWallet(ZHANGLI, GUILAN, 100, RelationType.PARENT), ErrorCode.WALLET_VERIFICATION_REQUIRED),
        (
            SendToWallet(ZHANGLI, GUILAN, 100, RelationType.PARENT, password="fail"),
            ErrorCode.WALLET_VERIFICATION_FAILED,
        ),
    ):
        with pytest.raises(Refused) as refused:
            send_to_wallet(ctx, cmd, key=random_key())
        assert refused.value.code is code
    assert snapshot(engine) == before
    view = send_to_wallet(ctx, SendToWallet(ZHANGLI, GUILAN, 100, RelationType.PARENT, password="123456"), key="p")
    assert view.status == "pending"


def test_both_wallets_must_be_open(ctx: Context, engine: Engine) -> None:
    employee(ctx, ZHANGLI, "张丽", region="110000", prior_fen=100_000)
    resident(ctx, GUILAN, "赵桂兰")
    open_wallet(ctx, OpenWallet(ZHANGLI), key="o")
    _refusal(ctx, engine, ErrorCode.WALLET_NOT_OPEN)


def test_taking_back_an_accepted_balance_is_refused_where_the_rules_say_so(ctx: Context) -> None:
    _family(ctx)
    transfer = _send(ctx, 100)
    accept_transfer(ctx, DecideTransfer(transfer, GUILAN), key="a")
    with pytest.raises(Refused) as refused:
        take_back(ctx, DecideTransfer(transfer, ZHANGLI), key="t")
    assert refused.value.code is ErrorCode.WALLET_TAKE_BACK_NOT_ALLOWED


def test_closing_returns_the_unspent_balance_and_waits_for_pending_ones(ctx: Context, engine: Engine) -> None:
    _family(ctx)
    first = _send(ctx, 40_000)
    with pytest.raises(Refused) as pending:
        close_wallet(ctx, CloseWallet(GUILAN), key="c1")
    assert pending.value.code is ErrorCode.WALLET_NOT_EMPTY
    accept_transfer(ctx, DecideTransfer(first, GUILAN), key="a")
    closed = close_wallet(ctx, CloseWallet(GUILAN), key="c2")
    assert (closed.status, closed.balance_fen) == ("closed", 0)
    assert balances(ctx, ZHANGLI).personal_account_fen == 1_000_000
    _refusal(ctx, engine, ErrorCode.WALLET_NOT_OPEN)
    assert audit(ctx).clean


def test_replaying_a_transfer_with_its_key_sends_once(ctx: Context) -> None:
    _family(ctx)
    cmd = SendToWallet(ZHANGLI, GUILAN, 100, RelationType.PARENT, face_token="ok")
    first = send_to_wallet(ctx, cmd, key="same")
    again = send_to_wallet(ctx, cmd, key="same")
    assert first.id == again.id
    assert balances(ctx, ZHANGLI).personal_account_fen == 999_900


def test_a_region_that_has_not_switched_the_wallet_on_refuses_it(ctx: Context, engine: Engine, tmp_path: Path) -> None:
    """A dated regional value overrides the nation's: Shijiazhuang switched off (a test overlay) refuses opening a
    wallet there, with the region and day named."""
    overlay = tmp_path / "130100.yaml"
    overlay.write_text(
        'region: "130100"\n'
        "name: 石家庄市\n"
        "parameters:\n"
        "  wallet_enabled:\n"
        "    - since: 2026-11-01\n"
        "      value: false\n"
        '      reference: {title: "test overlay", address: "https://example.invalid/overlay"}\n'
        "      confidence: unverified\n",
        encoding="utf-8",
    )
    off = dataclasses.replace(ctx, rules=RuleBook.load([tmp_path]))
    resident(off, GUILAN, "赵桂兰")
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        open_wallet(off, OpenWallet(GUILAN), key="o")
    assert refused.value.code is ErrorCode.WALLET_NOT_ENABLED
    assert "130100" in refused.value.message_zh
    assert snapshot(engine) == before


def test_a_sender_who_moves_region_takes_his_reservations_along(ctx: Context) -> None:
    """张丽 moves from Beijing to Shijiazhuang with one transfer pending and one accepted: both reservations move with
    her account, and a decline gives the money back in the region she is insured in now."""
    _family(ctx)
    accepted = _send(ctx, 30_000)
    accept_transfer(ctx, DecideTransfer(accepted, GUILAN), key="a")
    pending = _send(ctx, 20_000, to=XIAOMING, relation=RelationType.PATERNAL_GRANDCHILD)
    move_region(ctx, MoveRegion(ZHANGLI, Insutype.EMPLOYEE_BASIC, "130100", date(2026, 11, 22)), key="move")
    assert show_wallet(ctx, ZHANGLI).reserved_out_fen == 50_000
    decline_transfer(ctx, DecideTransfer(pending, XIAOMING), key="d")
    view = balances(ctx, ZHANGLI)
    assert {(a.kind, a.region) for a in view.accounts if a.balance_fen} == {
        ("personal_prior", "130100"),
        ("wallet_reserved", "130100"),
    }
    assert view.personal_account_fen == 970_000
    report = audit(ctx)
    assert report.clean, report.findings
