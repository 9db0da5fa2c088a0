"""Schemathesis against the served OpenAPI document: generated requests (valid and not) for
every operation, as an owner; no answer may be a server error or break the documented schema.

Driven through hypothesis directly: schemathesis' own pytest plugin does not load on pytest 9.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, checks
from schemathesis.core.failures import FailureGroup

from tests.integration.admin_helpers import PASSWORD, example_config
from tests.live_admin import LiveAdmin, live_admin

EXAMPLES = 10
# Schema-valid but semantically wrong input (a component id that does not exist, a check
# kind nobody registered) is rightly answered 422; the schema cannot express those rules.
EXCLUDED = [checks.positive_data_acceptance]


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
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"}, excluded_checks=EXCLUDED
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                found.append(f"{case.method} {case.path}: {failure}")

    exercise()
    return found


def test_the_api_answers_every_generated_request_as_documented(server: LiveAdmin) -> None:
    schema = schemathesis.openapi.from_url(f"{server.base_url}/api/v1/openapi.json")
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
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
