"""Resident ID numbers, and the people registered by them (validation, cross-checks, contact history)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from gongji.domain.codes import Sex
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.identity import ResidentId, check_character, mask_id_number
from gongji.domain.people import (
    ContactChange,
    Person,
    validate_address,
    validate_name,
    validate_new_person,
    validate_phone,
)

TODAY = date(2026, 11, 22)

#: The six demo numbers of the issues: number, sex, birth date, area code, age on TODAY.
DEMO_NUMBERS = [
    ("130102197503150019", Sex.MALE, date(1975, 3, 15), "130102", 51),
    ("130102197708220025", Sex.FEMALE, date(1977, 8, 22), "130102", 49),
    ("130102201206050037", Sex.MALE, date(2012, 6, 5), "130102", 14),
    ("130102194801100016", Sex.MALE, date(1948, 1, 10), "130102", 78),
    ("130102195002180026", Sex.FEMALE, date(1950, 2, 18), "130102", 76),
    ("110105198007040021", Sex.FEMALE, date(1980, 7, 4), "110105", 46),
]
ZHANG = "130102197503150019"


def with_check(first17: str) -> str:
    """A number whose check character is right, so that only what the test breaks is wrong."""
    return first17 + check_character(first17)


def first_number_checked_by_x() -> str:
    for sequence in range(1000):
        first17 = f"13010219800101{sequence:03d}"
        if check_character(first17) == "X":
            return first17 + "X"
    raise AssertionError("no sequence gives X")  # pragma: no cover


X_NUMBER = first_number_checked_by_x()


def number_read_from(text: str) -> str | None:
    """The number ``parse`` keeps, or ``None`` when it refuses the text as an invalid number."""
    try:
        return ResidentId.parse(text).number
    except InvalidInput as error:
        if error.code is not ErrorCode.ID_NUMBER_INVALID:
            raise
        return None


def id_refusal(text: str, *, today: date | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        ResidentId.parse(text, today=today)
    assert caught.value.code is ErrorCode.ID_NUMBER_INVALID
    assert caught.value.params["value"] == text
    return caught.value


# --- check character ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "sex", "born", "area", "age"), DEMO_NUMBERS)
def test_demo_numbers_carry_their_own_check_character(number: str, sex: Sex, born: date, area: str, age: int) -> None:
    assert check_character(number[:17]) == number[17]


def test_check_character_follows_gb_11643() -> None:
    # The textbook example of GB 11643: 11010519491231002X.
    assert check_character("11010519491231002") == "X"
    assert check_character("13010219750315001") == "9"
    assert check_character("11010519800704002") == "1"


# --- parse: valid numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "sex", "born", "area", "age"), DEMO_NUMBERS)
def test_demo_numbers_are_valid_and_tell_sex_birth_date_and_area(
    number: str, sex: Sex, born: date, area: str, age: int
) -> None:
    resident = ResidentId.parse(number, today=TODAY)
    assert resident.number == number
    assert str(resident) == number
    assert resident.sex is sex
    assert resident.birth_date == born
    assert resident.area_code == area
    assert resident.age_on(TODAY) == age


def test_an_area_code_newer_than_the_birth_date_is_accepted() -> None:
    # 130102 长安区 dates from 1983; people born in 1975 carry it.
    assert ResidentId.parse("130102197503150019").birth_date == date(1975, 3, 15)


def test_age_counts_from_the_birthday_itself() -> None:
    resident = ResidentId.parse(ZHANG)
    assert resident.age_on(date(2025, 3, 14)) == 49
    assert resident.age_on(date(2025, 3, 15)) == 50
    assert resident.age_on(date(2025, 3, 16)) == 50
    assert resident.age_on(date(1975, 3, 15)) == 0


def test_someone_born_on_29_february_comes_of_age_on_1_march_in_common_years() -> None:
    resident = ResidentId.parse(with_check("13010220000229001"))
    assert resident.birth_date == date(2000, 2, 29)
    assert resident.age_on(date(2018, 2, 28)) == 17
    assert resident.age_on(date(2018, 3, 1)) == 18


def test_surrounding_spaces_are_ignored() -> None:
    assert ResidentId.parse(f"  {ZHANG} ").number == ZHANG


def test_a_lowercase_x_check_character_is_accepted_and_normalised() -> None:
    lower = X_NUMBER[:17] + "x"
    resident = ResidentId.parse(lower)
    assert resident.number == X_NUMBER
    assert resident.number.endswith("X")
    assert resident == ResidentId.parse(X_NUMBER)


def test_a_born_today_child_is_accepted() -> None:
    number = with_check("130102" + TODAY.strftime("%Y%m%d") + "001")
    assert ResidentId.parse(number, today=TODAY).age_on(TODAY) == 0


# --- parse: refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "sex", "born", "area", "age"), DEMO_NUMBERS)
def test_a_wrong_check_character_is_refused_naming_the_expected_one(
    number: str, sex: Sex, born: date, area: str, age: int
) -> None:
    expected = number[17]
    wrong = "0" if expected != "0" else "1"
    error = id_refusal(number[:17] + wrong)
    assert error.params["reason"].en == f"wrong check character (expected {expected})"
    assert f"expected {expected}" in error.message_en
    assert f"应为 {expected}" in error.message_zh


def test_an_x_in_place_of_a_digit_check_character_is_refused() -> None:
    error = id_refusal(ZHANG[:17] + "X")
    assert error.params["reason"].en == "wrong check character (expected 9)"


@pytest.mark.parametrize("birth", ["19750230", "19750231", "19751301", "19750001", "19750100", "19000229"])
def test_an_impossible_birth_date_is_refused(birth: str) -> None:
    number = with_check("130102" + birth + "001")
    error = id_refusal(number)
    assert error.params["reason"].en == f"the birth date {birth} does not exist"


def test_a_birth_date_after_today_is_refused() -> None:
    number = with_check("130102" + "20261123" + "001")
    error = id_refusal(number, today=TODAY)
    assert error.params["reason"].en == "the birth date 2026-11-23 is not plausible"


def test_a_birth_date_before_1880_is_refused() -> None:
    error = id_refusal(with_check("13010218791231001"))
    assert error.params["reason"].en == "the birth date 1879-12-31 is not plausible"


@pytest.mark.parametrize("number", ["130102750315001", "110105800704002"])
def test_a_fifteen_digit_number_is_refused_with_its_own_reason(number: str) -> None:
    error = id_refusal(number)
    assert error.params["reason"].en == "15-digit numbers are not accepted; use the 18-digit number"


@pytest.mark.parametrize(
    ("number", "length"),
    [("", 0), ("1301021975031500", 16), ("13010219750315001", 17), ("1301021975031500190", 19), ("1301", 4)],
)
def test_a_number_of_the_wrong_length_is_refused(number: str, length: int) -> None:
    error = id_refusal(number)
    assert error.params["reason"].en == f"must be 18 characters, got {length}"


@pytest.mark.parametrize(
    "number", ["1301021975A3150019", "13010219750315001Y", "X30102197503150019", "130102-97503150019"]
)
def test_letters_or_signs_among_the_digits_are_refused(number: str) -> None:
    error = id_refusal(number)
    assert error.params["reason"].en == "the first 17 must be digits and the last a digit or X"


@pytest.mark.parametrize("first17", ["00010219750315001", "00000019750315001"])
def test_an_area_code_of_zeros_is_refused(first17: str) -> None:
    error = id_refusal(with_check(first17))
    assert error.params["reason"].en == "the area code is not valid"


def test_a_superscript_digit_is_refused_as_an_invalid_number() -> None:
    id_refusal("²" + ZHANG[1:])


def test_a_number_in_full_width_digits_is_refused_or_normalised_to_ascii() -> None:
    full_width = X_NUMBER[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "X"
    assert number_read_from(full_width) in {None, X_NUMBER}


# --- masking --------------------------------------------------------------------------------------------


def test_masking_shows_only_the_last_four_characters() -> None:
    assert mask_id_number(ZHANG) == "**************0019"
    assert ResidentId.parse(X_NUMBER).masked == "*" * 14 + X_NUMBER[-4:]
    assert mask_id_number("12345") == "*2345"
    assert mask_id_number("123") == "123"


# --- registering a person: cross-checks -----------------------------------------------------------------


def test_a_new_person_takes_sex_and_birth_date_from_the_number() -> None:
    person = validate_new_person(" 130102197708220025 ", " 李秀兰 ", today=TODAY, phone="138 0013 8000")
    assert person.resident_id.number == "130102197708220025"
    assert person.resident_id.sex is Sex.FEMALE
    assert person.name == "李秀兰"
    assert person.phone == "13800138000"
    assert person.address is None


def test_a_stated_sex_and_birth_date_that_match_the_number_are_accepted() -> None:
    person = validate_new_person(
        ZHANG,
        "张伟",
        today=TODAY,
        stated_sex=Sex.MALE,
        stated_birth_date=date(1975, 3, 15),
        address="河北省石家庄市长安区中山东路 1 号",
    )
    assert person.resident_id.number == ZHANG
    assert person.address == "河北省石家庄市长安区中山东路 1 号"


def test_a_stated_sex_that_differs_from_the_number_is_refused() -> None:
    with pytest.raises(Refused) as caught:
        validate_new_person(ZHANG, "张伟", today=TODAY, stated_sex=Sex.FEMALE)
    error = caught.value
    assert error.code is ErrorCode.PERSON_DETAILS_MISMATCH
    assert error.params["field"].en == "sex"
    assert error.params["from_id"] is Sex.MALE
    assert error.params["given"] is Sex.FEMALE
    assert "证件为 男，填写为 女" in error.message_zh
    assert "the number says male, the request says female" in error.message_en


def test_a_stated_birth_date_that_differs_from_the_number_is_refused() -> None:
    with pytest.raises(Refused) as caught:
        validate_new_person(ZHANG, "张伟", today=TODAY, stated_birth_date=date(1975, 5, 13))
    error = caught.value
    assert error.code is ErrorCode.PERSON_DETAILS_MISMATCH
    assert error.params["field"].en == "birth date"
    assert error.params["from_id"] == "1975-03-15"
    assert error.params["given"] == "1975-05-13"


def test_registration_refuses_an_invalid_number_or_a_future_birth() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_new_person(ZHANG[:17] + "0", "张伟", today=TODAY)
    assert caught.value.code is ErrorCode.ID_NUMBER_INVALID
    with pytest.raises(InvalidInput) as caught:
        validate_new_person(with_check("13010220270101001"), "张伟", today=TODAY)
    assert caught.value.code is ErrorCode.ID_NUMBER_INVALID


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"name": "张伟3"}, "name"), ({"phone": "12345"}, "phone"), ({"address": "地" * 201}, "address")],
)
def test_registration_refuses_bad_details(kwargs: dict[str, str], field: str) -> None:
    details = {"name": "张伟", **kwargs}
    name = details.pop("name")
    with pytest.raises(InvalidInput) as caught:
        validate_new_person(ZHANG, name, today=TODAY, **details)
    assert caught.value.code is ErrorCode.FIELD_INVALID
    assert caught.value.params["field"] == field


def test_empty_contact_details_count_as_none() -> None:
    person = validate_new_person(ZHANG, "张伟", today=TODAY, phone="", address="")
    assert person.phone is None
    assert person.address is None


# --- names, phones, addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("张伟", "张伟"),
        (" 李秀兰 ", "李秀兰"),
        ("买买提·艾力", "买买提·艾力"),
        ("John Smith", "John Smith"),
        ("Jean-Luc", "Jean-Luc"),
        ("㐀", "㐀"),
        ("王" * 50, "王" * 50),
    ],
)
def test_good_names_are_accepted(name: str, cleaned: str) -> None:
    assert validate_name(name) == cleaned


@pytest.mark.parametrize("name", ["", "   ", "张伟3", "王" * 51, "张<b>", "Robert'); DROP", "张\n伟", "张伟@"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_name(name)
    assert caught.value.code is ErrorCode.FIELD_INVALID
    assert caught.value.params["field"] == "name"


@pytest.mark.parametrize(
    ("phone", "cleaned"),
    [
        ("13800138000", "13800138000"),
        ("199 1234 5678", "19912345678"),
        (" 15312345678 ", "15312345678"),
        ("0311-86001234", "0311-86001234"),
        ("031186001234", "031186001234"),
        ("010-12345678", "010-12345678"),
        ("0311-8600123", "0311-8600123"),
    ],
)
def test_good_phones_are_accepted(phone: str, cleaned: str) -> None:
    assert validate_phone(phone) == cleaned


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "12800138000",
        "1380013800",
        "138001380001",
        "+8613800138000",
        "86001234",
        "0311-860012",
        "abc",
        "1380013800a",
    ],
)
def test_bad_phones_are_refused(phone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_phone(phone)
    assert caught.value.code is ErrorCode.FIELD_INVALID
    assert caught.value.params["field"] == "phone"


def test_good_addresses_are_accepted_and_trimmed() -> None:
    assert validate_address("  河北省石家庄市长安区  ") == "河北省石家庄市长安区"
    assert validate_address("地" * 200) == "地" * 200


@pytest.mark.parametrize("address", ["", "    ", "地" * 201])
def test_bad_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_address(address)
    assert caught.value.code is ErrorCode.FIELD_INVALID
    assert caught.value.params["field"] == "address"


# --- contact history ------------------------------------------------------------------------------------


def person_with(*contacts: ContactChange) -> Person:
    return Person(
        id=1,
        psn_no="P1",
        name="张伟",
        resident_id=ResidentId.parse(ZHANG),
        registered_at=datetime(2020, 1, 1, 9, 0),
        contacts=contacts,
    )


def test_a_person_reports_sex_birth_date_age_and_certno_from_the_number() -> None:
    person = person_with()
    assert person.certno == ZHANG
    assert person.sex is Sex.MALE
    assert person.birth_date == date(1975, 3, 15)
    assert person.age_on(TODAY) == 51


def test_contact_on_returns_the_latest_change_effective_by_the_day() -> None:
    first = ContactChange(date(2020, 1, 1), datetime(2020, 1, 1, 9), phone="13800138000", address="旧地址")
    moved = ContactChange(date(2022, 6, 1), datetime(2022, 6, 3, 9), address="新地址")
    new_phone = ContactChange(date(2024, 3, 1), datetime(2024, 2, 20, 9), phone="13900139000")
    # Given out of order on purpose: the history is read by effective date.
    person = person_with(new_phone, first, moved)

    assert person.contact_on(date(2019, 12, 31)) == (None, None)
    assert person.contact_on(date(2020, 1, 1)) == ("13800138000", "旧地址")
    assert person.contact_on(date(2022, 5, 31)) == ("13800138000", "旧地址")
    assert person.contact_on(date(2022, 6, 1)) == ("13800138000", "新地址")
    assert person.contact_on(date(2024, 2, 29)) == ("13800138000", "新地址")
    assert person.contact_on(date(2024, 3, 1)) == ("13900139000", "新地址")
    assert person.contact_on(TODAY) == ("13900139000", "新地址")


def test_of_two_changes_effective_the_same_day_the_later_recorded_wins() -> None:
    later = ContactChange(date(2024, 1, 1), datetime(2024, 1, 5, 9), phone="13900139000")
    earlier = ContactChange(date(2024, 1, 1), datetime(2024, 1, 2, 9), phone="13800138000")
    assert person_with(later, earlier).contact_on(date(2024, 1, 1)) == ("13900139000", None)


def test_a_person_without_contact_changes_has_no_contacts() -> None:
    assert person_with().contact_on(TODAY) == (None, None)


def test_a_name_needs_at_least_one_letter_and_may_use_rare_characters() -> None:
    assert validate_name("𠀀明") == "𠀀明"  # CJK extension B, as some real names have
    for punctuation_only in ["·", "-", ". ·"]:
        with pytest.raises(InvalidInput):
            validate_name(punctuation_only)
