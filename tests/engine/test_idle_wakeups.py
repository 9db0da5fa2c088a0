"""A server without monitors does not wake for nothing: no loop-lag ticks while there is no
check to judge, and the recorder sleeps until a result comes (bench/serve.py 0: idle cost)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select

from hiccup.checks.base import CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.recorder import Recorder
from hiccup.engine.scheduler import Scheduler
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables_results import results
from tests.support.specs import fake_spec
from tests.support.store_helpers import pipeline


async def _ok(_spec: MonitorSpec) -> CheckResult:
    return CheckResult(ok=True, latency_ms=1.0)


def _drop(_spec: MonitorSpec, _result: CheckResult, _at: datetime) -> None:
    return None


def watching(scheduler: Scheduler) -> bool:
    return scheduler.watching_lag


async def test_the_loop_lag_ticks_only_while_there_are_monitors() -> None:
    scheduler = Scheduler(_ok, _drop)
    task = asyncio.create_task(scheduler.run())
    try:
        await asyncio.sleep(0)
        assert not watching(scheduler)
        scheduler.set_monitors([fake_spec("m1", 60)])
        assert watching(scheduler)
        scheduler.set_monitors([])
        assert not watching(scheduler)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not watching(scheduler)


async def test_an_idle_recorder_waits_for_a_result_then_flushes_it(engine: AsyncEngine) -> None:
    made = await pipeline(engine)
    clock, monitor = made.clock, next(iter(made.specs.values()))
    recorder = Recorder(engine, clock, {}, lambda: None, flush_seconds=0.01)
    task = asyncio.create_task(recorder.run())
    try:
        await asyncio.sleep(0.05)  # several flush intervals with nothing to store
        assert not task.done()
        recorder.submit(monitor, CheckResult(ok=True, latency_ms=3.0), clock.now())
        for _ in range(200):  # the flush comes within its interval once a result is there
            async with engine.connect() as conn:
                stored = (await conn.execute(select(func.count()).select_from(results))).scalar()
            if stored:
                break
            await asyncio.sleep(0.01)
        assert stored == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
