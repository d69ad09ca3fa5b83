"""Schemathesis against the OpenAPI description of /api/v1: whatever a client sends that the description allows (and
much that it does not), gongji never answers with a server error.

SQLite only: the demo family is loaded once for the module and an operator of Shijiazhuang calls every operation.
Examples per operation are few, so that the whole file runs in well under a minute; a failure prints the request
that caused it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from gongji.api.app import create_app
from gongji.bootstrap import build_context
from gongji.service.clock import FixedClock
from gongji.service.demo import load_demo
from gongji.store.engine import make_engine
from tests.api.conftest import issue_tokens
from tests.serving import BUSINESS_NOW, LOADED_AT

#: Examples generated per operation.
MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def seeded(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The application on a SQLite copy with the demo loaded, and an operator's token."""
    target = tmp_path_factory.mktemp("schemathesis") / "gongji.db"
    shutil.copy(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    clock = FixedClock(LOADED_AT)
    ctx = build_context(engine=engine, clock=clock)
    load_demo(ctx)
    clock.set(BUSINESS_NOW)
    token = issue_tokens(ctx)["operator"]
    try:
        yield create_app(ctx), token
    finally:
        engine.dispose()


def _describing_app() -> Any:
    """An application that only describes the API: its database is never opened (the OpenAPI description does not
    depend on data), so the schema can be loaded when the module is collected; the calls go to ``seeded``'s."""
    ctx = build_context(engine=make_engine("sqlite://"), clock=FixedClock(BUSINESS_NOW))
    return create_app(ctx)


schema = schemathesis.openapi.from_asgi("/openapi.json", _describing_app()).include(path_regex="^/api/v1/")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error(case: Any, seeded: tuple[Any, str]) -> None:
    app, token = seeded
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
