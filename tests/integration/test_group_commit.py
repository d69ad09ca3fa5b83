"""Settlements that arrive while another write is under way are committed together in one transaction — and each
caller gets exactly the answer, the idempotency record and the ledger it would have had alone: a refused job is undone
alone, a job that fails is answered alone, and a batch whose transaction fails is run again job by job."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from gongji.bootstrap import Settings, build_context
from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import ErrorCode, GongjiError
from gongji.service.access_state import remember_nonce
from gongji.service.account_query import balances
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.context import Context
from gongji.service.group_commit import GroupCommitter, committer_for
from gongji.service.ports import StoredOutcome, TransientStoreError, UnitOfWork
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    Settle,
    SettlementView,
    UploadFees,
    commit_settlement,
    open_visit,
    upload_fees,
)
from tests.helpers import JIANGUO, XIAOMING, employee, resident

LORATADINE = "XR06AXL001A001010100009"  # 氯雷他定片, category B (10 %), 23.80 a box in the sample catalogue
PHARMACY = "P13010200001"


@pytest.fixture
def family(ctx: Context) -> Context:
    """张建国 (employee, 500.00 of prior years) pays for his son 张小明 (resident) from his personal account."""
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    employee(ctx, JIANGUO, "张建国", prior_fen=50_000)
    resident(ctx, XIAOMING, "张小明")
    asked = request_binding(ctx, RequestBinding(JIANGUO, XIAOMING, RelationType.CHILD, commitment=True), key="b")
    confirm_binding(ctx, ConfirmBinding(asked.id, JIANGUO, "ok"), key="c")
    return replace(ctx, group_commit=True)  # on both backends, whatever the default


def _visit(ctx: Context, n: int) -> str:
    visit = open_visit(ctx, OpenVisit(XIAOMING, PHARMACY, MedType.PHARMACY_PURCHASE), key=f"v{n}")
    upload_fees(ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", LORATADINE, "2", 2_380),)), key=f"f{n}")
    return visit.mdtrt_id


class _Holder:
    """A write that holds the committer's lead until released, so that the writes after it queue into one batch."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def in_batch(self, uow: UnitOfWork) -> Callable[[], None]:
        raise AssertionError("the holder runs first, alone")

    def alone(self) -> None:
        self.started.set()
        assert self.release.wait(60)


class _Batch:
    """Queues calls, in order, behind a holder; ``release`` lets them run as one batch."""

    def __init__(self, committer: GroupCommitter, pool: ThreadPoolExecutor) -> None:
        self._committer = committer
        self._pool = pool
        self._holder = _Holder()
        self._held = pool.submit(committer.run, self._holder)
        assert self._holder.started.wait(60)
        self._queued = 0

    def call(self, fn: Callable[[], Any]) -> Future[Any]:
        future = self._pool.submit(fn)
        self._queued += 1
        _wait_until(lambda: self._committer.waiting == self._queued or future.done())
        assert not future.done(), future.exception()
        return future

    def release(self) -> None:
        self._holder.release.set()
        self._held.result(60)


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the call never queued"
        time.sleep(0.001)


@contextmanager
def _commits(engine: Engine) -> Iterator[list[int]]:
    count = [0]

    def counted(_conn: Any) -> None:
        count[0] += 1

    event.listen(engine, "commit", counted)
    try:
        yield count
    finally:
        event.remove(engine, "commit", counted)


def _settle(ctx: Context, mdtrt_id: str, key: str) -> Callable[[], SettlementView]:
    return lambda: commit_settlement(ctx, Settle(mdtrt_id), key=key)


def _refusal(future: Future[Any]) -> ErrorCode:
    error = future.exception(60)
    assert isinstance(error, GongjiError), error
    return error.code


def _paid(ctx: Context) -> int:
    return 50_000 - balances(ctx, JIANGUO).personal_account_fen


