"""Self-protection: when Hiccup itself is late or blocked, a failure is not the target's fault.

The scheduler marks such results unreliable; the recorder stores them but does not let an
unreliable failure move the monitor towards "down".
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from hiccup.checks.base import CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.core.status import MonitorState
from hiccup.engine.scheduler import Scheduler
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.results import stored_results
from tests.support.specs import fake_spec
from tests.support.store_helpers import pipeline


def _spec(interval: float = 0.3) -> MonitorSpec:
    return fake_spec("m", interval, target="http://target.example/")


class Probe:
    """An executor that fails after a short wait, and a sink that keeps each result."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.results: list[CheckResult] = []
        self.arrived = asyncio.Event()

    async def execute(self, spec: MonitorSpec) -> CheckResult:
        self.started.set()
        await asyncio.sleep(0.2)
        return CheckResult(ok=False, error="timed out")

    def sink(self, spec: MonitorSpec, result: CheckResult, started_at: datetime) -> None:
        self.results.append(result)
        self.arrived.set()

    async def next_result(self) -> CheckResult:
        self.arrived.clear()
        await asyncio.wait_for(self.arrived.wait(), 10)
        return self.results[-1]


async def _with_scheduler(scheduler: Scheduler) -> asyncio.Task[None]:
    scheduler.set_monitors([_spec()])
    return asyncio.create_task(scheduler.run())


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_failure_while_the_loop_was_blocked_is_marked_unreliable() -> None:
    probe = Probe()
    scheduler = Scheduler(probe.execute, probe.sink)
    task = await _with_scheduler(scheduler)
    try:
        assert (await probe.next_result()).reliable  # a free loop: believed
        probe.started.clear()
        await asyncio.wait_for(probe.started.wait(), 10)
        time.sleep(0.8)  # noqa: ASYNC251 -- the point: block the loop during the check
        blocked = await probe.next_result()
    finally:
        await _stop(task)
    assert not blocked.reliable
    assert blocked.error == "timed out"  # the result itself is kept as it was
    assert scheduler.unreliable_runs >= 1
    assert scheduler.loop_lag.worst >= 0.5


async def test_a_run_launched_late_is_marked_unreliable() -> None:
    # The loop "wakes" 5 s after the slot: the monotonic clock is moved, nobody sleeps.
    mono = [1000.0]
    probe = Probe()
    scheduler = Scheduler(probe.execute, probe.sink, mono_clock=lambda: mono[0])
    monitors = [_spec(interval=60)]
    scheduler.set_monitors(monitors)
    task = asyncio.create_task(scheduler.run())  # lays its grid from now
    try:
        await asyncio.sleep(0)
        mono[0] += 65.0  # past the first slot (within 60 s) by more than 5 s
        scheduler.set_monitors(monitors)  # the same slots; only wakes the loop to look
        late = await probe.next_result()
    finally:
        await _stop(task)
    assert not late.reliable


async def test_the_recorder_keeps_unreliable_failures_out_of_the_detector(
    engine: AsyncEngine,
) -> None:
    flow = await pipeline(engine)
    spec = flow.spec("amy")
    for _ in range(5):
        flow.recorder.submit(spec, CheckResult(ok=False, reliable=False), flow.clock.now())
        flow.clock.advance(timedelta(minutes=1))
    await flow.recorder.flush()
    assert flow.recorder.state_of(spec.id).state is MonitorState.UNKNOWN
    # An unreliable success is still evidence the target is up.
    flow.recorder.submit(spec, CheckResult(ok=True, latency_ms=5, reliable=False), flow.clock.now())
    assert flow.recorder.state_of(spec.id).state is MonitorState.UP
    for _ in range(3):
        await flow.feed("amy", ok=False)
        flow.clock.advance(timedelta(minutes=1))
    assert flow.recorder.state_of(spec.id).state is MonitorState.DOWN
    async with engine.connect() as conn:
        stored = await stored_results(conn)
    assert [r.reliable for r in stored] == [False] * 6 + [True] * 3
