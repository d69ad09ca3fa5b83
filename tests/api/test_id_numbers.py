"""A person named by a malformed ID number is told the number is invalid (400 ID_NUMBER_INVALID), never that nobody
was found: whether in a path or in a body, before anything is looked up."""

from __future__ import annotations

from tests.api.conftest import Api, assert_problem
from tests.helpers import JIANGUO


def test_a_malformed_number_in_a_path_is_invalid_not_unknown(api: Api) -> None:
    for path in ("/people/123", "/people/123/family", f"/people/{JIANGUO[:-1]}8/balances"):
        body = assert_problem(api.get(path), 400, "ID_NUMBER_INVALID")
        assert "PERSON_NOT_FOUND" not in body["detail_en"]
    assert assert_problem(api.get("/people/123"), 400, "ID_NUMBER_INVALID")["detail_en"].endswith(
        "must be 18 characters, got 3"
    )


def test_a_well_formed_number_nobody_holds_is_not_found(api: Api) -> None:
    assert_problem(api.get("/people/130102199001011237"), 404, "PERSON_NOT_FOUND")


def test_a_person_number_still_finds_its_person(api: Api) -> None:
    psn_no = api.get(f"/people/{JIANGUO}").json()["psn_no"]
    assert api.get(f"/people/{psn_no}").json()["name"] == "张建国"
