"""Every unsafe request carried by a session cookie must carry that session's CSRF token;
bearer tokens need none; the login form has its own double-submit token."""

from __future__ import annotations

from sqlalchemy import func, select

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_accounts import incident_templates
from tests.support.admin_helpers import (
    add_token,
    add_user,
    client_for,
    csrf_of,
    log_in,
    running,
)

TEMPLATE = {
    "name": "cache",
    "title": "503s after a cache purge",
    "body": "Looking.",
    "impact": "minor",
}


async def _templates(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(incident_templates)
        return int((await conn.execute(query)).scalar_one())


async def test_a_form_without_the_csrf_token_is_refused_and_saves_nothing(
    engine: AsyncEngine,
) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "ed", Role.EDITOR)
        assert (await log_in(client, "ed")).status_code == 303
        missing = await client.post("/admin/templates/new", data=TEMPLATE)
        wrong = await client.post("/admin/templates/new", data={**TEMPLATE, "csrf_token": "x"})
        assert (missing.status_code, wrong.status_code) == (403, 403)
        assert await _templates(engine) == 0
        token = await csrf_of(client)
        saved = await client.post("/admin/templates/new", data={**TEMPLATE, "csrf_token": token})
        assert saved.status_code == 303
        assert await _templates(engine) == 1


async def test_htmx_requests_may_send_the_token_as_a_header(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "ed", Role.EDITOR)
        await log_in(client, "ed")
        headers = {"x-csrf-token": await csrf_of(client), "hx-request": "true"}
        answer = await client.post(
            "/admin/markdown/preview", data={"body": "**hi**"}, headers=headers
        )
        assert answer.status_code == 200
        assert "<strong>hi</strong>" in answer.text
        refused = await client.post("/admin/markdown/preview", data={"body": "**hi**"})
        assert refused.status_code == 403


async def test_the_api_with_a_session_cookie_needs_the_csrf_header(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "ed", Role.EDITOR)
        await log_in(client, "ed")
        refused = await client.post("/api/v1/templates", json=TEMPLATE)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
        accepted = await client.post(
            "/api/v1/templates", json=TEMPLATE, headers={"x-csrf-token": await csrf_of(client)}
        )
        assert accepted.status_code == 201


async def test_a_bearer_token_needs_no_csrf_token(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        user = await add_user(engine, "ed", Role.EDITOR)
        token = await add_token(engine, user, [Scope.WRITE])
        answer = await client.post(
            "/api/v1/templates", json=TEMPLATE, headers={"authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 201


async def test_the_login_form_refuses_a_post_without_its_own_token(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "ed", Role.EDITOR)
        forged = await client.post("/admin/login", data={"name": "ed", "password": "x" * 12})
        assert forged.status_code == 403
        assert "hiccup_session" not in client.cookies
