"""Mainland resident ID numbers (居民身份证号码, GB 11643-1999).

An 18-character number: a 6-digit administrative code of the place where it was issued, the birth date
``YYYYMMDD``, a 3-digit sequence whose last digit is odd for men and even for women, and a check character.

The area code is deliberately *not* checked against a list of codes valid on the birth date: a number carries
the code of the place of registration at the time it was issued, so ``130102`` (created 1983) appears on
numbers of people born in 1975. Validators that reject such numbers (python-stdnum's ``cn.ric``) are not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gongji.domain.codes import Sex
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.once import once

__all__ = ["CHECK_CHARACTERS", "ID_WEIGHTS", "ResidentId", "check_character", "mask_id_number"]

#: The weights of the first 17 digits in the check character's sum, and the check characters by that sum modulo 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# People type numbers with a Chinese input method on, which gives full-width digits and Ｘ: read them as ASCII.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
CHECK_CHARACTERS = "10X98765432"
_EARLIEST_BIRTH = date(1880, 1, 1)


def check_character(first17: str) -> str:
    """The GB 11643 check character (``0``-``9`` or ``X``) of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _invalid(value: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(ErrorCode.ID_NUMBER_INVALID, value=value, reason_zh=zh, reason_en=en)


@dataclass(frozen=True)
class ResidentId:
    """A validated resident ID number, with the birth date and sex it encodes."""

    number: str

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> ResidentId:
        """Validate ``text`` and return a ``ResidentId``; raise ``ID_NUMBER_INVALID`` with the precise reason.

        A lowercase ``x`` check character and full-width digits are accepted and normalised to ASCII; any other
        character (including digits of other scripts) is refused. ``today``, when given, refuses
        birth dates in the future.
        """
        number = text.strip().translate(_FULL_WIDTH).upper()
        if len(number) == 15 and number.isascii() and number.isdigit():
            raise _invalid(
                text,
                "15 位旧号码不再受理，请使用 18 位号码",
                "15-digit numbers are not accepted; use the 18-digit number",
            )
        if len(number) != 18:
            raise _invalid(text, f"应为 18 位，实际 {len(number)} 位", f"must be 18 characters, got {len(number)}")
        if not _SHAPE.fullmatch(number):
            raise _invalid(
                text,
                "前 17 位应为数字，末位为数字或 X",
                "the first 17 must be digits and the last a digit or X",
            )
        if number[:2] == "00" or number[:6] == "000000":
            raise _invalid(text, "地址码无效", "the area code is not valid")
        try:
            birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise _invalid(
                text, f"出生日期 {number[6:14]} 不存在", f"the birth date {number[6:14]} does not exist"
            ) from None
        if birth < _EARLIEST_BIRTH or (today is not None and birth > today):
            raise _invalid(
                text,
                f"出生日期 {birth.isoformat()} 不合理",
                f"the birth date {birth.isoformat()} is not plausible",
            )
        expected = check_character(number[:17])
        if number[17] != expected:
            raise _invalid(text, f"校验码错误（应为 {expected}）", f"wrong check character (expected {expected})")
        return cls(number)

    @once
    def birth_date(self) -> date:
        """The birth date encoded in characters 7-14 (read once: ages are asked of a person again and again)."""
        return date(int(self.number[6:10]), int(self.number[10:12]), int(self.number[12:14]))

    @property
    def sex(self) -> Sex:
        """Odd sequence digit (character 17) for men, even for women."""
        return Sex.MALE if int(self.number[16]) % 2 == 1 else Sex.FEMALE

    @property
    def area_code(self) -> str:
        """The 6-digit administrative code of the place where the number was issued."""
        return self.number[:6]

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day`` (a birthday counts from that day)."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def masked(self) -> str:
        """The number with only its last four characters shown, for logs and screens."""
        return mask_id_number(self.number)

    def __str__(self) -> str:
        return self.number


def mask_id_number(number: str) -> str:
    """Mask all but the last four characters of an ID number (``**************0019``)."""
    return "*" * max(len(number) - 4, 0) + number[-4:]
