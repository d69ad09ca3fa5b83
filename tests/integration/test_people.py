"""Registering people, their identity and contact history."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from gongji.domain.codes import Sex
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.phrases import Phrase
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.people import (
    RegisterPerson,
    UpdateContact,
    list_people,
    register_person,
    show_person,
    update_contact,
)
from tests.helpers import JIANGUO, XIUYING, snapshot


def test_registration_derives_sex_birth_date_and_age_from_the_id_number(ctx: Context) -> None:
    view = register_person(ctx, RegisterPerson(JIANGUO, "张建国", phone="13803110019"), key="r1")
    assert (view.sex, view.birth_date, view.age) == ("1", date(1975, 3, 15), 51)
    assert view.psn_no.startswith("130102")
    assert len(view.psn_no) == 20
    assert view.phone == "13803110019"
    assert show_person(ctx, view.psn_no).certno == JIANGUO


def test_a_number_is_registered_once(ctx: Context, engine: Engine) -> None:
    register_person(ctx, RegisterPerson(JIANGUO, "张建国"), key="r1")
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        register_person(ctx, RegisterPerson(JIANGUO, "张三"), key="r2")
    assert refused.value.code is ErrorCode.PERSON_ALREADY_REGISTERED
    assert snapshot(engine) == before


def test_an_invalid_id_number_changes_nothing(ctx: Context, engine: Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as invalid:
        register_person(ctx, RegisterPerson("130102197503150018", "张建国"), key="r1")
    assert invalid.value.code is ErrorCode.ID_NUMBER_INVALID
    assert "expected 9" in invalid.value.message_en
    assert snapshot(engine) == before


def test_a_stated_sex_or_birth_date_must_match_the_id_number(ctx: Context, engine: Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(Refused) as wrong_sex:
        register_person(ctx, RegisterPerson(XIUYING, "李秀英", sex=Sex.MALE), key="r1")
    assert wrong_sex.value.code is ErrorCode.PERSON_DETAILS_MISMATCH
    assert wrong_sex.value.params["field"] is Phrase.FIELD_SEX
    assert wrong_sex.value.params["from_id"] is Sex.FEMALE
    assert "The sex given does not match" in wrong_sex.value.message_en
    with pytest.raises(Refused) as wrong_birth:
        register_person(ctx, RegisterPerson(XIUYING, "李秀英", birth_date=date(1977, 8, 23)), key="r2")
    assert wrong_birth.value.params["field"] is Phrase.FIELD_BIRTH_DATE
    assert "The birth date given does not match" in wrong_birth.value.message_en
    assert snapshot(engine) == before
    view = register_person(
        ctx, RegisterPerson(XIUYING, "李秀英", sex=Sex.FEMALE, birth_date=date(1977, 8, 22)), key="r3"
    )
    assert view.sex_zh == "女"


def test_contact_changes_are_kept_with_the_date_they_take_effect(ctx: Context, clock: FixedClock) -> None:
    register_person(
        ctx, RegisterPerson(JIANGUO, "张建国", phone="13803110019", address="石家庄市长安区 1 号"), key="r1"
    )
    update_contact(ctx, UpdateContact(JIANGUO, phone="13912345678", effective_on=date(2026, 12, 1)), key="c1")
    assert show_person(ctx, JIANGUO).phone == "13803110019"
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))
    view = show_person(ctx, JIANGUO)
    assert view.phone == "13912345678"
    assert view.address == "石家庄市长安区 1 号"


def test_a_contact_change_needs_a_valid_phone_or_address(ctx: Context) -> None:
    register_person(ctx, RegisterPerson(JIANGUO, "张建国"), key="r1")
    with pytest.raises(InvalidInput) as nothing:
        update_contact(ctx, UpdateContact(JIANGUO), key="c1")
    assert nothing.value.code is ErrorCode.FIELD_INVALID
    with pytest.raises(InvalidInput) as bad_phone:
        update_contact(ctx, UpdateContact(JIANGUO, phone="12345"), key="c2")
    assert bad_phone.value.params["field"] == "phone"


def test_an_unknown_person_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound) as missing:
        show_person(ctx, JIANGUO)
    assert missing.value.code is ErrorCode.PERSON_NOT_FOUND
    assert JIANGUO not in missing.value.message_en  # the number is masked in messages
    assert missing.value.params["ref"].endswith("0019")


def test_people_are_listed_and_filtered_by_name(ctx: Context) -> None:
    register_person(ctx, RegisterPerson(JIANGUO, "张建国"), key="r1")
    register_person(ctx, RegisterPerson(XIUYING, "李秀英"), key="r2")
    assert [p.name for p in list_people(ctx)] == ["张建国", "李秀英"]
    assert [p.name for p in list_people(ctx, name="秀")] == ["李秀英"]
    assert [p.name for p in list_people(ctx, limit=1, offset=1)] == ["李秀英"]
