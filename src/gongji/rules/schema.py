"""The catalogue of rule parameters: every value a region can set, with its type and unit.

A parameter's name carries its unit (``_fen`` for amounts, ``_bp`` for rates in basis points, ``_count``,
``_days``, ``_years``); the rules files use these names as keys, and the loader validates every value against the
type declared here. Adding a parameter means adding it here, with its Chinese and English name; a region that does
not set it falls back to its province and then to the national file.

Structured values (the pooling fund's deductible, ratio and cap tables) are lists of rows; each row says which bills
it applies to (medical types, hospital levels, insured categories, ages) and the first row that matches a bill wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from gongji.domain.codes import MedType, PsnType

__all__ = [
    "PARAMETERS",
    "UNLIMITED",
    "BasisPoints",
    "BillPart",
    "BindingProof",
    "CapRow",
    "Contribution",
    "Count",
    "Days",
    "DeductibleRow",
    "Fen",
    "Geography",
    "HospitalLevel",
    "InsuredCategory",
    "Limit",
    "Parameter",
    "QuietHours",
    "QuotaModel",
    "RatioBand",
    "RatioRow",
    "RowSelector",
    "ShareablePart",
    "Years",
    "match_row",
    "parameter",
]

T = TypeVar("T")

Fen = Annotated[int, Field(ge=0, le=10_000_000_000, strict=True)]
BasisPoints = Annotated[int, Field(ge=0, le=10_000, strict=True)]
Count = Annotated[int, Field(ge=0, le=1_000, strict=True)]
Days = Annotated[int, Field(ge=0, le=3_650, strict=True)]
Years = Annotated[int, Field(ge=0, le=150, strict=True)]


class Geography(StrEnum):
    """Where an authoriser's account may pay for a relative (共济范围)."""

    SAME_POOLING_REGION = "same_pooling_region"
    SAME_PROVINCE = "same_province"
    NATIONAL = "national"

    @property
    def zh(self) -> str:
        """The scope in Chinese words."""
        return {"same_pooling_region": "同一统筹区", "same_province": "省内", "national": "全国（医保钱包）"}[
            self.value
        ]

    @property
    def en(self) -> str:
        """The scope in English words."""
        return {
            "same_pooling_region": "within one pooling region",
            "same_province": "within the province",
            "national": "nationwide (wallet)",
        }[self.value]


class ShareablePart(StrEnum):
    """Which part of the authoriser's personal account may be shared."""

    WHOLE = "whole"
    PRIOR_YEARS_ONLY = "prior_years_only"


class WalletPosition(StrEnum):
    """Where the patient's wallet (医保钱包) stands among the accounts that pay a bill."""

    BEFORE_RELATIVES = "before_relatives"
    AFTER_RELATIVES = "after_relatives"


class QuotaModel(StrEnum):
    """How much a relative may use: a quota per relation, one shared quota, or a share of the balance per year."""

    PER_RELATION = "per_relation"
    SHARED = "shared"
    ANNUAL_SHARE = "annual_share"

    @property
    def zh(self) -> str:
        """The model in Chinese words."""
        return {"per_relation": "按每位亲属设额度", "shared": "所有亲属共用一个额度", "annual_share": "按余额年度比例"}[
            self.value
        ]

    @property
    def en(self) -> str:
        """The model in English words."""
        return {"per_relation": "per relative", "shared": "shared", "annual_share": "yearly share of the balance"}[
            self.value
        ]


class BindingProof(StrEnum):
    """What a binding needs: checked documents, or the authoriser's signed commitment (承诺制)."""

    DOCUMENTS = "documents"
    COMMITMENT = "commitment"


class BillPart(StrEnum):
    """Parts of a bill the personal account may pay (the national setlinfo split)."""

    POLICY_SELF_PAY = "policy_self_pay"
    CATEGORY_B_SELF_PAY = "category_b_self_pay"
    FULL_OWN_PAY = "full_own_pay"
    OVER_LIMIT = "over_limit"


class Contribution(StrEnum):
    """Contributions a relative's account may pay for (2021: resident insurance; 2026: long-term care too)."""

    RESIDENT_BASIC = "resident_basic"
    LONG_TERM_CARE = "long_term_care"


class HospitalLevel(StrEnum):
    """医院等级. Some regions split level 3 into provincial and municipal hospitals (Changchun)."""

    LEVEL_1 = "1"
    LEVEL_2 = "2"
    LEVEL_3 = "3"
    LEVEL_3_PROVINCIAL = "3-provincial"
    LEVEL_3_MUNICIPAL = "3-municipal"

    @property
    def base(self) -> HospitalLevel:
        """The plain level (``3-provincial`` → ``3``)."""
        return HospitalLevel(self.value[0])

    @property
    def zh(self) -> str:
        """一级 … 三级（市属）."""
        return _LEVEL_NAMES[self][0]

    @property
    def en(self) -> str:
        """level 1 … level 3 (municipal)."""
        return _LEVEL_NAMES[self][1]

    @classmethod
    def parse(cls, text: str) -> HospitalLevel | None:
        """The level a registration gives: its code (``1`` … ``3-municipal``) or the Chinese name of a plain level
        (一级, 二级, 三级); ``None`` for anything else."""
        wanted = text.strip().lower()
        for level in cls:
            if wanted == level.value or (level.base is level and wanted == level.zh):
                return level
        return None


