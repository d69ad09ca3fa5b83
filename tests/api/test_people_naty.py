"""Ethnicity (民族, ``naty``) at registration through the REST API: recorded as the national code, shown back,
refused by name when it is no code of the national list, and absent (null) when not stated."""

from __future__ import annotations

from tests.api.conftest import Api, assert_problem

#: Valid resident ID numbers of nobody the demo registers.
NEWCOMER = "130102199001011237"
OTHER_NEWCOMER = "11010519491231002X"


def test_a_person_registered_with_an_ethnicity_has_it_and_one_without_has_none(api: Api) -> None:
    with_naty = api.post("/people", json={"certno": NEWCOMER, "name": "王五", "naty": "11"})
    without = api.post("/people", json={"certno": OTHER_NEWCOMER, "name": "赵六"})

    assert with_naty.status_code == 201, with_naty.text
    assert with_naty.json()["naty"] == "11"  # 满族
    assert api.get(f"/people/{NEWCOMER}").json()["naty"] == "11"
    assert without.status_code == 201, without.text
    assert without.json()["naty"] is None


def test_an_ethnicity_outside_the_national_list_is_refused_and_registers_nobody(api: Api) -> None:
    body = assert_problem(
        api.post("/people", json={"certno": NEWCOMER, "name": "王五", "naty": "57"}), 400, "CODE_UNKNOWN"
    )

    assert "57" in body["detail"]
    assert api.get(f"/people/{NEWCOMER}").status_code == 404
