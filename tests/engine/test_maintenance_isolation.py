"""One window that fails in a maintenance pass is logged once and skipped; every other window
still starts and completes on time. (A window stored at the wrong instant once made every pass
roll back on a UNIQUE violation, so no maintenance started at all.)"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from hiccup.core.ids import new_id
from hiccup.core.maintenance import MaintenanceStatus
from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.maintenance import WindowRow
from hiccup.store.tables_maintenance import maintenance_updates, maintenance_windows
from tests.support.store_helpers import CONFIG, START, Pipeline, pipeline

TWO_WINDOWS = """\
maintenance:
  - {name: Rewire amy, components: [amy], start: "2026-11-04T16:30:00", duration: 20m}
  - {name: Swap flexo disks, components: [flexo], start: "2026-11-04T16:30:00", duration: 20m}
"""
BROKEN = "Rewire amy"


class FailingNotices:
    """A notice hook that makes one window's step fail with a real constraint violation: it
    writes the same update row twice (a duplicate primary key)."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self.broken = True
        self.told: list[tuple[str, str]] = []

    async def __call__(
        self,
        conn: AsyncConnection,
        window: WindowRow,
        phase: str,
        body: str,
        _update_id: str,
        now: datetime,
    ) -> None:
        if self.broken and phase == self.phase and window.name == BROKEN:
            status = MaintenanceStatus.SCHEDULED.value
            row = {"id": new_id(), "window_id": window.id, "status": status, "body": body}
            for _ in range(2):
                await conn.execute(insert(maintenance_updates).values(created_at=now, **row))
        self.told.append((phase, window.name))


async def setup(
    engine: AsyncEngine, phase: str, windows: str = TWO_WINDOWS
) -> tuple[Pipeline, MaintenanceWorker, FailingNotices]:
    flow = await pipeline(engine, CONFIG + windows)
    notices = FailingNotices(phase)
    return flow, MaintenanceWorker(engine, flow.clock, lambda: None, notices), notices


async def statuses(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        query = select(maintenance_windows.c.name, maintenance_windows.c.status)
        return {str(name): str(status) for name, status in await conn.execute(query)}


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "hiccup.engine.maintenance" and r.levelno >= logging.ERROR
    ]


async def test_a_window_that_fails_to_start_is_logged_once_and_the_others_still_run(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    flow, worker, notices = await setup(engine, "started")
    await worker.run_pass()
    flow.clock.set(START.replace(minute=30))
    deadline = await worker.run_pass()
    assert await statuses(engine) == {BROKEN: "scheduled", "Swap flexo disks": "in_progress"}
    assert deadline == START.replace(minute=50), "the failed start does not wake it at once"
    flow.clock.advance(timedelta(minutes=1))
    await worker.run_pass()  # retried, still failing: not logged again
    [failed] = failures(caplog)
    assert f"started of window {BROKEN!r}" in failed.getMessage()
    assert failed.exc_info is not None
    assert failed.exc_info[0] is IntegrityError

    notices.broken = False
    await worker.run_pass()
    assert await statuses(engine) == {BROKEN: "in_progress", "Swap flexo disks": "in_progress"}
    flow.clock.set(START.replace(minute=50))
    await worker.run_pass()
    assert set((await statuses(engine)).values()) == {"completed"}
    assert len(failures(caplog)) == 1


async def test_a_definition_that_fails_to_be_scheduled_does_not_stop_the_others(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    flow, worker, notices = await setup(engine, "scheduled")
    await worker.run_pass()
    assert await statuses(engine) == {"Swap flexo disks": "scheduled"}
    assert ("scheduled", "Swap flexo disks") in notices.told
    flow.clock.set(START.replace(minute=30))
    await worker.run_pass()
    assert await statuses(engine) == {"Swap flexo disks": "in_progress"}
    [failed] = failures(caplog)
    assert "scheduled of maintenance 'rewire-amy'" in failed.getMessage()


async def test_a_failing_reminder_does_not_delay_any_start(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    reminded = TWO_WINDOWS.replace("duration: 20m}", "duration: 20m, remind_before: 10m}")
    flow, worker, notices = await setup(engine, "reminder", reminded)
    await worker.run_pass()
    flow.clock.set(START.replace(minute=20))
    assert await worker.run_pass() == START.replace(minute=30), "its start is still awaited"
    assert ("reminder", "Swap flexo disks") in notices.told
    [failed] = failures(caplog)
    assert f"reminder of window {BROKEN!r}" in failed.getMessage()
    flow.clock.set(START.replace(minute=30))
    await worker.run_pass()
    assert set((await statuses(engine)).values()) == {"in_progress"}