_LEVEL_NAMES = {
    HospitalLevel.LEVEL_1: ("一级", "level 1"),
    HospitalLevel.LEVEL_2: ("二级", "level 2"),
    HospitalLevel.LEVEL_3: ("三级", "level 3"),
    HospitalLevel.LEVEL_3_PROVINCIAL: ("三级（省属）", "level 3 (provincial)"),
    HospitalLevel.LEVEL_3_MUNICIPAL: ("三级（市属）", "level 3 (municipal)"),
}


class InsuredCategory(StrEnum):
    """Treatment category of the pooling fund: employees in service, retired employees, residents."""

    IN_SERVICE = "in_service"
    RETIRED = "retired"
    RESIDENT = "resident"

    @classmethod
    def of(cls, psn_type: PsnType) -> InsuredCategory:
        """The category of an insured person of ``psn_type`` (人员类别)."""
        if not psn_type.is_employee:
            return cls.RESIDENT
        return cls.RETIRED if psn_type.is_retired else cls.IN_SERVICE

    @property
    def zh(self) -> str:
        """The category's Chinese name."""
        return {"in_service": "在职职工", "retired": "退休职工", "resident": "城乡居民"}[self.value]

    @property
    def en(self) -> str:
        """The category in English words."""
        return {"in_service": "employees in service", "retired": "retired employees", "resident": "residents"}[
            self.value
        ]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuietHours(_Strict):
    """A daily window in which wallet transfers are refused (e.g. 22:00 to 06:00)."""

    start: time
    end: time


class RowSelector(_Strict):
    """Which bills a pooling-fund row applies to; a field left out matches everything."""

    med_types: list[MedType] = Field(min_length=1)
    hospital_levels: list[HospitalLevel] | None = None
    categories: list[InsuredCategory] | None = None
    age_from_years: Years | None = None
    age_below_years: Years | None = None

    def matches(
        self, med_type: MedType, level: HospitalLevel | None, category: InsuredCategory, age_years: int
    ) -> bool:
        """Whether a bill of this medical type, hospital level, category and age falls under this row."""
        if med_type not in self.med_types:
            return False
        if self.hospital_levels is not None:
            if level is None:
                return False
            if level not in self.hospital_levels and level.base not in self.hospital_levels:
                return False
        if self.categories is not None and category not in self.categories:
            return False
        if self.age_from_years is not None and age_years < self.age_from_years:
            return False
        return self.age_below_years is None or age_years < self.age_below_years


class DeductibleRow(RowSelector):
    """起付标准: the policy-range amount a person bears before the fund pays — once a year (outpatient pooling,
    most chronic-disease outpatient) or at every visit (an inpatient stay's deductible is per admission)."""

    amount_fen: Fen
    per: Literal["year", "visit"] = "year"


class RatioBand(_Strict):
    """Above ``from_fen`` of policy-range cost in the year, the fund pays ``ratio_bp``."""

    from_fen: Fen
    ratio_bp: BasisPoints


class RatioRow(RowSelector):
    """支付比例: the share of policy-range cost above the deductible that the fund pays, optionally in bands."""

    ratio_bp: BasisPoints
    bands: list[RatioBand] | None = None

    @model_validator(mode="after")
    def _bands_ascend(self) -> RatioRow:
        if self.bands:
            starts = [band.from_fen for band in self.bands]
            if starts != sorted(set(starts)):
                raise ValueError("bands must have strictly ascending from_fen")
        return self


class CapRow(RowSelector):
    """最高支付限额: the most the fund pays for these bills in a year."""

    amount_fen: Fen


R = TypeVar("R", bound=RowSelector)


def match_row(
    rows: Sequence[R], med_type: MedType, level: HospitalLevel | None, category: InsuredCategory, age_years: int
) -> R | None:
    """The first row that applies to a bill, or ``None`` when no row does."""
    for row in rows:
        if row.matches(med_type, level, category, age_years):
            return row
    return None


@dataclass(frozen=True)
class Parameter(Generic[T]):
    """A rule parameter: its name (with unit), the type of its values and what it means in both languages."""

    name: str
    value_type: Any
    zh: str
    en: str
    #: Set only by the pooling region's own file: never inherited from the province or the national file (the
    #: pooling fund's deductibles, ratios and caps differ city by city; a province's value would be a guess).
    local: bool = False

    def adapter(self) -> TypeAdapter[Any]:
        """The validator of this parameter's values."""
        if self.value_type not in _ADAPTERS:
            _ADAPTERS[self.value_type] = TypeAdapter(self.value_type)
        return _ADAPTERS[self.value_type]

    def validate(self, value: object) -> T:
        """Validate a value from a rules file (strict: no silent conversions of numbers)."""
        validated: T = self.adapter().validate_python(value)
        return validated


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}

#: Every declared parameter by name (filled by ``gongji.rules.parameters``).
PARAMETERS: dict[str, Parameter[Any]] = {}

#: The value that means "no limit" for counts (``value: null`` in a file means something else: stop).
UNLIMITED = "unlimited"
Limit = Count | Literal["unlimited"]


def parameter(name: str, value_type: Any, zh: str, en: str, *, local: bool = False) -> Parameter[Any]:
    """Declare a parameter in the catalogue (``local``: never inherited from the province or nation)."""
    assert name not in PARAMETERS, name
    declared: Parameter[Any] = Parameter(name, value_type, zh, en, local)
    PARAMETERS[name] = declared
    return declared
