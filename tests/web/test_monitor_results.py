"""An operator reads a monitor's latest raw results — verdict, latency, status, the timing
phases and the error — in the admin and through the API, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from hiccup.auth.roles import Role, Scope
from hiccup.store.tables import results
from tests.support.admin_helpers import add_user, bearer, client_for, log_in, running

AT = datetime(2026, 12, 4, 16, 10, tzinfo=UTC)


async def store_results(engine: AsyncEngine, monitor_id: str) -> None:
    phases = {"connect": 3.0, "tls": 12.0, "first_byte": 40.0, "total": 55.0}
    rows = [
        {"at": AT, "verdict": "ok", "latency_ms": 55.0, "status_code": 200, "phases": phases},
        {
            "at": AT + timedelta(minutes=1),
            "verdict": "failed",
            "status_code": 503,
            "error": "HTTP 503 (expected 2xx/3xx)",
            "latency_ms": 20.0,
            "phases": {},
        },
        {
            "at": AT + timedelta(minutes=2),
            "verdict": "failed",
            "error": "timed out after 10s",
            "reliable": False,
            "probe": "eu-1",
            "latency_ms": None,
            "phases": None,
        },
    ]
    async with engine.begin() as conn:
        for row in rows:  # one by one: the rows leave out different columns
            await conn.execute(insert(results).values(monitor_id=monitor_id, **row))


async def test_the_latest_results_newest_first_in_the_api_and_the_admin(
    engine: AsyncEngine,
) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        owner = await add_user(engine, "olga", Role.OWNER)
        headers = await bearer(engine, owner, [Scope.ADMIN])
        made = await client.post(
            "/api/v1/monitors",
            json={"name": "flexo https", "kind": "http", "target": "https://127.0.0.1:9/"},
            headers=headers,
        )
        monitor_id = made.json()["id"]
        await store_results(engine, monitor_id)

        listed = await client.get(
            f"/api/v1/monitors/{monitor_id}/results", params={"limit": 2}, headers=headers
        )
        assert listed.status_code == 200
        newest, older = listed.json()
        assert (newest["probe"], newest["reliable"], newest["phases"]) == ("eu-1", False, {})
        assert older["error"] == "HTTP 503 (expected 2xx/3xx)"
        assert older["status_code"] == 503
        missing = await client.get("/api/v1/monitors/nope/results", headers=headers)
        assert missing.status_code == 404

        assert (await log_in(client, "olga")).status_code == 303
        assert f'/admin/monitors/{monitor_id}"' in (await client.get("/admin/")).text
        page = (await client.get(f"/admin/monitors/{monitor_id}/results")).text
        assert "connect 3 · tls 12 · first_byte 40" in page
        assert "unreliable" in page
        assert page.index("timed out after 10s") < page.index("HTTP 503")
