"""``/docs``: Swagger UI on ``/openapi.json``, served from files vendored in ``swagger_ui/`` (see its README), so the
page works on a machine without internet and tells no third party about a visit."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["DOCS_PATH", "DOCS_STATIC_PATH", "SWAGGER_UI_DIR", "mount_docs"]

DOCS_PATH = "/docs"
DOCS_STATIC_PATH = "/docs/static"
SWAGGER_UI_DIR = Path(__file__).parent / "swagger_ui"


def mount_docs(app: FastAPI) -> None:
    """Serve Swagger UI at :data:`DOCS_PATH` and its files under :data:`DOCS_STATIC_PATH` (``app`` is built with
    ``docs_url=None``, so FastAPI's own page, which loads Swagger UI from a CDN, is not there)."""
    app.mount(DOCS_STATIC_PATH, StaticFiles(directory=SWAGGER_UI_DIR), name="docs-static")
    title = f"{app.title} — API"
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        """The API's description, browsable; every file the page loads comes from this server."""
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{DOCS_STATIC_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC_PATH}/favicon-32x32.png",
            # The validator badge would send the description to an outside validator.
            swagger_ui_parameters={"validatorUrl": None},
        )
