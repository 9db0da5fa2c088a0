"""Builders for the history tests: monitors in a real database and raw results written to it."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from hiccup.core.rollup import Key, Rollup, Sample
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.codec import utc
from hiccup.store.results import RecordedResult, write_results
from hiccup.store.rollups import rollup_from_row
from hiccup.store.tables_history import rollups_daily, rollups_hourly


def samples(
    monitor_ids: Sequence[str], start: datetime, minutes: int, seed: int = 7
) -> list[Sample]:
    """One result per monitor per minute, in arrival order, with a mix of verdicts."""
    rng = random.Random(seed)
    out: list[Sample] = []
    for minute in range(minutes):
        at = start + timedelta(minutes=minute)
        for monitor_id in monitor_ids:
            verdict = rng.choices(list(Verdict), weights=[90, 6, 4])[0]
            # Whole milliseconds, as the raw table keeps them (store.results).
            latency = None if verdict is Verdict.FAILED else float(round(rng.lognormvariate(3, 1)))
            out.append((monitor_id, at, verdict, latency, rng.random() > 0.02))
    return out


async def store(engine: AsyncEngine, batch: Sequence[Sample], now: datetime | None = None) -> None:
    """Write results as the recorder does, at `now` (default: just after the newest one)."""
    rows = [
        RecordedResult(m, at, v, lat, None, None, None, reliable=ok) for m, at, v, lat, ok in batch
    ]
    async with engine.begin() as conn:
        await write_results(conn, rows, now or max(at for _m, at, *_rest in batch))


async def stored_rollups(engine: AsyncEngine, daily: bool = False) -> dict[Key, Rollup]:
    table = rollups_daily if daily else rollups_hourly
    async with engine.connect() as conn:
        rows = (await conn.execute(select(table))).mappings().all()
    return {(r["monitor_id"], utc(r["bucket_start"])): rollup_from_row(r) for r in rows}


def assert_same(got: dict[Key, Rollup], expected: dict[Key, Rollup]) -> None:
    """Equal rollups; sums may differ in the last bits because they were added in pieces."""
    assert got.keys() == expected.keys()
    for key, rollup in expected.items():
        other = got[key]
        assert (other.ok, other.degraded, other.failed, other.unreliable) == (
            rollup.ok,
            rollup.degraded,
            rollup.failed,
            rollup.unreliable,
        ), key
        assert other.histogram == rollup.histogram, key
        assert (other.latency_min, other.latency_max) == (rollup.latency_min, rollup.latency_max)
        assert other.latency_count == rollup.latency_count
        assert math.isclose(other.latency_sum, rollup.latency_sum, rel_tol=1e-9)
