"""National code lists (国家医保信息业务编码) as enums with their Chinese and English names.

The values are the national ones, exactly as the national interface carries them (``insutype="310"``,
``med_type="41"``). Each enum is declared once here; the names are looked up with ``.zh`` and ``.en``, and
``Enum.parse`` turns client input (a string or a number) into a member or raises ``CODE_UNKNOWN``.

Regions add local codes to some lists (``med_type`` 99xx, ``psn_type`` x160). Those are accepted at the edge
where the national interface requires it; the engine's own decisions are made on the national values below.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from gongji.domain.errors import ErrorCode, InvalidInput

__all__ = [
    "BASIC_INSUTYPES",
    "CertType",
    "EndReason",
    "EnrollmentStatus",
    "FundPayType",
    "Insutype",
    "MdtrtCertType",
    "MedType",
    "NationalCode",
    "PsnType",
    "RelationType",
    "Sex",
]


class NationalCode(StrEnum):
    """Base of every code list: the value is the national code; ``zh``/``en`` are its names."""

    @classmethod
    def list_name(cls) -> tuple[str, str]:
        """The Chinese and English name of the whole list (for error messages)."""
        return _LIST_NAMES[cls.__name__]

    @property
    def zh(self) -> str:
        """The Chinese name of this code."""
        return _LABELS[(type(self).__name__, self.value)][0]

    @property
    def en(self) -> str:
        """The English name of this code."""
        return _LABELS[(type(self).__name__, self.value)][1]

    @classmethod
    def parse(cls, value: str | int) -> Self:
        """Read a code as a client sends it (``"310"``, ``310``, ``" 310 "``); raise ``CODE_UNKNOWN`` if absent.

        A code with leading zeros sent as a JSON number (``mdtrt_cert_type`` ``2`` for ``"02"``) is read as the
        code of the same width.
        """
        text = str(value).strip()
        for member in cls:
            if member.value == text or member.name == text.upper():
                return member
            as_number = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            if as_number and member.value.isdigit() and member.value == text.zfill(len(member.value)):
                return member
        zh, en = cls.list_name()
        raise InvalidInput(ErrorCode.CODE_UNKNOWN, code_list_zh=zh, code_list_en=en, value=text)


class Insutype(NationalCode):
    """险种类型 (insutype)."""

    EMPLOYEE_BASIC = "310"
    CIVIL_SERVANT_SUBSIDY = "320"
    LARGE_EXPENSE_SUBSIDY = "330"
    RETIRED_CADRE = "340"
    DISABLED_VETERAN = "350"
    RED_ARMY_VETERAN = "360"
    ENTERPRISE_SUPPLEMENT = "370"
    NEW_RURAL_COOPERATIVE = "380"
    RESIDENT_BASIC = "390"
    URBAN_RESIDENT_BASIC = "391"
    RESIDENT_SERIOUS_ILLNESS = "392"
    OTHER_SPECIAL = "399"
    LONG_TERM_CARE = "410"
    MATERNITY = "510"


#: Basic medical insurance: a person holds at most one of these at a time (重复参保 is refused).
BASIC_INSUTYPES = frozenset(
    {
        Insutype.EMPLOYEE_BASIC,
        Insutype.RESIDENT_BASIC,
        Insutype.URBAN_RESIDENT_BASIC,
        Insutype.NEW_RURAL_COOPERATIVE,
    }
)


class PsnType(NationalCode):
    """人员类别 (psn_type)."""

    EMPLOYEE_IN_SERVICE = "1101"
    CIVIL_SERVANT_IN_SERVICE = "1102"
    FLEXIBLE_IN_SERVICE = "1103"
    EMPLOYEE_RETIRED = "1201"
    CIVIL_SERVANT_RETIRED = "1202"
    FLEXIBLE_RETIRED = "1203"
    RETIRED_CADRE = "1300"
    NEWBORN = "1401"
    PRESCHOOL_CHILD = "1402"
    PUPIL = "1403"
    UNIVERSITY_STUDENT = "1404"
    MINOR_NOT_IN_SCHOOL = "1405"
    ADULT_RESIDENT = "1501"

    @property
    def is_employee(self) -> bool:
        """Employee categories (11xx, 12xx, 1300) belong to 职工医保; 14xx and 15xx to residents."""
        return self.value[:2] in {"11", "12", "13"}

    @property
    def is_retired(self) -> bool:
        """Retired categories (12xx, 1300) get retired treatment in the pooling fund."""
        return self.value[:2] in {"12", "13"}


class MedType(NationalCode):
    """医疗类别 (med_type)."""

    GENERAL_OUTPATIENT = "11"
    OUTPATIENT_REGISTRATION = "12"
    EMERGENCY = "13"
    CHRONIC_SPECIAL_OUTPATIENT = "14"
    INJURY_OUTPATIENT = "19"
    GENERAL_INPATIENT = "21"
    INJURY_INPATIENT = "22"
    REFERRAL_INPATIENT = "23"
    EMERGENCY_TO_INPATIENT = "24"
    DAY_SURGERY = "28"
    PHARMACY_PURCHASE = "41"
    MATERNITY_OUTPATIENT = "51"
    MATERNITY_INPATIENT = "52"
    FAMILY_PLANNING_SURGERY = "53"


class MdtrtCertType(NationalCode):
    """就诊凭证类型 (mdtrt_cert_type)."""

    E_VOUCHER = "01"
    RESIDENT_ID_CARD = "02"
    SOCIAL_SECURITY_CARD = "03"


class CertType(NationalCode):
    """人员证件类型 (psn_cert_type). gongji registers people by mainland resident ID number for now."""

    RESIDENT_ID = "01"


class FundPayType(NationalCode):
    """基金支付类型 (fund_pay_type), the rows of ``setldetail``."""

    EMPLOYEE_POOLING_FUND = "310100"
    EMPLOYEE_PERSONAL_ACCOUNT = "310200"
    CIVIL_SERVANT_SUBSIDY_FUND = "320100"
    LARGE_EXPENSE_SUBSIDY_FUND = "330100"
    RETIRED_CADRE_FUND = "340100"
    ENTERPRISE_SUPPLEMENT_FUND = "370100"
    RESIDENT_BASIC_FUND = "390100"
    RESIDENT_SERIOUS_ILLNESS_FUND = "390200"
    MATERNITY_FUND = "510100"
    MEDICAL_ASSISTANCE_FUND = "610100"
    HOSPITAL_ADVANCE = "999996"
    OTHER_FUND = "999997"


class RelationType(NationalCode):
    """共济关系: who the beneficiary is to the authoriser: the eight kinds of 近亲属 of the 2024 guideline, and the
    spouse's parent (配偶父母), which is not 近亲属 and is bound only where a region's ``allowed_relations`` names it.

    No national code list for 共济 relations was found (the national interface carries none; an older provincial
    one had 1 父母, 2 子女, 3 配偶, 4 其他, 5 本人), so the values are gongji's own words."""

    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    PATERNAL_GRANDPARENT = "paternal_grandparent"
    MATERNAL_GRANDPARENT = "maternal_grandparent"
    PATERNAL_GRANDCHILD = "paternal_grandchild"
    MATERNAL_GRANDCHILD = "maternal_grandchild"
    PARENT_IN_LAW = "parent_in_law"
    #: Any other relative (a nephew, a niece, a cousin): never bound, never sent a wallet transfer; named so that a
    #: request stating it is refused for what it is rather than as an unknown word.
    OTHER_RELATIVE = "other_relative"

    @property
    def bindable(self) -> bool:
        """A kind some region may bind (everything but :attr:`OTHER_RELATIVE`)."""
        return self is not RelationType.OTHER_RELATIVE


