"""What every use case runs with: the unit-of-work factory and the clock, plus the transaction runners.

``write`` runs an idempotent write: it stores the idempotency key, a hash of the request and the outcome in
the same transaction as the write; the same key with the same request replays the stored outcome (refusals
too), with another request it is a conflict. ``read`` runs a read-only transaction. Both retry transient
database errors a bounded number of times; a transient error is never shown as a business refusal.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from gongji.domain.errors import Conflict, ErrorCode, GongjiError, InvalidInput
from gongji.rules.book import RuleBook, default_rule_book
from gongji.service.clock import Clock
from gongji.service.federation_ports import Nodes
from gongji.service.group_commit import committer_for, raising
from gongji.service.ports import StoredOutcome, UnitOfWork, UnitOfWorkFactory
from gongji.service.refusal_log import Channel, Subject, current_channel, refusal_entry, watching
from gongji.service.verification import FaceVerifier, FakeFaceVerifier

__all__ = ["Context", "message_identity", "request_hash"]

T = TypeVar("T")

_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


#: The digest of the whole message a write arrived in, when an edge (the national interface) sets one: part of the
#: request's identity, so that a message id replayed with another body is a conflict even where the use case reads
#: only some of the message's fields.
_MESSAGE_DIGEST: ContextVar[str | None] = ContextVar("gongji_message_digest", default=None)


@contextmanager
def message_identity(digest: str) -> Iterator[None]:
    """Within this block, every idempotent write also binds its key to ``digest`` (the whole message)."""
    token = _MESSAGE_DIGEST.set(digest)
    try:
        yield
    finally:
        _MESSAGE_DIGEST.reset(token)


def request_hash(operation: str, request: Mapping[str, Any]) -> str:
    """SHA-256 of the operation and its request, canonically serialised."""
    canonical = json.dumps(
        {"operation": operation, "request": request}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class _HandlerRefused(Exception):
    """Carries a refusal, and whom it was about, out of the handler's (rolled back) transaction, to be recorded in
    its own."""

    def __init__(self, error: GongjiError, subject: Subject) -> None:
        super().__init__(error.code.name)
        self.error = error
        self.subject = subject


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(result_type: type[T]) -> TypeAdapter[T]:
    """Serialisers are costly to build (milliseconds); build one per result type and keep it."""
    adapter = _ADAPTERS.get(result_type)
    if adapter is None:
        adapter = _ADAPTERS[result_type] = TypeAdapter(result_type)
    return adapter


@dataclass(frozen=True)
class _Write(Generic[T]):
    """One idempotent write: its key, the digest of its request, how its result is stored, its handler, and the
    channel it came through (for the refusals log)."""

    ctx: Context
    key: str
    operation: str
    digest: str
    adapter: TypeAdapter[T]
    handler: Callable[[UnitOfWork], T]
    channel: Channel

    def replay(self, stored: StoredOutcome) -> T:
        """The answer a write already stored under this key gives (a conflict if its request was another)."""
        if stored.request_hash != self.digest:
            raise Conflict(ErrorCode.IDEMPOTENCY_CONFLICT, key=self.key, operation=stored.operation)
        if stored.is_error:
            raise GongjiError.from_dict(json.loads(stored.outcome))
        return self.adapter.validate_json(stored.outcome)

    def alone(self) -> T:
        """In a transaction of its own: the handler's work and the key; a refusal in a second one."""

        def attempt(uow: UnitOfWork) -> T:
            stored = uow.idempotency.get(self.key)
            if stored is not None:
                return self.replay(stored)
            with watching() as subject:
                try:
                    result = self.handler(uow)
                except GongjiError as refusal:
                    raise _HandlerRefused(refusal, subject) from None
            self._keep(uow, result)
            uow.commit()
            return result

        try:
            return self.ctx._retrying(attempt, readonly=False)
        except _HandlerRefused as refused:
            refusal, subject = refused.error, refused.subject

        def record(uow: UnitOfWork) -> T:
            stored = uow.idempotency.get(self.key)
            if stored is not None:  # a concurrent attempt with the same key finished first
                return self.replay(stored)
            self._keep_refusal(uow, refusal, subject)
            uow.commit()
            raise refusal

        return self.ctx._retrying(record, readonly=False)

    def in_batch(self, uow: UnitOfWork) -> Callable[[], T]:
        """In a group commit's transaction: the handler's work under a savepoint, undone alone when it is refused
        (the refusal is then stored under the key in the same transaction); the answer, to give after the commit."""
        stored = uow.idempotency.get(self.key)
        if stored is not None:  # stored before, or by an earlier job of this batch
            return lambda: self.replay(stored)
        with watching() as subject:
            answer = _under_savepoint(self.ctx, uow, self.handler)
        try:
            result = answer()
        except GongjiError as refusal:
            self._keep_refusal(uow, refusal, subject)
            return answer
        except Exception:  # a fault of the handler: answered to its caller, nothing stored
            return answer
        self._keep(uow, result)
        return answer

    def _keep(self, uow: UnitOfWork, result: T) -> None:
        outcome = self.adapter.dump_json(result).decode()
        uow.idempotency.put(self.key, StoredOutcome(self.operation, self.digest, False, outcome), self.ctx.clock.now())

    def _keep_refusal(self, uow: UnitOfWork, refusal: GongjiError, subject: Subject) -> None:
        """Keep the refusal under the key (to answer a retry the same) and in the refusals log (to be counted)."""
        now = self.ctx.clock.now()
        outcome = json.dumps(refusal.to_record(), ensure_ascii=False)
        uow.idempotency.put(self.key, StoredOutcome(self.operation, self.digest, True, outcome), now)
        entry = refusal_entry(uow, refusal, operation=self.operation, channel=self.channel, subject=subject, at=now)
        uow.refusals.add(entry)


