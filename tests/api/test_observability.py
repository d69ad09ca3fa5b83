"""REST requests are counted in /metrics by route and status, refusals by their code, and each is logged once."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

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