class Sex(NationalCode):
    """性别 (gend), as GB/T 2261.1: 1 male, 2 female."""

    MALE = "1"
    FEMALE = "2"


class EnrollmentStatus(NationalCode):
    """参保状态. ``psn_insu_stas`` 1 is 正常参保; gongji distinguishes paused from terminated."""

    NORMAL = "1"
    PAUSED = "2"
    TERMINATED = "4"


class EndReason(NationalCode):
    """Why an enrollment was paused or terminated (终止/暂停参保原因)."""

    DEATH = "death"
    EMIGRATION = "emigration"
    DUPLICATE = "duplicate"
    TRANSFERRED = "transferred"
    CONTRIBUTIONS_STOPPED = "contributions_stopped"
    OTHER = "other"


_LIST_NAMES: dict[str, tuple[str, str]] = {
    "Insutype": ("险种类型", "insurance type (insutype)"),
    "PsnType": ("人员类别", "person type (psn_type)"),
    "MedType": ("医疗类别", "medical type (med_type)"),
    "MdtrtCertType": ("就诊凭证类型", "visit credential type (mdtrt_cert_type)"),
    "CertType": ("证件类型", "certificate type (psn_cert_type)"),
    "FundPayType": ("基金支付类型", "fund payment type (fund_pay_type)"),
    "RelationType": ("共济关系类型", "relation type"),
    "Sex": ("性别", "sex"),
    "EnrollmentStatus": ("参保状态", "enrollment status"),
    "EndReason": ("原因", "reason"),
}

