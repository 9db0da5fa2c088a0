"""A maintenance start given without a zone is read in the page's zone, and lands on the right
instant whichever way it arrives: the config file, the admin form or the REST API. Seen in
the API, upcoming.json and maintenance.ics, started and completed on time, and the downtime
inside the real window is measured.

SQLite once stored 15:49:18 Los Angeles time as 15:49:18 UTC: the window started at boot, eight
hours early, never showed as upcoming and measured no downtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from hiccup.auth.roles import Role, Scope
from hiccup.core.clock import ManualClock
from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.server.runtime import Hiccup, Settings
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.public_read import read_public_state
from hiccup.store.tables_maintenance import maintenance_windows
from tests.support.admin_helpers import (
    add_user,
    bearer,
    client_for,
    component_ids,
    example_config,
    log_in,
    session_csrf,
)
from tests.support.store_helpers import CONFIG, pipeline

LA = "America/Los_Angeles"
BEFORE = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # noon in Los Angeles: hours before
STARTS = datetime(2026, 12, 4, 23, 49, 18, tzinfo=UTC)  # 15:49:18 PST
ENDS = STARTS + timedelta(minutes=2)
PAGE = f"""
page: {{name: Example hosting, slug: default, time_zone: {LA}}}
components:
  - {{name: amy}}
  - {{name: flexo}}
  - {{name: leela}}
"""
DECLARED = """\
maintenance:
  - {name: Swap flexo disks, components: [flexo], start: "2026-12-04T15:49:18", duration: 2m}
"""


@asynccontextmanager
async def zoned(
    engine: AsyncEngine, extra: str = ""
) -> AsyncIterator[tuple[Hiccup, httpx.AsyncClient]]:
    """Hiccup on a page in Los Angeles, synced but with no workers: the test runs the passes."""
    clock = ManualClock(BEFORE)
    config = example_config(PAGE + extra)
    hiccup = Hiccup(engine, config, clock=clock, settings=Settings(snapshot_dir=None))
    await hiccup.prepare()
    async with client_for(hiccup) as client:
        yield hiccup, client


async def stored_windows(engine: AsyncEngine) -> list[tuple[datetime, datetime, str]]:
    c = maintenance_windows.c
    async with engine.connect() as conn:
        rows = await conn.execute(select(c.scheduled_for, c.scheduled_until, c.status))
        return [(start, end, str(status)) for start, end, status in rows]


async def published_at_the_right_instant(hiccup: Hiccup, client: httpx.AsyncClient) -> None:
    """Before the window: scheduled, listed as upcoming, in the calendar at 23:49:18 UTC."""
    await hiccup.maintenance.run_pass()
    assert await stored_windows(hiccup.engine) == [(STARTS, ENDS, "scheduled")]
    await hiccup.snapshots.rebuild()
    upcoming = (await client.get("/api/v2/scheduled-maintenances/upcoming.json")).json()
    [window] = upcoming["scheduled_maintenances"]
    assert window["scheduled_for"] == "2026-12-04T15:49:18.000-08:00"
    assert datetime.fromisoformat(window["scheduled_until"]) == ENDS
    calendar = (await client.get("/maintenance.ics")).text
    assert "DTSTART:20261204T234918Z" in calendar
    assert "DTEND:20261204T235118Z" in calendar
    assert isinstance(hiccup.clock, ManualClock)
    hiccup.clock.set(STARTS - timedelta(seconds=1))
    await hiccup.maintenance.run_pass()
    assert [w[2] for w in await stored_windows(hiccup.engine)] == ["scheduled"]
    hiccup.clock.set(STARTS)
    await hiccup.maintenance.run_pass()
    assert [w[2] for w in await stored_windows(hiccup.engine)] == ["in_progress"]


async def test_a_declared_start_is_read_in_the_pages_zone(engine: AsyncEngine) -> None:
    async with zoned(engine, DECLARED) as (hiccup, client):
        await published_at_the_right_instant(hiccup, client)


async def test_the_api_takes_the_pages_local_time_with_its_offset(engine: AsyncEngine) -> None:
    async with zoned(engine) as (hiccup, client):
        editor = await add_user(engine, "olga", Role.EDITOR)
        headers = await bearer(engine, editor, [Scope.WRITE])
        flexo = (await component_ids(engine))["flexo"]
        plan = {"name": "Swap flexo disks", "components": [flexo], "duration_s": 120}
        # The API takes times with an offset only: a zone-less one is refused, never guessed.
        vague = plan | {"start": "2026-12-04T15:49:18"}
        refused = await client.post("/api/v1/maintenance", json=vague, headers=headers)
        assert refused.status_code == 422
        assert "start" in refused.text
        made = await client.post(
            "/api/v1/maintenance",
            json=plan | {"start": "2026-12-04T15:49:18-08:00"},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        assert made.json()["time_zone"] == LA
        await published_at_the_right_instant(hiccup, client)
        found = await client.get(f"/api/v1/maintenance/{made.json()['id']}", headers=headers)
        [window] = found.json()["windows"]
        assert datetime.fromisoformat(window["scheduled_for"]) == STARTS


async def test_the_admin_form_reads_a_zone_less_start_in_the_pages_zone(
    engine: AsyncEngine,
) -> None:
    async with zoned(engine) as (hiccup, client):
        await add_user(engine, "olga", Role.EDITOR)
        assert (await log_in(client, "olga")).status_code == 303
        form = await client.get("/admin/maintenance/new")
        saved = await client.post(
            "/admin/maintenance/new",
            data={
                "name": "Swap flexo disks",
                "components": (await component_ids(engine))["flexo"],
                "start": "2026-12-04T15:49:18",
                "duration_s": "120",
                "message": "About two minutes of 503s.",
                "csrf_token": session_csrf(form.text),
            },
        )
        assert saved.status_code == 303
        await published_at_the_right_instant(hiccup, client)


async def test_downtime_inside_the_real_window_is_measured(engine: AsyncEngine) -> None:
    zoned_config = CONFIG.replace("time_zone: UTC", f"time_zone: {LA}")
    flow = await pipeline(engine, zoned_config + DECLARED.replace("2m", "10m"))
    worker = MaintenanceWorker(engine, flow.clock, lambda: None)
    flow.clock.set(BEFORE)
    await flow.minute(flexo=True)
    await worker.run_pass()
    flow.clock.set(STARTS)
    await worker.run_pass()
    flow.clock.advance(timedelta(seconds=12))  # 15:49:30 PST: down for five checks
    for _ in range(5):
        await flow.minute(flexo=False)
    await flow.feed("flexo", ok=True)
    flow.clock.advance(timedelta(seconds=40))
    await flow.feed("flexo", ok=True)  # confirmed up: back since the first good check
    flow.clock.set(STARTS + timedelta(minutes=10))
    await worker.run_pass()
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
    [done] = state.maintenances
    assert done.scheduled_for == STARTS
    assert done.downtime_seconds == 300.0
    assert state.open_incidents == ()
