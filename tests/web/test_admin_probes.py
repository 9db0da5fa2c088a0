"""The admin's probes page: every probe with its region, last upload and health, the latest
health change beside it and the recent ones below; an owner revokes a probe there (audited),
after which its token opens nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, update

from hiccup.auth.roles import Role, Scope
from hiccup.probe.wire import ASSIGNMENTS_PATH
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.probes import add_probe
from hiccup.store.tables_probes import probe_events, probes
from tests.support.admin_helpers import (
    add_user,
    bearer,
    client_for,
    log_in,
    running,
    session_csrf,
)
from tests.support.probe_helpers import START


async def two_probes_one_unhealthy(engine: AsyncEngine) -> str:
    async with engine.begin() as conn:
        token = await add_probe(conn, "eu-1", START)
        await add_probe(conn, "ap-1", START)
        await conn.execute(
            update(probes)
            .where(probes.c.name == "ap-1")
            .values(region="ap", healthy=False, health_reason="silent for 3 intervals")
        )
        await conn.execute(
            insert(probe_events).values(
                probe="ap-1",
                healthy=False,
                reason="silent for 3 intervals",
                at=START + timedelta(minutes=5),
            )
        )
    return token


async def test_a_viewer_sees_each_probe_and_its_health_changes(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await two_probes_one_unhealthy(engine)
        await add_user(engine, "vera", Role.VIEWER)
        assert (await log_in(client, "vera")).status_code == 303
        page = await client.get("/admin/probes")
        assert page.status_code == 200
        assert 'href="/admin/probes"' in page.text
        for text in ("ap-1", "eu-1", "unhealthy: silent for 3 intervals", "2026-11-04 16:05 UTC"):
            assert text in page.text
        assert "Revoke" not in page.text, "revoking is for owners"
        assert "Recent health changes" in page.text


async def test_an_owner_revokes_a_probe_and_its_token_stops_working(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        token = await two_probes_one_unhealthy(engine)
        probe_auth = {"authorization": f"Bearer {token}"}
        region = {"region": "eu"}
        assert (await client.get(ASSIGNMENTS_PATH, params=region, headers=probe_auth)).is_success
        await add_user(engine, "olga", Role.OWNER)
        assert (await log_in(client, "olga")).status_code == 303
        page = await client.get("/admin/probes")
        revoked = await client.post(
            "/admin/probes/eu-1/delete", data={"csrf_token": session_csrf(page.text)}
        )
        assert revoked.status_code == 303
        assert "eu-1" not in (await client.get("/admin/probes")).text
        refused = await client.get(ASSIGNMENTS_PATH, params=region, headers=probe_auth)
        assert refused.status_code == 401
        audit = await client.get("/admin/audit")
        assert "probe.revoke" in audit.text
        assert "probe eu-1" in audit.text


async def test_revoking_over_the_api_needs_an_admin_token(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        await two_probes_one_unhealthy(engine)
        editor = await add_user(engine, "ed", Role.EDITOR)
        owner = await add_user(engine, "olga", Role.OWNER)
        write = await bearer(engine, editor, [Scope.WRITE])
        admin = await bearer(engine, owner, [Scope.ADMIN])
        assert (await client.delete("/api/v1/probes/ap-1", headers=write)).status_code == 403
        assert (await client.delete("/api/v1/probes/ap-1", headers=admin)).status_code == 204
        assert (await client.delete("/api/v1/probes/ap-1", headers=admin)).status_code == 404
        listed = (await client.get("/api/v1/probes", headers=admin)).json()
        assert [p["name"] for p in listed] == ["eu-1"]