_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("Insutype", "310"): ("职工基本医疗保险", "employee basic medical insurance"),
    ("Insutype", "320"): ("公务员医疗补助", "civil servant medical subsidy"),
    ("Insutype", "330"): ("大额医疗费用补助", "large medical expense subsidy"),
    ("Insutype", "340"): ("离休人员医疗保障", "retired cadre medical security"),
    ("Insutype", "350"): ("一至六级残疾军人医疗补助", "disabled veteran (grades 1-6) medical subsidy"),
    ("Insutype", "360"): ("老红军医疗保障", "Red Army veteran medical security"),
    ("Insutype", "370"): ("企业补充医疗保险", "enterprise supplementary medical insurance"),
    ("Insutype", "380"): ("新型农村合作医疗", "new rural cooperative medical scheme"),
    ("Insutype", "390"): ("城乡居民基本医疗保险", "urban and rural resident basic medical insurance"),
    ("Insutype", "391"): ("城镇居民基本医疗保险", "urban resident basic medical insurance"),
    ("Insutype", "392"): ("城乡居民大病医疗保险", "resident serious illness insurance"),
    ("Insutype", "399"): ("其他特殊人员医疗保障", "other special groups' medical security"),
    ("Insutype", "410"): ("长期照护保险", "long-term care insurance"),
    ("Insutype", "510"): ("生育保险", "maternity insurance"),
    ("PsnType", "1101"): ("职工在职", "employee, in service"),
    ("PsnType", "1102"): ("公务员在职", "civil servant, in service"),
    ("PsnType", "1103"): ("灵活就业在职", "flexibly employed, in service"),
    ("PsnType", "1201"): ("职工退休", "employee, retired"),
    ("PsnType", "1202"): ("公务员退休", "civil servant, retired"),
    ("PsnType", "1203"): ("灵活就业退休", "flexibly employed, retired"),
    ("PsnType", "1300"): ("离休", "retired cadre (lixiu)"),
    ("PsnType", "1401"): ("新生儿", "newborn"),
    ("PsnType", "1402"): ("学龄前儿童", "preschool child"),
    ("PsnType", "1403"): ("中小学生", "primary or secondary pupil"),
    ("PsnType", "1404"): ("大学生", "university student"),
    ("PsnType", "1405"): ("未成年(未入学)", "minor not in school"),
    ("PsnType", "1501"): ("普通居民(成年)", "adult resident"),
    ("MedType", "11"): ("普通门诊", "general outpatient"),
    ("MedType", "12"): ("门诊挂号", "outpatient registration"),
    ("MedType", "13"): ("急诊", "emergency"),
    ("MedType", "14"): ("门诊慢特病", "chronic or special disease outpatient"),
    ("MedType", "19"): ("意外伤害门诊", "accidental injury outpatient"),
    ("MedType", "21"): ("普通住院", "general inpatient"),
    ("MedType", "22"): ("外伤住院", "injury inpatient"),
    ("MedType", "23"): ("转外诊治住院", "referred inpatient"),
    ("MedType", "24"): ("急诊转住院", "emergency to inpatient"),
    ("MedType", "28"): ("日间手术", "day surgery"),
    ("MedType", "41"): ("定点药店购药", "designated pharmacy purchase"),
    ("MedType", "51"): ("生育门诊", "maternity outpatient"),
    ("MedType", "52"): ("生育住院", "maternity inpatient"),
    ("MedType", "53"): ("计划生育手术费", "family planning surgery"),
    ("MdtrtCertType", "01"): ("医保电子凭证", "medical insurance e-voucher"),
    ("MdtrtCertType", "02"): ("居民身份证", "resident ID card"),
    ("MdtrtCertType", "03"): ("社会保障卡", "social security card"),
    ("CertType", "01"): ("居民身份证（户口簿）", "resident ID (household register)"),
    ("FundPayType", "310100"): ("职工基本医疗保险统筹基金", "employee basic medical insurance pooling fund"),
    ("FundPayType", "310200"): (
        "职工基本医疗保险个人账户基金",
        "employee basic medical insurance personal account",
    ),
    ("FundPayType", "320100"): ("公务员医疗补助基金", "civil servant medical subsidy fund"),
    ("FundPayType", "330100"): ("大额医疗费用补助基金", "large medical expense subsidy fund"),
    ("FundPayType", "340100"): ("离休人员医疗保障基金", "retired cadre medical security fund"),
    ("FundPayType", "370100"): ("企业补充医疗保险基金", "enterprise supplementary medical insurance fund"),
    ("FundPayType", "390100"): ("城乡居民基本医疗保险基金", "resident basic medical insurance fund"),
    ("FundPayType", "390200"): ("城乡居民大病医疗保险基金", "resident serious illness insurance fund"),
    ("FundPayType", "510100"): ("生育基金", "maternity fund"),
    ("FundPayType", "610100"): ("医疗救助基金", "medical assistance fund"),
    ("FundPayType", "999996"): ("医院垫付", "advanced by the hospital"),
    ("FundPayType", "999997"): ("其他基金", "other funds"),
    ("RelationType", "spouse"): ("配偶", "spouse"),
    ("RelationType", "parent"): ("父母", "parent"),
    ("RelationType", "child"): ("子女", "child"),
    ("RelationType", "sibling"): ("兄弟姐妹", "sibling"),
    ("RelationType", "paternal_grandparent"): ("祖父母", "paternal grandparent"),
    ("RelationType", "maternal_grandparent"): ("外祖父母", "maternal grandparent"),
    ("RelationType", "paternal_grandchild"): ("孙子女", "grandchild (son's child)"),
    ("RelationType", "maternal_grandchild"): ("外孙子女", "grandchild (daughter's child)"),
    ("RelationType", "parent_in_law"): ("配偶父母", "parent-in-law (spouse's parent)"),
    ("RelationType", "other_relative"): ("其他亲属（如侄子女、外甥子女）", "other relative (a nephew, a niece)"),
    ("Sex", "1"): ("男", "male"),
    ("Sex", "2"): ("女", "female"),
    ("EnrollmentStatus", "1"): ("正常参保", "normal"),
    ("EnrollmentStatus", "2"): ("暂停参保", "paused"),
    ("EnrollmentStatus", "4"): ("终止参保", "terminated"),
    ("EndReason", "death"): ("死亡", "death"),
    ("EndReason", "emigration"): ("出国（境）定居", "emigration"),
    ("EndReason", "duplicate"): ("重复参保", "duplicate enrollment"),
    ("EndReason", "transferred"): ("转移至其他统筹区", "transferred to another pooling region"),
    ("EndReason", "contributions_stopped"): ("中断缴费", "contributions stopped"),
    ("EndReason", "other"): ("其他", "other"),
}
