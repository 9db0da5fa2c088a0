"""The scheduler on an event loop whose clock jumps to the next timer (virtual time), so the
tests about its timing are exact and take no real time however loaded the machine is.

The executor here is a plain async function: it is the collaborator the scheduler drives, so
its behaviour (slow, failing, blocking) is what each test sets up.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hiccup.checks.base import CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.scheduler import Executor, Scheduler, Sink, jitter_offset
from tests.support.specs import fake_spec
from tests.support.virtual_time import now, on_virtual_time


def _scheduler(execute: Executor, sink: Sink, **options: Any) -> Scheduler:
    # Its monotonic clock is the loop's, virtual here (time.monotonic in production, the same).
    # No tick unless a test asks: these tests time slots of a fifth of a second.
    options.setdefault("tick", 0)
    return Scheduler(execute, sink, mono_clock=now, **options)


def _spec(monitor_id: str, interval: float, *, enabled: bool = True) -> MonitorSpec:
    return fake_spec(monitor_id, interval, target="nowhere", enabled=enabled)


@dataclass
class Fake:
    """An executor that takes `duration` per run and counts what happens, plus a sink."""

    duration: float = 0.0
    starts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    reported: Counter[str] = field(default_factory=Counter)
    running: Counter[str] = field(default_factory=Counter)
    most_at_once: int = 0
    most_of_one: int = 0
    cancelled: list[str] = field(default_factory=list)
    started_at: list[datetime] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def until_running(self, *monitor_ids: str) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: all(self.running[id_] for id_ in monitor_ids))

    async def execute(self, spec: MonitorSpec) -> CheckResult:
        self.starts[spec.id].append(now())
        self.running[spec.id] += 1
        async with self.changed:
            self.changed.notify_all()
        self.most_at_once = max(self.most_at_once, self.running.total())
        self.most_of_one = max(self.most_of_one, self.running[spec.id])
        try:
            await asyncio.sleep(self.duration)
        except asyncio.CancelledError:
            self.cancelled.append(spec.id)
            raise
        finally:
            self.running[spec.id] -= 1
        return CheckResult(ok=True, latency_ms=self.duration * 1000)

    def sink(self, spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        self.reported[spec.id] += 1
        self.started_at.append(started_at)


@asynccontextmanager
async def _running(scheduler: Scheduler) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(scheduler.run())
    try:
        yield task
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def _run_for(
    seconds: float, fake: Fake, specs: list[MonitorSpec], concurrency: int = 256, tick: float = 0
) -> Scheduler:
    scheduler = _scheduler(fake.execute, fake.sink, concurrency=concurrency, tick=tick)
    scheduler.set_monitors(specs)
    async with _running(scheduler):
        await asyncio.sleep(seconds)
    return scheduler


@on_virtual_time
async def test_it_runs_each_monitor_about_once_per_interval() -> None:
    fake = Fake()
    intervals = {"fast": 0.2, "medium": 0.3, "slow": 0.5}
    scheduler = await _run_for(1.5, fake, [_spec(id_, i) for id_, i in intervals.items()])
    for id_, interval in intervals.items():
        # The first run comes at the monitor's jitter offset, then one per interval.
        expected = math.floor((1.5 - jitter_offset(id_, interval)) / interval) + 1
        assert abs(len(fake.starts[id_]) - expected) <= 1, id_
    assert fake.reported == {id_: len(starts) for id_, starts in fake.starts.items()}
    assert all(at.tzinfo is UTC for at in fake.started_at)
    assert max(scheduler.lateness_ms()) < 50


@on_virtual_time
async def test_it_keeps_to_its_grid_however_long_checks_take() -> None:
    # A scheduler that waited an interval after each run would drift by 0.1 s per run here.
    fake = Fake(duration=0.1)
    await _run_for(1.5, fake, [_spec("m", 0.25)])
    starts = fake.starts["m"]
    assert len(starts) >= 5
    # Virtual time: exact, where the real clock of a loaded machine once put a run 62 ms off.
    assert starts == pytest.approx([starts[0] + k * 0.25 for k in range(len(starts))], abs=1e-6)


@on_virtual_time
async def test_it_never_overlaps_runs_of_one_monitor() -> None:
    fake = Fake(duration=0.45)
    await _run_for(1.2, fake, [_spec("slow-check", 0.2)])
    assert fake.most_of_one == 1
    # Each run covers three slots (0.45 s of 0.2 s slots); the ones it covers are skipped.
    assert 2 <= len(fake.starts["slow-check"]) <= 3


@on_virtual_time
async def test_it_respects_the_concurrency_limit() -> None:
    fake = Fake(duration=0.15)
    specs = [_spec(f"m{n}", 0.2) for n in range(20)]
    await _run_for(0.6, fake, specs, concurrency=3)
    assert fake.most_at_once == 3


@on_virtual_time
async def test_it_stops_a_removed_monitor_and_drops_its_run_in_flight() -> None:
    fake = Fake(duration=0.3)
    scheduler = _scheduler(fake.execute, fake.sink)
    scheduler.set_monitors([_spec("gone", 0.2), _spec("kept", 0.2)])
    async with _running(scheduler):
        await fake.until_running("gone")
        scheduler.set_monitors([_spec("kept", 0.2)])
        runs_when_removed = len(fake.starts["gone"])
        await asyncio.sleep(0.8)
    assert len(fake.starts["gone"]) == runs_when_removed
    assert fake.reported["gone"] == runs_when_removed - 1  # the in-flight one never reported
    assert "gone" in fake.cancelled
    assert fake.reported["kept"] >= 2


@on_virtual_time
async def test_it_schedules_monitors_added_while_running() -> None:
    fake = Fake()
    scheduler = _scheduler(fake.execute, fake.sink)
    async with _running(scheduler):
        await asyncio.sleep(0.1)  # asleep with nothing to do
        scheduler.set_monitors([_spec("new", 0.2)])
        await asyncio.sleep(0.5)
    assert fake.reported["new"] >= 2


@on_virtual_time
async def test_it_reschedules_a_monitor_whose_interval_changed() -> None:
    fake = Fake()
    scheduler = _scheduler(fake.execute, fake.sink)
    scheduler.set_monitors([_spec("m", 60)])
    async with _running(scheduler):
        await asyncio.sleep(0.05)
        scheduler.set_monitors([_spec("m", 0.2)])
        await asyncio.sleep(0.7)
    assert 2 <= fake.reported["m"] <= 5


@on_virtual_time
async def test_it_does_not_schedule_disabled_monitors() -> None:
    fake = Fake()
    await _run_for(0.5, fake, [_spec("off", 0.1, enabled=False), _spec("on", 0.1)])
    assert "off" not in fake.starts
    assert fake.reported["on"] >= 3


@on_virtual_time
async def test_a_failing_check_or_sink_does_not_stop_the_others() -> None:
    fake = Fake()

    async def execute(spec: MonitorSpec) -> CheckResult:
        if spec.id == "broken-check":
            raise RuntimeError("boom")
        return await fake.execute(spec)

    def sink(spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        if spec.id == "broken-sink":
            raise RuntimeError("sink down")
        fake.sink(spec, result, started_at)

    specs = [_spec("broken-check", 0.1), _spec("broken-sink", 0.1), _spec("fine", 0.1)]
    scheduler = _scheduler(execute, sink)
    scheduler.set_monitors(specs)
    async with _running(scheduler):
        await asyncio.sleep(0.6)
    assert fake.reported["fine"] >= 4
    assert len(fake.starts["broken-sink"]) >= 4
    assert set(fake.reported) == {"fine"}


@on_virtual_time
async def test_cancelling_the_scheduler_cancels_checks_in_flight() -> None:
    fake = Fake(duration=3600)
    scheduler = _scheduler(fake.execute, fake.sink)
    scheduler.set_monitors([_spec("a", 0.1), _spec("b", 0.1)])
    async with _running(scheduler):
        await fake.until_running("a", "b")
    assert sorted(fake.cancelled) == ["a", "b"]
    assert not fake.reported


@on_virtual_time
async def test_it_passes_the_started_at_of_its_wall_clock() -> None:
    fake = Fake()
    moment = datetime(2026, 5, 22, 16, 10, tzinfo=UTC)
    scheduler = _scheduler(fake.execute, fake.sink, wall_clock=lambda: moment)
    scheduler.set_monitors([_spec("m", 0.1)])
    async with _running(scheduler):
        await asyncio.sleep(0.25)
    assert fake.started_at
    assert set(fake.started_at) == {moment}


def test_it_rejects_a_concurrency_below_one() -> None:
    async def execute(spec: MonitorSpec) -> CheckResult:
        return CheckResult(ok=True)

    def sink(spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        pass

    with pytest.raises(ValueError, match="concurrency"):
        Scheduler(execute, sink, concurrency=0)


@on_virtual_time
async def test_when_more_is_due_than_it_can_do_every_monitor_keeps_its_turn_and_it_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 10 monitors every 0.2 s ask for 50 runs/s; one slot of 0.05 s runs allows 20.
    fake = Fake(duration=0.05)
    specs = [_spec(f"m{n}", 0.2) for n in range(10)]
    with caplog.at_level(logging.WARNING, logger="hiccup.engine.scheduler"):
        scheduler = await _run_for(1.6, fake, specs, concurrency=1)
    runs = [len(fake.starts[s.id]) for s in specs]
    assert 20 <= sum(runs) <= 33, "it levels off at what it can do"
    assert max(runs) - min(runs) <= 1, "no monitor is starved for the others"
    assert scheduler.behind_slots > 10
    assert scheduler.due_per_second() == pytest.approx(50)
    [warning] = [r.getMessage() for r in caplog.records if "cannot keep up" in r.getMessage()]
    assert "50 checks/s are due" in warning


@on_virtual_time
async def test_a_check_longer_than_its_interval_is_not_taken_for_overload() -> None:
    fake = Fake(duration=0.45)
    scheduler = await _run_for(1.2, fake, [_spec("slow-check", 0.2)])
    assert scheduler.behind_slots == 0


@dataclass
class Flaky:
    """Fails while `down` is set; records when each run started."""

    down: bool = True
    starts: list[float] = field(default_factory=list)

    async def execute(self, spec: MonitorSpec) -> CheckResult:
        self.starts.append(now())
        return CheckResult(ok=not self.down, error="refused" if self.down else None)


def _retrying(interval: float, retry: float) -> MonitorSpec:
    return replace(_spec("flexo", interval), retry_interval=timedelta(seconds=retry))


@on_virtual_time
async def test_a_failing_monitor_is_checked_at_its_retry_interval_until_it_recovers() -> None:
    flaky = Flaky()
    scheduler = _scheduler(flaky.execute, lambda *_: None)
    scheduler.set_monitors([_retrying(interval=1.0, retry=0.1)])
    async with _running(scheduler):
        await asyncio.sleep(1.2)
        failing = len(flaky.starts)
        flaky.down = False
        await asyncio.sleep(0.3)
        recovered_at = len(flaky.starts)
        await asyncio.sleep(1.2)
    assert failing >= 5, "after the first failure it comes back every 0.1 s, not every 1 s"
    assert len(flaky.starts) - recovered_at <= 2, "once it passes, the interval is 1 s again"


@on_virtual_time
async def test_without_a_retry_interval_a_failing_monitor_keeps_its_interval() -> None:
    flaky = Flaky()
    scheduler = _scheduler(flaky.execute, lambda *_: None)
    scheduler.set_monitors([_spec("flexo", 0.5)])
    async with _running(scheduler):
        await asyncio.sleep(1.2)
    assert len(flaky.starts) <= 3


@on_virtual_time
async def test_an_unreliable_failure_does_not_hurry_the_monitor() -> None:
    starts: list[float] = []

    async def lagging(_spec: MonitorSpec) -> CheckResult:
        starts.append(now())
        return CheckResult(ok=False, error="timed out", reliable=False)

    scheduler = _scheduler(lagging, lambda *_: None)
    scheduler.set_monitors([_retrying(interval=0.6, retry=0.1)])
    async with _running(scheduler):
        await asyncio.sleep(1.0)
    assert len(starts) <= 2


@on_virtual_time
async def test_slots_of_one_tick_start_together_at_its_end() -> None:
    fake = Fake()
    tick, interval = 0.25, 2.0
    specs = [_spec(f"m{n}", interval) for n in range(40)]
    scheduler = await _run_for(6.1, fake, specs, tick=tick)
    starts = [at for times in fake.starts.values() for at in times]
    # Every start sits on the tick grid: one wake-up of the process starts them all.
    assert all(abs(at / tick - round(at / tick)) < 1e-6 for at in starts)
    assert len({round(at / tick) for at in starts}) <= 6.1 / tick
    # Each monitor keeps its interval (the tick moves its slots, it drops none) ...
    for times in fake.starts.values():
        assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [interval] * (
            len(times) - 1
        )
        assert len(times) == 3
    # ... and waiting for the end of the tick is not lateness.
    assert max(scheduler.lateness_ms()) < 1
