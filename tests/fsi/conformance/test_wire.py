"""The clients' writing conventions, checked against what the libraries are known to produce (no server)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from decimal import Decimal

from gongji.service.clock import SHANGHAI
from tests.fsi.conformance.hn_ybj_sdk import hunan_headers
from tests.fsi.conformance.hsa_his import fastjson_input
from tests.fsi.conformance.openhis import js_loose_zero, trade_no
from tests.fsi.conformance.wire import JavaDouble, java_hashmap_order, java_string_hash, newtonsoft_datetime, write_json


def test_java_string_hash_codes() -> None:
    # Well-known values of String.hashCode(): "hello", and the colliding pair "Aa"/"BB".
    assert java_string_hash("hello") == 99162322
    assert java_string_hash("Aa") == java_string_hash("BB") == 2112
    assert java_string_hash("") == 0


def test_a_hashmap_iterates_by_bucket_then_by_insertion() -> None:
    # "a" (97) lands in bucket 1, "b" (98) in 2, "q" (113) in 1 of a 16-slot table: a, q, b whatever the insertion.
    assert java_hashmap_order(["b", "q", "a"]) == ["q", "a", "b"]
    assert java_hashmap_order(["b", "a", "q"]) == ["a", "q", "b"]
    # Thirteen keys outgrow 16 slots (threshold 12): in 32 slots "a" (97 → 1) and "q" (113 → 17) part.
    keys = ["q", "a", *[f"k{n}" for n in range(11)]]
    order = java_hashmap_order(keys)
    assert order.index("a") < order.index("q")


def test_fastjson_leaves_nulls_out_and_keeps_decimal_scale() -> None:
    text = fastjson_input({"b": None, "a": Decimal("3.3333"), "c": [None, JavaDouble(0.0)], "d": Decimal("6.0000")})
    assert text == '{"a":3.3333,"c":[null,0.0],"d":6.0000}'


def test_newtonsoft_writes_nulls_and_local_times_with_seven_fraction_digits() -> None:
    moment = datetime(2026, 12, 2, 12, 52, 3, tzinfo=SHANGHAI)
    assert newtonsoft_datetime(moment, 9978531) == "2026-12-02T12:52:03.9978531+08:00"
    assert newtonsoft_datetime(moment, 9978530) == "2026-12-02T12:52:03.997853+08:00"
    assert newtonsoft_datetime(moment, 0) == "2026-12-02T12:52:03+08:00"
    assert write_json({"z": None, "a": "医保", "n": Decimal("10.00")}) == '{"z":null,"a":"医保","n":10.00}'


def test_openhis_trade_numbers_are_not_zero_padded() -> None:
    # 2026-01-05 08:03:09: month 1, day 5, hour 8, minute 3, second 9, as JavaScript prints the numbers.
    assert trade_no(datetime(2026, 1, 5, 8, 3, 9, tzinfo=SHANGHAI), "abc123xyz") == "202615839_abc123xyz"


def test_openhis_success_is_javascripts_loose_equality_with_zero() -> None:
    assert js_loose_zero(0)
    assert js_loose_zero("0")
    assert js_loose_zero("")
    assert js_loose_zero(Decimal("0.0"))
    assert not js_loose_zero(-2)
    assert not js_loose_zero("-2")
    assert not js_loose_zero(None)


def test_the_hunan_signature_is_base64_of_the_hmac_sha1() -> None:
    headers = hunan_headers("9001", "ak", "secret", "1700000000000")
    assert headers["_api_name"] == "9001"
    assert headers["_api_timestamp"] == "1700000000000"
    # SignCalc: the query string of the four values in this order, HMAC-SHA1 with the secret, the digest Base64.
    plain = b"_api_access_key=ak&_api_name=9001&_api_timestamp=1700000000000&_api_version=1.0.0"
    expected = base64.b64encode(hmac.new(b"secret", plain, hashlib.sha1).digest()).decode()
    assert headers["_api_signature"] == expected
    assert hunan_headers("9001", "ak", "other", "1700000000000")["_api_signature"] != headers["_api_signature"]
