"""Maintenance and notifications together: subscribers hear of each phase of a window, and
operator alerts for its components are held during it and released if trouble outlasts it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.notify.maintenance_notices import maintenance_notice
from hiccup.notify.sync import sync_notifications
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_notify import notify_messages, outbox
from tests.support.notify_helpers import add_subscribers
from tests.support.store_helpers import CONFIG, START, Pipeline, config, pipeline

EXTRA = """\
maintenance:
  - name: Brief scheduled maintenance on flexo server
    components: [flexo]
    start: 2026-11-04T16:30:00
    duration: 20m
    remind_before: 10m
notifications:
  channels: [{key: ops, kind: webhook, url: "http://127.0.0.1:9/ops"}]
  alerts: [{key: page-ops, channels: [ops], on: [down, recovery]}]
"""


async def queued(engine: AsyncEngine, kind_prefix: str) -> int:
    query = (
        select(func.count())
        .select_from(outbox.join(notify_messages, notify_messages.c.id == outbox.c.message_id))
        .where(notify_messages.c.kind.startswith(kind_prefix))
    )
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def setup(engine: AsyncEngine) -> tuple[Pipeline, MaintenanceWorker]:
    flow = await pipeline(engine, CONFIG + EXTRA)
    async with engine.begin() as conn:
        await sync_notifications(conn, config(CONFIG + EXTRA), START)
    await add_subscribers(engine, ["ann@example.com", "bob@example.com"], START)
    return flow, MaintenanceWorker(engine, flow.clock, lambda: None, maintenance_notice)


async def at_minute(flow: Pipeline, worker: MaintenanceWorker, minute: int) -> None:
    flow.clock.set(START.replace(minute=minute))
    await worker.run_pass()


async def test_subscribers_hear_of_every_phase_once(engine: AsyncEngine) -> None:
    flow, worker = await setup(engine)
    for minute in (0, 0, 20, 30, 50, 55):  # repeated passes must not queue twice
        await at_minute(flow, worker, minute)
    for phase in ("scheduled", "reminder", "started", "completed"):
        assert await queued(engine, f"maintenance_{phase}") == 2, phase


async def test_alerts_are_held_in_the_window_and_released_if_still_down(
    engine: AsyncEngine,
) -> None:
    flow, worker = await setup(engine)
    await flow.minute(flexo=True)
    await at_minute(flow, worker, 30)
    flow.clock.set(START.replace(minute=40))
    for _ in range(4):
        await flow.minute(flexo=False)
    assert await queued(engine, "alert") == 0
    await at_minute(flow, worker, 50)
    assert await queued(engine, "alert") == 1
    flow.clock.advance(timedelta(minutes=1))
    await flow.minute(flexo=True)
    await flow.minute(flexo=True)
    assert await queued(engine, "alert") == 2  # the recovery
