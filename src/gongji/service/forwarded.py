"""The answers a node got from other nodes for national-interface messages it forwarded, kept under the message's
own idempotency key, so that a retried message is answered here and reaches the other node once
(:mod:`gongji.federation.fsi_route`)."""

from __future__ import annotations

from gongji.domain.errors import Conflict, ErrorCode
from gongji.service.context import Context
from gongji.service.ports import StoredOutcome, UnitOfWork

__all__ = ["FORWARDED", "forwarded_answer", "keep_forwarded_answer"]

#: The operation the key records.
FORWARDED = "fsi.forwarded"


def forwarded_answer(ctx: Context, key: str, digest: str) -> str | None:
    """The answer kept for the message under ``key`` (its JSON), or ``None``; another message under the same key
    (another body, or a message this node answered itself) is refused (``IDEMPOTENCY_CONFLICT``)."""
    stored = ctx.stored_outcome(key)
    if stored is None:
        return None
    if stored.operation != FORWARDED or stored.request_hash != digest:
        raise Conflict(ErrorCode.IDEMPOTENCY_CONFLICT, key=key, operation=stored.operation)
    return stored.outcome


def keep_forwarded_answer(ctx: Context, key: str, digest: str, answer: str, *, refused: bool) -> None:
    """Keep the other node's answer under ``key`` (the first kept stays, if two retries raced)."""

    def handler(uow: UnitOfWork) -> None:
        if uow.idempotency.get(key) is None:
            uow.idempotency.put(key, StoredOutcome(FORWARDED, digest, refused, answer), ctx.clock.now())
        uow.commit()

    ctx.transaction(handler)
