"""A confirmation's check skipped where it must repeat the request's: when the rule book answers the same
(:meth:`RuleBook.same_on`), when nothing the checks read of the moment moved (:func:`still_clear`), and that a
synthetic province drawn with the skip is, row for row, the one drawn checking every confirmation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from gongji.domain.codes import Insutype, PsnType, RelationType
from gongji.domain.errors import ErrorCode
from gongji.domain.relations import Channel, Relation, RelationStatus
from gongji.rules.book import RuleBook
from gongji.service.binding_checks import still_clear
from gongji.service.clock import SHANGHAI
from gongji.service.verification import FakeFaceVerifier
from gongji.synth import binding_state
from gongji.synth.binding_state import FamilyState
from gongji.synth.figures import HEBEI
from gongji.synth.rows import Ids, chunk_rows
from tests.unit.families import FamilyBuilder, write_rules

#: A value of the test region's that holds from 2031-03-01 to 2031-06-30 only (no shipped file changes then).
_WINDOW = """
changes_per_year_count:
  - {since: 2020-01-01, value: 3, reference: *ref, confidence: unverified}
  - {since: 2031-03-01, end: 2031-06-30, value: 1, reference: *ref, confidence: unverified}
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RuleBook:
    return write_rules(tmp_path_factory.mktemp("rules"), extra=_WINDOW)


@pytest.mark.parametrize(
    ("first", "last", "same"),
    [
        (date(2031, 2, 1), date(2031, 2, 28), True),
        (date(2031, 2, 28), date(2031, 3, 1), False),  # the value starts
        (date(2031, 3, 1), date(2031, 6, 30), True),
        (date(2031, 6, 30), date(2031, 7, 1), False),  # the day after its end
        (date(2031, 2, 1), date(2031, 8, 1), False),
        (date(2031, 3, 1), date(2031, 3, 1), True),
    ],
)
def test_the_book_answers_the_same_unless_a_value_starts_or_ends_between(
    book: RuleBook, first: date, last: date, same: bool
) -> None:
    assert book.same_on(first, last) is same


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _request(requested: datetime, days: int) -> Relation:
    return Relation(
        1, 1, 2, RelationType.CHILD, RelationStatus.REQUESTED, Channel.ONLINE, "130200", "130200", requested,
        requested + timedelta(days=days), "commitment", None, "承诺",
    )  # fmt: skip


def test_still_clear_while_nothing_read_of_the_moment_moved(book: RuleBook) -> None:
    checked = _at(date(2031, 4, 1))
    waiting = _request(checked - timedelta(days=2), days=30)
    assert still_clear(book, [waiting], checked, checked + timedelta(days=5))


def test_not_clear_once_a_relation_it_read_expired(book: RuleBook) -> None:
    checked = _at(date(2031, 4, 1))
    waiting = _request(checked - timedelta(days=2), days=4)  # expires on 2031-04-03
    assert not still_clear(book, [waiting], checked, checked + timedelta(days=5))
    assert still_clear(book, [waiting], checked, checked + timedelta(hours=30))


def test_not_clear_across_a_rule_change_or_a_new_year(book: RuleBook) -> None:
    assert not still_clear(book, [], _at(date(2031, 2, 27)), _at(date(2031, 3, 2)))
    assert not still_clear(book, [], _at(date(2031, 12, 30)), _at(date(2032, 1, 2)))  # the changes a year count anew
    assert still_clear(book, [], _at(date(2031, 7, 2)), _at(date(2031, 12, 30)))


def _draw(book: RuleBook, chunk_no: int) -> dict[str, list[tuple[object, ...]]]:
    ids = Ids(1, 1, 1, 1, 1, 1, {region: 1 for region, _ in HEBEI.regions})
    return chunk_rows(HEBEI, 2026, 5, 6_000, chunk_no, ids, book, FakeFaceVerifier(), None).rows


def test_a_province_drawn_with_the_skip_is_the_one_checking_every_confirmation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = RuleBook.load()
    skipped: list[bool] = []

    def counted(*args: object) -> bool:
        clear = still_clear(*args)  # type: ignore[arg-type]
        skipped.append(clear)
        return clear

    monkeypatch.setattr(binding_state, "still_clear", counted)
    with_skip = _draw(book, 0)
    assert sum(skipped) > 500  # the skip was taken, most of the time
    assert sum(skipped) > len(skipped) // 2
    monkeypatch.setattr(binding_state, "still_clear", lambda *args: False)
    checking_all = _draw(book, 0)
    assert with_skip.keys() == checking_all.keys()
    for table, rows in with_skip.items():
        assert rows == checking_all[table], table


_LIFETIME_OF_ONE = """
max_beneficiaries_lifetime_count: [{since: 2020-01-01, value: 1, reference: *ref, confidence: unverified}]
max_beneficiaries_at_once_count: [{since: 2020-01-01, value: 5, reference: *ref, confidence: unverified}]
"""


def test_a_confirmation_after_another_step_of_the_family_is_checked_again(tmp_path: Path) -> None:
    # One relative in a lifetime: both parents may be asked for while neither is bound, but once the father confirms,
    # the mother's confirmation must be refused. Her request was clear; the father's confirmation came between.
    book = write_rules(tmp_path, extra=_LIFETIME_OF_ONE)
    builder = FamilyBuilder()
    son = builder.person(0)
    father, mother = (
        builder.person(index, insutype=Insutype.RESIDENT_BASIC, psn_type=PsnType.ADULT_RESIDENT) for index in (3, 4)
    )
    enrollments = {pid: found[0] for pid, found in builder.enrollments.items()}
    state = FamilyState(builder.people, enrollments, book, FakeFaceVerifier())
    asked = _at(date(2026, 3, 2))
    to_father = state.request(asked, son, father, RelationType.PARENT)
    to_mother = state.request(asked + timedelta(hours=1), son, mother, RelationType.PARENT)
    assert to_father is not None
    assert to_mother is not None
    assert state.confirm(asked + timedelta(hours=2), to_father.id) is not None
    assert state.confirm(asked + timedelta(hours=3), to_mother.id) is None
    assert [refusal.code for refusal in state.out.refusals] == [ErrorCode.LIFETIME_LIMIT_REACHED]
