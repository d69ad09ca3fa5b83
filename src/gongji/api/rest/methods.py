"""Which methods a path of the REST API answers: the answer to ``OPTIONS`` and the ``Allow`` header of a 405.

FastAPI declares a route per method, so the framework's own 405 names only the methods of the first route whose
path matches (``GET`` for ``/people``, where ``POST`` is served too). Here every route of the application whose
path matches is asked.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match

__all__ = ["allowed_methods"]

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves at ``path`` (with ``OPTIONS``, and ``HEAD`` where ``GET`` is), sorted: each
    method is tried against the application's routes, included routers too, as a request would be."""
    found = {method for method in _METHODS if any(_full_match(route, path, method) for route in app.router.routes)}
    if found:
        found.add("OPTIONS")
        if "GET" in found:
            found.add("HEAD")
    return sorted(found)


def _full_match(route: BaseRoute, path: str, method: str) -> bool:
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "app_root_path": ""}
    match, _ = route.matches(scope)
    return match is Match.FULL
