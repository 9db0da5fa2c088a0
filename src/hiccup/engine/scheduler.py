"""Run each monitor's check once per interval: on its slot, never twice at once, never in bursts.

Due times sit in a heap of (due, seq, monitor_id). Changing or removing a monitor does not
search the heap: the entry's `seq` moves on and the old heap item is dropped when it surfaces.
Slots lie on a fixed grid, first due + k * interval, so delays never accumulate into drift.
They start on ticks (TICK_SECONDS): the slots due within one tick start together at its end.

Two limits bound the checks in flight: one per target host (so a thousand monitors of one
server do not hit it at once) and a global one. A run waits for its host's slot first, so runs
queued behind one slow host hold none of the global slots.

Self-protection: when the loop launched a run late, or stalled while it ran (see LoopLag), by
more than min(max_lateness, timeout / 2), the result is marked unreliable: a timeout then
measures Hiccup's own lag, and the recorder does not count it as a failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

from hiccup.checks.base import CheckResult
from hiccup.core.engine_health import EngineHealth
from hiccup.core.logs import Repeats
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.hostlimits import HostLimits
from hiccup.engine.looplag import LoopLag
from hiccup.engine.recent import RecentCount

log = logging.getLogger(__name__)

Executor = Callable[[MonitorSpec], Awaitable[CheckResult]]
# (spec, result, started_at as UTC wall clock). Called on the loop: must not block.
Sink = Callable[[MonitorSpec, CheckResult, datetime], None]

_LATENESS_SAMPLES = 10_000
# Slots falling within one tick start together, at its end: one wake-up of the process for
# a handful of checks instead of one each. A wake-up of an otherwise idle process costs about
# as much CPU as an HTTP check itself (cold caches), and checks started together also share
# the loop's later wake-ups (connects and replies land together).
TICK_SECONDS = 0.25


def utc_now() -> datetime:
    return datetime.now(UTC)


def jitter_offset(monitor_id: str, interval: float) -> float:
    """A stable offset in [0, interval) for a monitor's first run.

    Spreads first runs so a restart does not start every check at t=0, and keeps each monitor
    at the same point of its cycle across restarts. A digest, not `hash()`: that one is salted
    per process.
    """
    digest = hashlib.blake2b(monitor_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 * interval


def next_slot(due: float, interval: float, now: float) -> float:
    """The first slot after `now` on the grid due + k * interval.

    A loop that fell behind skips the slots it missed instead of bursting to catch up.
    """
    missed = max(0, math.floor((now - due) / interval))
    slot = due + (missed + 1) * interval
    return slot if slot > now else slot + interval  # float rounding can land exactly on now


def launch_time(due: float, tick: float = TICK_SECONDS) -> float:
    """When a slot due at `due` starts: the end of its tick (at once with no tick)."""
    if tick <= 0:
        return due
    return math.ceil(due / tick) * tick


def host_key(target: str) -> str:
    """The host a target names ('https://a.example/x', 'a.example:25', '[::1]:53', 'a.example')."""
    try:
        host = urlsplit(target if "://" in target else f"//{target}").hostname
    except ValueError:
        host = None
    return host or target.lower()


def trustworthy(launch_late: float, stalled: float, timeout: float, max_lateness: float) -> bool:
    """Whether a run's verdict is about the target rather than about Hiccup's own lag."""
    budget = min(max_lateness, timeout / 2)
    return launch_late <= budget and stalled <= budget


@dataclass(slots=True, eq=False)
class _Entry:
    spec: MonitorSpec
    host: str = ""
    seq: int = -1  # seq of this monitor's live heap item; any other is stale
    task: asyncio.Task[None] | None = None
    started: bool = False  # the task got its slots and runs the check (else it waits)
    due: float = 0.0  # when its live heap item is due
    failing: bool = False  # its last reliable result failed: runs come at its retry interval


class Scheduler:
    def __init__(
        self,
        execute: Executor,
        sink: Sink,
        *,
        concurrency: int = 256,
        per_host: int = 8,
        max_lateness: float = 1.0,
        tick: float = TICK_SECONDS,
        lateness_samples: int = _LATENESS_SAMPLES,
        wall_clock: Callable[[], datetime] = utc_now,
        mono_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._execute, self._sink = execute, sink
        self._wall, self._mono = wall_clock, mono_clock
        self._limit = asyncio.Semaphore(concurrency)
        self._hosts = HostLimits(per_host)
        self._max_lateness = max_lateness
        self._tick = tick
        self.loop_lag = LoopLag(mono_clock=mono_clock)
        self._unreliable = RecentCount()
        self._behind = RecentCount()  # slots skipped because the previous run never got a slot
        # Overload marks thousands of runs at once: one line when it starts, then the summary.
        self._overloaded = Repeats(log, "Hiccup is overloaded", level=logging.WARNING, lapses=True)
        self._behind_warning = Repeats(
            log, "Hiccup cannot keep up", level=logging.WARNING, lapses=True
        )
        self._entries: dict[str, _Entry] = {}
        self._due_rate = 0.0
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._alarm: asyncio.TimerHandle | None = None  # sets _wake when the next slot is due
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self._lag_task: asyncio.Task[None] | None = None
        self._lateness: deque[float] = deque(maxlen=lateness_samples)

    def set_monitors(self, specs: Iterable[MonitorSpec]) -> None:
        """Replace the whole set; takes effect at once, even while `run` sleeps."""
        wanted = {spec.id: spec for spec in specs if _schedulable(spec)}
        for monitor_id in self._entries.keys() - wanted.keys():
            self._drop(self._entries.pop(monitor_id))
        now = self._mono()
        for spec in wanted.values():
            self._upsert(spec, now)
        # Summed here, once per change of the set: a skipped slot's warning names it, and
        # summing 10,000 monitors for each of thousands of skipped slots held up the loop.
        self._due_rate = sum(1 / _seconds(spec) for spec in wanted.values())
        self._watch_lag()
        self._wake.set()

    def lateness_ms(self) -> list[float]:
        """Recent delays between a slot and its check starting (semaphore wait included)."""
        return list(self._lateness)

    async def run(self) -> None:
        """Run until cancelled; cancelling also cancels the checks in flight."""
        self._restart_grid(self._mono())
        self._running = True
        self._watch_lag()
        # Read once: on Python 3.11 every get_running_loop() is a getpid() system call.
        loop = asyncio.get_running_loop()
        try:
            while True:
                self._launch_due(self._mono())
                await self._sleep(loop)
        finally:
            if self._alarm is not None:
                self._alarm.cancel()
            self._running, self._lag_task = False, None
            await self._cancel_in_flight()

    def _watch_lag(self) -> None:
        """The loop-lag ticks only judge checks: they run while there are monitors, so a
        server without any does not wake four times a second for nothing."""
        if not self._running:
            return
        if self._entries and self._lag_task is None:
            self._lag_task = asyncio.create_task(self.loop_lag.run(), name="loop lag")
            self._tasks.add(self._lag_task)
        elif not self._entries and self._lag_task is not None:
            self._lag_task.cancel()
            self._tasks.discard(self._lag_task)
            self._lag_task = None

    def _restart_grid(self, now: float) -> None:
        # Monitors set before `run` (at start-up) would otherwise be due from when they were
        # set: start-up work done since (migrations, the first snapshot) would count as
        # lateness, mark the first runs unreliable and report an overload that is not one.
        self._heap.clear()
        for entry in self._entries.values():
            self._push(entry, now + jitter_offset(entry.spec.id, _seconds(entry.spec)))

    def _drop(self, entry: _Entry) -> None:
        # Its heap item goes stale on its own; a run in flight is unwanted work now.
        if entry.task is not None:
            entry.task.cancel()

    def _upsert(self, spec: MonitorSpec, now: float) -> None:
        entry = self._entries.get(spec.id)
        if entry is not None and entry.spec.interval == spec.interval:
            # Same slots; the next run uses the new target and options.
            entry.spec, entry.host = spec, host_key(spec.target)
            return
        if entry is None:
            entry = self._entries[spec.id] = _Entry(spec)
        entry.spec, entry.host = spec, host_key(spec.target)
        self._push(entry, now + jitter_offset(spec.id, _seconds(spec)))

    def _push(self, entry: _Entry, due: float) -> None:
        entry.seq, entry.due = next(self._seq), due
        heapq.heappush(self._heap, (due, entry.seq, entry.spec.id))

    def _launch_due(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            due, seq, monitor_id = heapq.heappop(self._heap)
            entry = self._entries.get(monitor_id)
            if entry is None or entry.seq != seq:
                continue
            # Still running from an earlier slot: skip this one rather than overlap.
            if entry.task is None:
                launch_at = self._launch_time(due)
                self._start(entry, launch_at, now - launch_at)
            elif not entry.started:
                self._note_behind(entry)
            self._push(entry, next_slot(due, _pace(entry), now))

    def _launch_time(self, due: float) -> float:
        return launch_time(due, self._tick)

    def _start(self, entry: _Entry, launch_at: float, launch_late: float) -> None:
        run = self._run_one(entry, launch_at, launch_late)
        task = asyncio.create_task(run, name=f"check {entry.spec.id}")
        entry.task, entry.started = task, False
        self._tasks.add(task)
        task.add_done_callback(partial(self._finished, entry))

    def _finished(self, entry: _Entry, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if entry.task is task:
            entry.task = None

    async def _run_one(self, entry: _Entry, launch_at: float, launch_late: float) -> None:
        async with self._hosts.hold(entry.host), self._limit:
            entry.started = True
            spec, started_at = entry.spec, self._wall()
            result = await self._judged_run(spec, launch_at, launch_late)
        # Reported unless removed (or replaced) meanwhile.
        if result is not None and self._entries.get(spec.id) is entry:
            self._report(spec, result, started_at)
            self._follow(entry, result)

    def _follow(self, entry: _Entry, result: CheckResult) -> None:
        """A monitor with a retry interval is checked at it while it fails, from now on.

        An unreliable result says nothing about the target, so it changes nothing.
        """
        if entry.spec.retry_pace is None or not result.reliable:
            return
        entry.failing = not result.ok
        sooner = self._mono() + _pace(entry)
        if entry.failing and sooner < entry.due:
            self._push(entry, sooner)
            self._wake.set()

    async def _judged_run(
        self, spec: MonitorSpec, launch_at: float, launch_late: float
    ) -> CheckResult | None:
        begin = self._mono()
        self._lateness.append(max(0.0, begin - launch_at) * 1000)
        try:
            result = await self._execute(spec)
        except Exception:
            # The executor's own bug, not the target's outage: log it, report nothing.
            log.exception("check of monitor %r raised", spec.id)
            return None
        stalled = self.loop_lag.stalled(begin, self._mono())
        if trustworthy(launch_late, stalled, spec.timeout.total_seconds(), self._max_lateness):
            return result
        self._note_unreliable(spec, launch_late, stalled)
        return replace(result, reliable=False)

    @property
    def watching_lag(self) -> bool:
        """Whether the loop-lag ticks run (only while there are monitors to judge)."""
        return self._lag_task is not None and not self._lag_task.done()

    @property
    def unreliable_runs(self) -> int:
        return self._unreliable.total

    @property
    def behind_slots(self) -> int:
        return self._behind.total

    def health(self) -> EngineHealth:
        """How this process keeps up, for the admin: now, and over the last ten minutes."""
        now = self._mono()
        return EngineHealth(
            monitors=len(self._entries),
            due_per_second=self.due_per_second(),
            behind_slots=self._behind.last_minutes(now),
            unreliable_runs=self._unreliable.last_minutes(now),
            worst_stall_ms=self.loop_lag.worst * 1000,
        )

    def _note_unreliable(self, spec: MonitorSpec, launch_late: float, stalled: float) -> None:
        now = self._mono()
        self._unreliable.add(now)
        self._overloaded.failed(
            f"{self.unreliable_runs} results so far marked unreliable and not counted as "
            f"failures (monitor {spec.id!r} launched {launch_late * 1000:.0f} ms late, loop "
            f"stalled {stalled * 1000:.0f} ms during its run)"
        )

    def _note_behind(self, entry: _Entry) -> None:
        # The previous run never got a slot before this one came due: more checks are due
        # than this process gets done, so monitors are checked less often than asked. A run
        # still executing (a slow target, a timeout longer than the interval) is not this.
        now = self._mono()
        self._behind.add(now)
        self._behind_warning.failed(
            f"{self.behind_slots} check slots skipped so far because the monitor's previous "
            f"check was still waiting for a free slot (monitor {entry.spec.id!r}; "
            f"{self.due_per_second():.0f} checks/s are due). Those monitors are checked less "
            "often than their interval: raise `concurrency`, lengthen intervals, or share the "
            "monitors with another server."
        )

    def due_per_second(self) -> float:
        """Checks this scheduler is asked to start per second, by the monitors' intervals."""
        return self._due_rate

    def _report(self, spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        try:
            self._sink(spec, result, started_at)
        except Exception:
            log.exception("result sink failed for monitor %r", spec.id)

    async def _sleep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Until the next due slot, or sooner when woken. A timer that sets the wake event,
        not asyncio.timeout: that one cancels the task at every due slot (tens of times a
        second) and turns the cancellation into a TimeoutError, which cost more than the
        wait itself."""
        self._wake.clear()
        delay = self._launch_time(self._heap[0][0]) - self._mono() if self._heap else None
        if delay is not None and delay <= 0:
            return
        if self._alarm is not None:
            self._alarm.cancel()
        if delay is not None:
            self._alarm = loop.call_later(delay, self._wake.set)
        await self._wake.wait()

    async def _cancel_in_flight(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _seconds(spec: MonitorSpec) -> float:
    return spec.interval.total_seconds()


def _pace(entry: _Entry) -> float:
    """Seconds between this monitor's runs now: its retry interval while it fails."""
    retry = entry.spec.retry_pace
    if entry.failing and retry is not None:
        return retry.total_seconds()
    return _seconds(entry.spec)


def _schedulable(spec: MonitorSpec) -> bool:
    if spec.enabled and _seconds(spec) <= 0:
        log.warning("monitor %r has a non-positive interval; not scheduled", spec.id)
        return False
    return spec.enabled
