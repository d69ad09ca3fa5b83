"""Notifications: the inbox every person has (in the database, written in the transaction of what it reports) and the
notifier port a deployment fills with its SMS gateway or app push.

A use case calls :func:`notify` inside its transaction; the row is the inbox line and, until a notifier took it, an
outbox entry. :func:`deliver` (the background job of ``gongji serve``, or ``gongji notices deliver``) hands undelivered
rows to the notifier after they are committed, so nothing is sent for work that rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from gongji.domain.notices import NoticeKind, render_notice
from gongji.domain.wording import encode
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.wallet_ports import StoredNotice

__all__ = [
    "ConsoleNotifier",
    "LogNotifier",
    "NoticeView",
    "Notifier",
    "deliver",
    "inbox",
    "mark_read",
    "notify",
    "unread",
]

_log = logging.getLogger("gongji.notices")
DELIVERY_BATCH = 200


class Notifier(Protocol):
    """Sends one notification to its recipient (SMS, app push); raises to have it retried on the next run."""

    def send(self, notice: StoredNotice, text_zh: str) -> None: ...


class LogNotifier:
    """Writes that a notification was sent to the log: kind and recipient id only (the text names people)."""

    def send(self, notice: StoredNotice, text_zh: str) -> None:
        """Log the notification's kind and recipient id."""
        _log.info("notice %s to person %s", notice.kind, notice.person_id)


class ConsoleNotifier:
    """The demo's sender: prints each notification as the recipient would read it."""

    def send(self, notice: StoredNotice, text_zh: str) -> None:
        """Print the text with the recipient's id."""
        print(f"[notice → person {notice.person_id}] {text_zh}", flush=True)


@dataclass(frozen=True)
class NoticeView:
    """An inbox line in both languages."""

    id: int
    kind: str
    text_zh: str
    text_en: str
    created_at: datetime
    read: bool


def notify(uow: UnitOfWork, person_id: int, kind: NoticeKind, params: Mapping[str, Any], at: datetime) -> None:
    """Put a notification in the person's inbox, in the caller's transaction."""
    uow.wallets.notify(person_id, kind.name, {name: encode(value) for name, value in params.items()}, at)


def _view(notice: StoredNotice) -> NoticeView:
    return NoticeView(
        id=notice.id,
        kind=notice.kind,
        text_zh=render_notice(notice.kind, notice.params, "zh"),
        text_en=render_notice(notice.kind, notice.params, "en"),
        created_at=notice.created_at,
        read=notice.read_at is not None,
    )


def inbox(ctx: Context, person_id: int, *, limit: int = 100) -> list[NoticeView]:
    """The person's notifications, newest first."""
    return ctx.read(lambda uow: [_view(n) for n in uow.wallets.notices(person_id, limit=limit)])


def mark_read(ctx: Context, person_id: int, notice_ids: list[int]) -> int:
    """Mark some of the person's notifications read (others' are never touched); how many changed."""

    def handler(uow: UnitOfWork) -> int:
        changed = uow.wallets.mark_read(person_id, notice_ids, ctx.clock.now())
        uow.commit()
        return changed

    return ctx.transaction(handler)


def unread(ctx: Context, person_id: int) -> int:
    """How many of the person's notifications are unread."""
    return ctx.read(lambda uow: uow.wallets.unread_count(person_id))


def deliver(ctx: Context, notifier: Notifier) -> int:
    """Hand every undelivered notification to ``notifier``, oldest first; how many were sent.

    Each batch is claimed in a transaction (rows another worker holds are skipped), sent, and marked delivered in the
    same transaction: two workers never send the same row at once. A notification the notifier fails stays
    undelivered for the next run; one sent just before a crash may be sent again (at least once, as SMS gateways
    are)."""
    sent = 0
    while True:

        def batch(uow: UnitOfWork) -> tuple[int, int]:
            claimed = uow.wallets.undelivered(limit=DELIVERY_BATCH, claim=True)
            done: list[int] = []
            for notice in claimed:
                try:
                    notifier.send(notice, render_notice(notice.kind, notice.params, "zh"))
                except Exception:
                    _log.warning("notice %s could not be sent; kept for the next run", notice.id)
                    continue
                done.append(notice.id)
            uow.wallets.mark_delivered(done, ctx.clock.now())
            uow.commit()
            return len(claimed), len(done)

        claimed, done = ctx.transaction(batch)
        sent += done
        if claimed < DELIVERY_BATCH or not done:
            return sent