def test_writes_queued_behind_another_commit_once_and_each_gets_its_own_answer(family: Context, engine: Engine) -> None:
    ctx = family
    first, second = _visit(ctx, 1), _visit(ctx, 2)

    def refused_after_writing(uow: UnitOfWork) -> int:
        uow.idempotency.put("side-effect", StoredOutcome("test", "x", False, "1"), ctx.clock.now())
        raise GongjiError(ErrorCode.VISIT_NOT_FOUND, mdtrt_id="written-then-refused")

    def broken(uow: UnitOfWork) -> int:
        uow.idempotency.put("broken-side-effect", StoredOutcome("test", "x", False, "1"), ctx.clock.now())
        raise RuntimeError("a fault in the handler")

    def write(key: str, handler: Callable[[UnitOfWork], int]) -> Callable[[], int]:
        return lambda: ctx.write(key=key, operation="test", request={}, result_type=int, handler=handler, grouped=True)

    with ThreadPoolExecutor(8) as pool, _commits(engine) as commits:
        batch = _Batch(committer_for(ctx.uow), pool)
        settled = batch.call(_settle(ctx, first, "k1"))
        replayed = batch.call(_settle(ctx, first, "k1"))  # the same request again: the first one's answer
        conflicting = batch.call(_settle(ctx, second, "k1"))  # another request under the same key
        unknown = batch.call(_settle(ctx, "NO-SUCH-VISIT", "k2"))
        undone = batch.call(write("k3", refused_after_writing))
        faulty = batch.call(write("k4", broken))
        other = batch.call(_settle(ctx, second, "k5"))
        batch.release()
        answers = [settled.result(60), replayed.result(60), other.result(60)]
        assert commits[0] == 1  # the seven writes queued behind the holder: one transaction

    assert answers[1] == answers[0]
    assert answers[0].setl_id != answers[2].setl_id
    assert _refusal(conflicting) is ErrorCode.IDEMPOTENCY_CONFLICT
    assert _refusal(unknown) is ErrorCode.VISIT_NOT_FOUND
    assert _refusal(undone) is ErrorCode.VISIT_NOT_FOUND
    assert isinstance(faulty.exception(60), RuntimeError)
    # The refusals are kept under their keys; what the refused and the faulty handler wrote is not.
    kept = ctx.stored_outcome("k2")
    assert kept is not None
    assert kept.is_error
    assert ctx.stored_outcome("k3") is not None
    assert ctx.stored_outcome("side-effect") is None
    assert ctx.stored_outcome("k4") is None
    assert ctx.stored_outcome("broken-side-effect") is None
    # Both settlements paid from the father's account, each once.
    assert _paid(ctx) == answers[0].amounts["acct_pay"] + answers[2].amounts["acct_pay"] > 0
    with pytest.raises(GongjiError) as again:
        commit_settlement(ctx, Settle("NO-SUCH-VISIT"), key="k2")
    assert again.value.code is ErrorCode.VISIT_NOT_FOUND
    assert audit(ctx).clean


def test_a_batch_whose_transaction_fails_is_run_again_job_by_job(family: Context, engine: Engine) -> None:
    ctx = family
    first, second = _visit(ctx, 1), _visit(ctx, 2)
    tries = [0]

    def busy_once(uow: UnitOfWork) -> int:
        tries[0] += 1
        uow.idempotency.put(f"side-{tries[0]}", StoredOutcome("test", "x", False, "1"), ctx.clock.now())
        if tries[0] == 1:
            raise TransientStoreError("the database was busy")
        return tries[0]

    def write() -> int:
        return ctx.write(key="kt", operation="test", request={}, result_type=int, handler=busy_once, grouped=True)

    with ThreadPoolExecutor(8) as pool, _commits(engine) as commits:
        batch = _Batch(committer_for(ctx.uow), pool)
        settled = batch.call(_settle(ctx, first, "k1"))
        retried = batch.call(write)
        other = batch.call(_settle(ctx, second, "k2"))
        batch.release()
        answers = [settled.result(60), other.result(60)]
        assert retried.result(60) == 2
        assert commits[0] == 3  # the batch's transaction was dropped; each job then committed alone

    # The first settlement's work in the dropped batch left nothing behind: each visit is paid once.
    assert _paid(ctx) == answers[0].amounts["acct_pay"] + answers[1].amounts["acct_pay"] > 0
    assert ctx.stored_outcome("side-1") is None
    assert ctx.stored_outcome("side-2") is not None
    assert audit(ctx).clean


