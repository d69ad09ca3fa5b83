"""People (参保人员) and their contact details.

A :class:`Person` is identified by a validated resident ID number; sex and birth date are derived from it and
any that a request states is cross-checked. Ethnicity (民族, ``naty``) is a code of the national list, recorded when
the person or the counter states it. Contact details (phone, address) change over time and every change
is kept with the date it takes effect (seed 001: changes must be reported within 15 days).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from gongji.domain.codes import Sex
from gongji.domain.errors import ErrorCode, InvalidInput, Refused
from gongji.domain.identity import ResidentId
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Text

__all__ = [
    "ETHNICITIES",
    "ContactChange",
    "NewPerson",
    "Person",
    "names_term",
    "validate_address",
    "validate_name",
    "validate_naty",
    "validate_new_person",
    "validate_phone",
]

# Chinese characters (including the rare ones of CJK extensions B and later, which real names use), Latin
# letters, and the separators of transcribed names (买买提·艾力). At least one letter: "·" alone is no name.
_LETTER = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z"
_NAME = re.compile(f"^(?=.*[{_LETTER}])[{_LETTER}·•.\\- ]{{1,50}}$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
MAX_ADDRESS_CHARS = 200

#: The 56 ethnic groups in the order of their codes (GB/T 3304: 01 汉族 … 56 基诺族).
_ETHNIC_GROUPS = (
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
)
#: 民族 (``naty``): the national code list (GB/T 3304, as the medical-insurance platform uses it), code → name.
ETHNICITIES: dict[str, str] = {f"{index:02d}": name for index, name in enumerate(_ETHNIC_GROUPS, start=1)} | {
    "97": "其他",
    "98": "外国血统中国籍人士",
    "99": "未说明",
}


def _field_error(field_name: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(ErrorCode.FIELD_INVALID, field=field_name, reason_zh=zh, reason_en=en)


def names_term(names: Sequence[str]) -> Text:
    """People's names as one term, listed as each language lists them (``张建国、李秀英`` / ``张建国, 李秀英``); its
    code is the Chinese list."""
    listed = "、".join(names)
    return Text(listed, ", ".join(names), listed)


def validate_name(name: str) -> str:
    """A person's name: 1-50 characters of Chinese, Latin letters, the middle dot, spaces or hyphens."""
    cleaned = name.strip()
    if not _NAME.match(cleaned):
        raise _field_error("name", "姓名应为 1 到 50 个汉字或字母", "a name is 1 to 50 Chinese characters or letters")
    return cleaned


def validate_phone(phone: str) -> str:
    """A mainland mobile number (11 digits) or a landline with its area code (``0311-86001234``)."""
    cleaned = phone.strip().replace(" ", "")
    if not (_MOBILE.match(cleaned) or _LANDLINE.match(cleaned)):
        raise _field_error(
            "phone",
            "手机号应为 11 位，固定电话应带区号",
            "a mobile number has 11 digits; a landline needs its area code",
        )
    return cleaned


def validate_naty(naty: str | int) -> str:
    """An ethnicity code of the national list (:data:`ETHNICITIES`), two digits (``1`` and ``"1"`` read as
    ``"01"``); anything else is ``CODE_UNKNOWN`` naming it."""
    text = str(naty).strip()
    code = text.zfill(2) if text.isdigit() and len(text) == 1 else text
    if code not in ETHNICITIES:
        raise InvalidInput(ErrorCode.CODE_UNKNOWN, code_list_zh="民族", code_list_en="ethnicity (naty)", value=text)
    return code


def validate_address(address: str) -> str:
    """A postal address: not empty, at most 200 characters."""
    cleaned = address.strip()
    if not cleaned or len(cleaned) > MAX_ADDRESS_CHARS:
        raise _field_error("address", "地址应为 1 到 200 个字符", "an address is 1 to 200 characters")
    return cleaned


@dataclass(frozen=True)
class ContactChange:
    """One change of contact details, effective from ``effective_on``; ``None`` keeps the earlier value."""

    effective_on: date
    recorded_at: datetime
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class NewPerson:
    """A validated request to register a person, before it has an id."""

    resident_id: ResidentId
    name: str
    phone: str | None
    address: str | None
    #: 民族 code, when stated.
    naty: str | None = None


@dataclass(frozen=True)
class Person:
    """参保人员: a registered person with the identity derived from the ID number and the contact history."""

    id: int
    psn_no: str
    name: str
    resident_id: ResidentId
    registered_at: datetime
    died_on: date | None = None
    #: 民族 (national code, ``01`` 汉族); ``None`` when not recorded.
    naty: str | None = None
    #: The contact history, when loaded (repositories load it only on request: most use cases never need it).
    contacts: tuple[ContactChange, ...] = field(default=())

    @property
    def certno(self) -> str:
        """The ID number as the national interface names it (``certno``)."""
        return self.resident_id.number

    @property
    def sex(self) -> Sex:
        """Sex as encoded in the ID number."""
        return self.resident_id.sex

    @property
    def birth_date(self) -> date:
        """Birth date as encoded in the ID number."""
        return self.resident_id.birth_date

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        return self.resident_id.age_on(day)

    def contact_on(self, day: date) -> tuple[str | None, str | None]:
        """The phone and address in effect on ``day`` (each the latest change effective by then)."""
        phone: str | None = None
        address: str | None = None
        for change in sorted(self.contacts, key=lambda c: (c.effective_on, c.recorded_at)):
            if change.effective_on > day:
                break
            phone = change.phone if change.phone is not None else phone
            address = change.address if change.address is not None else address
        return phone, address


def validate_new_person(
    certno: str,
    name: str,
    *,
    today: date,
    phone: str | None = None,
    address: str | None = None,
    stated_sex: Sex | None = None,
    stated_birth_date: date | None = None,
    naty: str | None = None,
) -> NewPerson:
    """Validate a registration: the ID number, the name, contacts, the ethnicity code, and any stated sex or birth
    date.

    Sex and birth date come from the ID number; if the request states them too they must agree, otherwise
    ``PERSON_DETAILS_MISMATCH`` says which one differs.
    """
    resident_id = ResidentId.parse(certno, today=today)
    if stated_sex is not None and stated_sex is not resident_id.sex:
        raise Refused(
            ErrorCode.PERSON_DETAILS_MISMATCH, field=Phrase.FIELD_SEX, from_id=resident_id.sex, given=stated_sex
        )
    if stated_birth_date is not None and stated_birth_date != resident_id.birth_date:
        raise Refused(
            ErrorCode.PERSON_DETAILS_MISMATCH,
            field=Phrase.FIELD_BIRTH_DATE,
            from_id=resident_id.birth_date.isoformat(),
            given=stated_birth_date.isoformat(),
        )
    return NewPerson(
        resident_id=resident_id,
        name=validate_name(name),
        phone=validate_phone(phone) if phone else None,
        address=validate_address(address) if address else None,
        naty=validate_naty(naty) if naty is not None and str(naty).strip() else None,
    )
