"""People and enrollments over the REST API, and the shape of every kind of error (problem details)."""

from __future__ import annotations

from tests.api.conftest import Api, assert_problem
from tests.helpers import JIANGUO, XIUYING, ZHANGLI, snapshot

#: A valid resident ID number (the check character is right) of nobody gongji knows.
STRANGER = "130102199001011237"


def test_an_operator_lists_the_insured_of_its_regions_only(api: Api) -> None:
    shijiazhuang = api.get("/people")
    assert shijiazhuang.status_code == 200
    names = [p["name"] for p in shijiazhuang.json()]
    assert names == ["张建国", "李秀英", "张小明", "张德福", "赵桂兰"]
    beijing = api.get("/people", as_="beijing")
    assert [p["name"] for p in beijing.json()] == ["张丽"]
    assert [p["name"] for p in api.get("/people", params={"name": "张", "limit": 2}).json()] == ["张建国", "张小明"]
    assert [p["name"] for p in api.get("/people", params={"offset": 4}).json()] == ["赵桂兰"]


def test_register_show_and_change_contact(api: Api) -> None:
    registered = api.post("/people", json={"certno": STRANGER, "name": "王五", "phone": "13800000000"})
    assert registered.status_code == 201, registered.text
    person = registered.json()
    assert person["certno"] == STRANGER
    assert person["sex_zh"] == "男"
    assert person["enrollments"] == []
    shown = api.get(f"/people/{person['psn_no']}")
    assert shown.status_code == 200
    assert shown.json()["name"] == "王五"
    changed = api.post(f"/people/{STRANGER}/contact", json={"address": "河北省石家庄市示例路 9 号"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["address"] == "河北省石家庄市示例路 9 号"
    assert changed.json()["phone"] == "13800000000"


def test_enroll_pause_resume_move_and_terminate(api: Api) -> None:
    api.post("/people", json={"certno": STRANGER, "name": "王五"})
    enrolled = api.post(
        f"/people/{STRANGER}/enrollments",
        json={
            "insutype": "310",
            "psn_type": "1101",
            "pooling_region": "130100",
            "since": "2020-01-01",
            "employer": "示例单位",
        },
    )
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["enrollments"][0]["status_zh"] == "正常参保"
    paused = api.post(f"/people/{STRANGER}/enrollments/pause", json={"insutype": "310", "on": "2026-11-01"})
    assert paused.json()["enrollments"][0]["status"] == "paused", paused.text
    resumed = api.post(f"/people/{STRANGER}/enrollments/resume", json={"insutype": "310", "on": "2026-11-10"})
    assert resumed.json()["enrollments"][0]["status"] == "normal", resumed.text
    moved = api.post(
        f"/people/{STRANGER}/enrollments/move", json={"insutype": "310", "to_region": "131100", "on": "2026-11-20"}
    )
    assert moved.status_code == 200, moved.text
    assert [(e["pooling_region"], e["status"]) for e in moved.json()["enrollments"]] == [
        ("130100", "terminated"),
        ("131100", "normal"),
    ]
    # The person now belongs to Hengshui: the Shijiazhuang operator no longer sees them.
    assert_problem(api.get(f"/people/{STRANGER}"), 403, "REGION_NOT_GRANTED")


def test_termination_by_death_ends_every_enrollment(api: Api) -> None:
    ended = api.post(f"/people/{XIUYING}/enrollments/terminate", json={"on": "2026-11-21", "reason": "death"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["died_on"] == "2026-11-21"
    assert {e["status"] for e in ended.json()["enrollments"]} == {"terminated"}


def test_an_operator_enrolls_only_into_a_granted_region(api: Api) -> None:
    api.post("/people", json={"certno": STRANGER, "name": "王五"})
    body = {"insutype": "390", "psn_type": "1501", "pooling_region": "110000", "since": "2020-01-01"}
    refused = assert_problem(api.post(f"/people/{STRANGER}/enrollments", json=body), 403, "REGION_NOT_GRANTED")
    assert refused["params"]["region"] == "110000"
    assert api.post(f"/people/{STRANGER}/enrollments", json=body, as_="beijing").status_code == 200


def test_invalid_input_is_400_with_the_reason_in_both_languages(api: Api) -> None:
    before = snapshot(api.engine)
    body = assert_problem(
        api.post("/people", json={"certno": "130102197503150018", "name": "王五"}), 400, "ID_NUMBER_INVALID"
    )
    assert "expected 9" in body["detail_en"]
    assert body["title"] == "请求无效 Invalid input"
    assert snapshot(api.engine) == before


def test_not_found_is_404(api: Api) -> None:
    body = assert_problem(api.get(f"/people/{STRANGER}"), 404, "PERSON_NOT_FOUND")
    assert body["detail"].startswith("查无此人")
    assert body["detail_en"].startswith("No such person")


def test_a_refusal_is_422_and_writes_nothing(api: Api) -> None:
    before = snapshot(api.engine)
    body = {"insutype": "390", "psn_type": "1501", "pooling_region": "130100", "since": "2020-01-01"}
    problem = assert_problem(api.post(f"/people/{JIANGUO}/enrollments", json=body), 422, "ALREADY_ENROLLED")
    assert problem["title"] == "业务拒绝 Refused"
    assert problem["params"]["region"] == "130100"
    assert snapshot(api.engine) == before


def test_a_request_that_does_not_match_the_api_is_422_request_invalid(api: Api) -> None:
    response = api.post("/people", json={"certno": STRANGER, "name": "王五", "colour": "red", "sex": "9"})
    body = assert_problem(response, 422, "REQUEST_INVALID")
    assert body["title"] == "请求不符合接口定义 Request invalid"
    assert body["params"]["count"] == 2
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "colour"), ("body", "sex")}
    assert_problem(api.get("/people/not-a-ref!"), 422, "REQUEST_INVALID")
    assert_problem(api.get("/people", params={"limit": 0}), 422, "REQUEST_INVALID")


def test_an_unknown_path_is_a_plain_404_problem(api: Api) -> None:
    assert_problem(api.get("/nothing-here"), 404, "HTTP_404")
    wrong_method = assert_problem(api.request("PATCH", "/people"), 405, "HTTP_405")
    assert wrong_method["detail"] == "该地址不支持此请求方法"


def test_an_operator_of_another_region_cannot_see_or_change_a_person(api: Api) -> None:
    assert_problem(api.get(f"/people/{JIANGUO}", as_="beijing"), 403, "REGION_NOT_GRANTED")
    assert_problem(
        api.post(f"/people/{JIANGUO}/contact", json={"phone": "13900000000"}, as_="beijing"), 403, "REGION_NOT_GRANTED"
    )
    assert api.get(f"/people/{ZHANGLI}", as_="beijing").status_code == 200
    assert_problem(api.get(f"/people/{ZHANGLI}"), 403, "REGION_NOT_GRANTED")


def test_nobody_moves_to_the_national_level(api: Api) -> None:
    body = {"insutype": "310", "to_region": "100000", "on": "2026-11-22"}
    problem = assert_problem(api.post(f"/people/{JIANGUO}/enrollments/move", json=body), 400, "FIELD_INVALID")
    assert problem["params"]["field"] == "to_region"


def test_texts_with_control_characters_are_refused_before_the_database(api: Api) -> None:
    assert_problem(api.get("/people", params={"name": "张\x00"}), 422, "REQUEST_INVALID")
    assert_problem(api.post("/people", json={"certno": STRANGER, "name": "王\x00五"}), 422, "REQUEST_INVALID")
