"""Group commit: writes that arrive at the same moment in one process are applied in one transaction.

A settlement's own work is short; what costs is what every transaction pays around it — the BEGIN and the commit
(the WAL flush), the wait for the database's write lock (SQLite) or for the region's hot clearing rows (PostgreSQL),
which every settlement of a region posts to. So, as TigerBeetle batches transfers, a caller that finds another
write under way does not start a transaction of its own: it queues its job and waits. The caller whose job found the
queue empty leads: it takes every job waiting (up to :data:`MAX_BATCH`), applies them in order in one transaction —
each under a savepoint, so that a refused job is undone and answered alone while the others go on — commits once,
and answers every caller. Jobs that arrived meanwhile are the next batch, led by the first of them. Nobody waits for
a batch to fill: a job that finds nobody else writing runs at once, exactly as it would alone, so one client pays
nothing for the committer.

What a job does in a batch is what it would do alone, in the same order, and nothing is answered before the commit:
the idempotency record, the audit and every crash-safety guarantee are those of the job's own transaction. When the
batch's transaction fails as a whole (a deadlock, a busy database, a dropped connection, a failed commit), nothing of
it is kept and every job is run again alone, by the ordinary path with its retries; a job whose commit did reach the
database finds its idempotency record there and answers from it.

One committer per unit-of-work factory (per database) and process, kept here; the callers are threads (the HTTP
server's worker threads, the benchmark's clients).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from weakref import WeakKeyDictionary

from gongji.service.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["MAX_BATCH", "GroupCommitter", "GroupedJob", "committer_for", "raising"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: The most jobs one transaction takes: a bound on how long the last caller of a batch waits for its answer.
MAX_BATCH = 64


class GroupedJob(Protocol[T_co]):
    """A write the committer can run in a batch or alone."""

    def in_batch(self, uow: UnitOfWork) -> Callable[[], T_co]:
        """Do the job's work in the batch's open transaction, undoing its own writes when it is refused; the answer
        to give once the batch has committed (a callable returning the result or raising the refusal). Raises only
        what spoils the whole transaction (a transient or connection error): the batch is then run again job by job."""
        ...

    def alone(self) -> T_co:
        """Run the job in a transaction of its own, with the ordinary retries."""
        ...


@dataclass(eq=False)
class _Waiter:
    """A caller waiting for its job's answer, or for its turn to lead."""

    job: GroupedJob[Any]
    wake: threading.Event = field(default_factory=threading.Event)
    answer: Callable[[], Any] | None = None

    def settle(self, answer: Callable[[], Any]) -> None:
        self.answer = answer
        self.wake.set()


class GroupCommitter:
    """Collects the writes that arrive while one is under way and commits each such group at once."""

    def __init__(self, uow: UnitOfWorkFactory, *, max_batch: int = MAX_BATCH) -> None:
        self._uow = uow
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Waiter] = []
        self._leading = False
        self._batches = 0
        self._jobs = 0

    @property
    def waiting(self) -> int:
        """How many jobs are queued for the next batch (for tests and metrics)."""
        with self._lock:
            return len(self._queue)

    @property
    def batches(self) -> tuple[int, int]:
        """How many transactions the committer has run and how many jobs they took (the mean batch is the ratio)."""
        with self._lock:
            return self._batches, self._jobs

    def run(self, job: GroupedJob[T]) -> T:
        """Apply ``job`` (in a batch with whatever else is waiting) and give its answer once it is committed."""
        if getattr(_leader, "leading", False):
            # It would wait for the batch it is part of: a write inside a grouped write's transaction is a fault.
            raise RuntimeError("a grouped write started inside another grouped write")
        waiter = _Waiter(job)
        with self._lock:
            self._queue.append(waiter)
            lead = not self._leading
            self._leading = True
        if not lead:
            waiter.wake.wait()
        if waiter.answer is None:  # first in, or promoted by the leader before: this caller leads the next batch
            self._lead()
        assert waiter.answer is not None
        result: T = waiter.answer()
        return result

    def _lead(self) -> None:
        """Apply one batch (this caller's job first), then hand the lead to the first job that waits, if any."""
        with self._lock:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            self._batches += 1
            self._jobs += len(batch)
        _leader.leading = True
        try:
            self._apply(batch)
        finally:
            _leader.leading = False
            for waiter in batch:
                if waiter.answer is None:  # only when applying failed in a way nobody foresaw
                    waiter.settle(raising(RuntimeError("group commit failed before answering")))
            with self._lock:
                if self._queue:  # woken without an answer, the first one waiting leads the next batch
                    self._queue[0].wake.set()
                else:
                    self._leading = False

    def _apply(self, batch: list[_Waiter]) -> None:
        if len(batch) == 1:  # nobody else is writing: the ordinary path, no savepoint
            batch[0].settle(_captured(batch[0].job.alone))
            return
        try:
            with self._uow() as uow:
                answers = [waiter.job.in_batch(uow) for waiter in batch]
                uow.commit()
        except Exception:  # nothing of the batch was kept: every job runs again alone
            for waiter in batch:
                waiter.settle(_captured(waiter.job.alone))
            return
        for waiter, answer in zip(batch, answers, strict=True):
            waiter.settle(answer)


def _captured(run: Callable[[], T]) -> Callable[[], T]:
    """Run now; the answer as a callable that returns the result or raises what ``run`` raised."""
    try:
        result = run()
    except Exception as exc:  # handed to the caller whose job it was
        return raising(exc)
    return lambda: result


def raising(exc: Exception) -> Callable[[], Any]:
    """An answer that raises ``exc``."""

    def answer() -> Any:
        raise exc

    return answer


#: Whether this thread is applying a batch (a job's handler runs in the leader's thread).
_leader = threading.local()

_COMMITTERS: WeakKeyDictionary[UnitOfWorkFactory, GroupCommitter] = WeakKeyDictionary()
_COMMITTERS_LOCK = threading.Lock()


def committer_for(uow: UnitOfWorkFactory) -> GroupCommitter:
    """The process's committer for the database of ``uow`` (jobs of one batch share a transaction, so a database)."""
    with _COMMITTERS_LOCK:
        found = _COMMITTERS.get(uow)
        if found is None:
            found = _COMMITTERS[uow] = GroupCommitter(uow)
        return found
