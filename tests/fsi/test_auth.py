"""Gateway authentication by the x-tif-* headers: who is calling, and that the call is fresh and not replayed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from gongji.api.fsi.auth import (
    GatewayReason,
    GatewayRefused,
    MemoryNonceStore,
    signature,
    verify_gateway,
)
from gongji.service.clock import SHANGHAI

NOW = datetime(2024, 5, 1, 10, 0, 0, tzinfo=SHANGHAI)
NOW_S = 1714528800  # NOW as Unix seconds
TOKENS = {"hosp-130102-001": "secret-token", "pharmacy-7": "other-token"}


def token_of(paasid: str) -> str | None:
    return TOKENS.get(paasid)


def headers(
    *,
    paasid: str = "hosp-130102-001",
    timestamp: str = str(NOW_S),
    nonce: str = "abc123",
    token: str | None = None,
    sign: str | None = None,
) -> dict[str, str]:
    """Headers as a client signs them (with the paasid's own token unless told otherwise)."""
    secret = token if token is not None else TOKENS.get(paasid, "")
    return {
        "x-tif-paasid": paasid,
        "x-tif-timestamp": timestamp,
        "x-tif-nonce": nonce,
        "x-tif-signature": sign if sign is not None else signature(timestamp, secret, nonce),
    }


def refused(given: dict[str, str], reason: GatewayReason, store: MemoryNonceStore | None = None) -> GatewayRefused:
    with pytest.raises(GatewayRefused) as caught:
        verify_gateway(given, token_of, NOW, store if store is not None else MemoryNonceStore())
    assert caught.value.reason_code is reason
    assert caught.value.message_zh
    assert str(caught.value) == caught.value.message_en
    return caught.value


def test_the_signature_is_sha256_of_timestamp_token_nonce_timestamp() -> None:
    # Computed independently: printf '%s' 1714528800secret-tokenabc1231714528800 | sha256sum
    expected = "d0d95e5761531738ba2339e2b1f7c2ee330cd5304dee560697c84d59def6af6f"

    assert signature("1714528800", "secret-token", "abc123") == expected


def test_a_correctly_signed_request_is_accepted_and_names_its_caller() -> None:
    assert verify_gateway(headers(), token_of, NOW, MemoryNonceStore()) == "hosp-130102-001"


def test_a_timestamp_in_milliseconds_is_accepted() -> None:
    given = headers(timestamp=str(NOW_S * 1000 + 999))

    assert verify_gateway(given, token_of, NOW, MemoryNonceStore()) == "hosp-130102-001"


def test_a_signature_in_upper_case_hex_and_headers_in_any_case_are_accepted() -> None:
    given = headers()
    shouted = {key.title(): value for key, value in given.items()}
    shouted["X-Tif-Signature"] = shouted["X-Tif-Signature"].upper()

    assert verify_gateway(shouted, token_of, NOW, MemoryNonceStore()) == "hosp-130102-001"


def test_a_naive_now_is_beijing_time() -> None:
    assert verify_gateway(headers(), token_of, NOW.replace(tzinfo=None), MemoryNonceStore()) == "hosp-130102-001"


@pytest.mark.parametrize("missing", ["x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature"])
def test_each_missing_header_is_refused_by_name(missing: str) -> None:
    given = headers()
    del given[missing]

    error = refused(given, GatewayReason.HEADER_MISSING)

    assert missing in error.message_zh
    assert missing in error.message_en


def test_a_blank_header_is_missing() -> None:
    given = headers()
    given["x-tif-nonce"] = "  "

    refused(given, GatewayReason.HEADER_MISSING)


def test_an_unknown_paasid_is_refused() -> None:
    error = refused(headers(paasid="intruder", token="guess"), GatewayReason.PAASID_UNKNOWN)

    assert "intruder" in error.message_zh


@pytest.mark.parametrize("timestamp", ["abc", "-1714528800", "1714528800.5", "17145288000000", "1714528800 1"])
def test_a_timestamp_that_is_not_unix_seconds_or_milliseconds_is_refused(timestamp: str) -> None:
    error = refused(headers(timestamp=timestamp), GatewayReason.TIMESTAMP_INVALID)

    assert "x-tif-timestamp" in error.message_zh


@pytest.mark.parametrize("offset_s", [-301, 301, -86_400])
def test_a_timestamp_outside_the_window_is_refused(offset_s: int) -> None:
    error = refused(headers(timestamp=str(NOW_S + offset_s)), GatewayReason.TIMESTAMP_OUTSIDE_WINDOW)

    assert f"相差 {abs(offset_s)} 秒" in error.message_zh


@pytest.mark.parametrize("offset_s", [-300, 300])
def test_a_timestamp_at_the_edge_of_the_window_is_accepted(offset_s: int) -> None:
    given = headers(timestamp=str(NOW_S + offset_s))

    assert verify_gateway(given, token_of, NOW, MemoryNonceStore()) == "hosp-130102-001"


def test_the_window_can_be_narrowed() -> None:
    given = headers(timestamp=str(NOW_S - 61))

    with pytest.raises(GatewayRefused) as caught:
        verify_gateway(given, token_of, NOW, MemoryNonceStore(), window_s=60)

    assert caught.value.reason_code is GatewayReason.TIMESTAMP_OUTSIDE_WINDOW


def test_a_signature_made_with_another_token_is_refused() -> None:
    refused(headers(token="other-token"), GatewayReason.SIGNATURE_INVALID)


def test_a_signature_over_another_timestamp_is_refused() -> None:
    stale = signature(str(NOW_S - 10), "secret-token", "abc123")

    refused(headers(sign=stale), GatewayReason.SIGNATURE_INVALID)


@pytest.mark.parametrize("sign", ["", "签名", "0" * 64, "d0d95e57"])
def test_a_garbled_signature_is_refused_not_crashed_on(sign: str) -> None:
    given = headers()
    given["x-tif-signature"] = sign or "x"

    refused(given, GatewayReason.SIGNATURE_INVALID)


def test_an_overlong_nonce_is_refused() -> None:
    refused(headers(nonce="n" * 129), GatewayReason.NONCE_INVALID)


def test_a_reused_nonce_is_refused_as_a_replay() -> None:
    store = MemoryNonceStore()
    verify_gateway(headers(), token_of, NOW, store)

    error = refused(headers(), GatewayReason.NONCE_REUSED, store)

    assert "重放" in error.message_zh


def test_the_same_nonce_of_another_caller_is_not_a_replay() -> None:
    store = MemoryNonceStore()
    verify_gateway(headers(), token_of, NOW, store)

    assert verify_gateway(headers(paasid="pharmacy-7"), token_of, NOW, store) == "pharmacy-7"


def test_a_badly_signed_request_does_not_use_up_the_nonce() -> None:
    store = MemoryNonceStore()
    refused(headers(token="guess"), GatewayReason.SIGNATURE_INVALID, store)

    assert verify_gateway(headers(), token_of, NOW, store) == "hosp-130102-001"
    assert len(store) == 1


def test_a_nonce_is_remembered_until_its_request_leaves_the_window() -> None:
    store = MemoryNonceStore()
    verify_gateway(headers(), token_of, NOW, store)
    later = NOW + timedelta(seconds=300)

    # At the window's edge the same request would still pass the timestamp check: the nonce must still be known.
    with pytest.raises(GatewayRefused) as caught:
        verify_gateway(headers(), token_of, later, store)
    assert caught.value.reason_code is GatewayReason.NONCE_REUSED

    # After it, a fresh request may use the nonce again, and the old one is forgotten.
    fresh = headers(timestamp=str(NOW_S + 301))
    assert verify_gateway(fresh, token_of, NOW + timedelta(seconds=301), store) == "hosp-130102-001"
    assert len(store) == 1


def test_a_full_nonce_store_refuses_rather_than_forgets_a_live_nonce() -> None:
    store = MemoryNonceStore(max_entries=2)
    verify_gateway(headers(nonce="n1"), token_of, NOW, store)
    verify_gateway(headers(nonce="n2"), token_of, NOW, store)

    refused(headers(nonce="n3"), GatewayReason.BUSY, store)
    refused(headers(nonce="n1"), GatewayReason.NONCE_REUSED, store)

    # Once the first two expire there is room again.
    later = NOW + timedelta(seconds=301)
    assert verify_gateway(headers(nonce="n3", timestamp=str(NOW_S + 301)), token_of, later, store)


def test_the_nonce_store_needs_room_for_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MemoryNonceStore(max_entries=0)


def test_only_one_of_many_simultaneous_replays_gets_through() -> None:
    store = MemoryNonceStore()
    accepted: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def attempt() -> None:
        start.wait()
        outcome = store.remember("hosp-130102-001", "same", now=NOW, until=NOW + timedelta(seconds=300))
        with lock:
            accepted.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(accepted) == [False] * 15 + [True]
