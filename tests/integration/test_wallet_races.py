"""Wallet (医保钱包) requests racing each other on PostgreSQL, where they really run at once: two transfers of one
sender for the last daily slot, for the last yuan of his shareable balance, or to the same person; an acceptance
racing the 06:00 return, and several return runs at once. Exactly one wins each race; nothing is lost or doubled,
the sender's balance and reservation add up to what he had, and the ledger audits clean.

Each race starts its threads together at a barrier, and runs a few rounds (each on a new day) so that both
interleavings are likely to be seen; the assertions hold whichever request reached the database first.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine

from gongji.bootstrap import build_context
from gongji.domain.codes import RelationType
from gongji.domain.errors import ErrorCode, GongjiError
from gongji.domain.notices import NoticeKind
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.notices import inbox
from gongji.service.wallet import (
    DecideTransfer,
    OpenWallet,
    SendToWallet,
    accept_transfer,
    open_wallet,
    return_due,
    send_to_wallet,
)
from gongji.service.wallet_query import show_transfer, show_wallet
from gongji.service.wallet_views import ReturnDueResult, WalletTransferView
from tests.helpers import GUILAN, XIAOMING, ZHANGLI, employee, person_id, random_key, resident

#: Rounds of each race: enough for both orders to turn up, few enough to stay quick.
ROUNDS = 4
#: How long a thread waits at the barrier for the others before the test fails (a safety net, not an assertion).
BARRIER_TIMEOUT_S = 60
FIRST_DAY = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
RELATION = {GUILAN: RelationType.PARENT, XIAOMING: RelationType.PATERNAL_GRANDCHILD}
RECEIVERS = (GUILAN, XIAOMING)


@pytest.fixture(params=["postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Only PostgreSQL: SQLite's ``BEGIN IMMEDIATE`` runs writers one after another, so nothing races there."""
    return str(request.param)


def _family(ctx: Context, prior_fen: int) -> None:
    """张丽, an employee in Beijing with ``prior_fen`` in her account, and two relatives in Shijiazhuang, all three
    with a wallet open."""
    employee(ctx, ZHANGLI, "张丽", region="110000", prior_fen=prior_fen)
    resident(ctx, GUILAN, "赵桂兰")
    resident(ctx, XIAOMING, "张小明")
    for who in (ZHANGLI, *RECEIVERS):
        open_wallet(ctx, OpenWallet(who), key=f"open:{who}")


def _send(ctx: Context, to: str, amount_fen: int, key: str | None = None) -> WalletTransferView:
    command = SendToWallet(ZHANGLI, to, amount_fen, RELATION[to], face_token="ok")
    return send_to_wallet(ctx, command, key=key or random_key())


def _accept(ctx: Context, transfer_id: int, receiver: str) -> WalletTransferView:
    return accept_transfer(ctx, DecideTransfer(transfer_id, receiver), key=random_key())


