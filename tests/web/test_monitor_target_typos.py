"""The API refuses a monitor whose target does not fit its kind, naming the field, so a typo
never turns into a public outage."""

from __future__ import annotations

import pytest

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, bearer, client_for, running


@pytest.mark.parametrize(
    ("kind", "target"),
    [("http", "htp//127.0.0.1/"), ("http", "ftp://127.0.0.1/"), ("tcp", "127.0.0.1")],
)
async def test_the_api_refuses_a_target_that_does_not_fit_its_kind(
    engine: AsyncEngine, kind: str, target: str
) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        monitor = {"name": "flexo", "kind": kind, "target": target, "interval_s": 30}
        answer = await client.post("/api/v1/monitors", json=monitor, headers=headers)
    assert answer.status_code == 422, answer.text
    assert "target" in answer.text
    assert "invalid" in answer.text
