"""The maintenance worker: materializes windows, starts and completes them on time.

It sleeps until the next stored deadline (a window's start, end or reminder), capped so new
definitions are noticed, instead of scanning on a short tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal

from hiccup.core.clock import Clock
from hiccup.core.language import ENGLISH, Language, speaking
from hiccup.core.logs import Repeats
from hiccup.core.maintenance import (
    MaintenanceStatus,
    completed_body,
    downtime_within,
    scheduled_body,
    started_body,
)
from hiccup.status.service import refresh_component, release_held_alerts
from hiccup.store import maintenance as store
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.database import claim_writer
from hiccup.store.tables import components

log = logging.getLogger(__name__)

MAX_SLEEP = timedelta(seconds=60)

# Called with (connection, window, phase, body, update id, now) inside the transaction of the
# change, so a notice is queued exactly when the change commits.
NoticeHook = Callable[[AsyncConnection, store.WindowRow, str, str, str, datetime], Awaitable[None]]

Phase = Literal["scheduled", "reminder", "started", "completed"]
# What failed: the phase and the window's id (the definition's id for "scheduled").
Step = tuple[Phase, str]


def _label(window: store.WindowRow) -> str:
    return f"window {window.name!r} ({window.id})"


async def _names(conn: AsyncConnection, component_ids: tuple[str, ...]) -> list[str]:
    query = components.select().where(components.c.id.in_(component_ids))
    return [r["name"] for r in (await conn.execute(query)).mappings()]


class MaintenanceWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        on_change: Callable[[], None],
        notice: NoticeHook | None = None,
        language: Language = ENGLISH,
    ) -> None:
        self._engine = engine
        self._language = language  # the page's: the words of the updates it writes
        self._clock = clock
        self._on_change = on_change
        self._notice = notice
        self.wake = asyncio.Event()
        self._failed: set[Step] = set()
        self._pass_failing = Repeats(log, "maintenance pass failed; retrying")

    async def _tell(
        self,
        conn: AsyncConnection,
        window: store.WindowRow,
        phase: str,
        told: tuple[str, str],
        now: datetime,
    ) -> None:
        if self._notice is not None:
            body, update_id = told
            await self._notice(conn, window, phase, body, update_id, now)

    async def _start(self, conn: AsyncConnection, window: store.WindowRow, now: datetime) -> int:
        await store.set_status(conn, window.id, MaintenanceStatus.IN_PROGRESS, now, started_at=now)
        body = started_body(await _names(conn, window.component_ids))
        update_id = await store.post_maintenance_update(
            conn, window.id, MaintenanceStatus.IN_PROGRESS, body, now
        )
        for component_id in window.component_ids:
            await refresh_component(conn, component_id, window.window.start, now)
        await self._tell(conn, window, "started", (body, update_id), now)
        return 1

    async def _complete(self, conn: AsyncConnection, window: store.WindowRow, now: datetime) -> int:
        outages = await store.down_intervals(
            conn, window.component_ids, window.window.start, window.window.end
        )
        downtime = downtime_within(window.window, outages)
        await store.set_status(
            conn,
            window.id,
            MaintenanceStatus.COMPLETED,
            now,
            completed_at=now,
            downtime_s=downtime.total_seconds(),
        )
        body = completed_body(downtime)
        status = MaintenanceStatus.COMPLETED
        update_id = await store.post_maintenance_update(conn, window.id, status, body, now)
        for component_id in window.component_ids:
            # An outage still going on after the window is a real incident from the window's end.
            await refresh_component(conn, component_id, window.window.end, now)
        await release_held_alerts(conn, window.component_ids, window.window.end, now)
        await self._tell(conn, window, "completed", (body, update_id), now)
        return 1

    async def _remind(
        self, conn: AsyncConnection, window: store.WindowRow, now: datetime, time_zone: str
    ) -> int:
        await store.mark_reminded(conn, window.id, now)
        body = scheduled_body(await store.message_of(conn, window.id))
        await self._tell(conn, window, "reminder", (body, f"reminder-{window.id}"), now)
        return 0  # nothing the public page shows changed

    async def _isolated(
        self, conn: AsyncConnection, step: Step, name: str, work: Callable[[], Awaitable[int]]
    ) -> int:
        """One window's (or definition's) step in its own SAVEPOINT: a failure rolls back that
        step alone, so one broken window cannot hold back every other maintenance. Returns the
        step's count of page changes, 0 when it failed."""
        try:
            async with conn.begin_nested():
                done = await work()
        except Exception:
            if step not in self._failed:  # retried every pass: told once, not every minute
                self._failed.add(step)
                log.exception("maintenance %s of %s failed; skipped, retried", step[0], name)
            return 0
        if step in self._failed:
            self._failed.discard(step)
            log.info("maintenance %s of %s succeeded after failing", step[0], name)
        return done

    def _failing(self, phase: Phase) -> list[str]:
        return [key for failed, key in self._failed if failed == phase]

    async def run_pass(self) -> datetime | None:
        """Do everything due now; returns the next deadline (None if nothing is planned)."""
        with speaking(self._language):
            return await self._run_pass()

    async def _run_pass(self) -> datetime | None:
        now = self._clock.now()
        async with self._engine.begin() as conn:
            # Its steps read before they write, each in a SAVEPOINT (_isolated).
            await claim_writer(conn)
            zones = await store.page_zones(conn)
            changed = await self._announce_new_all(conn, now, zones)
            for window in await store.due_reminders(conn, now):
                remind = partial(self._remind, conn, window, now, zones[window.page_id])
                await self._isolated(conn, ("reminder", window.id), _label(window), remind)
            for window in await store.due_completions(conn, now):
                complete = partial(self._complete, conn, window, now)
                changed += await self._isolated(
                    conn, ("completed", window.id), _label(window), complete
                )
            for window in await store.due_starts(conn, now):
                start = partial(self._start, conn, window, now)
                changed += await self._isolated(conn, ("started", window.id), _label(window), start)
            deadline = await store.next_deadline(
                conn,
                not_starting=self._failing("started"),
                not_ending=self._failing("completed"),
                not_reminding=self._failing("reminder"),
            )
        if changed:
            self._on_change()
        return deadline

    async def _announce_new(
        self, conn: AsyncConnection, definition: Any, now: datetime, zones: dict[str, str]
    ) -> int:
        created = await store.materialize_definition(conn, definition, now)
        for window in await store.windows_by_id(conn, created):
            body = scheduled_body(await store.message_of(conn, window.id))
            update_id = await store.post_maintenance_update(
                conn, window.id, MaintenanceStatus.SCHEDULED, body, now
            )
            await self._tell(conn, window, "scheduled", (body, update_id), now)
        return len(created)

    async def _announce_new_all(
        self, conn: AsyncConnection, now: datetime, zones: dict[str, str]
    ) -> int:
        made = 0
        for definition in await store.definitions(conn):
            announce = partial(self._announce_new, conn, definition, now, zones)
            name = f"maintenance {definition['key']!r} ({definition['id']})"
            made += await self._isolated(conn, ("scheduled", definition["id"]), name, announce)
        return made

    async def run(self) -> None:
        while True:
            deadline: datetime | None = None
            try:
                deadline = await self.run_pass()
            except Exception as error:
                self._pass_failing.failed(error)
            else:
                self._pass_failing.recovered()
            now = self._clock.now()
            sleep = min(deadline - now, MAX_SLEEP) if deadline else MAX_SLEEP
            self.wake.clear()
            try:
                async with asyncio.timeout(max(sleep.total_seconds(), 0.05)):
                    await self.wake.wait()
            except TimeoutError:
                pass
