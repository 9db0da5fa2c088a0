"""A slow start-up is not overload: monitors handed to the scheduler before start-up work
(migrations, config sync, the first snapshot) are scheduled from when it starts running, so
their first runs are neither late nor marked unreliable, and no overload is reported."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

import pytest

from hiccup.checks.base import CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.scheduler import Scheduler
from tests.support.specs import fake_spec


class StartUpClock:
    """Monotonic time that a test can move on by a start-up's length in one step."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead


async def test_first_runs_after_a_slow_start_up_are_trusted_and_no_overload_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    results: list[CheckResult] = []

    async def execute(_spec: MonitorSpec) -> CheckResult:
        return CheckResult(ok=False, error="refused")

    def sink(_spec: MonitorSpec, result: CheckResult, _started_at: datetime) -> None:
        results.append(result)

    clock = StartUpClock()
    scheduler = Scheduler(execute, sink, mono_clock=clock)
    scheduler.set_monitors([fake_spec(f"m{n}") for n in range(20)])
    clock.ahead += 5.0  # start-up work took five seconds after the monitors were set
    with caplog.at_level(logging.WARNING, logger="hiccup.engine.scheduler"):
        task = asyncio.create_task(scheduler.run())
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(results) >= 20
    assert all(result.reliable for result in results)
    assert scheduler.unreliable_runs == 0
    assert max(scheduler.lateness_ms()) < 1000
    assert not [r for r in caplog.records if "overloaded" in r.getMessage()]
