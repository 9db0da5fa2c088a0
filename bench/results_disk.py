"""Database bytes per check: raw results written through the recorder's own path, on disk.

    .venv/bin/python bench/results_disk.py [--monitors 1000] [--checks 200000] [--fail 0.01]

Creates a fresh SQLite database with the real migrations, adds N monitors, then writes the
results one recorder flush at a time (`store.recording.record_batch`, 50 results a flush, as
1,000 monitors at 20 s give): one result per monitor per 20 s, mostly answers in 5-300 ms with
HTTP status 200 and their phases, a share of failures with an error. After a WAL checkpoint it
divides the file's growth by the number of results, and prints it beside a baseline: the bytes
of the values themselves in the tightest fixed encoding (monitor 2, time 6, verdict 1,
latency 2, status 2 bytes, 2 for each phase a check took; a failure's error text besides).
Target (#18): <= 40 B per check.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench.migrated import add_monitors, migrated_sqlite, monitor_ids  # noqa: E402
from hiccup.core.status import Verdict  # noqa: E402
from hiccup.store.database import create_engine  # noqa: E402
from hiccup.store.recording import RecordedResult, record_batch  # noqa: E402

START = datetime(2026, 11, 1, tzinfo=UTC)
INTERVAL = timedelta(seconds=20)
FLUSH = 50  # results per recorder flush
ERROR = "connection refused"
BASELINE_ROW = 2 + 6 + 1 + 2 + 2


def _result(rng: random.Random, monitor_id: str, at: datetime, fail: float) -> RecordedResult:
    if rng.random() < fail:
        phases = {"dns": 0.4, "connect": round(rng.uniform(1, 3000), 3)}
        return RecordedResult(monitor_id, at, Verdict.FAILED, None, None, ERROR, phases)
    latency = rng.lognormvariate(3.5, 0.8)  # median ~33 ms, a long tail
    phases = {
        "dns": round(latency * 0.05, 3),
        "connect": round(latency * 0.2, 3),
        "first_byte": round(latency * 0.9, 3),
        "total": round(latency, 3),
    }
    verdict = Verdict.DEGRADED if latency > 1000 else Verdict.OK
    return RecordedResult(monitor_id, at, verdict, round(latency, 3), 200, None, phases)


async def _write(
    url: str, ids: list[str], checks: int, fail: float
) -> tuple[int, float, float, int]:
    """Writes `checks` results; returns (results, seconds, CPU seconds, bytes of errors and
    phases)."""
    rng = random.Random(7)
    engine = create_engine(url)
    spread = INTERVAL / len(ids)
    batch: list[RecordedResult] = []
    written = extra_bytes = 0
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(checks):
        at = START + spread * n + timedelta(microseconds=rng.randrange(1000))
        result = _result(rng, ids[n % len(ids)], at, fail)
        # The values alone: the error's text, and 2 bytes for each phase but the total.
        extra_bytes += len(result.error or "") + 2 * len(set(result.phases or {}) - {"total"})
        batch.append(result)
        if len(batch) == FLUSH or n == checks - 1:
            async with engine.begin() as conn:
                await record_batch(conn, batch, [], at + timedelta(seconds=1))
            written += len(batch)
            batch = []
    spent, cpu = time.perf_counter() - started, time.process_time() - cpu
    await engine.dispose()
    return written, spent, cpu, extra_bytes


def _checkpoint(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size


def _table_sizes(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    return sorted(((str(name), int(size)) for name, size in rows), key=lambda r: -r[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--checks", type=int, default=200_000)
    parser.add_argument("--fail", type=float, default=0.01, help="share of failed checks")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    args = parser.parse_args()
    ids = monitor_ids(args.monitors)
    with migrated_sqlite(args.dir, "results.db") as (db, url):
        add_monitors(url, ids, INTERVAL.total_seconds(), START)
        empty = _checkpoint(db)
        rows, spent, cpu, extra_bytes = asyncio.run(_write(url, ids, args.checks, args.fail))
        grown = _checkpoint(db) - empty
        sizes = _table_sizes(db)
    per_check = grown / rows
    baseline = BASELINE_ROW + extra_bytes / rows
    print(f"{rows} results, {args.monitors} monitors, {args.fail:.1%} failed")
    print(
        f"written in {spent:.1f} s, {cpu / rows * 1e6:.0f} us of CPU per result (all threads,"
        " building the results included)"
    )
    print(f"  hiccup    {per_check:7.1f} B per check on disk, indexes included (target <= 40)")
    print(f"  baseline  {baseline:7.1f} B per check: the values alone, tightly packed")
    print(f"  ratio     {per_check / baseline:7.2f}x the values")
    print("largest tables and indexes:")
    for name, size in sizes[:6]:
        print(f"  {name:32s} {size / rows:7.1f} B per check")


if __name__ == "__main__":
    main()
