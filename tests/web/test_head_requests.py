"""HEAD works wherever GET does: the same status and headers, no body (FastAPI's GET routes
answered HEAD with 405)."""

from __future__ import annotations

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from tests.support.admin_helpers import add_user, bearer, client_for, example_config, running

CONFIG = """
page: {name: Example hosting}
components: [{name: amy}]
monitors:
  - {name: backup, kind: heartbeat, period: 5m, grace: 1m, token: backup-token-0123456789}
"""


async def test_head_answers_like_get_without_the_body(engine: AsyncEngine) -> None:
    async with running(engine, example_config(CONFIG)) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        paths = [
            "/admin/login",
            "/admin/",  # a redirect to the login page, for HEAD too
            "/api/v1/monitors",
            "/api/v1/openapi.json",
            "/healthz",
            "/",
            "/ping/backup-token-0123456789",
        ]
        for path in paths:
            got = await client.get(path, headers=headers)
            head = await client.head(path, headers=headers)
            assert head.status_code == got.status_code, path
            assert head.content == b"", path
            assert head.headers.get("content-type") == got.headers.get("content-type"), path


async def test_a_head_ping_counts_as_a_ping(engine: AsyncEngine) -> None:
    async with running(engine, example_config(CONFIG)) as hiccup, client_for(hiccup) as client:
        assert (await client.head("/ping/backup-token-0123456789")).status_code == 200
        assert (await client.head("/ping/unknown-token-0123456789")).status_code == 404
