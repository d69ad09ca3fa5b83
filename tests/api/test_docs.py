"""The first visit: the server's address leads to the portal, and /docs works on a machine without internet (every
file it loads is served here; it names no other host)."""

from __future__ import annotations

import re
from functools import partial

import httpx

from tests.api.conftest import Api

_LOADED = re.compile(r'(?:src|href)="([^"]+)"')


def _get(api: Api, path: str) -> httpx.Response:
    return api.portal.call(partial(api.client.get, path))


def test_the_servers_address_leads_to_the_portal(api: Api) -> None:
    home = _get(api, "/")
    assert home.status_code == 307
    assert home.headers["location"] == "/portal"
    assert "/" not in api.app.openapi()["paths"]


def test_docs_load_only_files_served_here(api: Api) -> None:
    page = _get(api, "/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert "'/openapi.json'" in page.text
    assert '"validatorUrl": null' in page.text
    loaded = _LOADED.findall(page.text)
    assert sorted(loaded) == [
        "/docs/static/favicon-32x32.png",
        "/docs/static/swagger-ui-bundle.js",
        "/docs/static/swagger-ui.css",
    ]
    kinds = {"js": "javascript", "css": "text/css", "png": "image/png"}
    for path in loaded:
        served = _get(api, path)
        assert served.status_code == 200, path
        assert kinds[path.rsplit(".", 1)[1]] in served.headers["content-type"], path
        assert len(served.content) > 500, path
    assert "SwaggerUIBundle" in _get(api, "/docs/static/swagger-ui-bundle.js").text
    assert _get(api, "/openapi.json").status_code == 200


def test_no_page_of_docs_loads_from_a_cdn(api: Api) -> None:
    # FastAPI's ReDoc page would load its script from a CDN: it is not served.
    assert _get(api, "/redoc").status_code == 404
