"""National code lists and region codes: names, parsing client input, and the categories they imply."""

from __future__ import annotations

import pytest

from gongji.domain.codes import (
    BASIC_INSUTYPES,
    CertType,
    EndReason,
    EnrollmentStatus,
    FundPayType,
    Insutype,
    MdtrtCertType,
    MedType,
    NationalCode,
    PsnType,
    RelationType,
    Sex,
)
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.regions import NATIONAL, Region, all_regions, parse_region, province_of, region_name

CODE_LISTS: list[type[NationalCode]] = [
    Insutype,
    PsnType,
    MedType,
    MdtrtCertType,
    CertType,
    FundPayType,
    RelationType,
    Sex,
    EnrollmentStatus,
    EndReason,
]
MEMBERS = [member for code_list in CODE_LISTS for member in code_list]
NUMERIC_MEMBERS = [member for member in MEMBERS if member.value.isdigit()]


def _member_id(member: NationalCode) -> str:
    return f"{type(member).__name__}.{member.name}"


def test_every_code_list_is_covered_here() -> None:
    assert set(NationalCode.__subclasses__()) == set(CODE_LISTS)


# --- names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", MEMBERS, ids=_member_id)
def test_every_code_has_a_chinese_and_an_english_name(member: NationalCode) -> None:
    assert member.zh.strip()
    assert member.en.strip()
    assert member.zh != member.en


@pytest.mark.parametrize("code_list", CODE_LISTS, ids=lambda c: c.__name__)
def test_every_code_list_has_a_name_and_distinct_labels(code_list: type[NationalCode]) -> None:
    zh, en = code_list.list_name()
    assert zh.strip()
    assert en.strip()
    assert len({member.zh for member in code_list}) == len(code_list)
    assert len({member.en for member in code_list}) == len(code_list)


def test_a_few_names_are_the_national_ones() -> None:
    assert Insutype.EMPLOYEE_BASIC.zh == "职工基本医疗保险"
    assert Insutype.RESIDENT_BASIC.zh == "城乡居民基本医疗保险"
    assert PsnType.RETIRED_CADRE.zh == "离休"
    assert MedType.PHARMACY_PURCHASE.zh == "定点药店购药"
    assert Sex.MALE.zh == "男"
    assert Sex.FEMALE.en == "female"
    assert EnrollmentStatus.NORMAL.zh == "正常参保"


def test_the_values_are_the_national_codes() -> None:
    assert Insutype.EMPLOYEE_BASIC == "310"
    assert Insutype.LARGE_EXPENSE_SUBSIDY == "330"
    assert PsnType.EMPLOYEE_IN_SERVICE == "1101"
    assert MedType.GENERAL_INPATIENT == "21"
    assert MdtrtCertType.RESIDENT_ID_CARD == "02"
    assert FundPayType.EMPLOYEE_PERSONAL_ACCOUNT == "310200"
    assert Sex.FEMALE == "2"
    assert EnrollmentStatus.TERMINATED == "4"


# --- parse ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", MEMBERS, ids=_member_id)
def test_parse_reads_the_code_as_text_with_or_without_spaces(member: NationalCode) -> None:
    code_list = type(member)
    assert code_list.parse(member.value) is member
    assert code_list.parse(f"  {member.value} ") is member
    assert code_list.parse(f"\t{member.value}\n") is member


@pytest.mark.parametrize("member", [m for m in NUMERIC_MEMBERS if not m.value.startswith("0")], ids=_member_id)
def test_parse_reads_a_numeric_code_sent_as_a_number(member: NationalCode) -> None:
    assert type(member).parse(int(member.value)) is member


def test_parse_reads_a_leading_zero_code_sent_as_a_number() -> None:
    assert MdtrtCertType.parse(2) is MdtrtCertType.RESIDENT_ID_CARD
    assert CertType.parse(1) is CertType.RESIDENT_ID


def test_parse_reads_an_insurance_type_sent_as_a_number() -> None:
    assert Insutype.parse(310) is Insutype.EMPLOYEE_BASIC
    assert Insutype.parse(390) is Insutype.RESIDENT_BASIC
    assert PsnType.parse(1101) is PsnType.EMPLOYEE_IN_SERVICE
    assert Sex.parse(2) is Sex.FEMALE


def test_parse_also_reads_the_member_name() -> None:
    assert Insutype.parse("EMPLOYEE_BASIC") is Insutype.EMPLOYEE_BASIC
    assert Insutype.parse("employee_basic") is Insutype.EMPLOYEE_BASIC
    assert RelationType.parse("Spouse") is RelationType.SPOUSE
    assert EndReason.parse("death") is EndReason.DEATH


