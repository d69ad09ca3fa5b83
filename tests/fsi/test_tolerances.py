"""The tolerances real clients need, read without a server: unit prices with six decimals, times as .NET and Java
write them, and the charsets a body may declare.

Where each shape comes from (repository, commit, file):

- newtouch-cloud/openhis 1f9b5713a7d21cfbe005ddf9825df6a1793fed59,
  ``Newtouch.HIS.Lib/NewtouchHIS.Lib.Base/Extension/JsonExtensions.cs``: ``ToJson(obj, format)`` falls through to
  ``JsonConvert.SerializeObject(obj)`` (Newtonsoft's ISO default, ``DateTime.Now`` → ``…T12:52:03.9978530+08:00``);
  its Web API hosts use ``yyyy-MM-dd HH:mm:ss.fff``.
- idoku-test/HN-YBJ-SDK 2ffe3fea28e630993f4c132a3ddc1f40d4d8808a, ``HN-YBJ-SDK.Core/FD/JsonHelper.cs``:
  ``IsoDateTimeConverter { DateTimeFormat = "yyyy-MM-dd HH:mm:ss" }``.
- fengzaiqishi11/hsa-his 1fcd557940391a10c84c139f1e65846eef69a664, ``hsa-com/src/main/java/cn/hsa/util/DateUtils.java``:
  ``yyyy-MM-dd HH:mm:ss`` and ``yyyy-MM-dd``.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from gongji.api.fsi.charsets import UTF8, charset_of
from gongji.api.fsi.fields import FsiInputError, price, timestamp
from gongji.api.fsi.reply import dumps
from gongji.service.clock import SHANGHAI

# --- unit prices -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("3.3333", Decimal("3.3333")),  # a third of a 10-yuan box: refused before as "最多两位小数"
        ("0.0833", Decimal("0.0833")),  # one tablet of a box of twelve at 1 yuan
        (Decimal("0.083333"), Decimal("0.083333")),  # as a JSON number, six decimals
        (Decimal("12.50"), Decimal("12.5")),
        ("35.800000", Decimal("35.8")),
        (3, Decimal(3)),
        (Decimal("1E+2"), Decimal(100)),
        ("0", Decimal(0)),
        ("-0.00", Decimal(0)),
        ("99999999.999999", Decimal("99999999.999999")),
    ],
)
def test_a_price_has_up_to_six_decimals_as_a_number_or_text(value: object, read: Decimal) -> None:
    found = price({"pric": value}, "pric")

    assert found == read
    assert str(found) == str(read)  # exact digits, no exponent, no trailing zeros


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("3.3333333", "单价“3.3333333”无效：最多 6 位小数"),
        (Decimal("0.0000001"), "最多 6 位小数"),
        ("-1.50", "不能为负数"),
        ("100000000", "超过上限 1 亿元"),
        (Decimal("1E+999999999"), "超过上限 1 亿元"),
        ("12,50", "不是单价"),
        ("NaN", "不是单价"),
        (True, "应为单价"),
        ([1], "应为单价"),
    ],
)
def test_a_price_that_cannot_be_one_is_refused_with_its_reason(value: object, reason: str) -> None:
    with pytest.raises(FsiInputError) as caught:
        price({"pric": value}, "pric", path="feedetail[3]")

    assert caught.value.field == "feedetail[3].pric"
    assert reason in caught.value.message_zh
    assert "pric" in caught.value.message_en


def test_a_missing_price_is_refused_or_none_when_optional() -> None:
    assert price({"pric": ""}, "pric", required=False) is None
    with pytest.raises(FsiInputError, match="missing"):
        price({}, "pric")


# --- times -------------------------------------------------------------------------------------------------------


def _shanghai(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Newtonsoft's default for DateTime.Now (openhis): seven fractional digits and the local offset.
        ("2026-12-02T12:52:03.9978530+08:00", _shanghai(2026, 12, 2, 12, 52, 3)),
        # Newtonsoft, DateTimeKind.Unspecified: no offset.
        ("2026-12-02T12:52:03", _shanghai(2026, 12, 2, 12, 52, 3)),
        # openhis Web API hosts: yyyy-MM-dd HH:mm:ss.fff.
        ("2026-12-02 12:52:03.123", _shanghai(2026, 12, 2, 12, 52, 3)),
        # The national shape (HN-YBJ-SDK's converter, hsa-his's DateUtils).
        ("2026-12-02 12:52:03", _shanghai(2026, 12, 2, 12, 52, 3)),
        # Java's LocalDateTime.toString(): up to nine digits.
        ("2026-12-02T12:52:03.123456789", _shanghai(2026, 12, 2, 12, 52, 3)),
        # Another offset is the same instant in Shanghai: UTC (Newtonsoft, DateTimeKind.Utc) and New York.
        ("2026-12-02T04:52:03.5Z", _shanghai(2026, 12, 2, 12, 52, 3)),
        ("2026-12-01T23:52:03-05:00", _shanghai(2026, 12, 2, 12, 52, 3)),
        ("2026-12-02T12:52:03+0800", _shanghai(2026, 12, 2, 12, 52, 3)),
        # Dates where the field is a date (hsa-his's yyyy-MM-dd), and the platform's compact forms.
        ("2026-12-02", _shanghai(2026, 12, 2)),
        ("20261202125203", _shanghai(2026, 12, 2, 12, 52, 3)),
    ],
)
def test_times_as_clients_write_them_are_read_in_shanghai_time(value: str, expected: datetime) -> None:
    read = timestamp({"begntime": value}, "begntime")

    assert read == expected
    assert read.utcoffset() == expected.utcoffset()  # answered in Shanghai time, whatever the offset sent


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-12-02T12:52:03+15:00", "不是存在的日期或时间"),  # no place is 15 hours ahead
        ("2026-12-02T12:52:03+08:61", "不是存在的日期或时间"),
        ("2026-02-30T12:52:03+08:00", "不是存在的日期或时间"),
        ("2026-12-02+08:00", "不是时间格式"),  # an offset without a time
        ("2026-12-02T12:52+08:00", "不是时间格式"),  # no seconds
        ("2026-12-02T12:52:03.1234567891", "不是时间格式"),  # ten digits: finer than any clock writes
        ("2026/12/2 12:52:03", "不是时间格式"),
        ("12:52:03", "不是时间格式"),
        ("yesterday", "不是时间格式"),
    ],
)
def test_garbage_is_still_not_a_time(value: str, reason: str) -> None:
    with pytest.raises(FsiInputError) as caught:
        timestamp({"begntime": value}, "begntime", path="data")

    assert caught.value.field == "data.begntime"
    assert reason in caught.value.message_zh


# --- charsets ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "codec", "label"),
    [
        (None, "utf-8", "utf-8"),
        ("application/json", "utf-8", "utf-8"),  # HN-YBJ-SDK and openhis declare no charset
        ("application/json; charset=utf-8", "utf-8", "utf-8"),
        ("application/json;charset=UTF8", "utf-8", "utf-8"),
        ("application/json; charset=GBK", "gbk", "GBK"),
        ('application/json; charset="gbk"', "gbk", "GBK"),
        ("application/json; charset=cp936", "gbk", "GBK"),
        ("application/json; charset=GB2312", "gbk", "GB2312"),
        ("application/json; charset=GB18030", "gb18030", "GB18030"),
        ("application/json; charset=", "utf-8", "utf-8"),
    ],
)
def test_the_declared_charset_is_the_one_read_and_answered(content_type: str | None, codec: str, label: str) -> None:
    charset = charset_of(content_type)

    assert (charset.codec, charset.label) == (codec, label)
    assert charset.media_type == f"application/json; charset={label}"


@pytest.mark.parametrize("name", ["klingon", "rot13", "utf-16", "x" * 300])
def test_a_charset_gongji_does_not_read_is_refused_by_name(name: str) -> None:
    with pytest.raises(FsiInputError) as caught:
        charset_of(f"application/json; charset={name}")

    assert caught.value.field == "Content-Type"
    assert f"不支持的字符集“{name[:40]}" in caught.value.message_zh


def test_an_answer_in_gbk_escapes_what_gbk_cannot_hold_and_reads_back_the_same() -> None:
    answer = {"psn_name": "张𠀀福", "err_msg": "姓名与证件不符", "balc": Decimal("12.30")}

    written = dumps(answer, charset_of("application/json; charset=GBK").codec)

    assert "张".encode("gbk") in written
    assert b"\\ud840\\udc00" in written  # U+20000 (CJK extension B) is not in GBK: a JSON escape pair
    assert json.loads(written.decode("gbk"), parse_float=Decimal) == answer
    assert dumps(answer, UTF8.codec) == dumps(answer)
