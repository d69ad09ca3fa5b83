"""Statements run through the driver (``store/driver.py``) read and write exactly what SQLAlchemy would, inside the
unit of work's transaction, and fail with the exceptions SQLAlchemy would raise — on both backends."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

import pytest
from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from gongji.service.clock import SHANGHAI
from gongji.store import tables as t
from gongji.store.driver import Prepared, release_savepoint, rollback_to_savepoint, savepoint, together

OPENED = datetime(2026, 3, 1, 9, 30, 15, 250_000, tzinfo=SHANGHAI)

_INSERT_PERSON = Prepared(insert(t.people).returning(t.people.c.id))
_PEOPLE_IN = Prepared(
    select(t.people).where(t.people.c.id.in_(bindparam("ids", expanding=True))).order_by(t.people.c.id)
)
_INSERT_ACCOUNT = Prepared(insert(t.accounts))
_CLEARING_OF = Prepared(
    select(t.accounts.c.code, t.accounts.c.must_not_go_negative)
    .where(t.accounts.c.kind == "institution_clearing", t.accounts.c.region == bindparam("region"))
    .order_by(t.accounts.c.code)
)
_SET_BALANCE = Prepared(
    update(t.accounts).where(t.accounts.c.code == bindparam("c")).values(balance_fen=bindparam("fen"))
)


def _person(n: int, *, died_on: date | None = None) -> dict[str, object]:
    return {
        "psn_no": f"P{n:04d}",
        "certno": f"11010119900101{n:04d}",
        "name": f"测试{n}",
        "registered_at": OPENED,
        "died_on": died_on,
        "naty": None,
    }


def _account(code: str, kind: str, *, person_owned: bool) -> dict[str, object]:
    return {
        "code": code,
        "kind": kind,
        "region": "130100",
        "ledger": "130100:CNY",
        "owner_person_id": None,
        "must_not_go_negative": person_owned,
        "balance_fen": 0,
        "version": 0,
        "period_year": None,
        "opened_at": OPENED,
    }


def test_rows_read_through_the_driver_are_sqlalchemys_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        first = _INSERT_PERSON(conn, _person(1)).scalar_one()
        second = _INSERT_PERSON(conn, _person(2, died_on=date(2026, 5, 4))).scalar_one()
        expected = [dict(row) for row in conn.execute(_PEOPLE_IN._statement, {"ids": [second, first]}).mappings()]
        got = _PEOPLE_IN(conn, {"ids": [second, first]}).all()
    assert got == expected
    # Aware times come back in Shanghai, to the microsecond; dates as dates.
    assert got[0]["registered_at"] == OPENED
    assert got[0]["registered_at"].utcoffset() == OPENED.utcoffset()
    assert (got[0]["died_on"], got[1]["died_on"]) == (None, date(2026, 5, 4))


@pytest.mark.parametrize("count", [0, 1, 3, 7])
def test_an_expanding_list_of_any_length(engine: Engine, count: int) -> None:
    with engine.begin() as conn:
        ids = [_INSERT_PERSON(conn, _person(n)).scalar_one() for n in range(5)]
        wanted = (ids * 2)[:count]
        got = [row["psn_no"] for row in _PEOPLE_IN(conn, {"ids": wanted}).all()]
    assert got == sorted({f"P{ids.index(i):04d}" for i in wanted})


def test_values_carried_by_the_statement_and_executemany(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT_ACCOUNT.many(
            conn,
            [
                _account("clearing:b", "institution_clearing", person_owned=False),
                _account("clearing:a", "institution_clearing", person_owned=False),
                _account("fund:x", "fund_pool", person_owned=False),
            ],
        )
        rows = _CLEARING_OF(conn, {"region": "130100"}).all()
        written = _SET_BALANCE.many(conn, [{"c": "clearing:a", "fen": 5}, {"c": "clearing:b", "fen": 7}])
        missing = _SET_BALANCE(conn, {"c": "nowhere", "fen": 1}).rowcount
        balances = dict(conn.execute(select(t.accounts.c.code, t.accounts.c.balance_fen)).all())
    assert rows == [
        {"code": "clearing:a", "must_not_go_negative": False},
        {"code": "clearing:b", "must_not_go_negative": False},
    ]
    assert (written, missing) == (2, 0)
    assert balances == {"clearing:a": 5, "clearing:b": 7, "fund:x": 0}


def test_driver_statements_are_part_of_the_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.begin()
        _INSERT_PERSON(conn, _person(1))
        conn.rollback()
    with engine.connect() as conn:
        assert conn.execute(select(t.people)).first() is None


def test_a_constraint_violation_is_sqlalchemys_integrity_error(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.begin()
        _INSERT_PERSON(conn, _person(1))
        with pytest.raises(IntegrityError):
            _INSERT_PERSON(conn, _person(1))


def test_a_missing_parameter_is_named(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(KeyError, match="region"):
        _CLEARING_OF(conn, {})


# --- deferred writes: on PostgreSQL they ride with the next statement; nothing is lost, reordered or leaked -------

_COUNT_PEOPLE = Prepared(select(t.people.c.psn_no).order_by(t.people.c.psn_no))
_INSERT_PEOPLE = Prepared(insert(t.people))


def _psn_nos(conn: Connection) -> list[str]:
    return [psn_no for (psn_no,) in conn.execute(select(t.people.c.psn_no).order_by(t.people.c.psn_no))]


def test_a_deferred_write_is_seen_by_the_next_statement_of_either_kind(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT_PEOPLE.defer(conn, [_person(1), _person(2)])
        assert [row["psn_no"] for row in _COUNT_PEOPLE(conn).all()] == ["P0001", "P0002"]
        _INSERT_PEOPLE.defer(conn, [_person(3)])
        assert _psn_nos(conn) == ["P0001", "P0002", "P0003"]  # a statement of SQLAlchemy's own
        _INSERT_PEOPLE.defer(conn, [_person(4)])  # nothing reads it: the commit sends it
    with engine.connect() as conn:
        assert _psn_nos(conn) == ["P0001", "P0002", "P0003", "P0004"]


def test_a_rolled_back_deferred_write_is_not_carried_into_the_next_transaction(engine: Engine) -> None:
    engine.pool.dispose()
    with engine.connect() as conn:
        conn.begin()
        _INSERT_PEOPLE.defer(conn, [_person(1)])
        conn.rollback()
        with conn.begin():
            _INSERT_PEOPLE(conn, _person(2))
        assert _psn_nos(conn) == ["P0002"]


def test_a_deferred_write_that_breaks_a_constraint_fails_its_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.begin()
        _INSERT_PEOPLE(conn, _person(1))
        with pytest.raises(IntegrityError):
            _defer_then_read(conn)


def _defer_then_read(conn: Connection) -> None:
    _INSERT_PEOPLE.defer(conn, [_person(1)])
    _COUNT_PEOPLE(conn)


def test_statements_run_together_answer_in_order_after_the_deferred_writes(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT_PEOPLE.defer(conn, [_person(1), _person(2)])
        first, second = together(conn, [(_COUNT_PEOPLE, {}), (_CLEARING_OF, {"region": "130100"})])
        _INSERT_ACCOUNT(conn, _account("clearing:c", "institution_clearing", person_owned=False))
        (third,) = together(conn, [(_CLEARING_OF, {"region": "130100"})])
    assert [row["psn_no"] for row in first.all()] == ["P0001", "P0002"]
    assert second.all() == []
    assert third.all() == [{"code": "clearing:c", "must_not_go_negative": False}]


def test_a_failing_statement_run_together_is_sqlalchemys_error(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.begin()
        _INSERT_PEOPLE(conn, _person(1))
        with pytest.raises(IntegrityError):
            together(conn, [(_COUNT_PEOPLE, {}), (_INSERT_PERSON, _person(1))])


def test_a_rolled_back_savepoint_undoes_only_what_came_after_it(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT_PEOPLE(conn, _person(1))
        savepoint(conn, "job")
        _INSERT_PEOPLE.defer(conn, [_person(2)])
        rollback_to_savepoint(conn, "job")
        savepoint(conn, "job")
        _INSERT_PEOPLE.defer(conn, [_person(3)])
        release_savepoint(conn, "job")
    with engine.connect() as conn:
        assert _psn_nos(conn) == ["P0001", "P0003"]


def test_a_failed_write_after_a_savepoint_is_undone_and_the_transaction_goes_on(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT_PEOPLE(conn, _person(1))
        savepoint(conn, "job")
        with pytest.raises(IntegrityError):
            _defer_then_read(conn)  # a duplicate: on PostgreSQL the transaction is now aborted
        rollback_to_savepoint(conn, "job")
        _INSERT_PEOPLE(conn, _person(2))
    with engine.connect() as conn:
        assert _psn_nos(conn) == ["P0001", "P0002"]


def test_a_failing_deferred_write_is_undone_with_its_savepoint(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT_PEOPLE(conn, _person(1))
        savepoint(conn, "job")
        with contextlib.suppress(IntegrityError):  # SQLite runs it (and fails) here, PostgreSQL later
            _INSERT_PEOPLE.defer(conn, [_person(2), _person(1)])
        rollback_to_savepoint(conn, "job")  # PostgreSQL sends it, and its failure is undone with it
        _INSERT_PEOPLE(conn, _person(3))
    with engine.connect() as conn:
        assert _psn_nos(conn) == ["P0001", "P0003"]


def test_a_savepoint_name_is_an_identifier(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(ValueError, match="savepoint name"):
        savepoint(conn, "job; DROP TABLE people")


def test_a_streamed_read_leaves_the_connection_as_it_was(engine: Engine) -> None:
    """The stores stream their large reads (a what-if's settlements, the signals' facts, the audit's transfers) with
    the option on the statement: on the connection, SQLAlchemy 2 would keep it there, and every later statement of
    the transaction would open a server-side cursor on PostgreSQL — where a write of many rows then fails."""
    from gongji.store.ledger_repo import SqlLedger
    from gongji.store.replay_reads import SqlReplays
    from gongji.store.signal_repo import SqlSignals

    with engine.begin() as conn:
        before = dict(conn.get_execution_options())
        list(SqlReplays(conn).settlements_between(OPENED, OPENED.replace(year=2027), None))
        signals = SqlSignals(conn)
        for facts in (signals.bindings(), signals.kin(), signals.aid_payments(OPENED, OPENED.replace(year=2027))):
            list(facts)
        list(SqlLedger(conn).iter_transfers())
        assert dict(conn.get_execution_options()) == before
        conn.execute(insert(t.people), [_person(1), _person(2)])  # many rows at once: no server-side cursor
