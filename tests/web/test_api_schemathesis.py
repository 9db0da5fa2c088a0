"""Schemathesis against the served OpenAPI document: generated requests (valid and not) for
every operation, as an owner, with every check schemathesis has (server errors, status codes,
content types, response headers and bodies against the schema, negative data rejected,
positive data accepted, auth not ignored, ...); not one may fail.

Driven through hypothesis directly: schemathesis' own pytest plugin does not load on pytest 9.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

from tests.support.admin_helpers import PASSWORD, example_config
from tests.support.live_admin import LiveAdmin, live_admin

EXAMPLES = 10
# A body of the right shape can still be refused for what it says (a component id that does
# not exist, a check kind nobody registered, a password too weak, a start in the past): those
# rules live in the server, not in JSON Schema, and are rightly answered 422. Positive data
# must otherwise be accepted: never a 400, 413, 415 or 5xx.
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-method": ["POST", "PUT", "PATCH"],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                    }
                },
            }
        ]
    }
)
# They would revoke the token (or disable the user) this test authenticates with.
REVOKING = {("DELETE", "/tokens/{token_id}"), ("DELETE", "/users/{user_id}")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAdmin]:
    with live_admin(tmp_path_factory.mktemp("schemathesis"), example_config(), PASSWORD) as live:
        yield live


def _failures_of(operation: object, token: str) -> list[str]:
    found: list[str] = []

    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def exercise(case: Case[Any]) -> None:
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
        except FailureGroup as group:
            for failure in group.exceptions:
                found.append(f"{case.method} {case.path}: {failure}")

    exercise()
    return found


def test_the_api_answers_every_generated_request_as_documented(server: LiveAdmin) -> None:
    url = f"{server.base_url}/api/v1/openapi.json"
    schema = schemathesis.openapi.from_url(url, config=CONFIG)
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if (operation.method.upper(), operation.path) in REVOKING:
            continue
        count += 1
        failures += _failures_of(operation, server.owner_token)
    assert count > 30
    assert not failures, "\n".join(dict.fromkeys(failures))


def test_the_openapi_document_covers_every_operation(server: LiveAdmin) -> None:
    document = httpx.get(f"{server.base_url}/api/v1/openapi.json").json()
    paths = document["paths"]
    assert {"/incidents", "/incidents/{incident_id}/updates", "/monitors", "/tokens"} <= set(paths)
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    for operations in paths.values():
        for operation in operations.values():
            assert {"401", "403"} <= set(operation["responses"])
