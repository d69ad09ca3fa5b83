"""The portal's sign-in state in the database, on SQLite and PostgreSQL: sign-outs, one-time codes and the sign-in
throttle. Two instances on one database stand for two worker processes, or for the same server before and after a
restart: whatever one records, the other sees."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, select

from gongji.api.portal.otp import CodeRecipient, OneTimeCodes, RecordingCodeSender
from gongji.api.portal.session import Session, SessionGuard, SubjectKind
from gongji.api.portal.throttle import FailureThrottle
from gongji.service import access_state, api_tokens
from gongji.service.context import Context
from gongji.store import tables as t

ZHANG = CodeRecipient("张建国", "**************0019", "13803110019")
CERTNO = "130102197503150019"
KEY = b"o" * 32


class Clock:
    """A wall clock tests move by hand (Unix seconds)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def codes(ctx: Context, clock: Clock, sender: RecordingCodeSender, **kwargs: int) -> OneTimeCodes:
    """One worker's one-time codes on the test database."""
    return OneTimeCodes(ctx, KEY, sender, ttl_s=300, max_attempts=3, resend_after_s=60, clock=clock, **kwargs)


def rows(engine: Engine, table: Table) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(table))]


# --- one-time codes --------------------------------------------------------------------------------------------------


def test_a_code_is_six_digits_sent_once_and_signs_in_once(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(ctx, clock, sender)
    issued = store.issue(CERTNO, 1, ZHANG)
    assert issued.challenge
    code = sender.last_code(ZHANG.masked_certno)
    assert re.fullmatch(r"\d{6}", code)
    assert store.check(issued.challenge, code).person_id == 1
    assert store.check(issued.challenge, code).problem == "expired"  # spent


def test_codes_and_id_numbers_are_stored_only_hashed(ctx: Context, engine: Engine) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    codes(ctx, clock, sender).issue(CERTNO, 1, ZHANG)
    code = sender.last_code(ZHANG.masked_certno)
    stored = repr(rows(engine, t.portal_challenges))
    assert code not in stored
    assert CERTNO not in stored


def test_a_code_expires_after_five_minutes(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(ctx, clock, sender)
    issued = store.issue(CERTNO, 1, ZHANG)
    assert issued.challenge
    clock.now += 301
    assert store.check(issued.challenge, sender.last_code(ZHANG.masked_certno)).problem == "expired"


def test_wrong_codes_spend_the_challenge(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(ctx, clock, sender)
    issued = store.issue(CERTNO, 1, ZHANG)
    assert issued.challenge
    right = sender.last_code(ZHANG.masked_certno)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert [store.check(issued.challenge, wrong).problem for _ in range(3)] == ["wrong", "wrong", "wrong"]
    assert store.check(issued.challenge, right).person_id is None


def test_a_number_nobody_holds_gets_a_challenge_but_no_code(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(ctx, clock, sender)
    issued = store.issue("130102199001011237", None, None)
    assert issued.challenge
    assert not sender.sent
    assert store.check(issued.challenge, "000000").person_id is None


def test_asking_again_at_once_is_refused_with_a_wait(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(ctx, clock, sender)
    assert store.issue(CERTNO, 1, ZHANG).challenge
    clock.now += 20
    again = store.issue(CERTNO, 1, ZHANG)
    assert again.challenge is None
    assert again.wait_s == 40
    clock.now += 41
    assert store.issue(CERTNO, 1, ZHANG).challenge


def test_a_new_code_replaces_the_pending_one(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(ctx, clock, sender)
    first = store.issue(CERTNO, 1, ZHANG)
    first_code = sender.last_code(ZHANG.masked_certno)
    clock.now += 61
    second = store.issue(CERTNO, 1, ZHANG)
    assert first.challenge
    assert second.challenge
    assert store.check(first.challenge, first_code).problem == "expired"
    assert store.check(second.challenge, sender.last_code(ZHANG.masked_certno)).person_id == 1


def test_a_code_sent_by_one_worker_is_accepted_by_another(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    issued = codes(ctx, clock, sender).issue(CERTNO, 1, ZHANG)
    assert issued.challenge
    other = codes(ctx, clock, sender)  # another process, or the same one after a restart
    assert other.certno_key(issued.challenge) == other.number_key(CERTNO)
    assert other.issue(CERTNO, 1, ZHANG).challenge is None  # the resend wait holds there too
    assert other.check(issued.challenge, sender.last_code(ZHANG.masked_certno)).person_id == 1


def test_wrong_codes_are_counted_once_across_workers(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    workers = [codes(ctx, clock, sender) for _ in range(3)]
    issued = workers[0].issue(CERTNO, 1, ZHANG)
    assert issued.challenge
    right = sender.last_code(ZHANG.masked_certno)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert [worker.check(issued.challenge, wrong).problem for worker in workers] == ["wrong"] * 3
    assert workers[1].check(issued.challenge, right).person_id is None  # three guesses in all, not three each


def test_a_right_code_entered_at_once_by_many_workers_signs_in_once(ctx: Context) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    issued = codes(ctx, clock, sender).issue(CERTNO, 1, ZHANG)
    assert issued.challenge
    challenge, code = issued.challenge, sender.last_code(ZHANG.masked_certno)
    signed_in: list[int | None] = []
    lock, start = threading.Lock(), threading.Barrier(6)

    def attempt() -> None:
        worker = codes(ctx, clock, sender)
        start.wait()
        outcome = worker.check(challenge, code).person_id
        with lock:
            signed_in.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(signed_in, key=str) == [1] + [None] * 5


def test_expired_challenges_are_swept_as_new_ones_are_issued(ctx: Context, engine: Engine) -> None:
    clock, sender = Clock(), RecordingCodeSender()
    store = codes(ctx, clock, sender, sweep_every=1)
    store.issue("130102199001011237", None, None)
    clock.now += 301
    store.issue(CERTNO, 1, ZHANG)
    assert len(rows(engine, t.portal_challenges)) == 1


# --- the sign-in throttle --------------------------------------------------------------------------------------------


def test_failures_past_the_free_ones_double_the_wait_up_to_a_lockout(ctx: Context) -> None:
    clock = Clock()
    throttle = FailureThrottle(ctx, free_failures=3, base_delay_s=2, max_delay_s=60, window_s=900, clock=clock)
    waits = []
    for _ in range(9):
        throttle.failed(["certno:x", "client:a"])
        waits.append(throttle.retry_after_s(["certno:x"]))
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60]
    assert throttle.retry_after_s(["client:a"]) == 60
    assert throttle.retry_after_s(["certno:other", "client:b"]) == 0
    clock.now += 60
    assert throttle.retry_after_s(["certno:x"]) == 0


def test_success_clears_the_number_but_not_the_client(ctx: Context) -> None:
    clock = Clock()
    throttle = FailureThrottle(ctx, free_failures=0, base_delay_s=5, clock=clock)
    throttle.failed(["certno:x", "client:a"])
    throttle.succeeded("certno:x")
    assert throttle.retry_after_s(["certno:x"]) == 0
    assert throttle.retry_after_s(["client:a"]) == 5


def test_failures_are_forgotten_after_the_window(ctx: Context) -> None:
    clock = Clock()
    throttle = FailureThrottle(ctx, free_failures=0, base_delay_s=5, window_s=100, clock=clock)
    throttle.failed(["k"])
    clock.now += 101
    throttle.failed(["k"])
    assert throttle.retry_after_s(["k"]) == 5  # counted from one again


def test_failures_seen_by_one_worker_slow_down_another(ctx: Context) -> None:
    clock = Clock()
    workers = [FailureThrottle(ctx, free_failures=2, base_delay_s=5, clock=clock) for _ in range(3)]
    for worker in workers:
        worker.failed(["certno:x"])
    restarted = FailureThrottle(ctx, free_failures=2, base_delay_s=5, clock=clock)
    assert restarted.retry_after_s(["certno:x"]) == 5


def test_a_long_client_key_is_counted_by_its_hash(ctx: Context) -> None:
    clock = Clock()
    throttle = FailureThrottle(ctx, free_failures=0, base_delay_s=5, clock=clock)
    key = "client:" + "x" * 500
    throttle.failed([key])
    assert throttle.retry_after_s([key]) == 5


def test_old_failures_are_swept_as_new_ones_arrive(ctx: Context, engine: Engine) -> None:
    clock = Clock()
    throttle = FailureThrottle(ctx, window_s=100, clock=clock, sweep_every=1)
    throttle.failed(["client:old"])
    clock.now += 101
    throttle.failed(["client:new"])
    assert [row[0] for row in rows(engine, t.portal_failures)] == ["client:new"]


# --- sessions --------------------------------------------------------------------------------------------------------


def person_session(clock: Clock) -> Session:
    return Session.signed_in_as(SubjectKind.PERSON, 7, "13010200000000000001", "张建国", "****0019", int(clock.now))


def test_a_signed_out_session_is_refused_by_every_worker_until_it_would_have_expired(
    ctx: Context, engine: Engine
) -> None:
    clock = Clock()
    session, other = person_session(clock), person_session(clock)
    SessionGuard(ctx, 100, clock).sign_out(session)
    restarted = SessionGuard(ctx, 100, clock)
    assert restarted.standing(session) is None
    assert restarted.standing(other) == other
    assert rows(engine, t.portal_signed_out) == [(session.sid, datetime.fromtimestamp(clock.now + 100, UTC))]
    anonymous = Session.fresh(int(clock.now))
    assert restarted.standing(anonymous) == anonymous  # nothing to ask the database


def test_expired_sign_outs_are_swept(ctx: Context, engine: Engine) -> None:
    clock = Clock()
    old = person_session(clock)
    SessionGuard(ctx, 100, clock).sign_out(old)
    clock.now += 101
    new = person_session(clock)
    now = datetime.fromtimestamp(clock.now, UTC)
    access_state.sign_out(ctx, new.sid, until=datetime.fromtimestamp(clock.now + 100, UTC), now=now, sweep_every=1)
    assert [row[0] for row in rows(engine, t.portal_signed_out)] == [new.sid]


def operator_session(ctx: Context, clock: Clock, *regions: str) -> Session:
    token = api_tokens.issue_token(
        ctx,
        api_tokens.IssueToken(api_tokens.Role.OPERATOR, regions=regions, label="窗口一"),
        key=f"access-state:{'-'.join(regions)}",
    )
    return Session.signed_in_as(
        SubjectKind.OPERATOR, token.view.id, f"operator:{token.view.id}", "forged", "", int(clock.now)
    )


def test_an_operator_session_carries_its_tokens_regions_and_ends_with_the_token(ctx: Context) -> None:
    clock = Clock()
    guard = SessionGuard(ctx, 7200, clock)
    session = replace(operator_session(ctx, clock, "130100"), regions=("110000",))  # what a cookie claims is ignored
    standing = guard.standing(session)
    assert standing is not None
    assert standing.regions == ("130100",)
    assert standing.name is not None
    assert standing.name.startswith("窗口一 (")
    assert session.subject_id is not None
    api_tokens.revoke_token(ctx, session.subject_id, key="access-state:revoke")
    assert guard.standing(session) is None


def test_a_signed_out_operator_session_has_ended_though_its_token_lives(ctx: Context) -> None:
    clock = Clock()
    guard = SessionGuard(ctx, 7200, clock)
    session = operator_session(ctx, clock, "130100")
    guard.sign_out(session)
    assert SessionGuard(ctx, 7200, clock).standing(session) is None


def test_a_session_naming_another_kind_of_token_has_ended(ctx: Context) -> None:
    clock = Clock()
    analyst = api_tokens.issue_token(ctx, api_tokens.IssueToken(api_tokens.Role.ANALYST), key="access-state:analyst")
    session = Session.signed_in_as(SubjectKind.OPERATOR, analyst.view.id, "x", "x", "", int(clock.now))
    assert SessionGuard(ctx, 7200, clock).standing(session) is None
    missing = Session.signed_in_as(SubjectKind.OPERATOR, 999_999, "x", "x", "", int(clock.now))
    assert SessionGuard(ctx, 7200, clock).standing(missing) is None
