"""The recorder's flush: CPU per flush and per result for batches of 1 to 333 results, the
way `hiccup serve` writes them (results, detector tracks, one transaction), beside a bare
sqlite3 loop writing the same number of result rows in one transaction.

    .venv/bin/python bench/flush.py [--monitors 1000] [--flushes 200] [--sizes 1 50 100 333]

A flush costs a fixed part (begin, commit, the fold mark, statements' own overhead) and a
part per result; the batch of one shows the fixed part. With 1,000 monitors every 20 s a
flush every second holds 50 results, every two seconds 100.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench.status_pass import START, config_text  # noqa: E402
from hiccup.checks.base import CheckResult  # noqa: E402
from hiccup.config.load import parse_config  # noqa: E402
from hiccup.core.clock import ManualClock  # noqa: E402
from hiccup.engine.recorder import Recorder  # noqa: E402
from hiccup.store.database import create_engine, migrate  # noqa: E402
from hiccup.store.monitors import load_specs, load_tracks  # noqa: E402
from hiccup.store.sync import sync_config  # noqa: E402

OK = CheckResult(ok=True, latency_ms=3.0, phases={"connect": 0.3, "first_byte": 2.5, "total": 3.0})


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def recorder_flushes(monitors: int, size: int, flushes: int) -> float:
    """CPU seconds per flush of `size` results."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'hiccup.db'}", synchronous="full")
        await migrate(engine)
        clock = ManualClock(START)
        config = parse_config(config_text(monitors, 1), Path("bench.yaml"))
        async with engine.begin() as conn:
            await sync_config(conn, config, clock.now())
        async with engine.connect() as conn:
            specs, tracks = await load_specs(conn), await load_tracks(conn)
        recorder = Recorder(engine, clock, tracks, lambda: None, max_batch=10**9)
        for spec in specs:  # every monitor's first result (a transition) out of the way
            recorder.submit(spec, OK, clock.now())
        await recorder.flush()
        n, used = 0, -cpu()
        for _ in range(flushes):
            clock.advance(timedelta(seconds=1))
            for _ in range(size):
                recorder.submit(specs[n % len(specs)], OK, clock.now())
                n += 1
            await recorder.flush()
        used += cpu()
        await engine.dispose()
        return used / flushes


def bare_flushes(size: int, flushes: int) -> float:
    """CPU seconds per transaction of `size` rows of the same shape, plain sqlite3."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute(
            "CREATE TABLE r (k INTEGER, at INTEGER, probe TEXT, verdict INTEGER, latency INTEGER,"
            " status INTEGER, reliable INTEGER, c INTEGER, f INTEGER,"
            " PRIMARY KEY (k, at, probe)) WITHOUT ROWID"
        )
        at, used = 0, -cpu()
        for _ in range(flushes):
            rows = [(k, at + k, "", 0, 3, 200, 1, 0, 3) for k in range(size)]
            at += 1000
            db.execute("BEGIN")
            db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.execute("COMMIT")
        used += cpu()
        db.close()
        return used / flushes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--flushes", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 100, 333])
    args = parser.parse_args()
    header = ("results/flush", "ms/flush", "ms/result", "bare ms/flush")
    print("{:>13s} {:>9s} {:>10s} {:>14s} ratio".format(*header))
    for size in args.sizes:
        started = time.perf_counter()
        per_flush = asyncio.run(recorder_flushes(args.monitors, size, args.flushes))
        bare = bare_flushes(size, args.flushes)
        print(
            f"{size:13d} {per_flush * 1000:9.2f} {per_flush / size * 1000:10.3f} "
            f"{bare * 1000:14.2f} {per_flush / bare:5.1f}x"
            f"   ({time.perf_counter() - started:.0f} s)"
        )


if __name__ == "__main__":
    main()
