"""The words a registration or a catalogue file may use for kinds, levels, categories and yes/no (the domain's)."""

from __future__ import annotations

import pytest

from gongji.domain.catalogue import InstitutionKind, ItemCategory, ItemKind, parse_flag
from gongji.domain.wording import is_term
from gongji.rules.schema import HospitalLevel


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hospital", InstitutionKind.HOSPITAL),
        (" Hospital ", InstitutionKind.HOSPITAL),
        ("医院", InstitutionKind.HOSPITAL),
        ("医疗机构", InstitutionKind.HOSPITAL),
        ("PHARMACY", InstitutionKind.PHARMACY),
        ("药店", InstitutionKind.PHARMACY),
        ("零售药店", InstitutionKind.PHARMACY),
        ("clinic", None),
        ("", None),
    ],
)
def test_institution_kinds_by_code_or_chinese_name(text: str, kind: InstitutionKind | None) -> None:
    assert InstitutionKind.parse(text) is kind


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("1", HospitalLevel.LEVEL_1),
        ("一级", HospitalLevel.LEVEL_1),
        ("二级", HospitalLevel.LEVEL_2),
        (" 三级 ", HospitalLevel.LEVEL_3),
        ("3-Provincial", HospitalLevel.LEVEL_3_PROVINCIAL),
        ("3-municipal", HospitalLevel.LEVEL_3_MUNICIPAL),
        # Only the plain levels are accepted by their Chinese names, as before the names moved to the domain.
        ("三级（省属）", None),
        ("4", None),
    ],
)
def test_hospital_levels_by_code_or_the_chinese_name_of_a_plain_level(text: str, level: HospitalLevel | None) -> None:
    assert HospitalLevel.parse(text) is level


def test_categories_kinds_and_flags_as_a_catalogue_file_writes_them() -> None:
    for category, words in {
        ItemCategory.A: ("A", "a", "甲", "甲类"),
        ItemCategory.B: ("B", "乙", "乙类"),
        ItemCategory.C: ("c", "丙", " 丙类 "),
    }.items():
        assert {ItemCategory.parse(word) for word in words} == {category}
    assert ItemCategory.parse("丁") is None
    assert {kind: ItemKind.parse(kind.zh) for kind in ItemKind} == {kind: kind for kind in ItemKind}
    assert ItemKind.parse("Drug") is ItemKind.DRUG
    assert ItemKind.parse("gadget") is None
    assert [parse_flag(word) for word in ("true", "1", "是", "FALSE", "0", "否", "maybe")] == [
        True,
        True,
        True,
        False,
        False,
        False,
        None,
    ]


def test_kinds_levels_and_categories_are_terms() -> None:
    assert (InstitutionKind.PHARMACY.zh, InstitutionKind.PHARMACY.en) == ("零售药店", "pharmacy")
    municipal = HospitalLevel.LEVEL_3_MUNICIPAL
    assert (municipal.zh, municipal.en) == ("三级（市属）", "level 3 (municipal)")
    assert (ItemCategory.B.zh, ItemCategory.B.en) == ("乙类", "category B")
    assert all(is_term(member) for member in [*InstitutionKind, *HospitalLevel, *ItemCategory, *ItemKind])