def _race(calls: Sequence[Callable[[], object]]) -> list[object]:
    """Run the calls in threads of their own, released together by a barrier: each one's result, or the code of
    its refusal. Any other error fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(BARRIER_TIMEOUT_S)
            try:
                outcomes[index] = call()
            except GongjiError as refusal:
                outcomes[index] = refusal.code
        except BaseException as error:  # carried to the test's thread and raised there
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return outcomes


def _one_sent(outcomes: Sequence[object], refusal: ErrorCode) -> WalletTransferView:
    """Exactly one transfer went through and the other was refused with ``refusal``: the one that went through."""
    sent = [o for o in outcomes if isinstance(o, WalletTransferView)]
    refused = [o for o in outcomes if not isinstance(o, WalletTransferView)]
    assert len(sent) == 1, outcomes
    assert refused == [refusal], outcomes
    assert sent[0].status == "pending"
    return sent[0]


def _on_day(ctx: Context, clock: FixedClock, day: int) -> None:
    """Move to 10:00 of the ``day``-th day after the first, and let the return job send back whatever was still
    waiting from the day before (so that each round starts with nothing pending)."""
    clock.set(FIRST_DAY + timedelta(days=day))
    return_due(ctx)


def _kinds(ctx: Context, certno: str) -> Counter[str]:
    """How many notifications of each kind the person has."""
    return Counter(notice.kind for notice in inbox(ctx, person_id(ctx, certno)))


def _books_hold(ctx: Context, prior_fen: int) -> None:
    """Nothing lost or doubled: the sender's account and her reservation add up to what she had; the reservation
    is what her pending and accepted transfers still hold; each receiver's balance is what she accepted; every
    transfer was sent once (one history line, one notification to its receiver); and the audit is clean."""
    report = audit(ctx)
    assert report.clean, report.findings
    sender = show_wallet(ctx, ZHANGLI)
    assert balances(ctx, ZHANGLI).personal_account_fen + sender.reserved_out_fen == prior_fen
    holding = {"pending": "amount_fen", "accepted": "remaining_fen"}
    reserved = sum(getattr(t, holding[t.status]) for t in sender.outgoing if t.status in holding)
    assert sender.reserved_out_fen == reserved
    sent = Counter(line.transfer_id for line in sender.history if line.kind == "sent")
    assert sorted(sent) == sorted(t.id for t in sender.outgoing)
    assert set(sent.values()) <= {1}
    for receiver in RECEIVERS:
        wallet = show_wallet(ctx, receiver)
        assert wallet.balance_fen == sum(t.remaining_fen for t in wallet.incoming if t.status == "accepted")
        assert _kinds(ctx, receiver)[NoticeKind.WALLET_TRANSFER_WAITING.name] == len(wallet.incoming)


def test_two_transfers_racing_for_the_last_daily_slot_only_one_is_sent(ctx: Context, clock: FixedClock) -> None:
    """Two transfers sent and accepted today; a third to her mother and a third to her grandson at once: one is
    sent, the other is refused with the daily count, and the day holds exactly three transfers."""
    prior = 1_000_000
    _family(ctx, prior)
    for day in range(ROUNDS):
        _on_day(ctx, clock, day)
        for _ in range(2):
            _accept(ctx, _send(ctx, GUILAN, 100).id, GUILAN)
        keys = {GUILAN: random_key(), XIAOMING: random_key()}
        outcomes = _race([partial(_send, ctx, to, 100, keys[to]) for to in RECEIVERS])
        winner = _one_sent(outcomes, ErrorCode.WALLET_DAILY_COUNT_REACHED)
        today = clock.now().date()
        sent_today = [
            t for t in show_wallet(ctx, ZHANGLI).outgoing if t.requested_at.astimezone(SHANGHAI).date() == today
        ]
        assert len(sent_today) == 3
        # Replaying either request answers what it answered in the race: nothing is sent twice.
        for to, outcome in zip(RECEIVERS, outcomes, strict=True):
            if outcome == winner:
                assert _send(ctx, to, 100, keys[to]).id == winner.id
            else:
                with pytest.raises(GongjiError) as again:
                    _send(ctx, to, 100, keys[to])
                assert again.value.code is ErrorCode.WALLET_DAILY_COUNT_REACHED
        _books_hold(ctx, prior)


def test_two_transfers_racing_for_the_last_yuan_only_one_is_sent(ctx: Context, clock: FixedClock) -> None:
    """One yuan is left unreserved in her account; two transfers of one yuan at once (to two people): one is sent,
    the other finds too little to share."""
    prior = 100_100
    _family(ctx, prior)
    _accept(ctx, _send(ctx, GUILAN, 100_000).id, GUILAN)
    for day in range(ROUNDS):
        _on_day(ctx, clock, day)
        assert balances(ctx, ZHANGLI).personal_account_fen == 100
        outcomes = _race([partial(_send, ctx, to, 100) for to in RECEIVERS])
        _one_sent(outcomes, ErrorCode.WALLET_SHAREABLE_TOO_LOW)
        assert balances(ctx, ZHANGLI).personal_account_fen == 0
        _books_hold(ctx, prior)


def test_two_transfers_to_the_same_person_at_once_only_one_is_pending(ctx: Context, clock: FixedClock) -> None:
    """Two transfers to her mother at once: one waits to be accepted, the other is refused by the pending pair."""
    prior = 1_000_000
    _family(ctx, prior)
    for day in range(ROUNDS):
        _on_day(ctx, clock, day)
        outcomes = _race([partial(_send, ctx, GUILAN, amount) for amount in (100, 200)])
        winner = _one_sent(outcomes, ErrorCode.WALLET_TRANSFER_PENDING)
        pending = [t for t in show_wallet(ctx, GUILAN).incoming if t.status == "pending"]
        assert [t.id for t in pending] == [winner.id]
        _books_hold(ctx, prior)


@pytest.mark.parametrize(
    "accepted_before_due",
    [timedelta(seconds=1), timedelta(0)],
    ids=["accepted-a-second-before-06:00", "accepted-at-06:00"],
)
def test_accepting_while_the_return_runs_twice_settles_the_transfer_once(
    ctx: Context, engine: Engine, clock: FixedClock, accepted_before_due: timedelta
) -> None:
    """Her mother accepts (a request that left her phone a second before 06:00, or at 06:00 itself) while two
    runs of the 06:00 return job start: the transfer is accepted or returned, once, never both. At 06:00 itself
    the acceptance always loses, refused as expired or as already returned."""
    prior = 1_000_000
    _family(ctx, prior)
    amount = 30_000
    accepted = returned = 0
    for day in range(ROUNDS):
        _on_day(ctx, clock, day)
        transfer = _send(ctx, GUILAN, amount)
        clock.set(transfer.return_due_at)
        phone = build_context(engine=engine, clock=FixedClock(transfer.return_due_at - accepted_before_due))
        outcomes = _race(
            [partial(_accept, phone, transfer.id, GUILAN), partial(return_due, ctx), partial(return_due, ctx)]
        )
        acceptance, runs = outcomes[0], outcomes[1:]
        assert all(isinstance(run, ReturnDueResult) for run in runs), runs
        sent_back = [run for run in runs if isinstance(run, ReturnDueResult) and run.returned]
        final = show_transfer(ctx, transfer.id)
        history = Counter(line.kind for line in show_wallet(ctx, ZHANGLI).history if line.transfer_id == transfer.id)
        if isinstance(acceptance, WalletTransferView):
            assert accepted_before_due > timedelta(0)
            assert sent_back == []
            assert (final.status, final.remaining_fen) == ("accepted", amount)
            assert history == {"sent": 1, "accepted": 1}
            accepted += 1
        else:
            expected = {ErrorCode.WALLET_TRANSFER_STATE_WRONG}
            if not accepted_before_due:
                expected.add(ErrorCode.WALLET_TRANSFER_EXPIRED)
            assert acceptance in expected, outcomes
            assert [(run.returned, run.amount_fen) for run in sent_back] == [(1, amount)]
            assert (final.status, final.remaining_fen) == ("returned", 0)
            assert history == {"sent": 1, "returned": 1}
            returned += 1
        _books_hold(ctx, prior)
    assert show_wallet(ctx, GUILAN).balance_fen == accepted * amount
    sender_told = _kinds(ctx, ZHANGLI)
    assert sender_told[NoticeKind.WALLET_TRANSFER_ACCEPTED.name] == accepted
    assert sender_told[NoticeKind.WALLET_TRANSFER_RETURNED.name] == returned
    assert _kinds(ctx, GUILAN)[NoticeKind.WALLET_TRANSFER_EXPIRED.name] == returned


def test_return_runs_at_once_return_each_due_transfer_once(ctx: Context, clock: FixedClock) -> None:
    """Three runs of the return job at once over two transfers due: each transfer goes back once, the runs' counts
    add up to two, and each side is told once."""
    prior = 1_000_000
    _family(ctx, prior)
    amounts = {GUILAN: 10_000, XIAOMING: 2_500}
    for day in range(ROUNDS):
        _on_day(ctx, clock, day)
        sent = {to: _send(ctx, to, amount).id for to, amount in amounts.items()}
        clock.set(clock.now().replace(hour=6, minute=0) + timedelta(days=1))
        runs = _race([partial(return_due, ctx)] * 3)
        assert all(isinstance(run, ReturnDueResult) for run in runs), runs
        results = [run for run in runs if isinstance(run, ReturnDueResult)]
        assert sum(run.returned for run in results) == 2
        assert sum(run.amount_fen for run in results) == sum(amounts.values())
        assert {show_transfer(ctx, t).status for t in sent.values()} == {"returned"}
        assert balances(ctx, ZHANGLI).personal_account_fen == prior
        _books_hold(ctx, prior)
    rounds_told = _kinds(ctx, ZHANGLI)[NoticeKind.WALLET_TRANSFER_RETURNED.name]
    assert rounds_told == ROUNDS * len(amounts)
    for receiver in amounts:
        assert _kinds(ctx, receiver)[NoticeKind.WALLET_TRANSFER_EXPIRED.name] == ROUNDS