@pytest.mark.parametrize(
    ("code_list", "value", "shown"),
    [
        (Insutype, "999", "999"),
        (Insutype, 311, "311"),
        (Insutype, " 3 10 ", "3 10"),
        (Insutype, "", ""),
        (PsnType, "1160", "1160"),
        (MedType, "9901", "9901"),
        (MdtrtCertType, "04", "04"),
        (FundPayType, "310300", "310300"),
        (RelationType, "cousin", "cousin"),
        (Sex, "0", "0"),
        (Sex, "9", "9"),
        (EnrollmentStatus, "3", "3"),
        (EndReason, "retired", "retired"),
    ],
)
def test_an_unknown_code_is_refused_naming_the_list(code_list: type[NationalCode], value: object, shown: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        code_list.parse(value)  # type: ignore[arg-type]
    error = caught.value
    zh, en = code_list.list_name()
    assert error.code is ErrorCode.CODE_UNKNOWN
    assert error.params["value"] == shown
    assert error.to_dict()["params"]["code_list_zh"] == zh
    assert error.to_dict()["params"]["code_list_en"] == en
    assert en in error.message_en
    assert zh in error.message_zh


def test_an_unknown_insurance_type_reads_well() -> None:
    with pytest.raises(InvalidInput) as caught:
        Insutype.parse("999")
    assert caught.value.message_en == "Unknown insurance type (insutype) code '999'"
    assert caught.value.message_zh == "险种类型代码“999”不存在"


def test_a_code_from_another_list_is_not_accepted() -> None:
    with pytest.raises(InvalidInput):
        PsnType.parse("310")
    with pytest.raises(InvalidInput):
        Insutype.parse("1101")


# --- categories -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("psn_type", "employee", "retired"),
    [
        ("1101", True, False),
        ("1102", True, False),
        ("1103", True, False),
        ("1201", True, True),
        ("1202", True, True),
        ("1203", True, True),
        ("1300", True, True),
        ("1401", False, False),
        ("1403", False, False),
        ("1404", False, False),
        ("1501", False, False),
    ],
)
def test_person_types_split_into_employees_and_residents_and_retired(
    psn_type: str, employee: bool, retired: bool
) -> None:
    member = PsnType.parse(psn_type)
    assert member.is_employee is employee
    assert member.is_retired is retired


def test_every_retired_person_type_is_an_employee_type() -> None:
    assert all(member.is_employee for member in PsnType if member.is_retired)


def test_basic_insurance_types_are_the_ones_that_exclude_each_other() -> None:
    assert Insutype.EMPLOYEE_BASIC in BASIC_INSUTYPES
    assert Insutype.RESIDENT_BASIC in BASIC_INSUTYPES
    assert Insutype.LARGE_EXPENSE_SUBSIDY not in BASIC_INSUTYPES
    assert Insutype.CIVIL_SERVANT_SUBSIDY not in BASIC_INSUTYPES
    assert Insutype.RESIDENT_SERIOUS_ILLNESS not in BASIC_INSUTYPES
    assert Insutype.MATERNITY not in BASIC_INSUTYPES
    assert "310" in BASIC_INSUTYPES
    assert "330" not in BASIC_INSUTYPES


# --- regions --------------------------------------------------------------------------------------------


def test_a_known_region_code_gives_its_names() -> None:
    region = parse_region("130100")
    assert region == Region("130100", "石家庄市", "Shijiazhuang")
    assert region.zh == "石家庄市"
    assert not region.is_province


def test_a_region_code_may_come_as_a_number_or_with_spaces() -> None:
    assert parse_region(130100).zh == "石家庄市"
    assert parse_region(" 110000 ").zh == "北京市"


def test_provinces_and_the_nation_are_province_level() -> None:
    assert parse_region("130000").is_province
    assert parse_region("110000").is_province
    assert parse_region(NATIONAL).is_province
    assert parse_region(NATIONAL).zh == "全国"


@pytest.mark.parametrize(
    ("code", "province"),
    [
        ("130100", "130000"),
        ("131100", "130000"),
        ("130000", "130000"),
        ("429021", "420000"),
        ("440300", "440000"),
        ("110000", "110000"),
        (NATIONAL, NATIONAL),
    ],
)
def test_a_region_belongs_to_the_province_sharing_its_first_two_digits(code: str, province: str) -> None:
    assert province_of(code) == province


def test_every_known_region_lies_in_a_known_province() -> None:
    for region in all_regions():
        assert parse_region(province_of(region.code)).is_province


def test_all_regions_are_listed_once_in_code_order() -> None:
    codes = [region.code for region in all_regions()]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))
    assert {"100000", "130000", "130100", "110000", "310000"} <= set(codes)
    assert all(len(code) == 6 and code.isdigit() for code in codes)


@pytest.mark.parametrize("code", ["999999", "130190", "13010", "", "abcdef", 130])
def test_an_unknown_region_code_is_refused(code: str | int) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_region(code)
    error = caught.value
    assert error.code is ErrorCode.CODE_UNKNOWN
    assert error.params["value"] == str(code).strip()
    assert error.to_dict()["params"]["code_list_en"] == "region (admdvs)"
    assert error.to_dict()["params"]["code_list_zh"] == "医保区划"


def test_region_name_falls_back_to_the_code() -> None:
    assert region_name("130100") == "石家庄市"
    assert region_name("999999") == "999999"
