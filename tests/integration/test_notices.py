"""Notifications: the inbox, the notifier's outbox read after the commit — each sent once, a failed one kept for the
next run, and two workers delivering at once never sending the same one."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from gongji.domain.codes import RelationType
from gongji.domain.notices import NoticeKind
from gongji.service import notices
from gongji.service.context import Context
from gongji.service.notices import deliver, inbox, mark_read, notify, unread
from gongji.service.ports import UnitOfWork
from gongji.service.wallet import OpenWallet, SendToWallet, open_wallet, send_to_wallet
from gongji.service.wallet_ports import StoredNotice
from tests.helpers import GUILAN, XIAOMING, ZHANGLI, employee, person_id, random_key, resident


class Recording:
    """A notifier that records what it sent; it fails the ids in ``failing`` (and may take a while)."""

    def __init__(self, failing: frozenset[int] = frozenset(), *, slow: bool = False) -> None:
        self.sent: list[int] = []
        self.failing = failing
        self.slow = slow
        self._lock = threading.Lock()

    def send(self, notice: StoredNotice, text_zh: str) -> None:
        assert text_zh
        if self.slow:
            time.sleep(0.05)  # widens the window in which the other worker looks for rows (nothing is timed)
        if notice.id in self.failing:
            raise RuntimeError("gateway down")
        with self._lock:
            self.sent.append(notice.id)


def _transfers(ctx: Context, count: int) -> None:
    employee(ctx, ZHANGLI, "张丽", region="110000", prior_fen=1_000_000)
    resident(ctx, GUILAN, "赵桂兰")
    resident(ctx, XIAOMING, "张小明")
    for who in (ZHANGLI, GUILAN, XIAOMING):
        open_wallet(ctx, OpenWallet(who), key=f"open:{who}")
    receivers = [(GUILAN, RelationType.PARENT), (XIAOMING, RelationType.PATERNAL_GRANDCHILD)]
    for receiver, relation in receivers[:count]:
        send_to_wallet(ctx, SendToWallet(ZHANGLI, receiver, 100, relation, face_token="ok"), key=random_key())


def test_each_notification_is_sent_once_and_a_failed_one_waits_for_the_next_run(ctx: Context) -> None:
    _transfers(ctx, 2)
    failing = Recording(failing=frozenset({1}))
    assert deliver(ctx, failing) == 1
    assert failing.sent == [2]
    again = Recording()
    assert deliver(ctx, again) == 1
    assert again.sent == [1]
    assert deliver(ctx, Recording()) == 0


def test_the_inbox_counts_unread_and_marks_only_ones_own(ctx: Context) -> None:
    _transfers(ctx, 2)
    mother, grandson = person_id(ctx, GUILAN), person_id(ctx, XIAOMING)
    [line] = inbox(ctx, mother)
    assert "张丽" in line.text_zh
    assert "1.00" in line.text_en
    assert unread(ctx, mother) == 1
    assert mark_read(ctx, grandson, [line.id]) == 0  # not his
    assert unread(ctx, mother) == 1
    assert mark_read(ctx, mother, [line.id]) == 1
    assert (unread(ctx, mother), inbox(ctx, mother)[0].read) == (0, True)


class TestConcurrentDelivery:
    """Two workers racing for the same rows needs row locks: PostgreSQL only."""

    @pytest.fixture
    def backend(self) -> str:
        return "postgresql"

    def test_two_workers_delivering_at_once_never_send_the_same_notification(
        self, ctx: Context, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _transfers(ctx, 0)
        mother = person_id(ctx, GUILAN)

        def many(uow: UnitOfWork) -> None:
            for n in range(30):
                notify(uow, mother, NoticeKind.ACCOUNT_PAID, {"patient": "x", "amount_fen": n + 1}, ctx.clock.now())
            uow.commit()

        ctx.transaction(many)
        monkeypatch.setattr(notices, "DELIVERY_BATCH", 4)  # small batches: the workers take turns, skipping locks
        start = threading.Barrier(2)
        notifiers = [Recording(slow=True), Recording(slow=True)]

        def run(notifier: Recording) -> None:
            start.wait(timeout=30)
            deliver(ctx, notifier)

        threads = [threading.Thread(target=run, args=(n,)) for n in notifiers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        sent = Counter(notifiers[0].sent + notifiers[1].sent)
        assert len(sent) == 30
        assert set(sent.values()) == {1}
