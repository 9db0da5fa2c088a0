"""Maintenance windows end to end on the store: scheduled, in progress, completed; outages
inside a window open no incident; the downtime measured inside it is stated afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta

from hiccup.core.maintenance import MaintenanceStatus
from hiccup.core.public import PublicState
from hiccup.core.status import ComponentStatus, PageIndicator
from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.snapshot import statuspage
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.maintenance import windows_between
from hiccup.store.public_read import read_public_state
from hiccup.store.sync import sync_config
from tests.support.store_helpers import CONFIG, START, Pipeline, config, pipeline

WINDOW = """\
maintenance:
  - name: Brief scheduled maintenance on flexo server
    components: [flexo]
    start: 2026-11-04T16:30:00
    duration: 20m
    message: Web sites on flexo will be unavailable for about five minutes.
    remind_before: 10m
"""


async def setup(engine: AsyncEngine) -> tuple[Pipeline, MaintenanceWorker, list[tuple[str, str]]]:
    flow = await pipeline(engine, CONFIG + WINDOW)
    told: list[tuple[str, str]] = []

    async def notice(
        _conn: object, _window: object, phase: str, body: str, _update: str, _now: datetime
    ) -> None:
        told.append((phase, body))

    return flow, MaintenanceWorker(engine, flow.clock, lambda: None, notice), told


async def at(flow: Pipeline, worker: MaintenanceWorker, hh: int, mm: int) -> datetime | None:
    flow.clock.set(START.replace(hour=hh, minute=mm))
    return await worker.run_pass()


async def state(flow: Pipeline) -> PublicState:
    async with flow.engine.connect() as conn:
        return await read_public_state(conn, "default", flow.clock.now())


def flexo(found: PublicState) -> ComponentStatus:
    return next(c for c in found.components if c.name == "flexo").status


async def test_a_window_is_announced_reminded_started_and_completed_on_time(
    engine: AsyncEngine,
) -> None:
    flow, worker, told = await setup(engine)
    deadline = await at(flow, worker, 16, 0)
    assert deadline == START.replace(minute=20)  # the reminder is the next thing due
    [upcoming] = (await state(flow)).upcoming_maintenances()
    assert upcoming.status is MaintenanceStatus.SCHEDULED
    # The window is shown beside the update; its body does not repeat it.
    assert "16:30" not in upcoming.updates[0].body
    assert await at(flow, worker, 16, 20) == START.replace(minute=30)
    assert await at(flow, worker, 16, 30) == START.replace(minute=50)
    during = await state(flow)
    assert flexo(during) is ComponentStatus.UNDER_MAINTENANCE
    assert during.indicator is PageIndicator.MAINTENANCE
    await at(flow, worker, 16, 50)
    assert [phase for phase, _ in told] == ["scheduled", "reminder", "started", "completed"]
    after = await state(flow)
    assert flexo(after) is ComponentStatus.OPERATIONAL
    [done] = [m for m in after.maintenances if m.status is MaintenanceStatus.COMPLETED]
    assert done.updates[0].body.endswith("no downtime was measured.")


async def test_an_outage_inside_the_window_opens_no_incident_and_is_measured(
    engine: AsyncEngine,
) -> None:
    flow, worker, told = await setup(engine)
    await flow.minute(flexo=True)
    await at(flow, worker, 16, 30)
    flow.clock.set(START.replace(minute=31))
    for _ in range(5):  # 16:31 .. 16:35 failing: confirmed down, but held
        await flow.minute(flexo=False)
    await flow.feed("flexo", ok=True)
    flow.clock.advance(timedelta(seconds=40))
    await flow.feed("flexo", ok=True)
    during = await state(flow)
    assert during.open_incidents == ()
    assert flexo(during) is ComponentStatus.UNDER_MAINTENANCE
    await at(flow, worker, 16, 50)
    after = await state(flow)
    assert after.open_incidents == ()
    assert after.recent_incidents == ()
    assert told[-1] == (
        "completed",
        "The scheduled maintenance has been completed; 5 minutes of downtime measured.",
    )
    assert [m.downtime_seconds for m in after.maintenances] == [300.0]


async def test_an_outage_that_outlasts_the_window_becomes_an_incident_from_its_end(
    engine: AsyncEngine,
) -> None:
    flow, worker, _ = await setup(engine)
    await flow.minute(flexo=True)
    await at(flow, worker, 16, 30)
    flow.clock.set(START.replace(minute=45))
    for _ in range(5):
        await flow.minute(flexo=False)
    await at(flow, worker, 16, 50)
    after = await state(flow)
    [incident] = after.open_incidents
    assert incident.started_at == START.replace(minute=50)
    assert flexo(after) is ComponentStatus.MAJOR_OUTAGE


async def test_statuspage_documents_list_the_window(engine: AsyncEngine) -> None:
    flow, worker, _ = await setup(engine)
    await at(flow, worker, 16, 0)
    upcoming = statuspage.upcoming_maintenances(await state(flow))
    [window] = upcoming["scheduled_maintenances"]
    assert window["scheduled_for"] == "2026-11-04T16:30:00.000Z"
    assert window["scheduled_until"] == "2026-11-04T16:50:00.000Z"
    assert window["impact"] == "maintenance"
    assert window["components"][0]["name"] == "flexo"
    await at(flow, worker, 16, 31)
    current = await state(flow)
    assert (
        statuspage.active_maintenances(current)["scheduled_maintenances"][0]["status"]
        == "in_progress"
    )
    assert statuspage.summary(current)["scheduled_maintenances"][0]["id"] == window["id"]


async def test_a_recurring_window_materializes_ahead_and_a_changed_schedule_replaces_it(
    engine: AsyncEngine,
) -> None:
    weekly = WINDOW.replace("    remind_before: 10m\n", '    rrule: "FREQ=WEEKLY"\n')
    flow = await pipeline(engine, CONFIG + weekly)
    worker = MaintenanceWorker(engine, flow.clock, lambda: None)
    await worker.run_pass()
    assert len((await state(flow)).upcoming_maintenances()) == 5  # 30 days ahead
    longer = weekly.replace("duration: 20m", "duration: 1h")
    async with engine.begin() as conn:
        report = await sync_config(conn, config(CONFIG + longer), flow.clock.now())
    assert report.updated == ["maintenance brief-scheduled-maintenance-on-flexo-server"]
    await worker.run_pass()
    windows = (await state(flow)).upcoming_maintenances()
    assert {m.scheduled_until - m.scheduled_for for m in windows} == {timedelta(hours=1)}
    async with engine.connect() as conn:
        flexo_id = next(
            c.id
            for c in (await read_public_state(conn, "default", flow.clock.now())).components
            if c.name == "flexo"
        )
        excluded = await windows_between(conn, [flexo_id], START, START + timedelta(days=8))
    assert len(excluded) == 2
