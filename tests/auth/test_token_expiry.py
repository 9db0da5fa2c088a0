"""API tokens may be given an expiry: set at creation (API and admin form), shown in lists,
refused with 401 once past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from hiccup.auth.roles import Role, Scope
from hiccup.core.clock import SystemClock
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_accounts import api_tokens
from tests.support.admin_helpers import (
    add_user,
    bearer,
    client_for,
    log_in,
    running,
    session_csrf,
)


async def test_an_expired_token_is_refused_and_listed_as_expired(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "amy", Role.OWNER)
        admin = await bearer(engine, owner, [Scope.ADMIN])
        end = (SystemClock().now() + timedelta(hours=1)).replace(microsecond=0)
        made = await client.post(
            "/api/v1/tokens",
            json={"name": "deploy", "scopes": ["read"], "expires_at": end.isoformat()},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert datetime.fromisoformat(body["expires_at"]) == end
        token = {"authorization": f"Bearer {body['token']}"}
        assert (await client.get("/api/v1/me", headers=token)).status_code == 200
        listed = {t["name"]: t for t in (await client.get("/api/v1/tokens", headers=admin)).json()}
        assert datetime.fromisoformat(listed["deploy"]["expires_at"]) == end
        # Past its end the token is refused; moving the stored end is the time travel here.
        await _expire(engine, body["id"])
        refused = await client.get("/api/v1/me", headers=token)
        assert refused.status_code == 401
        listed = {t["name"]: t for t in (await client.get("/api/v1/tokens", headers=admin)).json()}
        assert "deploy" in listed  # still listed (revocable), with its end


async def _expire(engine: AsyncEngine, token_id: str) -> None:
    async with engine.begin() as conn:
        past = datetime(2020, 1, 1, tzinfo=UTC)
        await conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(expires_at=past)
        )


async def test_a_token_cannot_be_made_already_expired(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "amy", Role.OWNER)
        admin = await bearer(engine, owner, [Scope.ADMIN])
        past = SystemClock().now() - timedelta(minutes=1)
        answer = await client.post(
            "/api/v1/tokens",
            json={"name": "old", "scopes": ["read"], "expires_at": past.isoformat()},
            headers=admin,
        )
        assert answer.status_code == 422
        assert "expires_at" in answer.text


async def test_the_admin_form_sets_an_expiry_in_utc(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await add_user(engine, "amy", Role.OWNER)
        assert (await log_in(client, "amy")).status_code == 303
        form = await client.get("/admin/tokens/new")
        assert 'name="expires_at"' in form.text
        data = {
            "name": "ci",
            "scopes": "read",
            "expires_at": "2099-01-02T03:04",
            "csrf_token": session_csrf(form.text),
        }
        created = await client.post("/admin/tokens/new", data=data)
        assert created.status_code == 200, created.text
        assert "expires 2099-01-02 03:04 UTC" in created.text
        listing = await client.get("/admin/tokens")
        assert "2099-01-02 03:04 UTC" in listing.text
        assert "Expires" in listing.text
