"""The history fold at scale: CPU per result folded and the longest loop stall of a pass.

    .venv/bin/python bench/fold.py [--monitors 10000] [--interval 30] [--minutes 10]

Writes straight into a fresh SQLite database (real migrations) N monitors' raw results, one
every `--interval` seconds per monitor for `--minutes`, spread evenly over the interval as the
scheduler spreads them, in time order as the recorder writes them (the slim rows of
bench/history.py), beside a day of hourly rollups already there. Then it runs
`HistoryWorker.fold` the way `hiccup serve` does: one pass per 60 s of results, each at the
moment the minute has settled (the worker's `settle` after it). The first pass is a warm-up (it
creates the hour's rows); each other pass is timed:

- CPU per result folded: the process's CPU (every thread: SQLite runs in aiosqlite's) over the
  pass, divided by the results it folded;
- the longest loop stall: a ticker task on the same loop wakes every 5 ms; its longest gap
  beyond those 5 ms is the longest stretch the fold held the loop (checks wait that long);
- the longest write of a stand-in recorder: another task commits a one-row write every 50 ms
  through the same engine; its slowest commit bounds how long the fold held SQLite's write lock
  (plus the loop stall, as the recorder's own flush would see it);
- the baseline, in the same run: the CPU of a bare SELECT of the same window's rows
  (monitor key, time, verdict, latency, reliable) through the same engine.

Prints medians over the passes and the ratio of the fold's CPU to the bare read's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self

from sqlalchemy import text

from hiccup.store.asyncio_engine import AsyncEngine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench.history import RAW_INSERT, ROLLUP_INSERT  # noqa: E402
from bench.migrated import add_monitors, migrated_sqlite, monitor_ids  # noqa: E402
from hiccup.core.clock import ManualClock  # noqa: E402
from hiccup.engine.rollups import HistorySettings, HistoryWorker  # noqa: E402
from hiccup.store.database import create_engine  # noqa: E402
from hiccup.store.results import to_ms  # noqa: E402

START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PASS = timedelta(seconds=60)  # HistorySettings.every
TICK = 0.005
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
_BARE_READ = text(
    "SELECT r.monitor_key, r.at, r.verdict, r.latency_ms, r.reliable FROM results r"
    " WHERE r.monitor_key IN (SELECT key FROM monitor_keys) AND r.at > :lo AND r.at <= :hi"
)


@dataclass(frozen=True, slots=True)
class Timing:
    folded: int
    cpu: float  # seconds, every thread
    stall: float  # seconds: the ticker's longest gap beyond its tick
    write: float  # seconds: the stand-in recorder's slowest commit
    bare_rows: int
    bare_cpu: float


def _raw_rows(count: int, interval: int, minutes: int, seed: int) -> Iterator[tuple[object, ...]]:
    """One result per monitor per interval, each monitor at its own offset, in time order."""
    rng = random.Random(seed)
    step = interval * 1000 / count  # ms between two monitors' checks
    start = to_ms(START)
    for slot in range(minutes * 60 // interval):
        base = start + slot * interval * 1000
        for key in range(1, count + 1):
            at = base + int((key - 1) * step) + rng.randrange(3)
            if rng.random() < 0.002:
                yield (key, at, "", 2, None, None, 1, None, None, None, None)
                continue
            latency = round(rng.lognormvariate(3.5, 0.8))
            yield (key, at, "", 0, latency, 200, 1, 1, latency // 5, latency // 3, latency // 3)


def _hourly_rows(ids: list[str], hours: int, interval: int) -> Iterator[tuple[object, ...]]:
    """The day before: full hourly rows, so the table is not empty around the hour folded."""
    checks = 3600 // interval
    histogram = json.dumps({"60": checks // 4, "61": checks // 2, "62": checks - 3 * checks // 4})
    for hour in range(1, hours + 1):
        at = (START - timedelta(hours=hour)).strftime(_SQLITE_TIME)
        for monitor_id in ids:
            yield (monitor_id, at, checks, 0, 0, 0, checks, 35.0 * checks, 8.0, 200.0, histogram)


def _bulk(db: Path, ids: list[str], interval: int, minutes: int) -> int:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany(
        "INSERT INTO monitor_keys (key, monitor_id) VALUES (?, ?)",
        [(n + 1, m) for n, m in enumerate(ids)],
    )
    conn.executemany(ROLLUP_INSERT.format("rollups_hourly"), _hourly_rows(ids, 24, interval))
    conn.executemany(RAW_INSERT, _raw_rows(len(ids), interval, minutes, 7))
    conn.commit()
    count = int(conn.execute("SELECT count(*) FROM results").fetchone()[0])
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return count


class Beside:
    """A loop task that runs beside a fold pass: started on entering, cancelled on leaving."""

    _task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


class Ticker(Beside):
    """Wakes every TICK seconds on the loop and keeps the longest gap beyond that."""

    def __init__(self) -> None:
        self.longest = 0.0

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            self.longest = max(self.longest, time.perf_counter() - before - TICK)


class Writer(Beside):
    """Commits a one-row write every 50 ms, as the recorder flushes, and keeps the slowest."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.slowest = 0.0
        self._engine = engine

    async def _run(self) -> None:
        statement = text(
            "INSERT INTO history_marks (name, value, updated_at) VALUES ('bench', :v, :at)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        )
        value = 0
        while True:
            await asyncio.sleep(0.05)
            before = time.perf_counter()
            async with self._engine.begin() as conn:
                value += 1
                await conn.execute(statement, {"v": value, "at": START.isoformat()})
            self.slowest = max(self.slowest, time.perf_counter() - before)


async def _bare_read(engine: AsyncEngine, lo: datetime, hi: datetime) -> tuple[int, float]:
    cpu = time.process_time()
    async with engine.connect() as conn:
        rows = (await conn.execute(_BARE_READ, {"lo": to_ms(lo) - 1, "hi": to_ms(hi) - 1})).all()
    return len(rows), time.process_time() - cpu


async def _passes(url: str, minutes: int) -> list[Timing]:
    engine = create_engine(url)
    settings = HistorySettings()
    clock = ManualClock(START)
    worker = HistoryWorker(engine, clock, settings)
    timings: list[Timing] = []
    try:
        for minute in range(1, minutes + 1):
            now = START + minute * PASS + settings.settle
            clock.set(now)
            await asyncio.sleep(0.05)  # the ticker's baseline: an idle loop
            with Ticker() as ticker, Writer(engine) as writer:
                await asyncio.sleep(0.06)  # the writer has committed once
                cpu = time.process_time()
                folded = await worker.fold(now)
                cpu = time.process_time() - cpu
            window = START + (minute - 1) * PASS, START + minute * PASS
            bare_rows, bare_cpu = await _bare_read(engine, *window)
            if minute > 1:  # the first pass creates the hour's rows
                timings.append(
                    Timing(folded, cpu, ticker.longest, writer.slowest, bare_rows, bare_cpu)
                )
    finally:
        await engine.dispose()
    return timings


def _report(timings: list[Timing], monitors: int, interval: int) -> None:
    per_result = [t.cpu / t.folded * 1e6 for t in timings if t.folded]
    bare = [t.bare_cpu / t.bare_rows * 1e6 for t in timings if t.bare_rows]
    stalls = [t.stall * 1000 for t in timings]
    writes = [t.write * 1000 for t in timings]
    folded = statistics.median(t.folded for t in timings)
    print(
        f"{monitors} monitors every {interval} s: {len(timings)} passes, {folded:.0f} results each"
    )
    print(
        f"  fold      {statistics.median(per_result):7.1f} us CPU per result folded"
        f"   (median; min {min(per_result):.1f}, max {max(per_result):.1f})"
    )
    print(
        f"  stall     {statistics.median(stalls):7.1f} ms longest loop stall of a pass"
        f"   (median; max {max(stalls):.1f})"
    )
    print(
        f"  write     {statistics.median(writes):7.1f} ms slowest commit of a stand-in recorder"
        f"   (median; max {max(writes):.1f})"
    )
    print(
        f"  baseline  {statistics.median(bare):7.1f} us CPU per row of a bare SELECT of the window"
    )
    print(
        f"  ratio     {statistics.median(per_result) / statistics.median(bare):7.1f}x the bare read"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--interval", type=int, default=30, help="seconds between checks")
    parser.add_argument("--minutes", type=int, default=10, help="of results, one pass each")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    args = parser.parse_args()
    ids = monitor_ids(args.monitors)
    with migrated_sqlite(args.dir, "fold.db") as (db, url):
        started = time.perf_counter()
        add_monitors(url, ids, args.interval, START - timedelta(days=2))
        rows = _bulk(db, ids, args.interval, args.minutes)
        print(f"synthesized {rows} results in {time.perf_counter() - started:.0f} s")
        _report(asyncio.run(_passes(url, args.minutes)), args.monitors, args.interval)


if __name__ == "__main__":
    main()
