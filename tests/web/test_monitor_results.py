"""An operator reads a monitor's latest raw results — verdict, latency, status, the timing
phases and the error — in the admin and through the API, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hiccup.auth.roles import Role, Scope
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.results import RecordedResult, write_results
from tests.support.admin_helpers import add_user, bearer, client_for, log_in, running

AT = datetime(2026, 12, 4, 16, 10, tzinfo=UTC)


async def store_results(engine: AsyncEngine, monitor_id: str) -> None:
    # Phases are kept for the results that need explaining (not ok), never for an ok one.
    phases = {"connect": 3.0, "tls": 12.0, "first_byte": 40.0, "total": 55.0}
    ok = RecordedResult(monitor_id, AT, Verdict.OK, 55.0, 200, None, {"connect": 9.0})
    refused = RecordedResult(
        monitor_id,
        AT + timedelta(minutes=1),
        Verdict.FAILED,
        55.0,
        503,
        "HTTP 503 (expected 2xx/3xx)",
        phases,
    )
    late = RecordedResult(
        monitor_id,
        AT + timedelta(minutes=2),
        Verdict.FAILED,
        None,
        None,
        "timed out after 10s",
        None,
        probe="eu-1",
        reliable=False,
    )
    async with engine.begin() as conn:
        await write_results(conn, [ok, refused, late], AT + timedelta(minutes=2))


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
        assert older["phases"] == {"connect": 3.0, "tls": 12.0, "first_byte": 40.0, "total": 55.0}
        everything = await client.get(f"/api/v1/monitors/{monitor_id}/results", headers=headers)
        oldest = everything.json()[-1]
        # An ok result keeps its phases too (#14); "total" is its latency.
        ok_phases = {"connect": 9.0, "total": 55.0}
        assert (oldest["verdict"], oldest["latency_ms"], oldest["phases"]) == (
            "ok",
            55.0,
            ok_phases,
        )
        assert oldest["at"].startswith("2026-12-04T16:10:00")
        missing = await client.get("/api/v1/monitors/nope/results", headers=headers)
        assert missing.status_code == 404

        assert (await log_in(client, "olga")).status_code == 303
        assert f'/admin/monitors/{monitor_id}"' in (await client.get("/admin/")).text
        page = (await client.get(f"/admin/monitors/{monitor_id}/results")).text
        assert "connect 3 · tls 12 · first_byte 40" in page
        assert "unreliable" in page
        assert page.index("timed out after 10s") < page.index("HTTP 503")
