"""Probe tokens open the probe API only; operators' tokens do not open it; operators see the
probes (region, last upload, health) through their own API."""

from __future__ import annotations

from hiccup.auth.roles import Role, Scope
from hiccup.probe.wire import ASSIGNMENTS_PATH
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.probes import add_probe
from tests.support.admin_helpers import add_token, add_user, client_for, running
from tests.support.probe_helpers import START


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_each_kind_of_token_opens_only_its_own_door(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        async with engine.begin() as conn:
            probe_token = await add_probe(conn, "eu-1", START)
        owner = await add_user(engine, "olga", Role.OWNER)
        api_token = await add_token(engine, owner, [Scope.ADMIN])
        region = {"region": "eu"}
        assigned = await client.get(ASSIGNMENTS_PATH, params=region, headers=bearer(probe_token))
        assert assigned.status_code == 200
        for path in ("/api/v1/monitors", "/api/v1/probes", "/api/v1/me"):
            assert (await client.get(path, headers=bearer(probe_token))).status_code == 401
        refused = await client.get(ASSIGNMENTS_PATH, params=region, headers=bearer(api_token))
        assert refused.status_code == 401

        listed = await client.get("/api/v1/probes", headers=bearer(api_token))
        assert listed.status_code == 200
        [probe] = listed.json()
        assert probe["name"] == "eu-1"
        assert probe["region"] == "eu"  # as the agent reported it
        assert probe["healthy"] is True
        assert probe["last_seen_at"] is not None
        events = await client.get("/api/v1/probes/events", headers=bearer(api_token))
        assert events.json() == []
