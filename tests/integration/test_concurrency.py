"""Many writers at once: nothing lost, nothing written twice, no deadlock or busy error reaches the caller."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TypeVar

from gongji.domain.codes import Insutype, PsnType, RelationType
from gongji.domain.errors import ErrorCode, GongjiError
from gongji.domain.identity import check_character
from gongji.service.account_query import balances
from gongji.service.account_rollover import rollover
from gongji.service.accounts import CreditAccount, ReverseJournal, credit_account, reverse_journal
from gongji.service.audit import audit
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person, show_person
from gongji.service.relations.lifecycle import RequestBinding, request_binding
from tests.helpers import DEFU, JIANGUO, employee

T = TypeVar("T")
THREADS = 8


def _employee_numbers(count: int) -> list[str]:
    """Valid ID numbers of men born on successive days of 1970."""
    numbers = []
    for n in range(count):
        first17 = f"130102{date(1970, 1, 1 + n):%Y%m%d}{2 * n + 1:03d}"
        numbers.append(first17 + check_character(first17))
    return numbers


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


def test_a_batch_rollover_racing_new_year_credits_moves_only_last_years_money(ctx: Context, clock: FixedClock) -> None:
    people = [employee(ctx, certno, "职工", current_fen=1_000) for certno in _employee_numbers(12)]
    clock.set(datetime(2027, 1, 1, 9, tzinfo=SHANGHAI))

    def credit(certno: str) -> None:
        credit_account(ctx, CreditAccount(certno, 7, "2027-01"), key=f"{certno}:2027")

    with ThreadPoolExecutor(THREADS) as pool:
        batch = pool.submit(rollover, ctx, 2027)
        list(pool.map(credit, people))
        batch.result()
    for certno in people:
        view = balances(ctx, certno)
        assert (view.prior_years_fen, view.current_year_fen) == (1_000, 7), certno
    assert audit(ctx).clean


def test_racing_registrations_and_enrollments_of_one_person_land_once(ctx: Context) -> None:
    def register(n: int) -> object:
        return _outcome(lambda: register_person(ctx, RegisterPerson(JIANGUO, "张建国"), key=f"r{n}").psn_no)

    def enroll_as(n: int) -> object:
        insutype, psn_type = (
            (Insutype.EMPLOYEE_BASIC, PsnType.EMPLOYEE_IN_SERVICE)
            if n % 2
            else (Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT)
        )
        command = Enroll(JIANGUO, insutype, psn_type, "130100", date(2026, 1, 1))
        return _outcome(lambda: enroll(ctx, command, key=f"e{n}").id)

    with ThreadPoolExecutor(THREADS) as pool:
        registered = Counter(isinstance(o, str) and o.isdigit() for o in pool.map(register, range(THREADS * 2)))
        enrolled = list(pool.map(enroll_as, range(THREADS * 2)))
    assert registered == {True: 1, False: THREADS * 2 - 1}
    assert enrolled.count(ErrorCode.ALREADY_ENROLLED.name) == THREADS * 2 - 1
    assert len(show_person(ctx, JIANGUO).enrollments) == 1


def test_racing_binding_requests_never_pass_the_limit_at_once(ctx: Context) -> None:
    """Hangzhou lets an authoriser bind at most 5 relatives at once; 8 racing requests leave exactly 5."""
    father = "330102196001010011"
    father = father[:17] + check_character(father[:17])
    employee(ctx, father, "王父", region="330100", prior_fen=100_000)
    children = []
    for n in range(THREADS):
        first17 = f"330102{date(1990, 1, 1 + n):%Y%m%d}{2 * n + 1:03d}"
        certno = first17 + check_character(first17)
        register_person(ctx, RegisterPerson(certno, "王子" + "甲乙丙丁戊己庚辛"[n]), key=f"r:{certno}")
        enroll(
            ctx,
            Enroll(certno, Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT, "330100", date(2020, 1, 1)),
            key=f"e:{certno}",
        )
        children.append(certno)

    def bind(certno: str) -> object:
        command = RequestBinding(father, certno, RelationType.CHILD, proof_reference=f"户口簿 {certno[-4:]}")
        return _outcome(lambda: request_binding(ctx, command, key=f"bind:{certno}").id)

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(bind, children))
    assert Counter(isinstance(o, int) for o in outcomes) == {True: 5, False: THREADS - 5}
    assert {o for o in outcomes if isinstance(o, str)} == {ErrorCode.BENEFICIARY_LIMIT_REACHED.name}