def test_a_write_alone_pays_no_batch(family: Context, engine: Engine) -> None:
    ctx = family
    mdtrt_id = _visit(ctx, 1)
    with _commits(engine) as commits:
        settled = commit_settlement(ctx, Settle(mdtrt_id), key="k1")
        assert commits[0] == 1
    assert committer_for(ctx.uow).waiting == 0
    assert _paid(ctx) == settled.amounts["acct_pay"] > 0


def test_gateway_nonces_share_the_batch_and_a_replay_inside_it_is_still_a_replay(
    family: Context, engine: Engine
) -> None:
    ctx = family
    mdtrt_id = _visit(ctx, 1)
    now = ctx.clock.now()

    def nonce(value: str) -> Callable[[], bool]:
        return lambda: remember_nonce(ctx, "his-1", value, now=now, until=now + timedelta(minutes=5))

    def refused(uow: UnitOfWork) -> int:
        uow.idempotency.put("shared-side-effect", StoredOutcome("test", "x", False, "1"), now)
        raise GongjiError(ErrorCode.VISIT_NOT_FOUND, mdtrt_id="shared")

    with ThreadPoolExecutor(8) as pool, _commits(engine) as commits:
        batch = _Batch(committer_for(ctx.uow), pool)
        first = batch.call(nonce("n-1"))
        settled = batch.call(_settle(ctx, mdtrt_id, "k1"))
        replayed = batch.call(nonce("n-1"))
        other = batch.call(nonce("n-2"))
        undone = batch.call(lambda: ctx.shared_transaction(refused))
        batch.release()
        assert [first.result(60), replayed.result(60), other.result(60)] == [True, False, True]
        assert commits[0] == 1

    assert _refusal(undone) is ErrorCode.VISIT_NOT_FOUND
    assert ctx.stored_outcome("shared-side-effect") is None
    assert _paid(ctx) == settled.result(60).amounts["acct_pay"] > 0
    assert nonce("n-2")() is False  # committed with the batch
    assert nonce("n-3")() is True


@pytest.mark.parametrize("setting", ["auto", "true", "false"])
def test_group_commit_is_on_by_default_where_writers_take_turns(engine: Engine, backend: str, setting: str) -> None:
    ctx = build_context(Settings(group_commit=setting), engine=engine)  # type: ignore[arg-type]
    expected = {"auto": backend == "sqlite", "true": True, "false": False}[setting]
    assert ctx.group_commit is expected


def test_writes_are_not_grouped_when_group_commit_is_off(family: Context, engine: Engine) -> None:
    ctx = replace(family, group_commit=False)
    first, second = _visit(ctx, 1), _visit(ctx, 2)
    with ThreadPoolExecutor(4) as pool, _commits(engine) as commits:
        holder = _Holder()
        held = pool.submit(committer_for(ctx.uow).run, holder)
        assert holder.started.wait(60)
        answers = [pool.submit(_settle(ctx, mdtrt_id, f"k{mdtrt_id}")).result(60) for mdtrt_id in (first, second)]
        assert commits[0] == 2  # each alone, while the committer was held
        holder.release.set()
        held.result(60)
    assert _paid(ctx) == sum(answer.amounts["acct_pay"] for answer in answers) > 0


def test_a_grouped_write_inside_a_grouped_write_fails_at_once_instead_of_waiting_for_itself(family: Context) -> None:
    ctx = family

    def inner(uow: UnitOfWork) -> int:
        return 1

    def outer(uow: UnitOfWork) -> int:
        return ctx.write(key="inner", operation="test", request={}, result_type=int, handler=inner, grouped=True)

    with pytest.raises(RuntimeError, match="inside another grouped write"):
        ctx.write(key="outer", operation="test", request={}, result_type=int, handler=outer, grouped=True)
    assert ctx.stored_outcome("outer") is None
    assert ctx.stored_outcome("inner") is None
    assert ctx.write(key="inner", operation="test", request={}, result_type=int, handler=inner, grouped=True) == 1
