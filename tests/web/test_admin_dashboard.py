"""The monitor dashboard pages, searches and filters by status, tag and component."""

from __future__ import annotations

from sqlalchemy import insert

from hiccup.auth.roles import Role, Scope
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import monitor_states
from tests.support.admin_helpers import (
    add_token,
    add_user,
    client_for,
    component_ids,
    log_in,
    prepared,
)


async def test_it_filters_by_search_status_tag_and_component(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = {"authorization": f"Bearer {await add_token(engine, owner, [Scope.ADMIN])}"}
        ids = await component_ids(engine)
        made = {}
        for index in range(60):
            host = ("amy", "flexo", "leela")[index % 3]
            body = {
                "name": f"{host} check {index:02d}",
                "kind": "tcp",
                "enabled": index != 59,
                "target": f"127.0.0.1:{1000 + index}",
                "component_id": ids[host],
                "tags": ["eu"] if index % 2 else ["us"],
            }
            answer = await client.post("/api/v1/monitors", headers=headers, json=body)
            assert answer.status_code == 201, answer.text
            made[index] = answer.json()["id"]
        async with engine.begin() as conn:
            await conn.execute(
                insert(monitor_states),
                [{"monitor_id": made[i], "track": {}, "state": "down"} for i in (3, 4)],
            )
        first = (await client.get("/api/v1/monitors", headers=headers)).json()
        assert first["total"] == 60
        assert len(first["items"]) == 50
        second = await client.get("/api/v1/monitors?page=2", headers=headers)
        assert len(second.json()["items"]) == 10

        async def total(query: str) -> int:
            answer = await client.get(f"/api/v1/monitors?{query}", headers=headers)
            return int(answer.json()["total"])

        assert await total("q=flexo") == 20
        assert await total("q=CHECK%2007") == 1
        assert await total("status=down") == 2
        assert await total("status=paused") == 1
        assert await total("tag=eu") == 30
        assert await total(f"component_id={ids['leela']}&tag=us") == 10
        assert await total("q=100%25") == 0  # a literal %, not a wildcard
        await log_in(client, "olga")
        page = await client.get("/admin/?status=down")
        assert page.status_code == 200
        assert "2 monitors" in page.text
        assert "amy check 03" in page.text
        partial = await client.get(
            "/admin/monitors/table?q=leela&tag=us", headers={"hx-request": "true"}
        )
        assert "<html" not in partial.text
        assert "10 monitors" in partial.text
