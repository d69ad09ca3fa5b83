"""REST and portal requests are counted in /metrics by route and status, refusals by their code, and each is logged
once, masked; where the log goes is set up in each process from what ``gongji serve`` chose."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gongji.api.observability import ACCESS_LOG, ACCESS_LOG_ENV, configure_access_log, log_request, serve_access_log
from gongji.api.portal.otp import CodeRecipient, ConsoleCodeSender
from gongji.domain.identity import mask_id_number
from gongji.service.demo import JIANGUO
from tests.api.conftest import Api


def _samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = api.portal.call(api.client.get, "/metrics")
    assert response.status_code == 200
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_rest_requests_are_counted_by_route_status_and_refusal_code(api: Api) -> None:
    ok = api.get(f"/people/{JIANGUO}")
    assert ok.status_code == 200
    missing = api.get(f"/people/{JIANGUO}", as_=None)
    assert missing.status_code == 401
    assert missing.headers["x-gongji-code"] == "API_TOKEN_MISSING"
    samples = _samples(api)
    route = "GET /api/v1/people/{ref}"
    labels_ok = (("interface", "rest"), ("operation", route), ("outcome", "200"))
    labels_401 = (("interface", "rest"), ("operation", route), ("outcome", "401"))
    assert samples[("gongji_requests_total", labels_ok)] == 1
    assert samples[("gongji_requests_total", labels_401)] == 1
    assert samples[("gongji_refusals_total", (("code", "API_TOKEN_MISSING"),))] == 1


def test_each_rest_request_is_one_log_line(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        api.get("/people/130102199001011237")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gongji.access"]
    assert len(lines) == 1
    assert lines[0]["interface"] == "rest"
    assert lines[0]["status"] == 404
    assert lines[0]["code"] == "PERSON_NOT_FOUND"
    # The path's ID number is not written: the line names the route, not the request's path.
    assert "130102199001011237" not in json.dumps(lines[0], ensure_ascii=False)


def test_each_portal_request_is_one_log_line_naming_the_route_not_the_path(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        page = api.portal.call(api.client.get, "/portal/sign-in")
        person = api.portal.call(api.client.get, f"/portal/counter/people/{JIANGUO}")
    assert page.status_code == 200
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gongji.access"]
    assert [(line["interface"], line["operation"]) for line in lines] == [
        ("portal", "GET /portal/sign-in"),
        ("portal", "GET /portal/counter/people/{psn_no}"),
    ]
    assert lines[1]["status"] == person.status_code
    assert JIANGUO not in json.dumps(lines, ensure_ascii=False)


def test_every_access_line_is_masked_by_value_whoever_writes_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        log_request(interface="rest", operation=f"GET /people/{JIANGUO}", note=["张建国 13803110019"], name="张建国")
    [line] = [r.getMessage() for r in caplog.records if r.name == "gongji.access"]
    assert JIANGUO not in line
    assert "13803110019" not in line
    assert json.loads(line)["name"] == "张*国"


def test_a_line_with_a_lone_surrogate_is_still_written_as_utf8(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gongji.access"):
        log_request(interface="fsi", input={"mac": "\ud800"})
    [line] = [r.getMessage() for r in caplog.records if r.name == "gongji.access"]
    line.encode("utf-8")  # what a UTF-8 log stream does with it; a raw surrogate would fail here, losing the line
    assert '"mac":"\\ud800"' in line  # the surrogate as its JSON escape


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """The root logger's handlers and level and the access log's level as they were before the test."""
    root = logging.getLogger()
    handlers, level, access_level = list(root.handlers), root.level, ACCESS_LOG.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    ACCESS_LOG.setLevel(access_level)


@pytest.mark.usefixtures("logging_restored")
def test_serve_records_its_choice_for_the_workers_and_each_sets_its_log_up_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ACCESS_LOG_ENV, "unset by the test")
    root = logging.getLogger()
    serve_access_log(False)
    assert os.environ[ACCESS_LOG_ENV] == "0"
    assert not ACCESS_LOG.isEnabledFor(logging.INFO)

    serve_access_log(True)
    handlers = list(root.handlers)
    configure_access_log()  # what each worker's app factory does: again, and nothing is added twice
    configure_access_log()
    assert os.environ[ACCESS_LOG_ENV] == "1"
    assert ACCESS_LOG.isEnabledFor(logging.INFO)
    assert root.handlers == handlers


@pytest.mark.usefixtures("logging_restored")
def test_without_serves_choice_logging_is_left_as_the_host_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ACCESS_LOG_ENV, raising=False)
    ACCESS_LOG.setLevel(logging.ERROR)
    configure_access_log()
    assert ACCESS_LOG.level == logging.ERROR


def test_the_demo_code_sender_prints_the_code_but_no_full_name_and_logs_nothing_of_it(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    recipient = CodeRecipient("张建国", mask_id_number(JIANGUO), "13803110019")
    with caplog.at_level(logging.DEBUG):
        ConsoleCodeSender().send(recipient, "274915")
    printed = capsys.readouterr().out
    assert "274915" in printed
    assert "张*国" in printed
    assert "张建国" not in printed
    assert JIANGUO not in printed
    assert "13803110019" not in printed
    assert not [r for r in caplog.records if "274915" in r.getMessage() or "张建国" in r.getMessage()]