@dataclass(frozen=True)
class _Shared(Generic[T]):
    """A keyless write that may share a group commit's transaction (``Context.shared_transaction``)."""

    ctx: Context
    handler: Callable[[UnitOfWork], T]

    def alone(self) -> T:
        """In a transaction of its own, retried like any other."""

        def attempt(uow: UnitOfWork) -> T:
            result = self.handler(uow)
            uow.commit()
            return result

        return self.ctx._retrying(attempt, readonly=False)

    def in_batch(self, uow: UnitOfWork) -> Callable[[], T]:
        """Under a savepoint of the batch's transaction; what it raises (but a transient error) is its answer."""
        return _under_savepoint(self.ctx, uow, self.handler)


def _under_savepoint(ctx: Context, uow: UnitOfWork, handler: Callable[[UnitOfWork], T]) -> Callable[[], T]:
    """Run ``handler`` under a savepoint of a batch's transaction: its writes are undone if it raises. The answer
    gives its result or raises what it raised; a transient error spoils the whole batch and is raised here."""
    try:
        with uow.savepoint():
            result = handler(uow)
    except Exception as exc:
        if ctx.uow.is_transient(exc):
            raise  # the whole batch goes again, job by job
        return raising(exc)
    return lambda: result


@dataclass(frozen=True)
class Context:
    """The use cases' dependencies: storage, time, the rules, and the face-verification provider."""

    uow: UnitOfWorkFactory
    clock: Clock
    rules: RuleBook = field(default_factory=default_rule_book)
    face: FaceVerifier = field(default_factory=FakeFaceVerifier)
    #: Whether ``grouped`` writes are committed together (:mod:`gongji.service.group_commit`) or each alone.
    group_commit: bool = True
    #: The federation this node belongs to (which node serves which province); ``None``: a stand-alone gongji.
    nodes: Nodes | None = None

    def write(
        self,
        *,
        key: str,
        operation: str,
        request: Mapping[str, Any],
        result_type: type[T],
        handler: Callable[[UnitOfWork], T],
        grouped: bool = False,
    ) -> T:
        """Run ``handler`` once per idempotency ``key``, in one transaction, retrying transient errors.

        The success path costs one lookup and one insert of the key beside the handler's own statements. A
        refusal rolls the handler's work back and records the refusal under the key in a second, short
        transaction (refusals are rare; the common path pays for no savepoint). ``grouped`` writes (settlements)
        that arrive while another is under way in this process are committed together with it
        (:mod:`gongji.service.group_commit`), each under a savepoint, with exactly these outcomes.
        """
        if not _KEY.match(key):
            raise InvalidInput(ErrorCode.IDEMPOTENCY_KEY_INVALID)
        message = _MESSAGE_DIGEST.get()
        digest = request_hash(operation, {**request, "message": message} if message else request)
        job = _Write(self, key, operation, digest, _adapter(result_type), handler, current_channel())
        if grouped and self.group_commit:
            return committer_for(self.uow).run(job)
        return job.alone()

    def stored_outcome(self, key: str) -> StoredOutcome | None:
        """What a write under ``key`` stored (its outcome or refusal), or ``None`` if none took effect."""
        return self.read(lambda uow: uow.idempotency.get(key))

    def read(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run ``handler`` in a read-only transaction, retrying transient errors."""
        return self._retrying(handler, readonly=True)

    def transaction(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run ``handler`` in a writing transaction without an idempotency key (batch jobs that are
        idempotent by construction, such as the year rollover); ``handler`` commits."""
        return self._retrying(handler, readonly=False)

    def shared_transaction(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run ``handler`` — a short write without an idempotency key, such as recording a gateway nonce — in the
        transaction of the writes waiting beside it in this process (group commit), or alone when nothing else is
        being written; ``handler`` does not commit. A refusal it raises undoes its own writes only."""
        job = _Shared(self, handler)
        if self.group_commit:
            return committer_for(self.uow).run(job)
        return job.alone()

    def _retrying(self, handler: Callable[[UnitOfWork], T], *, readonly: bool) -> T:
        backoff = self.uow.iter_backoff_s()
        while True:
            try:
                with self.uow(readonly=readonly) as uow:
                    return handler(uow)
            except GongjiError:
                raise
            except Exception as exc:
                if not self.uow.is_transient(exc):
                    raise
                pause_s = next(backoff, None)
                if pause_s is None:
                    raise
                time.sleep(pause_s)
