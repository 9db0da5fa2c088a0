"""API tokens: scoped, limited by their user's role, shown once, stored hashed, revocable."""

from __future__ import annotations

from sqlalchemy import select

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_accounts import api_tokens
from tests.support.admin_helpers import add_token, add_user, client_for, running

MONITOR = {"name": "amy web", "kind": "tcp", "target": "127.0.0.1:9"}
INCIDENT = {"name": "503s on amy", "message": "Looking into it.", "notify": False}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_a_read_token_reads_but_cannot_write_even_for_an_owner(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        token = await add_token(engine, owner, [Scope.READ])
        assert (await client.get("/api/v1/monitors", headers=bearer(token))).status_code == 200
        refused = await client.post("/api/v1/monitors", json=MONITOR, headers=bearer(token))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"


async def test_a_write_token_runs_incidents_but_not_monitors(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        token = await add_token(engine, owner, [Scope.WRITE])
        opened = await client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(token))
        assert opened.status_code == 201
        refused = await client.post("/api/v1/monitors", json=MONITOR, headers=bearer(token))
        assert refused.status_code == 403
        admin = await add_token(engine, owner, [Scope.ADMIN])
        made = await client.post("/api/v1/monitors", json=MONITOR, headers=bearer(admin))
        assert made.status_code == 201, made.text


async def test_a_token_never_exceeds_its_users_role(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        viewer = await add_user(engine, "vic", Role.VIEWER)
        owner = await add_user(engine, "olga", Role.OWNER)
        admin = bearer(await add_token(engine, owner, [Scope.ADMIN]))
        asked = {"name": "too much", "scopes": ["write"], "user_id": viewer}
        refused = await client.post("/api/v1/tokens", json=asked, headers=admin)
        assert refused.status_code == 422
        assert "scopes" in refused.json()["error"]["fields"]
        # Even a token stored with a wide scope acts with the viewer's rights only.
        wide = await add_token(engine, viewer, [Scope.ADMIN])
        answer = await client.post("/api/v1/incidents", json=INCIDENT, headers=bearer(wide))
        assert answer.status_code == 403


async def test_a_token_is_shown_once_and_stored_as_a_hash(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        admin = bearer(await add_token(engine, owner, [Scope.ADMIN]))
        made = await client.post(
            "/api/v1/tokens", json={"name": "deploy", "scopes": ["write"]}, headers=admin
        )
        assert made.status_code == 201
        secret = made.json()["token"]
        listed = (await client.get("/api/v1/tokens", headers=admin)).text
        assert secret not in listed
        async with engine.connect() as conn:
            stored = [dict(r) for r in (await conn.execute(select(api_tokens))).mappings()]
        assert not any(secret in str(value) for row in stored for value in row.values())
        me = await client.get("/api/v1/me", headers=bearer(secret))
        assert me.json()["token_name"] == "deploy"


async def test_a_revoked_token_is_refused(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        admin = bearer(await add_token(engine, owner, [Scope.ADMIN]))
        made = (
            await client.post(
                "/api/v1/tokens", json={"name": "ci", "scopes": ["read"]}, headers=admin
            )
        ).json()
        assert (await client.get("/api/v1/me", headers=bearer(made["token"]))).status_code == 200
        revoked = await client.delete(f"/api/v1/tokens/{made['id']}", headers=admin)
        assert revoked.status_code == 204
        after = await client.get("/api/v1/me", headers=bearer(made["token"]))
        assert after.status_code == 401
        assert after.json()["error"]["code"] == "unauthenticated"
