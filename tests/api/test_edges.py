"""The edges of the REST API and the national interface: dates written as dates, methods listed in full, and a
national-interface path that is not a transaction code answered in the national envelope."""

from __future__ import annotations

import pytest

from gongji.api.fsi.router import FSI_PATH
from gongji.service.demo import JIANGUO, XIUYING
from tests.api.conftest import Api, assert_problem


@pytest.mark.parametrize("number", ["0", "1700000000", "-1"])
def test_a_number_is_not_a_date(api: Api, number: str) -> None:
    assert_problem(api.get(f"/people/{JIANGUO}/family", params={"on": number}), 422, "REQUEST_INVALID")
    assert_problem(api.get(f"/people/{JIANGUO}/statement", params={"start": number}), 422, "REQUEST_INVALID")
    why = api.get(f"/people/{JIANGUO}/why/{XIUYING}", params={"kind": "inpatient", "admitted_at": number})
    assert_problem(why, 422, "REQUEST_INVALID")


def test_a_written_date_is_still_read(api: Api) -> None:
    assert api.get(f"/people/{JIANGUO}/family", params={"on": "2026-11-22"}).status_code == 200
    why = api.get(
        f"/people/{JIANGUO}/why/{XIUYING}", params={"kind": "inpatient", "admitted_at": "2026-11-22T09:00:00"}
    )
    assert why.status_code == 200, why.text


def test_options_and_405_list_every_method_of_a_path(api: Api) -> None:
    options = api.request("OPTIONS", "/people", key=False)
    assert options.status_code == 204
    assert set(options.headers["allow"].split(", ")) >= {"GET", "POST", "OPTIONS"}
    wrong = api.request("DELETE", "/people", key=False)
    assert wrong.status_code == 405
    assert {"GET", "POST"} <= set(wrong.headers["allow"].split(", "))
    assert api.request("OPTIONS", "/no-such-thing", key=False).status_code == 404


def test_a_national_path_with_an_encoded_slash_is_answered_in_the_envelope(api: Api) -> None:
    answer = api.portal.call(lambda: api.client.post(f"{FSI_PATH}/22%2F07", content=b"{}"))
    envelope = answer.json()
    assert envelope["infcode"] == -2
    assert envelope["err_msg"]
