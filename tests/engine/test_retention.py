"""Retention: old raw results and hourly rollups go, in small batches, never before folding."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hiccup.core.clock import ManualClock
from hiccup.core.rollup import fold_daily, fold_hourly
from hiccup.engine.rollups import HistorySettings, HistoryWorker
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.codec import utc
from hiccup.store.results import from_ms
from hiccup.store.rollups import prune_results
from hiccup.store.tables_history import rollups_hourly
from hiccup.store.tables_results import results
from tests.support.history_helpers import assert_same, samples, store, stored_rollups
from tests.support.store_helpers import START, pipeline


async def _count_results(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(results))).scalar_one())


async def _oldest_result(engine: AsyncEngine) -> object:
    async with engine.connect() as conn:
        return from_ms((await conn.execute(select(func.min(results.c.at)))).scalar_one())


async def test_it_deletes_expired_results_a_batch_at_a_time(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    raw = samples(sorted(flow.specs), START, 200)  # 600 results over 200 minutes
    await store(engine, raw)
    clock = ManualClock(START + timedelta(minutes=100))
    settings = HistorySettings(
        retention=timedelta(minutes=50), delete_batch=40, delete_batches_per_pass=3
    )
    worker = HistoryWorker(engine, clock, settings)
    # Minutes 0-49 (150 results) have expired; one pass deletes at most 3 x 40 of them.
    per_pass = [(await worker.run_pass()).deleted_results for _ in range(4)]
    assert all(0 < deleted <= 120 for deleted in per_pass[:2])
    assert sum(per_pass) == 150
    assert await _count_results(engine) == 600 - 150
    assert await _oldest_result(engine) == START + timedelta(minutes=50)
    assert (await worker.run_pass()).deleted_results == 0


async def test_it_never_deletes_results_not_yet_rolled_up(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    await store(engine, samples(sorted(flow.specs), START, 60))
    async with engine.begin() as conn:
        # Nothing folded yet: the mark is 0, so even expired results stay.
        assert await prune_results(conn, START + timedelta(days=365), 1000) == 0
    assert await _count_results(engine) == 180


async def test_rollups_outlive_the_raw_results(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    raw = samples(sorted(flow.specs), START, 180)
    await store(engine, raw)
    clock = ManualClock(START + timedelta(days=2))
    worker = HistoryWorker(engine, clock, HistorySettings(retention=timedelta(days=1)))
    await worker.run_pass()
    assert await _count_results(engine) == 0
    assert_same(await stored_rollups(engine), fold_hourly(raw))
    assert_same(await stored_rollups(engine, daily=True), fold_daily(fold_hourly(raw)))


async def test_it_deletes_expired_hourly_rollups_a_few_hours_per_pass(engine: AsyncEngine) -> None:
    flow = await pipeline(engine)
    raw = samples(sorted(flow.specs), START, 10 * 60)  # 10 hours
    await store(engine, raw)
    clock = ManualClock(START + timedelta(hours=11))
    settings = HistorySettings(
        retention=timedelta(days=30),
        hourly_retention=timedelta(hours=3),  # hours 0-7 have expired
        hours_per_delete=timedelta(hours=5),
    )
    worker = HistoryWorker(engine, clock, settings)
    assert (await worker.run_pass()).deleted_hours == 5 * 3
    assert (await worker.run_pass()).deleted_hours == 3 * 3
    assert (await worker.run_pass()).deleted_hours == 0
    async with engine.connect() as conn:
        oldest = (await conn.execute(select(func.min(rollups_hourly.c.bucket_start)))).scalar()
    assert utc(oldest) == START + timedelta(hours=8)
    # Daily rows (16:00-02:00 spans two UTC days) stay whole.
    assert_same(await stored_rollups(engine, daily=True), fold_daily(fold_hourly(raw)))
