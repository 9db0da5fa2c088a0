"""Heartbeats: pings in, missed deadlines out, both as results through the recorder.

`PingDesk` takes a ping (`/ping/<token>`, `/start`, `/fail`), stores it with the next deadline,
then submits a result. `HeartbeatWatcher` sleeps until the earliest stored deadline (woken
early when a ping moves one), reports each monitor whose deadline passed, and moves that
deadline to the next slot, so a job that stays silent keeps failing once per expected run.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import ValidationError

from hiccup.checks.base import CheckResult
from hiccup.checks.heartbeat import HeartbeatCheck, HeartbeatOptions
from hiccup.checks.registry import invalid_options
from hiccup.core.clock import Clock
from hiccup.core.heartbeats import HeartbeatSchedule, lateness_message
from hiccup.core.logs import Repeats
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.scheduler import Sink
from hiccup.store import heartbeats as store
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

FAILURE_REPORTED = "job reported failure"

# Cap on one sleep: a wall clock that jumps (NTP, a suspended VM) is noticed within it.
_MAX_SLEEP_SECONDS = 60.0
_RETRY_SECONDS = 5.0
_BATCH = 500  # overdue monitors read at once; each is reported, then its deadline moves


class Signal(StrEnum):
    OK = "ok"
    START = "start"
    FAIL = "fail"


def schedule_or_error(spec: MonitorSpec) -> HeartbeatSchedule | str:
    try:
        return HeartbeatOptions.model_validate(spec.options).schedule()
    except ValidationError as exc:
        return invalid_options(exc)


def new_token() -> str:
    return secrets.token_urlsafe(18)


async def sync_heartbeats(
    conn: AsyncConnection, specs: Iterable[MonitorSpec], now: datetime
) -> None:
    """Give every heartbeat monitor a row: the token from its options, or a new random one.

    A new monitor's first deadline counts from now, so a job that never pings is reported too.
    """
    known = await store.tokens(conn)
    owners = {token: monitor_id for monitor_id, token in known.items()}
    for spec in specs:
        if spec.kind != HeartbeatCheck.kind:
            continue
        wanted = str(spec.options.get("token") or "") or None
        if wanted is not None and owners.get(wanted, spec.id) != spec.id:
            raise ValueError(f"monitor {spec.name!r}: its heartbeat token is already in use")
        current = known.get(spec.id)
        if current is None:
            schedule = schedule_or_error(spec)
            due = None if isinstance(schedule, str) else schedule.due_after_ping(now)
            current = wanted or new_token()
            await store.add_heartbeat(conn, spec.id, current, due)
        elif wanted is not None and wanted != current:
            await store.set_token(conn, spec.id, wanted)
            current = wanted
        owners[current] = spec.id


class HeartbeatWatcher:
    def __init__(self, engine: AsyncEngine, clock: Clock, sink: Sink) -> None:
        self._engine, self._clock, self._sink = engine, clock, sink
        self._wake = asyncio.Event()
        # Deadlines that passed before this watcher existed passed while nobody listened for
        # pings (Hiccup was down): those misses are recorded as unreliable, not as outages.
        self._since = clock.now()
        self._failing = Repeats(log, "heartbeat watcher pass failed; retrying")

    def wake(self) -> None:
        """A deadline moved: look again now rather than at the old earliest one."""
        self._wake.set()

    async def check_overdue(self) -> datetime | None:
        """One pass: report every missed deadline; return the earliest one left."""
        now = self._clock.now()
        while True:
            async with self._engine.connect() as conn:
                late = await store.overdue(conn, now, _BATCH)
            for heartbeat in late:
                await self._report(heartbeat, now)
            if len(late) < _BATCH:
                break
        async with self._engine.connect() as conn:
            return await store.earliest_due(conn)

    async def _report(self, heartbeat: store.Heartbeat, now: datetime) -> None:
        seen = heartbeat.due_at
        assert seen is not None  # overdue() only returns rows with a deadline
        schedule = schedule_or_error(heartbeat.spec)
        following: datetime | None = None
        async with self._engine.begin() as conn:
            if isinstance(schedule, str):
                # Options that no longer parse (edited in the database): report once, then stop.
                error = schedule
            else:
                following = schedule.due_after_miss(seen, now)
                # In the zone the page shows every other time in, not the schedule's.
                zone = await store.page_zone(conn, heartbeat.spec.id)
                error = lateness_message(heartbeat.last_ping_at, now, schedule, seen, zone)
            if not await store.move_due(conn, heartbeat.spec.id, seen, following):
                return
        result = CheckResult(ok=False, error=error, reliable=seen >= self._since)
        self._sink(heartbeat.spec, result, now)

    async def run(self) -> None:
        while True:
            try:
                earliest = await self.check_overdue()
            except Exception as error:
                self._failing.failed(error)
                earliest = None
                await asyncio.sleep(_RETRY_SECONDS)
            else:
                self._failing.recovered()
            await self._sleep_until(earliest)

    async def _sleep_until(self, moment: datetime | None) -> None:
        delay = _MAX_SLEEP_SECONDS
        if moment is not None:
            delay = min(delay, max(0.0, (moment - self._clock.now()).total_seconds()))
        self._wake.clear()
        try:
            async with asyncio.timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass


class PingDesk:
    """Where pings land; the web routes call `ping` and answer from what it returns."""

    def __init__(
        self, engine: AsyncEngine, clock: Clock, sink: Sink, watcher: HeartbeatWatcher
    ) -> None:
        self._engine, self._clock, self._sink, self._watcher = engine, clock, sink, watcher

    async def ping(self, token: str, signal: Signal) -> bool:
        """Record one ping; False when no monitor has this token."""
        now = self._clock.now()
        async with self._engine.begin() as conn:
            heartbeat = await store.by_token(conn, token)
            if heartbeat is None:
                return False
            if signal is Signal.START:
                await store.save_start(conn, heartbeat.spec.id, now)
                return True
            schedule = schedule_or_error(heartbeat.spec)
            due = None if isinstance(schedule, str) else schedule.due_after_ping(now)
            await store.save_ping(conn, heartbeat.spec.id, now, due)
        self._watcher.wake()
        if heartbeat.spec.enabled:
            self._sink(heartbeat.spec, _result(heartbeat, signal, now), now)
        return True


def _result(heartbeat: store.Heartbeat, signal: Signal, now: datetime) -> CheckResult:
    started = heartbeat.last_start_at
    duration_ms = (now - started).total_seconds() * 1000 if started and started <= now else None
    if signal is Signal.FAIL:
        return CheckResult(ok=False, latency_ms=duration_ms, error=FAILURE_REPORTED)
    return CheckResult(ok=True, latency_ms=duration_ms)
