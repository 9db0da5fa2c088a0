"""Heartbeats at scale: the watcher's pass and a ping, over many heartbeat monitors.

    .venv/bin/python bench/heartbeats.py [--monitors 10000] [--overdue 50] [--pings 500]

Fills a temporary SQLite database with heartbeat monitors whose deadlines are spread over the
next hour (a few already passed), then times with the product's code: the watcher's pass
(`check_overdue`: the indexed "who is overdue" query plus the earliest deadline) when nothing is
due and when `--overdue` monitors are, and one ping (`PingDesk.ping`: token lookup, new
deadline, commit). Baseline, in the same run: a watcher that scans instead, reading every
heartbeat row and comparing deadlines in Python.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from hiccup.checks.base import CheckResult
from hiccup.core.clock import ManualClock
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.heartbeats import HeartbeatWatcher, PingDesk, Signal
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine, migrate
from hiccup.store.tables import monitors
from hiccup.store.tables_heartbeats import heartbeats

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def fill(engine: AsyncEngine, count: int, overdue: int) -> list[str]:
    rows, beats, tokens = [], [], []
    for n in range(count):
        monitor_id, token = f"m{n:011d}", f"token-{n:016d}"
        rows.append(
            {
                "id": monitor_id,
                "key": f"job-{n}",
                "name": f"job {n}",
                "kind": "heartbeat",
                "target": "",
                "interval_s": 60.0,
                "timeout_s": 10.0,
                "options": {"period": "5m", "grace": "1m"},
                "failure_threshold": 1,
                "success_threshold": 1,
                "enabled": True,
                "declared": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        late = n < overdue
        due = NOW - timedelta(seconds=n + 1) if late else NOW + timedelta(seconds=1 + n % 3600)
        beats.append({"monitor_id": monitor_id, "token": token, "due_at": due})
        tokens.append(token)
    async with engine.begin() as conn:
        await conn.execute(insert(monitors), rows)
        await conn.execute(insert(heartbeats), beats)
    return tokens


async def timed(work: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


async def scan_pass(engine: AsyncEngine) -> list[str]:
    """The baseline: what a watcher without a stored, indexed deadline would do."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(heartbeats))).mappings().all()
    return [r["monitor_id"] for r in rows if r["due_at"] <= NOW]


def summary(name: str, samples: list[float]) -> float:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
    print(f"{name:<42} median {median:8.3f} ms   p95 {p95:8.3f} ms   ({len(samples)} runs)")
    return median


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        await migrate(engine)
        tokens = await fill(engine, args.monitors, args.overdue)
        reported: list[str] = []

        def sink(spec: MonitorSpec, result: CheckResult, at: datetime) -> None:
            reported.append(spec.id)

        clock = ManualClock(NOW)
        watcher = HeartbeatWatcher(engine, clock, sink)
        busy = summary(
            f"watcher pass, {args.overdue} overdue", await timed(watcher.check_overdue, 1)
        )
        assert len(reported) == args.overdue, reported
        idle = summary("watcher pass, none overdue", await timed(watcher.check_overdue, 200))
        scan = summary(
            "baseline: scan every heartbeat row", await timed(lambda: scan_pass(engine), 50)
        )
        desk = PingDesk(engine, clock, sink, watcher)
        pings = iter(tokens * 2)
        ping = summary(
            "one ping (lookup, deadline, commit)",
            await timed(lambda: desk.ping(next(pings), Signal.OK), args.pings),
        )
        print(f"\n{args.monitors} heartbeat monitors on SQLite")
        print(f"idle pass vs scan baseline: {scan / idle:.1f}x faster")
        print(f"pass with {args.overdue} overdue: {busy / max(args.overdue, 1):.3f} ms per report")
        print(f"pings per second, one at a time: {1000 / ping:.0f}")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--overdue", type=int, default=50)
    parser.add_argument("--pings", type=int, default=500)
    asyncio.run(main(parser.parse_args()))
