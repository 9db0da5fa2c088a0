"""Alert latency: from a confirmed outage to the operator's loopback webhook.

The clock starts when the confirming check result reaches the recorder (the detector confirms
the outage right there) and stops when the webhook receiver has the alert. In between runs
the real path: recorder flush → transition event → status service claim → alert rules →
outbox row (same transaction) → delivery worker woken on commit → signed POST. A monitor with
failure_threshold 1 goes down and up again, `--rounds` times. Baseline, same run: a bare
aiohttp POST to the same receiver.

With `--database-down` every flush of the recorder fails as if the database refused it, so
each alert goes out from the alert spool (decided in memory, fsynced to disk, then sent).

    .venv/bin/python bench/alert.py [--rounds 100] [--database-down]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

import aiohttp
from aiohttp import web

from hiccup.checks.base import CheckResult
from hiccup.config.load import parse_config
from hiccup.core.clock import SystemClock
from hiccup.engine.recorder import Recorder
from hiccup.notify.service import Notifications
from hiccup.status.service import StatusService
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.database import create_engine, migrate
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.sync import sync_config

CONFIG = """\
page: {{name: Bench Hosting}}
components: [{{name: flexo}}]
monitors:
  - {{name: flexo, kind: http, target: "http://127.0.0.1:9/", component: flexo,
      failure_threshold: 1, success_threshold: 1}}
notifications:
  channels: [{{key: ops, kind: webhook, url: "http://127.0.0.1:{port}/ops"}}]
  alerts: [{{channels: [ops], on: [down, recovery]}}]
"""


class Receiver:
    def __init__(self) -> None:
        self.arrivals: asyncio.Queue[float] = asyncio.Queue()

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.arrivals.put_nowait(time.perf_counter())
        return web.Response(text="ok")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name}: p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
        f"max {max(ms):.1f} ms ({len(ms)} alerts)"
    )


async def refused(_conn: AsyncConnection, _wanted: Collection[str]) -> set[str]:
    raise ConnectionRefusedError("the database is away (bench --database-down)")


async def hiccup_latencies(
    url: str, port: int, receiver: Receiver, rounds: int, spool: Path | None
) -> list[float]:
    engine = create_engine(url)
    await migrate(engine)
    clock = SystemClock()
    config = parse_config(CONFIG.format(port=port), Path("bench.yaml"))
    async with engine.begin() as conn:
        await sync_config(conn, config, clock.now())
    notifications = Notifications(engine, clock, config, spool_dir=spool)
    async with engine.begin() as conn:
        await notifications.sync(conn, clock.now())
    await notifications.prepare()
    async with engine.connect() as conn:
        [spec], tracks = await load_specs(conn), await load_tracks(conn)
    status = StatusService(engine, clock, lambda: None)
    recorder = Recorder(
        engine, clock, tracks, status.wake.set, flush_seconds=1.0, spool=notifications.spool
    )
    tasks = [asyncio.create_task(w) for w in (recorder.run(), status.run())]
    tasks += [asyncio.create_task(w) for w in notifications.tasks().values()]
    recorder.submit(spec, CheckResult(ok=True, latency_ms=5), clock.now())  # UNKNOWN → UP
    await asyncio.sleep(1.5)
    if spool is not None:
        recorder._fence = refused
        logging.getLogger("hiccup").setLevel(logging.CRITICAL)  # one traceback per flush
    latencies: list[float] = []
    for index in range(rounds * 2):
        ok = index % 2 == 1  # down, then up again
        started = time.perf_counter()
        recorder.submit(spec, CheckResult(ok=ok, latency_ms=5, error=None if ok else "refused"),
                        clock.now())  # fmt: skip
        arrived = await asyncio.wait_for(receiver.arrivals.get(), 30)
        latencies.append(arrived - started)
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await notifications.close()
    await engine.dispose()
    return latencies


async def baseline_latencies(port: int, receiver: Receiver, rounds: int) -> list[float]:
    latencies: list[float] = []
    body = b'{"type":"hiccup.alert","event":"down","summary":"flexo is down"}'
    async with aiohttp.ClientSession() as session:
        for _ in range(rounds * 2):
            started = time.perf_counter()
            async with session.post(f"http://127.0.0.1:{port}/ops", data=body) as reply:
                await reply.read()
            latencies.append(await receiver.arrivals.get() - started)
            await asyncio.sleep(0.05)
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-down", action="store_true")
    args = parser.parse_args()
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/ops", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("HICCUP_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        spool = Path(folder) / "alert-spool" if args.database_down else None
        hiccup = await hiccup_latencies(url, port, receiver, args.rounds, spool)
    bare = await baseline_latencies(port, receiver, args.rounds)
    await runner.cleanup()
    state = "down (alerts from the spool)" if args.database_down else url.split(":")[0]
    print(f"database: {state}; confirmed outage or recovery → webhook received")
    print(summary("hiccup  ", hiccup))
    print(summary("baseline", bare) + "  (bare aiohttp POST)")
    ratio = percentile(hiccup, 99) / percentile(bare, 99)
    print(f"ratio:    hiccup p99 / baseline p99 = {ratio:.1f}x (target: p99 < 1000 ms)")


if __name__ == "__main__":
    asyncio.run(main())
