"""Many writers at once: nothing lost, nothing written twice, no deadlock or busy error reaches the caller."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from gongji.domain.errors import ErrorCode, GongjiError
from gongji.service.accounts import CreditAccount, ReverseJournal, balances, credit_account, reverse_journal
from gongji.service.audit import audit
from gongji.service.context import Context
from tests.helpers import DEFU, JIANGUO, employee

T = TypeVar("T")
THREADS = 8


def _outcome(call: Callable[[], T]) -> T | str:
    try:
        return call()
    except GongjiError as error:
        return error.code.name


def test_concurrent_credits_to_the_same_accounts_all_land_once(ctx: Context) -> None:
    employee(ctx, JIANGUO, "张建国")
    employee(ctx, DEFU, "张德福")
    jobs = [(certno, n) for n in range(40) for certno in (JIANGUO, DEFU)]

    def credit(job: tuple[str, int]) -> int:
        certno, n = job
        return credit_account(ctx, CreditAccount(certno, n + 1, f"batch {n}"), key=f"{certno}:{n}").journal_id

    with ThreadPoolExecutor(THREADS) as pool:
        journal_ids = list(pool.map(credit, jobs))
    assert len(set(journal_ids)) == len(jobs)
    expected = sum(range(1, 41))
    assert balances(ctx, JIANGUO).current_year_fen == expected
    assert balances(ctx, DEFU).current_year_fen == expected
    report = audit(ctx)
    assert report.clean, report.findings


def test_the_same_request_sent_at_once_from_many_threads_is_written_once(ctx: Context) -> None:
    employee(ctx)
    request = CreditAccount(JIANGUO, 1_234, "retry storm")
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda _: credit_account(ctx, request, key="same-key"), range(THREADS * 3)))
    assert len({r.journal_id for r in results}) == 1
    assert balances(ctx, JIANGUO).current_year_fen == 1_234
    assert audit(ctx).clean


def test_racing_reversals_of_one_journal_reverse_it_exactly_once(ctx: Context) -> None:
    employee(ctx)
    original = credit_account(ctx, CreditAccount(JIANGUO, 500, "x"), key="c")

    def reverse(n: int) -> object:
        return _outcome(lambda: reverse_journal(ctx, ReverseJournal(original.journal_id, "race"), key=f"r{n}"))

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(reverse, range(THREADS * 2)))
    names = Counter(o if isinstance(o, str) else "reversed" for o in outcomes)
    assert names == {"reversed": 1, ErrorCode.JOURNAL_ALREADY_REVERSED.name: THREADS * 2 - 1}
    assert balances(ctx, JIANGUO).current_year_fen == 0
    assert audit(ctx).clean
