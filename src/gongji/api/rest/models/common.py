"""What every request and response model of the REST API shares: the base classes, the checked types of days,
moments, amounts and ids, and the helpers that word service terms and amounts."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan
from gongji.domain.wording import Lang, localise
from gongji.service.clock import SHANGHAI

__all__ = [
    "MAX_ID",
    "ONE_LINE",
    "Day",
    "Fen",
    "Moment",
    "PersonRef",
    "PositiveFen",
    "RequestModel",
    "ResponseModel",
    "RowId",
    "bounded_text",
    "worded",
    "yuan",
]

#: The largest id accepted in a path or body (ids are positive; SQLite's integers end at 2⁶³).
MAX_ID = 2**53
_EARLIEST = date(1900, 1, 1)
_LATEST = date(2199, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def worded(value: Any, lang: Lang) -> str | None:
    """A term of the service in ``lang``; text written as it is (an operator's words) as it is."""
    return None if value is None else str(localise(value, lang))


def yuan(amount_fen: int) -> str:
    """Fen as plain yuan text with two decimals and no grouping: ``123456`` → ``"1234.56"``."""
    return format_yuan(amount_fen, grouping=False)


def _iso_day_text(value: Any) -> Any:
    """A day is written ``YYYY-MM-DD``: a number (``?on=0``, read by pydantic as seconds since 1970) or any other
    shape is refused."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value.strip())):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _iso_moment_text(value: Any) -> Any:
    """A moment is written as ISO 8601 text, never as a number of seconds."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DAY.match(value.strip())):
        return value
    raise ValueError("a time is written YYYY-MM-DDTHH:MM[:SS][+08:00]")


def _plausible_day(value: date) -> date:
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError(f"a date from {_EARLIEST} to {_LATEST} is expected")
    return value


def _aware(value: datetime) -> datetime:
    _plausible_day(value.date())
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value.astimezone(SHANGHAI)


#: A day from 1900 to 2199.
Day = Annotated[date, BeforeValidator(_iso_day_text), AfterValidator(_plausible_day)]
#: A moment; without a time zone it is read as Asia/Shanghai time.
Moment = Annotated[datetime, BeforeValidator(_iso_moment_text), AfterValidator(_aware)]
#: The pattern of a text of one line: no control characters.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
#: A person named by resident ID number (18 characters) or person number (人员编号).
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,30}$")]
#: An amount of fen that may be zero.
Fen = Annotated[int, Field(ge=0, le=MAX_AMOUNT_FEN)]
#: An amount of fen above zero.
PositiveFen = Annotated[int, Field(gt=0, le=MAX_AMOUNT_FEN)]
#: A row id.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def bounded_text(max_length: int, *, min_length: int = 0) -> Any:
    """The constraints of a one-line text of ``min_length`` to ``max_length`` characters."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=ONE_LINE)


class RequestModel(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """A response body, read from a service view's attributes."""

    model_config = ConfigDict(from_attributes=True)
