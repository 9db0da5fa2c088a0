"""The rollup fold: exact, incremental, idempotent and restart-safe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from hiccup.core.clock import ManualClock
from hiccup.core.rollup import Sample, fold_daily, fold_hourly
from hiccup.core.status import Verdict
from hiccup.engine.rollups import HistorySettings, HistoryWorker
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.rollups import fold_batch, read_mark, read_window, write_window
from tests.support.history_helpers import assert_same, samples, store, stored_rollups
from tests.support.store_helpers import START, pipeline

SETTLE = timedelta(seconds=30)


async def _setup(engine: AsyncEngine) -> tuple[list[str], ManualClock, HistoryWorker]:
    flow = await pipeline(engine)
    clock = ManualClock(START)
    settings = HistorySettings(fold_batch=50, fold_batches_per_pass=25, settle=SETTLE)
    return sorted(flow.specs), clock, HistoryWorker(engine, clock, settings)


async def _half_hour_settled(
    engine: AsyncEngine,
) -> tuple[ManualClock, HistoryWorker, list[Sample]]:
    """Half an hour of stored results of every monitor, settled an hour later: (the clock,
    a worker, the results)."""
    monitor_ids, clock, worker = await _setup(engine)
    raw = samples(monitor_ids, START, 30)
    await store(engine, raw)
    clock.advance(timedelta(hours=1))
    return clock, worker, raw


async def test_folding_matches_rolling_up_everything_at_once(engine: AsyncEngine) -> None:
    monitor_ids, clock, worker = await _setup(engine)
    # 26 hours of results, across a UTC midnight, folded 50 at a time.
    raw = samples(monitor_ids, START, 26 * 60)
    await store(engine, raw)
    clock.advance(timedelta(hours=27))
    # A pass folds at most 25 batches of 50; the next ones carry on from the mark.
    per_pass = [(await worker.run_pass()).folded for _ in range(8)]
    assert all(folded <= 25 * 50 for folded in per_pass)
    assert sum(per_pass) == len(raw)
    assert per_pass[2] > 0  # three passes were not enough for it all
    assert per_pass[-1] == 0
    expected = fold_hourly(raw)
    assert_same(await stored_rollups(engine), expected)
    assert_same(await stored_rollups(engine, daily=True), fold_daily(expected))


async def test_folding_again_changes_nothing(engine: AsyncEngine) -> None:
    monitor_ids, clock, worker = await _setup(engine)
    raw = samples(monitor_ids, START, 90)
    await store(engine, raw)
    clock.advance(timedelta(hours=2))
    await worker.run_pass()
    before = await stored_rollups(engine)
    assert (await worker.run_pass()).folded == 0
    assert_same(await stored_rollups(engine), before)


async def test_new_results_in_a_rolled_up_hour_are_added_to_it(engine: AsyncEngine) -> None:
    monitor_ids, clock, worker = await _setup(engine)
    first, second = samples(monitor_ids, START, 20), samples(monitor_ids, START, 40, seed=8)[60:]
    await store(engine, first)
    clock.advance(timedelta(minutes=25))
    await worker.run_pass()
    await store(engine, second)
    clock.advance(timedelta(minutes=25))
    await worker.run_pass()
    expected = fold_hourly(first + second)
    assert_same(await stored_rollups(engine), expected)
    assert_same(await stored_rollups(engine, daily=True), fold_daily(expected))


async def test_results_too_recent_wait_for_the_next_pass(engine: AsyncEngine) -> None:
    monitor_ids, clock, worker = await _setup(engine)
    raw = samples(monitor_ids, START, 10)
    await store(engine, raw)
    clock.set(START + timedelta(minutes=5) + SETTLE)  # minutes 0-4 have settled
    assert (await worker.run_pass()).folded == 5 * len(monitor_ids)
    clock.advance(timedelta(minutes=10))
    assert (await worker.run_pass()).folded == 5 * len(monitor_ids)
    assert_same(await stored_rollups(engine), fold_hourly(raw))


async def test_a_fold_that_fails_before_commit_leaves_neither_rows_nor_mark(
    engine: AsyncEngine,
) -> None:
    clock, worker, raw = await _half_hour_settled(engine)
    conn = await engine.connect()
    transaction = await conn.begin()
    assert await fold_batch(conn, clock.now(), 10_000, SETTLE) == len(raw)
    await transaction.rollback()  # the process died before the commit
    await conn.close()
    async with engine.connect() as conn:
        assert await read_mark(conn) == 0
    assert await stored_rollups(engine) == {}
    await worker.run_pass()
    assert_same(await stored_rollups(engine), fold_hourly(raw))


async def test_two_replicas_folding_at_once_fold_each_result_once(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several replicas share PostgreSQL; SQLite has one writer process")
    clock, _worker, raw = await _half_hour_settled(engine)

    async def replica() -> int:
        async with engine.begin() as conn:
            folded = await fold_batch(conn, clock.now(), 10_000, SETTLE)
            await asyncio.sleep(0.2)  # still holding the mark while the other one asks
            return folded

    assert sorted(await asyncio.gather(replica(), replica())) == [0, len(raw)]
    assert_same(await stored_rollups(engine), fold_hourly(raw))


async def test_one_window_of_many_results_per_monitor_adds_up_like_small_batches(
    engine: AsyncEngine,
) -> None:
    monitor_ids, clock, worker = await _setup(engine)
    # Hours with failures only (no latency, empty histogram) and hours with latencies, on
    # both sides of the rows already stored, so the database's merge meets every case.
    first: list[Sample] = [(monitor_ids[0], START, Verdict.FAILED, None, True)]
    first += samples(monitor_ids[1:], START, 40)
    second: list[Sample] = [
        (monitor_ids[0], START + timedelta(minutes=45), Verdict.OK, 12.0, True),
        (monitor_ids[1], START + timedelta(minutes=45), Verdict.FAILED, None, True),
        (monitor_ids[1], START + timedelta(minutes=46), Verdict.OK, 0.0, False),
    ]
    second += samples(monitor_ids, START + timedelta(minutes=50), 30, seed=3)
    await store(engine, first)
    clock.set(START + timedelta(minutes=41) + SETTLE)
    assert (await worker.run_pass()).folded == len(first)  # 50 at a time
    await store(engine, second)
    async with engine.begin() as conn:  # one window: many results per (monitor, hour)
        now = START + timedelta(hours=2)
        assert await fold_batch(conn, now, 10_000, SETTLE) == len(second)
    expected = fold_hourly(first + second)
    assert_same(await stored_rollups(engine), expected)
    assert_same(await stored_rollups(engine, daily=True), fold_daily(expected))


async def _read_then_die(engine: AsyncEngine, now: datetime) -> None:
    async with engine.begin() as conn:
        assert (await read_window(conn, now, 10_000, SETTLE)).raw
        raise RuntimeError("the process died between the read and the write")


async def test_a_fold_interrupted_between_its_read_and_its_write_folds_nothing_twice(
    engine: AsyncEngine,
) -> None:
    clock, worker, raw = await _half_hour_settled(engine)
    with pytest.raises(RuntimeError):
        await _read_then_die(engine, clock.now())
    async with engine.connect() as conn:
        stale = await read_window(conn, clock.now(), 10_000, SETTLE)
    await worker.run_pass()  # folds it all, and moves the mark
    async with engine.begin() as conn:  # the window read before is the mark's past
        assert await write_window(conn, stale, clock.now(), 10_000) == 0
    assert_same(await stored_rollups(engine), fold_hourly(raw))
    assert_same(await stored_rollups(engine, daily=True), fold_daily(fold_hourly(raw)))


async def test_two_workers_folding_at_once_fold_each_result_once(engine: AsyncEngine) -> None:
    monitor_ids, clock, worker = await _setup(engine)
    other = HistoryWorker(engine, clock, worker.settings)
    raw = samples(monitor_ids, START, 120)
    await store(engine, raw)
    clock.advance(timedelta(hours=3))
    folded = await asyncio.gather(worker.fold(clock.now()), other.fold(clock.now()))
    assert sum(folded) == len(raw)
    assert (await worker.fold(clock.now()), await other.fold(clock.now())) == (0, 0)
    assert_same(await stored_rollups(engine), fold_hourly(raw))
    assert_same(await stored_rollups(engine, daily=True), fold_daily(fold_hourly(raw)))
