"""The OpenAPI description of /api/v1 says what the API does: Bearer tokens, problem details, the API's own models;
and the rest of the application keeps its own error answers."""

from __future__ import annotations

from functools import partial

from tests.api.conftest import Api


def test_every_operation_needs_a_token_and_documents_its_problems(api: Api) -> None:
    document = api.app.openapi()
    assert document["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["ApiToken"]["description"],
    }
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in methods.items()
    ]
    assert len(operations) >= 40
    for path, method, operation in operations:
        assert {"ApiToken": []} in operation["security"], (method, path)
        for status in ("401", "403", "404", "422"):
            content = operation["responses"][status]["content"]
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert operation["summary"], (method, path)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "detail_en", "code", "params"}


def test_money_is_fen_with_yuan_beside_it(api: Api) -> None:
    schemas = api.app.openapi()["components"]["schemas"]
    balances = schemas["BalancesOut"]["properties"]
    assert balances["personal_account_fen"]["type"] == "integer"
    assert balances["personal_account_yuan"]["type"] == "string"
    assert schemas["CreditIn"]["properties"]["amount_fen"]["exclusiveMinimum"] == 0


def test_the_rest_of_the_application_keeps_its_own_errors(api: Api) -> None:
    outside = api.portal.call(partial(api.client.get, "/no-such-page"))
    assert outside.status_code == 404
    assert outside.headers["content-type"] == "application/json"
    assert outside.json() == {"detail": "Not Found"}
    assert api.portal.call(partial(api.client.get, "/healthz")).json() == {"status": "ok"}
